"""Budget pages: the cycle list and one cycle's page (phase, participants and sign-off, capacity costs,
scenarios). Thin views over `services` (the only writers) and the selectors; templates in templates/budgeting/.

The session screen is session_views.py (reads) and change_views.py (what the room changes); the side-by-side
comparison is compare_views.py. A write here answers the planner with what was refused (409 for a stale
version or a locked plan, 422 for bad input) and tells every open screen through `cycle.revision`.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sop_portal.errors import InputError, StaleEdit
from sop_portal.organisation.models import Department
from sop_portal.organisation.permissions import CAPABILITIES, can, can_in, requires

from . import selectors, services, session_selectors
from .errors import BudgetLocked
from .forms import CapacityCostForm, CycleForm, PhaseForm, ScenarioForm, SignForm, put_errors
from .models import PHASE_ORDER, BudgetCycle, Phase, Scenario, SignOffStatus
from .services import SIGNING_PHASES


def cycle_or_404(year: int) -> BudgetCycle:
    return get_object_or_404(BudgetCycle.objects.select_related("proposal", "created_by"), fiscal_year=year)


def announce(request: HttpRequest, response: HttpResponse, cycle: BudgetCycle) -> HttpResponse:
    """Tell this screen about its own change at once (the other screens learn it from their pulse): the new
    revision as an htmx event its panels re-fetch on, or a full reload when the phase moved (the plan locked)."""
    current = session_selectors.pulse(cycle.fiscal_year)
    if current is None:
        return response
    revision, phase = current
    response["HX-Trigger"] = json.dumps({"budget-changed": {"revision": revision, "phase": phase}})
    if phase != cycle.phase:
        response["HX-Refresh"] = "true"
    return response


def _back(request: HttpRequest, fallback: str) -> str:
    """Where a plain (non-htmx) form returns to: its `next` if it is one of ours, else the fallback."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    return target if target.startswith("/budget/") else fallback


# --- the list ---------------------------------------------------------------------------------------------------


def _next_free_year() -> int:
    taken = set(BudgetCycle.objects.values_list("fiscal_year", flat=True))
    year = date.today().year + 1
    while year in taken:
        year += 1
    return year


def _list_page(request: HttpRequest, form: CycleForm | None, status: int = 200) -> HttpResponse:
    if form is None and can(request.user, "budget.manage"):
        form = CycleForm(initial={"fiscal_year": _next_free_year(), "participants": Department.objects.all()})
    context = {"cycles": session_selectors.cycles(), "form": form}
    return render(request, "budgeting/cycle_list.html", context, status=status)


@require_http_methods(["GET", "POST"])
@requires("budget.view")
def cycle_list(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _list_page(request, None)
    if not can(request.user, "budget.manage"):
        raise PermissionDenied(CAPABILITIES["budget.manage"].description)
    form = CycleForm(request.POST)
    if not form.is_valid():
        return _list_page(request, form, 422)
    data = form.cleaned_data
    try:
        cycle = services.create_cycle(
            data["fiscal_year"], list(data["participants"]), request.user, name=data["name"],
            returns_handling_cost=data["returns_handling_cost"],
        )  # fmt: skip
    except InputError as exc:
        put_errors(form, {exc.field: exc.message})
        return _list_page(request, form, 422)
    messages.success(request, f"{cycle.name} is open in preparation: set capacity costs, then start the session.")
    return redirect("budget-cycle", cycle.fiscal_year)


# --- one cycle --------------------------------------------------------------------------------------------------


def phase_steps(cycle: BudgetCycle) -> list[dict[str, Any]]:
    position = PHASE_ORDER.index(Phase(cycle.phase))
    states = ["done"] * position + ["current"] + ["todo"] * (len(PHASE_ORDER) - position - 1)
    return [
        {"phase": phase.value, "label": phase.label, "state": state}
        for phase, state in zip(PHASE_ORDER, states, strict=True)
    ]


def next_phase(cycle: BudgetCycle) -> Phase | None:
    position = PHASE_ORDER.index(Phase(cycle.phase))
    return PHASE_ORDER[position + 1] if position + 1 < len(PHASE_ORDER) else None


def signoff_context(
    request: HttpRequest, cycle: BudgetCycle, error: str = "", viewed: Scenario | None = None
) -> dict[str, Any]:
    """The participants and their sign-off, with a button where this planner may sign for the department.

    A signature is always for the proposal: when the screen shows another scenario (`viewed`, or `?scenario=` of
    the panel's own refresh) the panel says so, lest a planner sign figures they have not looked at."""
    if viewed is None:
        viewed = session_selectors.scenario_of(cycle, request.GET.get("scenario") or request.POST.get("scenario"))
    elsewhere = viewed if viewed is not None and viewed.pk != cycle.proposal_id else None
    rows: list[dict[str, Any]] = []
    for signoff in selectors.signoffs(cycle):
        code = signoff.department.code
        may_sign = (
            cycle.phase in SIGNING_PHASES
            and signoff.status != SignOffStatus.SIGNED
            and can_in(request.user, "budget.plan", code)
        )
        rows.append({"signoff": signoff, "may_sign": may_sign})
    signed = sum(1 for row in rows if row["signoff"].status == SignOffStatus.SIGNED)
    proposal = Scenario.objects.filter(pk=cycle.proposal_id or 0).values_list("revision", flat=True).first()
    return {
        "cycle": cycle, "signoff_rows": rows, "signed_count": signed, "signoff_error": error,
        "proposal_revision": proposal, "signing_open": cycle.phase in SIGNING_PHASES, "viewing_other": elsewhere,
    }  # fmt: skip


def _cost_forms(cycle: BudgetCycle, bound: tuple[str, CapacityCostForm] | None = None) -> list[dict[str, Any]]:
    rows = []
    for row in session_selectors.capacity_costs(cycle):
        code = row.resource.code
        if bound is not None and bound[0] == code:
            form = bound[1]
        else:
            cost = row.cost
            initial: dict[str, Any] = {"version": cycle.version}
            if cost is not None:
                initial.update(
                    overtime_cost_per_hour=cost.overtime_cost_per_hour, overtime_limit_pct=cost.overtime_limit_pct,
                    shift_hours=cost.shift_hours, shift_cost_per_week=cost.shift_cost_per_week,
                    max_extra_shifts=cost.max_extra_shifts,
                )  # fmt: skip
            form = CapacityCostForm(initial=initial, prefix=code)
        for field in form.fields.values():  # the inputs sit in table cells, the <form> in the last one
            # No <label> in a cell: the resource and the column name the input for a screen reader.
            field.widget.attrs.update({"form": f"cost-{code}", "class": "input-num"})
            if not field.widget.is_hidden:
                field.widget.attrs["aria-label"] = f"{row.resource.name}: {field.label}"
        rows.append({"resource": row.resource, "cost": row.cost, "form": form})
    return rows


def _cycle_page(request: HttpRequest, cycle: BudgetCycle, status: int = 200, **extra: Any) -> HttpResponse:
    scenarios = list(selectors.scenarios(cycle))
    context: dict[str, Any] = {
        **signoff_context(request, cycle),
        "steps": phase_steps(cycle),
        "next_phase": next_phase(cycle),
        "phase_form": PhaseForm(initial={"version": cycle.version}),
        "cost_rows": _cost_forms(cycle, extra.pop("bound_cost", None)),
        "scenarios": scenarios,
        "scenario_form": ScenarioForm(scenarios=scenarios),
        "baseline": selectors.baseline(cycle),
        "decisions_count": selectors.decisions(cycle).count(),
        "may_manage": can(request.user, "budget.manage"),
        "may_plan": can(request.user, "budget.plan"),
        **extra,
    }
    return render(request, "budgeting/cycle_detail.html", context, status=status)


@require_GET
@requires("budget.view")
def cycle_detail(request: HttpRequest, year: int) -> HttpResponse:
    return _cycle_page(request, cycle_or_404(year))


@require_POST
@requires("budget.manage")
def move_phase(request: HttpRequest, year: int) -> HttpResponse:
    cycle = cycle_or_404(year)
    form = PhaseForm(request.POST)
    if not form.is_valid():
        return _cycle_page(request, cycle, 422, phase_error="Pick the phase to move to.")
    try:
        moved = services.move_phase(cycle, form.cleaned_data["phase"], request.user, form.cleaned_data["version"])
    except StaleEdit as exc:
        message = f"Not moved: {exc}. The page now shows the cycle as it is."
        return _cycle_page(request, cycle, 409, phase_error=message)
    except InputError as exc:
        return _cycle_page(request, cycle, 409, phase_error=f"Not moved: {exc.message}.")
    messages.success(request, f"{moved.name} is now in {moved.get_phase_display().lower()}.")
    return redirect("budget-cycle", year)


@require_POST
@requires("budget.manage")
def set_capacity_cost(request: HttpRequest, year: int, resource: str) -> HttpResponse:
    cycle = cycle_or_404(year)
    form = CapacityCostForm(request.POST, prefix=resource)
    if not form.is_valid():
        return _cycle_page(request, cycle, 422, bound_cost=(resource, form))
    try:
        saved = services.set_capacity_cost(
            cycle, resource, request.user, expected_version=form.cleaned_data["version"], **form.values()
        )
    except StaleEdit as exc:
        form.add_error(None, f"Not saved: {exc}")
        return _cycle_page(request, cycle, 409, bound_cost=(resource, form))
    except BudgetLocked as exc:
        form.add_error(None, str(exc))
        return _cycle_page(request, cycle, 409, bound_cost=(resource, form))
    except InputError as exc:
        put_errors(form, {exc.field: exc.message})
        return _cycle_page(request, cycle, 422, bound_cost=(resource, form))
    messages.success(request, f"Capacity cost of {saved.resource.name} saved; the proposal is recomputed with it.")
    return redirect(reverse("budget-cycle", args=[year]) + "#capacity-costs")


@require_POST
@requires("budget.plan")
def create_scenario(request: HttpRequest, year: int) -> HttpResponse:
    cycle = cycle_or_404(year)
    scenarios = list(selectors.scenarios(cycle))
    form = ScenarioForm(request.POST, scenarios=scenarios)
    if not form.is_valid():
        return _cycle_page(request, cycle, 422, scenario_form=form)
    source = next((s for s in scenarios if s.pk == form.cleaned_data["copy_from"]), None)
    try:
        scenario = services.create_scenario(
            cycle, form.cleaned_data["name"], request.user, copy_from=source,
            description=form.cleaned_data["description"],
        )  # fmt: skip
    except BudgetLocked as exc:
        form.add_error(None, str(exc))
        return _cycle_page(request, cycle, 409, scenario_form=form)
    except InputError as exc:
        put_errors(form, {exc.field: exc.message})
        return _cycle_page(request, cycle, 422, scenario_form=form)
    messages.success(request, f"Scenario {scenario.name} created: change it in the session, compare it, promote it.")
    return redirect(reverse("budget-session", args=[year]) + f"?scenario={scenario.pk}")


@require_POST
@requires("budget.manage")
def promote(request: HttpRequest, year: int, pk: int) -> HttpResponse:
    cycle = cycle_or_404(year)
    scenario = get_object_or_404(Scenario, pk=pk, cycle=cycle)
    version = request.POST.get("version", "")
    try:
        services.promote_proposal(cycle, scenario, request.user, int(version) if version.isdigit() else None)
    except (StaleEdit, BudgetLocked, InputError) as exc:
        status = 422 if isinstance(exc, InputError) else 409
        message = f"{scenario.name} is not the proposal: {exc}"
        if request.POST.get("from") == "compare":
            from .compare_views import compare_page

            return compare_page(request, cycle, request.POST.getlist("s"), status=status, error=message)
        return _cycle_page(request, cycle, status, scenario_error=message)
    messages.success(request, f"{scenario.name} is now the proposal the departments sign.")
    return redirect(_back(request, reverse("budget-cycle", args=[year])))


# --- sign-off ---------------------------------------------------------------------------------------------------


@require_GET
@requires("budget.view")
def signoffs(request: HttpRequest, year: int) -> HttpResponse:
    cycle = cycle_or_404(year)
    return render(request, "budgeting/_signoffs.html", signoff_context(request, cycle))


@require_POST
@requires("budget.plan")
def sign(request: HttpRequest, year: int) -> HttpResponse:
    cycle = cycle_or_404(year)
    form = SignForm(request.POST)
    if not form.is_valid():
        raise Http404("No department or revision to sign")
    department = form.cleaned_data["department"]
    try:
        signed = services.sign_off(cycle, department, request.user, expected_revision=form.cleaned_data["revision"])
    except StaleEdit as exc:
        message = (
            f"Not signed: the proposal changed while you looked at it (now revision {exc.current_version}). "
            "Check the new figures, then sign again."
        )
        return _signoff_refused(request, cycle, message)
    except (BudgetLocked, InputError) as exc:
        return _signoff_refused(request, cycle, f"Not signed: {getattr(exc, 'message', exc)}")
    if not request.htmx:  # type: ignore[attr-defined]
        messages.success(request, f"Signed for {signed.department.name}.")
        return redirect(_back(request, reverse("budget-cycle", args=[year])))
    return announce(request, HttpResponse(status=204), cycle)


def _signoff_refused(request: HttpRequest, cycle: BudgetCycle, message: str) -> HttpResponse:
    cycle.refresh_from_db()
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "budgeting/_signoffs.html", signoff_context(request, cycle, message), status=409)
    return _cycle_page(request, cycle, 409, **{"signoff_error": message})
