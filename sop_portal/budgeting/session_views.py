"""The joint session screen, for a meeting room and the participants' laptops: the figures of one scenario (KPI
tiles, plan grid, plant and warehouses, chart, campaign calendar), the activity feed, comments, decisions and
sign-off, each a partial that re-fetches when the cycle changes.

Live updates: every screen polls `pulse` every 2 s. It costs one query of its own (the cycle's revision and
phase) and answers 204; when the revision moved it adds `HX-Trigger: budget-changed`, and the panels re-fetch
(hx-trigger="budget-changed from:body"); when the phase moved (the plan locked) it reloads the screen. The
figures come from the stored PlanSnapshot of the scenario's revision, never recomputed by a poll; when none is
stored yet the screen says "computing…" and fetches them.
"""

from __future__ import annotations

import json
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from production.models import Resource
from sop_portal.errors import InputError
from sop_portal.masterdata.models import ProductFamily
from sop_portal.organisation.permissions import can, requires, roles_of

from . import selectors, services, session_display, session_selectors
from .forms import AddCampaignForm, CampaignChangeForm, CommentForm, DecisionForm, ShiftForm, VolumeTargetForm
from .models import BudgetCycle, CapacityCost, PlanSnapshot, Scenario
from .views import cycle_or_404, signoff_context

# What the drill-down shows, one at a time (planning.summary.family_detail's rows).
DRILL_MEASURES = {
    "demand": "Demand",
    "baseline": "Baseline",
    "campaign_lift": "Campaign lift",
    "production": "Production",
    "revenue": "Revenue",
    "margin_contribution": "Contribution",
}


def viewed_scenario(request: HttpRequest, cycle: BudgetCycle) -> Scenario:
    """The scenario the screen shows: `?scenario=` of this cycle, else the proposal."""
    scenario = session_selectors.scenario_of(cycle, request.GET.get("scenario"))
    if scenario is None:
        scenario = cycle.proposal
    if scenario is None:
        raise Http404("This cycle has no proposal")
    return scenario


def shows_baseline(cycle: BudgetCycle, scenario: Scenario) -> bool:
    """A locked cycle's proposal is the baseline as signed, read-only."""
    return not cycle.is_open and scenario.pk == cycle.proposal_id


def _summaries(
    cycle: BudgetCycle, scenario: Scenario, compute: bool
) -> tuple[dict[str, Any] | None, dict[str, Any] | None, bool]:
    """(summary, base plan summary, is the baseline). With `compute` False, None when not stored yet."""
    if shows_baseline(cycle, scenario):
        baseline = session_selectors.baseline_summary(cycle)
        if baseline is not None:
            return baseline, None, True
    stored = session_selectors.stored_summaries(cycle, [scenario, None])
    summary, base = stored.get(scenario.pk), stored.get(None)
    if compute:
        summary = summary or services.scenario_summary(cycle, scenario)
        base = base or services.scenario_summary(cycle, None)
    elif summary is None or base is None:
        return None, None, False
    return summary, base, False


def figures_context(summary: dict[str, Any], base: dict[str, Any] | None, cycle: BudgetCycle) -> dict[str, Any]:
    overloads = session_display.overloads(summary)
    return {
        "summary": summary,
        "months": session_display.months(summary),
        "tiles": session_display.tiles(summary, base),
        "grid": session_display.plan_grid(summary),
        "resources": session_display.resources(summary),
        "warehouses": session_display.warehouses(summary),
        "calendar": session_display.campaign_calendar(summary, cycle.first_week, cycle.weeks),
        "chart": session_display.chart_data(summary),
        "overloads": overloads,
        "overload_totals": session_display.overload_totals(overloads),
        "skipped": summary.get("skipped_changes") or [],
        "comment_counts": session_selectors.comment_counts(cycle),
        "campaign_choices": session_display.campaign_choices(summary),
    }


def latest_summary(cycle: BudgetCycle, scenario: Scenario) -> dict[str, Any] | None:
    """The scenario's most recent stored summary, whatever the live data: enough for names and choices."""
    rows = PlanSnapshot.objects.filter(cycle=cycle, scenario=scenario).order_by("-computed", "-pk")
    return rows.values_list("summary", flat=True).first()


def form_choices(cycle: BudgetCycle, summary: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    """What the change forms offer: the campaigns in the scenario's plan, the families, the resources that can
    run an extra shift (shift hours in this cycle's capacity costs)."""
    shift_ids = CapacityCost.objects.filter(cycle=cycle, shift_hours__gt=0).values_list("resource_id", flat=True)
    return {
        "add_campaign": {},
        "campaign": {"campaigns": session_display.campaign_choices(summary) if summary else []},
        "volume": {"families": list(ProductFamily.objects.order_by("name").values_list("code", "name"))},
        "shift": {
            "resources": list(Resource.objects.filter(pk__in=shift_ids).order_by("code").values_list("code", "name"))
        },
    }


def change_forms(cycle: BudgetCycle, scenario: Scenario, summary: dict[str, Any] | None, **bound: Any) -> dict:
    """The session's change forms, blank unless given bound (with errors)."""
    initial = {"scenario": scenario.pk}
    choices = form_choices(cycle, summary)
    return {
        "add_campaign_form": bound.get("add_campaign") or AddCampaignForm(initial=initial, prefix="ac"),
        "campaign_form": bound.get("campaign")
        or CampaignChangeForm(initial=initial, prefix="cc", **choices["campaign"]),
        "volume_form": bound.get("volume") or VolumeTargetForm(initial=initial, prefix="vt", **choices["volume"]),
        "shift_form": bound.get("shift") or ShiftForm(initial=initial, prefix="sh", **choices["shift"]),
        "campaign_choices": choices["campaign"]["campaigns"],
    }


def base_context(request: HttpRequest, cycle: BudgetCycle, scenario: Scenario) -> dict[str, Any]:
    may_plan = can(request.user, "budget.plan")
    return {
        "cycle": cycle,
        "scenario": scenario,
        "is_proposal": scenario.pk == cycle.proposal_id,
        "baseline_shown": shows_baseline(cycle, scenario),
        "may_plan": may_plan,
        "may_change": may_plan and cycle.is_open,
        "may_manage": can(request.user, "budget.manage"),
        "my_departments": sorted(roles_of(request.user)),
    }


@require_GET
@requires("budget.view")
def session(request: HttpRequest, year: int) -> HttpResponse:
    cycle = cycle_or_404(year)
    scenario = viewed_scenario(request, cycle)
    context = base_context(request, cycle, scenario)
    summary, base, _ = _summaries(cycle, scenario, compute=False)
    context["computing"] = summary is None
    if summary is not None:
        context.update(figures_context(summary, base, cycle))
    labels_from = summary or latest_summary(cycle, scenario)
    context.update(change_forms(cycle, scenario, labels_from))
    context.update(signoff_context(request, cycle, viewed=scenario))
    context.update(feed_context(scenario))
    context.update(comments_context(request, cycle, scenario, labels_from, request.GET.get("line")))
    context.update(decisions_context(cycle))
    context["comment_form"] = CommentForm(initial={"scenario": scenario.pk}, prefix="cm")
    context["decision_form"] = DecisionForm(
        initial={"scenario": scenario.pk}, prefix="dc", departments=cycle.participants.all()
    )
    context["scenarios"] = list(selectors.scenarios(cycle))
    context["baseline"] = selectors.baseline(cycle)
    return render(request, "budgeting/session.html", context)


@require_GET
@requires("budget.view")
def pulse(request: HttpRequest, year: int) -> HttpResponse:
    """204 while nothing changed; `HX-Trigger: budget-changed` with the new revision when it did; a reload when
    the phase moved. Only the cycle's revision and phase are read: the poll never touches the figures."""
    current = session_selectors.pulse(year)
    if current is None:
        raise Http404("No budget cycle for this year")
    revision, phase = current
    response = HttpResponse(status=204)
    if request.GET.get("phase") and request.GET["phase"] != phase:
        response["HX-Refresh"] = "true"
    elif request.GET.get("seen") != str(revision):
        response["HX-Trigger"] = json.dumps({"budget-changed": {"revision": revision, "phase": phase}})
    return response


@require_GET
@requires("budget.view")
def figures(request: HttpRequest, year: int) -> HttpResponse:
    """The figures partial; computes the scenario's summary if this revision has none stored yet."""
    cycle = cycle_or_404(year)
    scenario = viewed_scenario(request, cycle)
    summary, base, _ = _summaries(cycle, scenario, compute=True)
    assert summary is not None
    context = base_context(request, cycle, scenario)
    context.update(figures_context(summary, base, cycle))
    context["oob"] = bool(request.htmx)  # type: ignore[attr-defined]
    return render(request, "budgeting/_figures.html", context)


def feed_context(scenario: Scenario, error: str = "") -> dict[str, Any]:
    return {"feed": list(session_selectors.changes(scenario)), "feed_error": error}


@require_GET
@requires("budget.view")
def feed(request: HttpRequest, year: int) -> HttpResponse:
    cycle = cycle_or_404(year)
    scenario = viewed_scenario(request, cycle)
    context = {**base_context(request, cycle, scenario), **feed_context(scenario)}
    return render(request, "budgeting/_feed.html", context)


def comments_context(
    request: HttpRequest, cycle: BudgetCycle, scenario: Scenario, summary: dict[str, Any] | None, line: str | None
) -> dict[str, Any]:
    labels = session_display.line_labels(summary) if summary else {"": "Whole plan"}
    rows = selectors.comments(cycle, line or None).order_by("-created", "-pk")
    mine = sorted(roles_of(request.user))
    mentioned = selectors.mentions_for(cycle, request.user).count() if mine else 0
    return {
        "comments": [{"comment": c, "label": labels.get(c.line, c.line or "Whole plan")} for c in rows],
        "comment_line": line or "",
        "comment_line_label": labels.get(line, line) if line else "",  # the form says "the whole plan" itself
        "mention_count": mentioned,
        "my_departments": mine,
    }


@require_GET
@requires("budget.view")
def comments(request: HttpRequest, year: int) -> HttpResponse:
    cycle = cycle_or_404(year)
    scenario = viewed_scenario(request, cycle)
    summary = latest_summary(cycle, scenario)
    context = {**base_context(request, cycle, scenario)}
    context.update(comments_context(request, cycle, scenario, summary, request.GET.get("line")))
    return render(request, "budgeting/_comments.html", context)


def decisions_context(cycle: BudgetCycle) -> dict[str, Any]:
    return {"decisions": list(selectors.decisions(cycle).order_by("-created", "-pk"))}


@require_GET
@requires("budget.view")
def decisions(request: HttpRequest, year: int) -> HttpResponse:
    cycle = cycle_or_404(year)
    scenario = viewed_scenario(request, cycle)
    context = {**base_context(request, cycle, scenario), **decisions_context(cycle)}
    return render(request, "budgeting/_decisions.html", context)


@require_GET
@requires("budget.view")
def family(request: HttpRequest, year: int, code: str) -> HttpResponse:
    """Drill-down: one family's products by month or by week (planning.summary.family_detail)."""
    cycle = cycle_or_404(year)
    scenario = viewed_scenario(request, cycle)
    by = request.GET.get("by", "month")
    try:
        detail = services.family_detail(cycle, scenario, code, by)
    except InputError as exc:
        raise Http404(exc.message) from exc
    measure = request.GET.get("measure", "demand")
    if measure not in DRILL_MEASURES:
        measure = "demand"
    rows = [
        {"sku": product["sku"], "values": product[measure], "total": _year(product[measure])}
        for product in detail["products"]
    ]
    context = {
        **base_context(request, cycle, scenario),
        "detail": detail,
        "measure": measure,
        "measure_label": DRILL_MEASURES[measure].lower(),
        "measures": list(DRILL_MEASURES.items()),
        "bys": ["month", "week"],
        "rows": rows,
        "total": {"values": detail["total"][measure], "total": _year(detail["total"][measure])},
        "month_spans": session_display.week_month_spans(detail["periods"]) if detail["by"] == "week" else [],
    }
    return render(request, "budgeting/_family_detail.html", context)


def _year(values: list[float | None]) -> float:
    return round(sum(v for v in values if v is not None), 2)
