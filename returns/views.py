"""Returns pages: the dashboard (trend, Pareto of reasons, campaigns, channels, products), the drill-down to
lines and comments, and one anomaly with its thread (acknowledge, answer, note). The import pages are in
import_views.py."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_http_methods

from sop_portal.errors import InputError
from sop_portal.masterdata import services as masterdata
from sop_portal.masterdata.weeks import week_label, week_start
from sop_portal.organisation.models import Department
from sop_portal.organisation.permissions import requires

from . import access, selectors, services
from .forms import AcknowledgeForm, AnswerForm, LinesFilterForm, NoteForm, ScopeForm
from .models import ReturnAnomaly, ReturnLine

PAGE_SIZE = 50
RESPONSES = ("acknowledge", "answer", "note")


def _render(request: HttpRequest, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    response = render(request, template, context, status=status)
    patch_vary_headers(response, ["HX-Request"])  # one URL answers a whole page or a part of it
    return response


def _htmx(request: HttpRequest) -> bool:
    htmx = getattr(request, "htmx", None)
    return htmx is not None and bool(htmx) and not htmx.history_restore_request


@require_GET
@requires("portal.view")
def dashboard(request: HttpRequest) -> HttpResponse:
    form = ScopeForm(request.GET or None)
    scope = form.scope()
    board = selectors.dashboard(scope)
    scope_query = {"weeks": scope.weeks, "family": scope.family or "", "channel": scope.channel}
    context = {
        "form": form,
        "board": board,
        "scope": scope,
        "first_week": week_label(scope.start),
        "last_week": week_label(scope.end - timedelta(weeks=1)),
        "baseline_first_week": week_label(scope.baseline_start),
        "scope_query": "&".join(f"{k}={v}" for k, v in scope_query.items() if v),
        "charts": {
            "trend": board.trend,
            "pareto": {
                "labels": [r["name"] for r in board.reason_groups],
                "keys": [r["key"] for r in board.reason_groups],
                "units": [r["returned"] for r in board.reason_groups],
                "cumulative": [round(r["cumulative"] * 100, 1) for r in board.reason_groups],
            },
        },
    }
    return _render(request, "returns/dashboard.html", context)


def _filtered_lines(form: LinesFilterForm) -> tuple[QuerySet[ReturnLine], list[str]]:
    """The lines the filters select, and what they say in words (for the page heading)."""
    lines = ReturnLine.objects.select_related("authorisation", "product", "reason__parent", "campaign").order_by(
        "-authorisation__return_date", "authorisation_id", "line"
    )
    said: list[str] = []
    if not form.is_valid():
        return lines, said
    data = form.cleaned_data
    if data.get("sku"):
        lines = lines.filter(product__sku=data["sku"])
        said.append(f"SKU {data['sku']}")
    if data.get("family"):
        lines = lines.filter(product__family=data["family"])
        said.append(f"family {data['family'].name}")
    if data.get("channel"):
        lines = lines.filter(channel=data["channel"])
        said.append(f"{data['channel']} channel")
    if data.get("campaign"):
        lines = lines.filter(campaign=data["campaign"])
        said.append(f"campaign '{data['campaign'].name}'")
    if data.get("reason"):
        reason = data["reason"]
        lines = lines.filter(Q(reason=reason) | Q(reason__parent=reason))
        said.append(f"reason {reason}")
    if data.get("week"):
        monday = week_start(data["week"])
        lines = lines.filter(order_week=monday)
        said.append(f"ordered in {week_label(monday)}")
    elif data.get("weeks"):
        end = week_start(masterdata.today())
        lines = lines.filter(order_week__gte=end - timedelta(weeks=data["weeks"]), order_week__lt=end)
        said.append(f"ordered in the last {data['weeks']} weeks")
    if data.get("comments"):
        lines = lines.exclude(comment="")
        said.append("with a comment")
    return lines, said


@require_GET
@requires("portal.view")
def lines(request: HttpRequest) -> HttpResponse:
    form = LinesFilterForm(request.GET or None)
    selected, said = _filtered_lines(form)
    page = Paginator(selected, PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    context = {"form": form, "page": page, "said": said, "query_string": params.urlencode(), "noun": "lines"}
    template = "returns/_lines_table.html" if _htmx(request) else "returns/lines.html"
    return _render(request, template, context)


def _anomaly(pk: int) -> ReturnAnomaly:
    return get_object_or_404(
        ReturnAnomaly.objects.select_related(
            "product__family", "campaign__owner", "campaign__owner_department", "alert", "acknowledged_by", "batch"
        ),
        pk=pk,
    )


def _anomaly_context(request: HttpRequest, anomaly: ReturnAnomaly, **forms: Any) -> dict[str, Any]:
    may_answer = access.may_answer(request.user, anomaly)
    names = dict(Department.objects.values_list("code", "name"))
    responses = list(anomaly.responses.select_related("author"))
    for response in responses:
        response.department_name = names.get(response.department, response.department)  # type: ignore[attr-defined]
    return {
        "anomaly": anomaly,
        "responses": responses,
        "may_answer": may_answer,
        "may_note": access.may_note(request.user, anomaly) and anomaly.status != ReturnAnomaly.Status.RESOLVED,
        "acknowledge_form": forms.get("acknowledge") or AcknowledgeForm(),
        "answer_form": forms.get("answer") or AnswerForm(),
        "note_form": forms.get("note") or NoteForm(),
        "department_names": [names.get(code, code) for code in anomaly.departments],
        "lines_query": (
            f"campaign={anomaly.campaign_id}&sku={anomaly.product.sku}"
            if anomaly.campaign_id
            else f"sku={anomaly.product.sku}&weeks=13"
        ),
    }


@require_GET
@requires("portal.view")
def anomaly_detail(request: HttpRequest, pk: int) -> HttpResponse:
    anomaly = _anomaly(pk)
    return _render(request, "returns/anomaly.html", _anomaly_context(request, anomaly))


@require_http_methods(["POST"])
@requires("portal.view")
def anomaly_respond(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    anomaly = _anomaly(pk)
    if action not in RESPONSES:
        raise PermissionDenied("Unknown response")
    allowed = access.may_note if action == "note" else access.may_answer
    if not allowed(request.user, anomaly):
        raise PermissionDenied("Only the campaign's owner or its department's planners may answer this.")
    form_class = {"acknowledge": AcknowledgeForm, "answer": AnswerForm, "note": NoteForm}[action]
    form = form_class(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if action == "acknowledge":
                services.acknowledge_anomaly(anomaly, actor=request.user, note=data["note"])
                messages.success(request, "Acknowledged. Answer with the action taken once you know it.")
            elif action == "answer":
                services.answer_anomaly(anomaly, actor=request.user, **data)
                messages.success(request, "Answer recorded: customer service, sales and marketing can see it.")
            else:
                services.add_note(anomaly, actor=request.user, text=data["text"])
                messages.success(request, "Note added to the thread.")
            return redirect("returns-anomaly", pk=anomaly.pk)
        except InputError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
    context = _anomaly_context(request, _anomaly(pk), **{action: form})
    return _render(request, "returns/anomaly.html", context, status=422)
