"""MPS pages: the items that need a planner first, one item's MPS grid, and rough-cut capacity.

Every figure comes from `selectors`, the same reads as /api/v1/mps/, so a page and the API never disagree.
Replanning is in replan_views.py, revisions and their diffs in revision_views.py.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.core.paginator import Paginator
from django.db.models import Count, F, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET

from sop_portal.masterdata.weeks import week_index, week_label
from sop_portal.organisation.permissions import can, requires

from . import grid_display, selectors, services
from .forms import MpsItemFilterForm
from .models import BillOfCapacity, Measure, MpsItem, MpsItemChange, MpsItemPlan, ResourceLoad
from .selectors import DiffLine

PAGE_SIZE = 50
HISTORY_SIZE = 10
DIFF_PREVIEW_LINES = 20
RESOURCES_PER_PAGE = 20
EPSILON = 1e-9


def htmx_target(request: HttpRequest) -> str | None:
    """Id of the element an htmx request swaps; None for a full page (also when htmx restores history)."""
    htmx = request.htmx  # type: ignore[attr-defined]
    if not htmx or htmx.history_restore_request:
        return None
    return htmx.target or ""


def render_part(request: HttpRequest, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    response = render(request, template, context, status=status)
    # One URL answers a whole page or one of its parts: caches must keep them apart.
    patch_vary_headers(response, ["HX-Request", "HX-Target"])
    return response


def query_without_page(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


# --- Items, exceptions first --------------------------------------------------------------------------------


def plan_kpis() -> dict[str, Any]:
    plans = MpsItemPlan.objects.aggregate(
        short=Count("pk", filter=Q(shortage=True)), below=Count("pk", filter=Q(below_safety_stock=True))
    )
    loads = ResourceLoad.objects.aggregate(overloaded=Count("pk", filter=Q(overloaded_weeks__gt=0)), total=Count("pk"))
    latest = selectors.latest_revision()
    return {
        "items_total": MpsItem.objects.count(),
        "items_short": plans["short"],
        "items_below_ss": plans["below"],
        "resources_overloaded": loads["overloaded"],
        "resources_total": loads["total"],
        "latest": latest,
    }


@require_GET
@requires("portal.view")
def item_list(request: HttpRequest) -> HttpResponse:
    target = htmx_target(request)
    if target == "mps-kpis":
        return render_part(request, "production/_kpis.html", {"kpis": plan_kpis()})
    form = MpsItemFilterForm(request.GET or None)
    items = form.filter(selectors.items_exceptions_first().select_related("plan__revision"))
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    context: dict[str, Any] = {
        "form": form,
        "page": page,
        "query_string": query_without_page(request),
        "may_replan": can(request.user, "mps.replan"),
    }
    if target is not None:
        return render_part(request, "production/_item_table.html", context)
    context["kpis"] = plan_kpis()
    return render_part(request, "production/item_list.html", context)


# --- One item's MPS -----------------------------------------------------------------------------------------


# A preview leads with what the plan did (MPS receipts, then projected available); inputs such as the forecast follow.
PREVIEW_FIRST = {Measure.MPS.value: 0, Measure.PROJECTED_AVAILABLE.value: 1}


def diff_preview(number: int, item_ids: list[int], limit: int = DIFF_PREVIEW_LINES) -> tuple[list[DiffLine], int]:
    """The first lines of what revision `number` changed for these items (against the one before), and how many."""
    lines = selectors.diff_lines(number - 1, number, item_ids)
    lines.sort(key=lambda line: PREVIEW_FIRST.get(line.measure, 2))  # stable: weeks stay in order
    return lines[:limit], len(lines)


def _item_resources(item: MpsItem, this_week: date) -> list[dict[str, Any]]:
    """The resources of its own plant the item loads, with their utilisation this week and at the peak."""
    bill = (
        BillOfCapacity.objects.filter(product_id=item.product_id, resource__plant_id=item.plant_id)
        .select_related("resource", "resource__load")
        .order_by("resource__code")
    )
    rows = []
    for line in bill:
        load = getattr(line.resource, "load", None)
        now = None
        if load is not None:
            k = week_index(load.first_week, this_week)
            if 0 <= k < len(load.load) and load.capacity[k] > 0:
                now = load.load[k] / load.capacity[k]
        rows.append({"line": line, "resource": line.resource, "load": load, "this_week": now})
    return rows


def _item_plan(item: MpsItem, grid: selectors.Grid) -> dict[str, Any]:
    """Everything below the grid: chart, parameters, history with the latest change, resources."""
    changes = MpsItemChange.objects.filter(item=item).select_related("revision", "revision__requested_by")
    history = list(changes.order_by("-revision__number")[:HISTORY_SIZE])
    latest_lines: list[DiffLine] = []
    latest_count = 0
    if history:
        latest_lines, latest_count = diff_preview(history[0].revision.number, [item.pk])
    return {
        "chart": grid_display.chart(grid),
        "history": history,
        "history_count": changes.count() if len(history) == HISTORY_SIZE else len(history),
        "latest_change": history[0] if history else None,
        "latest_lines": latest_lines,
        "latest_count": latest_count,
        "resources": _item_resources(item, grid.week_starts[0]),
    }


@require_GET
@requires("portal.view")
def item_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(selectors.items_exceptions_first().select_related("plan__revision"), pk=pk)
    grid = selectors.grid(item, services.planning_window())
    start = grid_display.block_start(grid, request.GET.get("from"))
    plan = getattr(item, "plan", None)
    context: dict[str, Any] = {"item": item, "plan": plan, "grid": grid_display.block(grid, start)}
    target = htmx_target(request)
    if target == "mps-grid":
        return render_part(request, "production/_item_grid.html", context)
    if target == "item-facts":
        return render_part(request, "production/_item_facts.html", context)
    context.update(_item_plan(item, grid))
    if target is not None:
        return render_part(request, "production/_item_plan.html", context)
    context["may_replan"] = can(request.user, "mps.replan")
    return render_part(request, "production/item_detail.html", context)


# --- Rough-cut capacity -------------------------------------------------------------------------------------


def _capacity_row(row: ResourceLoad) -> dict[str, Any]:
    weeks = [week_label(row.first_week + timedelta(weeks=k)) for k in range(len(row.load))]
    overloaded = [load > capacity + EPSILON for load, capacity in zip(row.load, row.capacity, strict=True)]
    over_weeks = [
        {
            "week": weeks[k],
            "load": row.load[k],
            "capacity": row.capacity[k],
            "excess": row.load[k] - row.capacity[k],
            "utilisation": row.load[k] / row.capacity[k] if row.capacity[k] > 0 else None,
        }
        for k, over in enumerate(overloaded)
        if over
    ]
    return {
        "row": row,
        "resource": row.resource,
        "overloaded": over_weeks,
        "chart": {
            "id": f"load-{row.resource.code}",
            "labels": weeks,
            "load": row.load,
            "capacity": row.capacity,
            "overloaded": overloaded,
        },
    }


@require_GET
@requires("portal.view")
def capacity(request: HttpRequest) -> HttpResponse:
    # Most overloaded first: overloaded weeks, then the worst week (the selector sorts by the first only).
    loads = sorted(
        selectors.resource_loads(), key=lambda r: (-r.overloaded_weeks, -r.peak_utilisation, r.resource.code)
    )
    page = Paginator(loads, RESOURCES_PER_PAGE).get_page(request.GET.get("page"))
    # Items that load each resource: same plant only, as rough_cut.bill_matrix counts them.
    item_counts = dict(
        BillOfCapacity.objects.filter(resource__in=[r.resource for r in page.object_list])
        .values("resource_id")
        .annotate(n=Count("product__mps_items", filter=Q(product__mps_items__plant_id=F("resource__plant_id"))))
        .values_list("resource_id", "n")
    )
    resources = [{**_capacity_row(r), "item_count": item_counts.get(r.resource_id, 0)} for r in page.object_list]
    return render_part(
        request,
        "production/capacity.html",
        {
            "page": page,
            "resources": resources,
            "charts": [r["chart"] for r in resources],
            "query_string": query_without_page(request),
            "overloaded_total": sum(1 for r in loads if r.overloaded_weeks),
            "latest": selectors.latest_revision(),
        },
    )
