"""Rough-cut capacity of the latest plan: load per resource and week against capacity.

After a partial replan the load moves by exactly the changed items' contribution (the bill of capacity is
linear in the MPS quantity, plus setup per lot), so only those items are read. A full replan, a resource seen
for the first time, or a horizon that rolled forward recomputes the resource from every item's plan.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sop_portal.masterdata.weeks import week_index

from .models import BillOfCapacity, Measure, MpsItem, MpsItemPlan, MpsRevision, Resource, ResourceLoad
from .plan_inputs import PlanningWindow, on_window
from .planning.rccp import resource_load


@dataclass(frozen=True)
class LoadRow:
    resource: Resource
    load: np.ndarray
    capacity: np.ndarray

    @property
    def overload(self) -> np.ndarray:
        return np.maximum(self.load - self.capacity, 0.0)


def capacity_by_week(resources: Sequence[Resource], window: PlanningWindow) -> np.ndarray:
    """(resources, weeks): the normal weekly capacity, replaced by calendar exceptions where there are any."""
    out = np.array([[r.weekly_capacity] * window.weeks for r in resources], dtype=float).reshape(
        len(resources), window.weeks
    )
    row_of = {r.pk: i for i, r in enumerate(resources)}
    for resource in resources:
        for exception in resource.exceptions.all():
            k = week_index(window.first_week, exception.week)
            if 0 <= k < window.weeks:
                out[row_of[resource.pk], k] = exception.capacity
    return out


def bill_matrix(items: Sequence[MpsItem], resources: Sequence[Resource]) -> tuple[np.ndarray, np.ndarray]:
    """(items, resources) run hours per unit and setup hours per lot; an item loads only its own plant."""
    run, setup = np.zeros((len(items), len(resources))), np.zeros((len(items), len(resources)))
    col = {r.pk: j for j, r in enumerate(resources)}
    rows_of_product: dict[int, list[int]] = defaultdict(list)
    for i, item in enumerate(items):
        rows_of_product[item.product_id].append(i)
    lines = BillOfCapacity.objects.filter(product_id__in=rows_of_product, resource__in=resources).values_list(
        "product_id", "resource_id", "resource__plant_id", "run_hours_per_unit", "setup_hours_per_lot"
    )
    for product_id, resource_id, plant_id, run_hours, setup_hours in lines:
        for i in rows_of_product[product_id]:
            if items[i].plant_id == plant_id:
                run[i, col[resource_id]], setup[i, col[resource_id]] = run_hours, setup_hours
    return run, setup


def _full_load(resources: Sequence[Resource], window: PlanningWindow) -> np.ndarray:
    items = list(
        MpsItem.objects.filter(product__bill_of_capacity__resource__in=resources).distinct().order_by("pk")
    )
    if not items:
        return np.zeros((len(resources), window.weeks))
    run, setup = bill_matrix(items, resources)
    return resource_load(stored_mps(items, window), run, setup)


def stored_mps(items: Sequence[MpsItem], window: PlanningWindow) -> np.ndarray:
    """(items, weeks) MPS receipts of each item's published plan on `window` (0 where it has none)."""
    mps = np.zeros((len(items), window.weeks))
    row_of = {item.pk: i for i, item in enumerate(items)}
    plans = MpsItemPlan.objects.filter(item__in=list(items)).values_list("item_id", "first_week", "values")
    for item_id, first_week, values in plans:
        mps[row_of[item_id]] = on_window(values.get(Measure.MPS, []), first_week, window)
    return mps


def refresh_loads(
    revision: MpsRevision,
    changed_items: Sequence[MpsItem],
    old_mps: np.ndarray,
    new_mps: np.ndarray,
    window: PlanningWindow,
    *,
    full: bool,
) -> list[LoadRow]:
    """Update the stored load of every resource the changed items use; returns those resources' rows."""
    query = Resource.objects.select_related("plant").prefetch_related("exceptions").order_by("pk")
    if full:
        resources = list(query)
    else:
        products = {item.product_id for item in changed_items}
        resources = list(query.filter(bill_of_capacity__product_id__in=products).distinct())
    if not resources:
        return []
    current = ResourceLoad.objects.filter(resource__in=resources, first_week=window.first_week)
    stored = {row.resource_id: row for row in current}
    incremental = [r for r in resources if not full and r.pk in stored]
    rebuilt = [r for r in resources if r not in incremental]
    loads: dict[int, np.ndarray] = {}
    if incremental:
        run, setup = bill_matrix(changed_items, incremental)
        delta = resource_load(new_mps, run, setup) - resource_load(old_mps, run, setup)
        for j, resource in enumerate(incremental):
            loads[resource.pk] = np.asarray(stored[resource.pk].load, dtype=float) + delta[j]
    if rebuilt:
        for resource, load in zip(rebuilt, _full_load(rebuilt, window), strict=True):
            loads[resource.pk] = load
    capacity = capacity_by_week(resources, window)
    rows = [LoadRow(r, np.round(loads[r.pk], 6) + 0.0, capacity[j]) for j, r in enumerate(resources)]
    ResourceLoad.objects.bulk_create(
        [
            ResourceLoad(
                resource=row.resource,
                revision=revision,
                first_week=window.first_week,
                load=row.load.tolist(),
                capacity=row.capacity.tolist(),
                overloaded_weeks=int((row.overload > 1e-9).sum()),
                peak_utilisation=_peak(row),
            )
            for row in rows
        ],
        update_conflicts=True,
        unique_fields=["resource"],
        update_fields=["revision", "first_week", "load", "capacity", "overloaded_weeks", "peak_utilisation"],
    )
    return rows


def _peak(row: LoadRow) -> float:
    with np.errstate(divide="ignore", invalid="ignore"):
        utilisation = np.where(row.capacity > 0, row.load / row.capacity, np.where(row.load > 0, np.inf, 0.0))
    peak = float(utilisation.max()) if utilisation.size else 0.0
    return peak if np.isfinite(peak) else 99.0
