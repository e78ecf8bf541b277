"""Reads of the budget pages beyond `selectors`: the cycle list with its sign-off progress, the pulse, stored
summaries (without computing), capacity costs per resource, the scenario's changes and comment counts per line.

The figures themselves come from `services.scenario_summary` (a PlanSnapshot per scenario revision); here we only
look whether one is stored, so a page can show "computing…" instead of making the planner wait blind.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet

from production.models import Resource

from .base_inputs import inputs_stamp
from .models import BudgetBaseline, BudgetCycle, CapacityCost, Comment, PlanSnapshot, Scenario, ScenarioChange
from .models import SignOffStatus as Status


def cycles() -> QuerySet[BudgetCycle]:
    """Every cycle, newest year first, with its participants and how many of them have signed."""
    return (
        BudgetCycle.objects.select_related("proposal")
        .prefetch_related("participants")
        .annotate(
            signed=Count("signoffs", filter=Q(signoffs__status=Status.SIGNED), distinct=True),
            reopened=Count("signoffs", filter=Q(signoffs__status=Status.REOPENED), distinct=True),
            signers=Count("signoffs", distinct=True),
        )
        .order_by("-fiscal_year")
    )


def pulse(fiscal_year: int) -> tuple[int, str] | None:
    """(revision, phase) of a cycle: the one query a session screen's poll costs."""
    return BudgetCycle.objects.filter(fiscal_year=fiscal_year).values_list("revision", "phase").first()


def scenario_of(cycle: BudgetCycle, pk: Any) -> Scenario | None:
    """The scenario a page asks for (`?scenario=`), if it belongs to the cycle; None for anything else."""
    try:
        number = int(pk)
    except (TypeError, ValueError):
        return None
    return Scenario.objects.filter(cycle=cycle, pk=number).first()


def stored_summaries(cycle: BudgetCycle, scenarios: Sequence[Scenario | None]) -> dict[int | None, dict[str, Any]]:
    """The summaries already stored for these scenarios (None: the base plan) at their current revision over the
    live data as it is now; a scenario missing from the answer would have to be computed first."""
    stamp = inputs_stamp(cycle)
    wanted = Q(pk__in=[])
    for scenario in scenarios:
        revision = scenario.revision if scenario is not None else 0
        wanted |= Q(scenario=scenario, scenario_revision=revision)
    rows = (
        PlanSnapshot.objects.filter(wanted, cycle=cycle, inputs_stamp=stamp)
        .order_by("computed")
        .values_list("scenario_id", "summary")
    )
    return dict(rows)


def baseline_summary(cycle: BudgetCycle) -> dict[str, Any] | None:
    return BudgetBaseline.objects.filter(cycle=cycle).values_list("summary", flat=True).first()


@dataclass(frozen=True)
class CostRow:
    resource: Resource
    cost: CapacityCost | None


def capacity_costs(cycle: BudgetCycle) -> list[CostRow]:
    """Every plant resource with this year's cost of extra hours (None: not set, so its overload is uncovered)."""
    costs = {c.resource_id: c for c in CapacityCost.objects.filter(cycle=cycle)}
    resources = Resource.objects.select_related("plant").order_by("plant__code", "code")
    return [CostRow(resource, costs.get(resource.pk)) for resource in resources]


def changes(scenario: Scenario) -> QuerySet[ScenarioChange]:
    """The scenario's changes, newest first, withdrawn ones too (marked): its activity feed."""
    return scenario.changes.select_related("author", "department").order_by("-created", "-pk")


def comment_counts(cycle: BudgetCycle) -> dict[str, int]:
    """Comment line → how many remarks it has (the grid's per-line badge)."""
    rows = Comment.objects.filter(cycle=cycle).values("line").annotate(n=Count("pk")).values_list("line", "n")
    return dict(rows)
