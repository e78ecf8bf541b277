"""What the room changes in the joint session: deltas on a scenario (add, move, scale or drop a campaign, a
volume target, an extra shift), withdrawing one, comments and decisions. Each is one `services` call.

A form answers with itself: blank again after a change (and `HX-Trigger: budget-changed`, so this screen's
panels re-fetch at once; the others follow through their pulse), or with the errors next to the fields they
name (422), or with why the plan refused (409: it is locked).
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from sop_portal.errors import InputError, StaleEdit
from sop_portal.organisation.permissions import requires

from . import services, session_display, session_selectors
from .deltas import DeltaValidationError
from .errors import BudgetLocked
from .forms import (
    AddCampaignForm,
    CampaignChangeForm,
    ChangeForm,
    CommentForm,
    DecisionForm,
    ShiftForm,
    VolumeTargetForm,
    put_errors,
)
from .models import BudgetCycle, Scenario, ScenarioChange
from .session_views import base_context, change_forms, feed_context, form_choices, latest_summary
from .views import announce, cycle_or_404

# URL name of a form → (its prefix, the key change_forms() knows it by, its template).
FORMS: dict[str, tuple[type[ChangeForm], str, str, str]] = {
    "add-campaign": (AddCampaignForm, "ac", "add_campaign", "budgeting/_form_add_campaign.html"),
    "campaign": (CampaignChangeForm, "cc", "campaign", "budgeting/_form_campaign.html"),
    "volume-target": (VolumeTargetForm, "vt", "volume", "budgeting/_form_volume.html"),
    "shift": (ShiftForm, "sh", "shift", "budgeting/_form_shift.html"),
}


def _scenario(cycle: BudgetCycle, pk: Any) -> Scenario:
    scenario = session_selectors.scenario_of(cycle, pk)
    if scenario is None:
        raise Http404("No such scenario in this budget cycle")
    return scenario


def _form_page(
    request: HttpRequest, cycle: BudgetCycle, scenario: Scenario, name: str, form: ChangeForm | None,
    status: int, done: str = "",
) -> HttpResponse:  # fmt: skip
    _, _, key, template = FORMS[name]
    summary = latest_summary(cycle, scenario)  # the campaigns a just-added one joins, for the next change
    context = {**base_context(request, cycle, scenario), **change_forms(cycle, scenario, summary, **{key: form})}
    context["done"] = done
    return render(request, template, context, status=status)


@require_POST
@requires("budget.plan")
def add_change(request: HttpRequest, year: int, name: str) -> HttpResponse:
    if name not in FORMS:
        raise Http404("No such change")
    form_class, prefix, _, _ = FORMS[name]
    cycle = cycle_or_404(year)
    scenario = _scenario(cycle, request.POST.get(f"{prefix}-scenario"))
    choices = form_choices(cycle, latest_summary(cycle, scenario))[FORMS[name][2]]
    form = form_class(request.POST, prefix=prefix, **choices)
    if not form.is_valid():
        return _form_page(request, cycle, scenario, name, form, 422)
    try:
        change = services.add_change(
            scenario, form.kind, form.payload(), request.user, note=form.cleaned_data.get("note") or ""
        )
    except DeltaValidationError as exc:
        form.apply_errors(exc.errors)
        return _form_page(request, cycle, scenario, name, form, 422)
    except BudgetLocked as exc:
        form.add_error(None, str(exc))
        return _form_page(request, cycle, scenario, name, form, 409)
    except InputError as exc:
        put_errors(form, {exc.field: exc.message})
        return _form_page(request, cycle, scenario, name, form, 422)
    if not request.htmx:  # type: ignore[attr-defined]
        return redirect(reverse("budget-session", args=[year]) + f"?scenario={scenario.pk}")
    response = _form_page(request, cycle, scenario, name, None, 200, done=change.summary)
    return announce(request, response, cycle)


@require_POST
@requires("budget.plan")
def withdraw(request: HttpRequest, year: int, pk: int) -> HttpResponse:
    cycle = cycle_or_404(year)
    change = get_object_or_404(ScenarioChange.objects.select_related("scenario"), pk=pk, scenario__cycle=cycle)
    scenario = change.scenario
    try:
        services.withdraw_change(change, request.user, note=request.POST.get("note", ""))
    except (BudgetLocked, InputError, StaleEdit) as exc:
        message = f"Not withdrawn: {getattr(exc, 'message', exc)}"
        status = 422 if isinstance(exc, InputError) else 409
        context = {**base_context(request, cycle, scenario), **feed_context(scenario, message)}
        return render(request, "budgeting/_feed.html", context, status=status)
    if not request.htmx:  # type: ignore[attr-defined]
        return redirect(reverse("budget-session", args=[year]) + f"?scenario={scenario.pk}")
    return announce(request, HttpResponse(status=204), cycle)


def _comment_form(request: HttpRequest, cycle: BudgetCycle, scenario: Scenario, form: CommentForm, status: int,
                  done: str = "") -> HttpResponse:  # fmt: skip
    line = form["line"].value() or ""
    summary = latest_summary(cycle, scenario)
    label = session_display.line_labels(summary).get(line, line) if summary and line else ""
    context = {
        **base_context(request, cycle, scenario), "comment_form": form, "comment_done": done,
        "comment_line_label": label,
    }  # fmt: skip
    return render(request, "budgeting/_comment_form.html", context, status=status)


@require_POST
@requires("budget.plan")
def add_comment(request: HttpRequest, year: int) -> HttpResponse:
    cycle = cycle_or_404(year)
    form = CommentForm(request.POST, prefix="cm")
    scenario = _scenario(cycle, request.POST.get("cm-scenario"))
    if not form.is_valid():
        return _comment_form(request, cycle, scenario, form, 422)
    line = form.cleaned_data["line"]
    try:
        services.add_comment(cycle, line, form.cleaned_data["body"], request.user, scenario=scenario)
    except BudgetLocked as exc:
        form.add_error(None, str(exc))
        return _comment_form(request, cycle, scenario, form, 409)
    except InputError as exc:
        put_errors(form, {exc.field: exc.message})
        return _comment_form(request, cycle, scenario, form, 422)
    if not request.htmx:  # type: ignore[attr-defined]
        return redirect(reverse("budget-session", args=[year]) + f"?scenario={scenario.pk}")
    fresh = CommentForm(initial={"scenario": scenario.pk, "line": line}, prefix="cm")
    return announce(request, _comment_form(request, cycle, scenario, fresh, 200, done="Comment added."), cycle)


def _decision_form(request: HttpRequest, cycle: BudgetCycle, scenario: Scenario, form: DecisionForm, status: int,
                   done: str = "") -> HttpResponse:  # fmt: skip
    context = {**base_context(request, cycle, scenario), "decision_form": form, "decision_done": done}
    return render(request, "budgeting/_decision_form.html", context, status=status)


@require_POST
@requires("budget.plan")
def record_decision(request: HttpRequest, year: int) -> HttpResponse:
    cycle = cycle_or_404(year)
    scenario = _scenario(cycle, request.POST.get("dc-scenario"))
    departments = cycle.participants.all()
    form = DecisionForm(request.POST, prefix="dc", departments=departments)
    if not form.is_valid():
        return _decision_form(request, cycle, scenario, form, 422)
    data = form.cleaned_data
    try:
        decision = services.record_decision(
            cycle, data["title"], request.user, rationale=data["rationale"], departments=list(data["departments"]),
            scenario=scenario,
        )  # fmt: skip
    except InputError as exc:
        put_errors(form, {exc.field: exc.message})
        return _decision_form(request, cycle, scenario, form, 422)
    if not request.htmx:  # type: ignore[attr-defined]
        return redirect(reverse("budget-session", args=[year]) + f"?scenario={scenario.pk}")
    fresh = DecisionForm(initial={"scenario": scenario.pk}, prefix="dc", departments=departments)
    response = _decision_form(request, cycle, scenario, fresh, 200, done=f"Recorded: {decision.title}")
    return announce(request, response, cycle)
