"""Warehouse pages: the heatmap (warehouses x weeks, a cell opens its breakdown), and one warehouse's load against
capacity, order fill and capacity settings. Figures come from `selectors`, the same reads as the API."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from production.views import htmx_target, render_part
from sop_portal.errors import InputError, StaleEdit
from sop_portal.masterdata.weeks import parse_week
from sop_portal.organisation.permissions import can, requires

from . import selectors, services
from .forms import CapacityForm, ExceptionForm
from .models import CapacityException, Warehouse

# The order book reaches a few weeks out: the fill chart shows the next half year, not the whole horizon.
FILL_CHART_WEEKS = 26


def _week(request: HttpRequest, name: str = "from") -> Any:
    try:
        return parse_week(request.GET.get(name, ""))
    except ValueError:
        return None


@require_GET
@requires("portal.view")
def heatmap(request: HttpRequest) -> HttpResponse:
    data = selectors.heatmap(_week(request))
    context: dict[str, Any] = {"heatmap": data}
    if htmx_target(request) == "heatmap":
        return render_part(request, "fulfillment/_heatmap.html", context)
    alerts = selectors.warehouse_alerts()
    context.update(
        alerts=alerts[:6],
        alert_count=len(alerts),
        overloaded=sum(1 for row in data.rows if row.projection and row.projection.weeks_above_critical),
        late_lines=sum(row.projection.late_order_lines for row in data.rows if row.projection),
    )
    return render_part(request, "fulfillment/heatmap.html", context)


@require_GET
@requires("portal.view")
def cell(request: HttpRequest, code: str, week: str) -> HttpResponse:
    """The breakdown of one heatmap cell (an htmx partial; a page of its own without htmx)."""
    warehouse = get_object_or_404(selectors.warehouses(), code=code)
    try:
        monday = parse_week(week)
    except ValueError as exc:
        raise Http404(str(exc)) from exc
    found = selectors.breakdown(warehouse, monday)
    if found is None:
        raise Http404(f"{warehouse.name} has no projection for {week}")
    template = "fulfillment/_breakdown.html" if htmx_target(request) is not None else "fulfillment/breakdown.html"
    return render_part(request, template, {"breakdown": found})


def _detail_context(request: HttpRequest, warehouse: Warehouse, **forms: Any) -> dict[str, Any]:
    projection = getattr(warehouse, "projection", None)
    charts = selectors.charts(warehouse)
    fill = selectors.fill_series(projection).first(FILL_CHART_WEEKS) if projection else None
    may_edit = can(request.user, "warehouse.edit")
    return {
        "warehouse": warehouse,
        "projection": projection,
        "charts": [c.as_json() for c in charts],
        "chart_meta": charts,
        "fill": fill,
        "fill_json": fill.as_json() if fill else None,
        "alerts": list(selectors.open_alerts(warehouse)),
        "exceptions": list(warehouse.exceptions.order_by("week", "dimension")),
        "may_edit": may_edit,
        "capacity_form": forms.get("capacity_form") or (CapacityForm.for_warehouse(warehouse) if may_edit else None),
        "exception_form": forms.get("exception_form")
        or (ExceptionForm(initial={"version": warehouse.version}, prefix="exception") if may_edit else None),
    }


@require_GET
@requires("portal.view")
def detail(request: HttpRequest, code: str) -> HttpResponse:
    warehouse = get_object_or_404(selectors.warehouses(), code=code)
    return render_part(request, "fulfillment/detail.html", _detail_context(request, warehouse))


def _saved(request: HttpRequest, warehouse: Warehouse, message: str) -> HttpResponse:
    messages.success(request, message)
    url = reverse("warehouse-detail", args=[warehouse.code])
    if request.htmx:  # type: ignore[attr-defined]
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


def _settings_card(request: HttpRequest, warehouse: Warehouse, status: int, **forms: Any) -> HttpResponse:
    context = _detail_context(request, warehouse, **forms)
    if htmx_target(request) is not None:
        return render_part(request, "fulfillment/_settings.html", context, status=status)
    return render_part(request, "fulfillment/detail.html", context, status=status)


@require_POST
@requires("warehouse.edit")
def edit_capacity(request: HttpRequest, code: str) -> HttpResponse:
    warehouse = get_object_or_404(selectors.warehouses(), code=code)
    form = CapacityForm(request.POST, prefix="capacity")
    if not form.is_valid():
        return _settings_card(request, warehouse, 400, capacity_form=form)
    try:
        saved = services.update_capacity(
            warehouse, expected_version=form.cleaned_data["version"], actor=request.user, **form.changes()
        )
    except StaleEdit as exc:
        form.add_error(None, str(exc))
        return _settings_card(request, warehouse, 409, capacity_form=form)
    except InputError as exc:
        form.add_error(form.field_of(exc.field) if form.field_of(exc.field) in form.fields else None, exc.message)
        return _settings_card(request, warehouse, 400, capacity_form=form)
    return _saved(request, saved, f"Capacity of {saved.name} saved; load re-checked against it.")


@require_POST
@requires("warehouse.edit")
def add_exception(request: HttpRequest, code: str) -> HttpResponse:
    warehouse = get_object_or_404(selectors.warehouses(), code=code)
    form = ExceptionForm(request.POST, prefix="exception")
    if not form.is_valid():
        return _settings_card(request, warehouse, 400, exception_form=form)
    data = form.cleaned_data
    try:
        services.set_capacity_exception(
            warehouse, expected_version=data["version"], dimension=data["dimension"], week=data["week"],
            capacity=data["capacity"], reason=data["reason"], actor=request.user,
        )  # fmt: skip
    except StaleEdit as exc:
        form.add_error(None, str(exc))
        return _settings_card(request, warehouse, 409, exception_form=form)
    except InputError as exc:
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        return _settings_card(request, warehouse, 400, exception_form=form)
    return _saved(request, warehouse, f"Capacity exception for {form.data.get('exception-week')} saved.")


@require_POST
@requires("warehouse.edit")
def remove_exception(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    warehouse = get_object_or_404(selectors.warehouses(), code=code)
    exception = get_object_or_404(CapacityException, pk=pk, warehouse=warehouse)
    try:
        services.remove_capacity_exception(
            exception, expected_version=int(request.POST.get("version", "0") or 0), actor=request.user
        )
    except StaleEdit as exc:
        messages.error(request, str(exc))
        return redirect("warehouse-detail", warehouse.code)
    return _saved(request, warehouse, "Capacity exception removed; the week is back to normal capacity.")
