"""The demo's warehouse network: every product assigned to two of the three DCs, and capacity sized from the
projected load, so that the summer drinks promotion overloads one dimension of one DC.

Each family ships mostly from one DC and the rest from a second. Capacities cover the busiest week of each
dimension with some headroom, except the outbound of the DC that ships most of the hero campaign: sized so that
the campaign's peak week runs HERO_PEAK over it, and the heatmap and the alerts name the campaign. The load
comes from the projection the assignments' own check stores, so the demo is sized by the maths the portal shows.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from fulfillment import services
from fulfillment.models import Assignment, Warehouse, WarehouseProjection
from fulfillment.planning.projection import DIMENSIONS, LABOUR, OUTBOUND
from fulfillment.stored import stored
from production.causes import Cause
from sop_portal.masterdata.models import Product

from .campaigns import HERO
from .run import Outcome, SeedRun

# family → [(warehouse, share %)], units per case, units per pallet
SPLIT = {
    "beverages": ([("north-dc", 70), ("central-dc", 30)], 12, 720),
    "snacks": ([("central-dc", 60), ("south-dc", 40)], 24, 960),
    "personal-care": ([("south-dc", 65), ("north-dc", 35)], 6, 480),
}
# Units picked and received per labour hour (receiving is whole pallets, picking is cases).
RATES = {"pick_rate": 110.0, "receive_rate": 400.0}
# Capacity = the busiest week / this: 80 % at most, below the 85 % warning.
HEADROOM = 0.8
# The hero's DC ships, at its peak, this much of its outbound capacity.
HERO_PEAK = 1.18


def seed_warehouses(run: SeedRun) -> list[Outcome]:
    warehouses = {w.code: w for w in Warehouse.objects.all()}
    products = {p.sku: p for p in Product.objects.filter(sku__in=[s.sku for s in run.catalogue])}
    for code, warehouse in warehouses.items():
        if warehouse.pick_rate is None:
            warehouses[code] = services.update_capacity(warehouse, expected_version=warehouse.version, **RATES)
    assigned = set(Assignment.objects.values_list("product_id", flat=True))
    rows = []
    for spec in run.catalogue:
        product = products.get(spec.sku)
        if product is None or product.pk in assigned or spec.family_code not in SPLIT:
            continue
        split, per_case, per_pallet = SPLIT[spec.family_code]
        for code, share in split:
            if code in warehouses:
                rows.append(
                    {"product": product, "warehouse": warehouses[code], "share_pct": share,
                     "units_per_case": per_case, "units_per_pallet": per_pallet}
                )  # fmt: skip
    if rows:
        services.set_assignments(rows)
    else:
        services.check_warehouses(cause=Cause("schedule", "seed_demo", "Demo data refreshed"))
    sized = _size_capacity([w for w in Warehouse.objects.order_by("code") if w.outbound_capacity is None])
    return [
        Outcome("warehouse assignments", len(rows), Assignment.objects.count() - len(rows)),
        Outcome("warehouse capacities", sized, Warehouse.objects.count() - sized),
    ]


def _size_capacity(warehouses: list[Warehouse]) -> int:
    projections = {p.warehouse_id: stored(p) for p in WarehouseProjection.objects.filter(warehouse__in=warehouses)}
    hero = _hero(list(projections.values()))
    target = max(
        projections.values(), key=lambda v: _campaign_outbound(v, hero).max(initial=0.0), default=None
    ) if hero else None  # fmt: skip
    sized = 0
    for warehouse in warehouses:
        view = projections.get(warehouse.pk)
        if view is None:
            continue
        changes: dict[str, Any] = {}
        for d, dimension in enumerate(DIMENSIONS):
            load = np.nan_to_num(view.load[d])
            if d == OUTBOUND and view is target:
                changes[f"{dimension}_capacity"] = _tight(load, _campaign_outbound(view, hero))
            elif d == LABOUR:
                changes[f"{dimension}_capacity"] = _round(load.max() / HEADROOM, 1)
            else:
                changes[f"{dimension}_capacity"] = _round(load.max() / HEADROOM)
        services.update_capacity(warehouse, expected_version=warehouse.version, **changes)
        sized += 1
    return sized


def _hero(views: list[Any]) -> int | None:
    """The summer promotion when it ships through the network, else the campaign with the biggest weekly peak."""
    peaks: dict[int, float] = {}
    names: dict[int, str] = {}
    for view in views:
        for campaign in view.campaigns:
            peaks[campaign.id] = max(peaks.get(campaign.id, 0.0), float(campaign.outbound.max(initial=0.0)))
            names[campaign.id] = campaign.name
    named = [cid for cid, name in names.items() if name == HERO]
    if named:
        return named[0]
    return max(peaks, key=lambda cid: peaks[cid]) if peaks else None


def _campaign_outbound(view: Any, campaign_id: int | None) -> np.ndarray:
    return next((c.outbound for c in view.campaigns if c.id == campaign_id), np.zeros(view.weeks))


def _tight(load: np.ndarray, campaign: np.ndarray) -> float:
    """Outbound capacity the campaign's peak week overshoots by HERO_PEAK (the weeks around it stay below)."""
    return _round(load[int(np.argmax(campaign))] / HERO_PEAK)


def _round(value: float, step: float = 50.0) -> float:
    """Capacities as a planner writes them: up to the next 50 units (or the next hour)."""
    return float(max(math.ceil(value / step) * step, step))
