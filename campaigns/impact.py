"""What a campaign does to the plan, through the same engines as the real pipeline, without publishing.

`campaign_impact` compares the plan with and without a campaign (counted as if approved): the units it adds
per week, the MPS receipts that move, the shortages it causes or cures and the resources it overloads.
`preview_edit` applies an unsaved edit inside a transaction that is rolled back, then asks the same question:
the impact a planner sees before saving.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import numpy as np
from django.db import transaction

from production.models import MpsItem, Resource, ResourceLoad
from production.plan_inputs import build_batch, on_window
from production.planning.engine import run_mps
from production.planning.rccp import resource_load
from production.rough_cut import bill_matrix, capacity_by_week, stored_mps
from production.services import planning_window
from sop_portal.masterdata.weeks import week_label

from .consensus import affected_products, consensus_for
from .models import Campaign


@dataclass(frozen=True)
class ProductImpact:
    sku: str
    name: str
    units_added: float
    weekly: list[float]


@dataclass(frozen=True)
class ResourceImpact:
    code: str
    name: str
    overloaded_weeks_before: int
    overloaded_weeks_after: int
    peak_before: float
    peak_after: float
    new_overload_weeks: list[str]


@dataclass
class Impact:
    weeks: list[str]
    units_added: list[float]  # all products, per week
    mps_added: list[float]  # MPS receipt units, per week
    products: list[ProductImpact] = field(default_factory=list)
    new_shortages: list[tuple[str, str]] = field(default_factory=list)  # (sku, first short week)
    resources: list[ResourceImpact] = field(default_factory=list)

    @property
    def total_units(self) -> float:
        return float(sum(self.units_added))

    def as_json(self) -> dict[str, Any]:
        return {
            "weeks": self.weeks,
            "units_added": self.units_added,
            "mps_added": self.mps_added,
            "total_units": self.total_units,
            "products": [p.__dict__ for p in self.products],
            "new_shortages": [{"sku": s, "week": w} for s, w in self.new_shortages],
            "resources": [r.__dict__ for r in self.resources],
        }


def campaign_impact(campaign: Campaign) -> Impact:
    window = planning_window()
    products = sorted(affected_products(campaign))
    weeks = [week_label(window.first_week + timedelta(weeks=k)) for k in range(window.weeks)]
    if not products:
        return Impact(weeks, [0.0] * window.weeks, [0.0] * window.weeks)
    without = consensus_for(products, window.first_week, window.weeks, exclude={campaign.pk})
    with_it = consensus_for(products, window.first_week, window.weeks, include={campaign.pk})
    added = with_it.demand - without.demand
    names = {p.pk: (p.sku, p.name) for p in _products(products)}
    product_rows = [
        ProductImpact(names[pid][0], names[pid][1], float(added[i].sum()), added[i].round(1).tolist())
        for i, pid in enumerate(products)
        if np.abs(added[i]).sum() > 1e-9
    ]
    product_rows.sort(key=lambda p: -abs(p.units_added))
    impact = Impact(weeks, added.sum(axis=0).round(1).tolist(), [0.0] * window.weeks, product_rows)
    _plan_effects(impact, products, without.demand, with_it.demand, window)
    return impact


def _products(ids: Iterable[int]) -> list[Any]:
    from sop_portal.masterdata.models import Product

    return list(Product.objects.filter(pk__in=list(ids)).only("pk", "sku", "name"))


def _plan_effects(impact: Impact, products: list[int], before: np.ndarray, after: np.ndarray, window: Any) -> None:
    items = list(MpsItem.objects.filter(product_id__in=products).select_related("product").order_by("pk"))
    if not items:
        return
    row = {pid: i for i, pid in enumerate(products)}

    def demand(matrix: np.ndarray) -> Callable[[list[int]], np.ndarray]:
        return lambda ids: matrix[[row[pid] for pid in ids]]

    plan_before = run_mps(build_batch(items, window, demand(before)))
    plan_after = run_mps(build_batch(items, window, demand(after)))
    impact.mps_added = (plan_after.mps - plan_before.mps).sum(axis=0).round(1).tolist()
    for i, item in enumerate(items):
        short_before = np.flatnonzero(plan_before.projected_available[i] < 0)
        short_after = np.flatnonzero(plan_after.projected_available[i] < 0)
        if short_after.size and (not short_before.size or short_after[0] < short_before[0]):
            impact.new_shortages.append((item.product.sku, impact.weeks[int(short_after[0])]))
    resources = list(
        Resource.objects.filter(bill_of_capacity__product_id__in=products).distinct().prefetch_related("exceptions")
    )
    if not resources:
        return
    run, setup = bill_matrix(items, resources)
    load_before = resource_load(plan_before.mps, run, setup)
    load_after = resource_load(plan_after.mps, run, setup)
    delta = load_after - load_before
    # The stored load already holds these items' published plan (with the campaign, once it counts): keep only
    # the other items' share of it, then add these items' plan without and with the campaign.
    published = resource_load(stored_mps(items, window), run, setup)
    stored = {r.resource_id: r for r in ResourceLoad.objects.filter(resource__in=resources)}
    capacity = capacity_by_week(resources, window)
    for j, resource in enumerate(resources):
        current = stored.get(resource.pk)
        current_load = on_window(current.load, current.first_week, window) if current else np.zeros(window.weeks)
        others = np.maximum(current_load - published[j], 0.0)
        base, new = others + load_before[j], others + load_after[j]
        over_before, over_after = base > capacity[j] + 1e-9, new > capacity[j] + 1e-9
        if not np.abs(delta[j]).sum() > 1e-9:
            continue
        impact.resources.append(
            ResourceImpact(
                code=resource.code,
                name=resource.name,
                overloaded_weeks_before=int(over_before.sum()),
                overloaded_weeks_after=int(over_after.sum()),
                peak_before=_peak(base, capacity[j]),
                peak_after=_peak(new, capacity[j]),
                new_overload_weeks=[impact.weeks[k] for k in np.flatnonzero(over_after & ~over_before)],
            )
        )




def _peak(load: np.ndarray, capacity: np.ndarray) -> float:
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(capacity > 0, load / capacity, 0.0)
    return round(float(ratio.max()), 4) if ratio.size else 0.0


def preview_edit(
    campaign: Campaign | None,
    *,
    actor: Any,
    fields: Mapping[str, Any],
    lines: Iterable[Mapping[str, Any]],
) -> Impact:
    """The impact of an edit (or of a new campaign) before it is saved: applied, measured, rolled back."""
    from . import services

    with transaction.atomic():
        savepoint = transaction.savepoint()
        try:
            if campaign is None:
                draft = services.create_campaign(actor=actor, lines=lines, **fields)
            else:
                draft = services.update_campaign(
                    campaign, actor=actor, expected_version=None, lines=list(lines), **fields
                )
            return campaign_impact(draft)
        finally:
            transaction.savepoint_rollback(savepoint)
