"""Scenarios side by side (/budget/<year>/compare/?s=<id>&s=<id>): the proposal first, then up to three others,
each KPI with its difference against the proposal (better or worse for the plan), and "promote" for finance.
The figures are `services.compare` (each scenario's stored summary)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from sop_portal.organisation.permissions import can, requires

from . import selectors, services
from .models import BudgetCycle, Scenario
from .views import cycle_or_404

MOST_COMPARED = 3
# (KPI, label, unit, is a rise good for the plan)
ROWS = (
    ("volume", "Volume", "units", True),
    ("revenue", "Revenue", "money", True),
    ("margin", "Margin", "money", True),
    ("margin_pct", "Margin %", "pct", True),
    ("marketing_spend", "Marketing spend", "money", False),
    ("capacity_cost", "Capacity cost", "money", False),
    ("returns_cost", "Returns cost", "money", False),
    ("peak_plant_utilisation", "Peak plant utilisation", "percent", False),
    ("peak_warehouse_utilisation", "Peak warehouse utilisation", "percent", False),
    ("overloaded_weeks", "Overloaded weeks", "units", False),
    ("uncovered_hours", "Uncovered overload hours", "h", False),
)
NOISE = 0.005


def _chosen(cycle: BudgetCycle, ids: Sequence[str]) -> tuple[list[Scenario], list[str], list[Scenario]]:
    """The proposal, then the scenarios asked for (at most three others), the ids that are not in the cycle, and
    the scenarios left out beyond the third (the page says so rather than drop them silently)."""
    found = {s.pk: s for s in Scenario.objects.filter(cycle=cycle, pk__in=[int(i) for i in ids if i.isdigit()])}
    unknown = [i for i in ids if not i.isdigit() or int(i) not in found]
    others = []
    for i in ids:
        scenario = found.get(int(i)) if i.isdigit() else None
        if scenario is not None and scenario.pk != cycle.proposal_id and scenario not in others:
            others.append(scenario)
    proposal = [s for s in [cycle.proposal] if s is not None]
    return proposal + others[:MOST_COMPARED], unknown, others[MOST_COMPARED:]


def _rows(columns: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for key, label, unit, better_up in ROWS:
        cells = []
        for column in columns:
            difference = column["vs_first"].get(key)
            verdict = None
            if column is not columns[0] and difference is not None and abs(difference) > NOISE:
                verdict = "better" if (difference > 0) == better_up else "worse"
            cells.append({"value": column[key], "difference": difference, "verdict": verdict})
        rows.append({"key": key, "label": label, "unit": unit, "cells": cells})
    return rows


def compare_page(
    request: HttpRequest, cycle: BudgetCycle, ids: Sequence[str], status: int = 200, error: str = ""
) -> HttpResponse:
    chosen, unknown, dropped = _chosen(cycle, ids)
    columns = services.compare(cycle, chosen) if len(chosen) > 1 else []
    scenarios = list(selectors.scenarios(cycle))
    context = {
        "cycle": cycle,
        "columns": columns,
        "rows": _rows(columns) if columns else [],
        "scenarios": scenarios,
        "candidates": [s for s in scenarios if s.pk != cycle.proposal_id],
        "dropped": [s.name for s in dropped],
        "selected": [s.pk for s in chosen],
        "unknown": unknown,
        "error": error,
        "may_promote": can(request.user, "budget.manage") and cycle.is_open,
        "query": "&".join(f"s={s.pk}" for s in chosen[1:]),
    }
    return render(request, "budgeting/compare.html", context, status=status)


@require_GET
@requires("budget.view")
def compare(request: HttpRequest, year: int) -> HttpResponse:
    cycle = cycle_or_404(year)
    return compare_page(request, cycle, request.GET.getlist("s"))
