"""Year inputs for budgeting tests: `year_inputs` (synthetic, any size) and `small_inputs` (a handful of numbers
to work examples by hand).

`year_inputs(products, weeks=52, resources, warehouses, campaigns, seed)` lives in
sop_portal/budgeting/planning/synthetic.py so the benchmark can use it without importing tests.

`small_inputs` is a plant a planner can follow on paper: one MPS item per product, lot-for-lot, so production
equals demand week by week; one warehouse shipping every product; and every product's parameters given
explicitly. Its defaults are the worked example of test_plan.py:

    products  P0 "DRY-1" (family DRY, price 10, cost 6, return rate 10 %, restock yield 50 %)
              P1 "WET-1" (family WET, price 40, cost 12, no returns)
    plant     "BOT" Bottling line, 1 h per unit of P0, 0.5 h per unit of P1, 125 h a week; overtime at 50 an hour
              up to 20 % of capacity, then shifts of 40 h at 500 a week, at most 1
    warehouse "WH1" Main warehouse, 10 units a pallet, picks 100 and receives 200 units an hour
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, fields, is_dataclass
from typing import Any

import numpy as np

from campaigns.planning.uplift import FamilyEffects, Profile, Transfers, UpliftKind, UpliftLines
from fulfillment.planning.projection import DIMENSIONS, network
from production.planning.inputs import AtpRule, DemandRule, LotRule, MpsBatch
from sop_portal.budgeting.planning.fiscal_weeks import fiscal_calendar
from sop_portal.budgeting.planning.inputs import (
    CampaignBook,
    CapacityCosts,
    Catalogue,
    Production,
    Warehousing,
    YearInputs,
)
from sop_portal.budgeting.planning.synthetic import year_inputs

__all__ = ["Line", "Plan", "frozen", "small_inputs", "year_inputs"]


@dataclass(frozen=True)
class Line:
    product: int
    value: float
    kind: int = UpliftKind.PERCENT
    profile: int = Profile.FLAT
    dip_pct: float = 0.0
    dip_weeks: int = 0
    custom: Sequence[float] | None = None  # factors per window week (Profile.CUSTOM)


@dataclass(frozen=True)
class Plan:
    """A campaign of the small plan."""

    id: int
    name: str
    start: int
    end: int
    budget: float
    lines: Sequence[Line]
    effects: Sequence[tuple[int, float]] = ()  # (product, pct) halo + / cannibalisation -
    transfers: Sequence[tuple[int, int, float]] = field(
        default_factory=tuple
    )  # (line index in this campaign, predecessor, pct)


def campaign_book(campaigns: Sequence[Plan], weeks: int) -> CampaignBook:
    rows: dict[str, list[Any]] = {name: [] for name in UpliftLines.__dataclass_fields__ if name != "custom"}
    custom: list[np.ndarray] = []
    effects: dict[str, list[Any]] = {name: [] for name in FamilyEffects.__dataclass_fields__}
    transfers: dict[str, list[Any]] = {name: [] for name in Transfers.__dataclass_fields__}
    for c, campaign in enumerate(campaigns):
        first_line = len(rows["product"])
        for line in campaign.lines:
            for name, value in {
                "campaign": c, "product": line.product, "start": campaign.start, "end": campaign.end,
                "kind": line.kind, "value": line.value, "profile": line.profile, "decay_weeks": 2,
                "prebuy_pct": 0.0, "prebuy_weeks": 0, "dip_pct": line.dip_pct, "dip_weeks": line.dip_weeks,
            }.items():  # fmt: skip
                rows[name].append(value)
            custom.append(np.zeros(weeks) if line.custom is None else np.asarray(line.custom, dtype=float))
        for product, pct in campaign.effects:
            for name, value in {
                "campaign": c, "product": product, "start": campaign.start, "end": campaign.end, "pct": pct
            }.items():  # fmt: skip
                effects[name].append(value)
        for line_index, predecessor, pct in campaign.transfers:
            transfers["line"].append(first_line + line_index)
            transfers["predecessor"].append(predecessor)
            transfers["pct"].append(pct)
    floats = {"value", "prebuy_pct", "dip_pct", "pct"}
    return CampaignBook(
        ids=np.array([c.id for c in campaigns], dtype=np.int64),
        names=tuple(c.name for c in campaigns),
        budget=np.array([c.budget for c in campaigns], dtype=float),
        start=np.array([c.start for c in campaigns], dtype=np.int64),
        end=np.array([c.end for c in campaigns], dtype=np.int64),
        lines=UpliftLines(
            **{k: np.array(v, dtype=float if k in floats else np.int64) for k, v in rows.items()},
            custom=np.array(custom).reshape(-1, weeks),
        ),
        effects=FamilyEffects(**{k: np.array(v, dtype=float if k in floats else np.int64) for k, v in effects.items()}),
        transfers=Transfers(
            line=np.array(transfers["line"], dtype=np.int64),
            predecessor=np.array(transfers["predecessor"], dtype=np.int64),
            pct=np.array(transfers["pct"], dtype=float),
        ),
    )


def small_inputs(
    baseline: Any = ((100, 100, 100, 100), (50, 50, 50, 50)),
    *,
    campaigns: Sequence[Plan] = (),
    weeks: int | None = None,
    family: Sequence[int] = (0, 1),
    family_codes: Sequence[str] = ("DRY", "WET"),
    family_labels: Sequence[str] = ("Dry goods", "Wet goods"),
    unit_price: Sequence[float] = (10.0, 40.0),
    unit_cost: Sequence[float] = (6.0, 12.0),
    return_rate: Sequence[float] = (0.1, 0.0),
    restock_yield: Sequence[float] = (0.5, 0.0),
    returns_handling_cost: float = 1.0,
    safety_stock: Sequence[float] | None = None,
    item_product: Sequence[int] | None = None,
    item_share: Sequence[float] | None = None,
    run_per_unit: Any = ((1.0,), (0.5,)),
    setup_per_lot: Any = None,
    capacity: Any = 125.0,
    resource_codes: Sequence[str] = ("BOT",),
    resource_labels: Sequence[str] = ("Bottling line",),
    overtime_rate: Sequence[float] = (50.0,),
    overtime_limit: Sequence[float] = (0.2,),
    shift_hours: Sequence[float] = (40.0,),
    shift_cost: Sequence[float] = (500.0,),
    max_extra_shifts: Sequence[int] = (1,),
    warehouse_capacity: Any = np.nan,
    units_per_pallet: float = 10.0,
    fiscal_year: int = 2027,
) -> YearInputs:
    """A small plan; `weeks` defaults to the baseline's width (the fiscal year's first weeks)."""
    base = np.asarray(baseline, dtype=float)
    products, width = base.shape
    calendar = fiscal_calendar(fiscal_year, weeks or width)
    items_of = np.arange(products) if item_product is None else np.asarray(item_product, dtype=np.int64)
    items = items_of.size
    share = np.ones(items) if item_share is None else np.asarray(item_share, dtype=float)
    safety = np.zeros(items) if safety_stock is None else np.asarray(safety_stock, dtype=float)
    nothing = np.zeros((items, width))
    batch = MpsBatch(
        forecast=nothing, customer_orders=nothing, scheduled_receipts=nothing, firm_planned_orders=nothing,
        horizon=np.full(items, width), on_hand=safety, safety_stock=safety, lead_time=np.zeros(items, dtype=np.int64),
        demand_time_fence=np.zeros(items, dtype=np.int64), planning_time_fence=np.zeros(items, dtype=np.int64),
        demand_inside_dtf=np.full(items, DemandRule.FORECAST, dtype=np.int8),
        demand_outside_dtf=np.full(items, DemandRule.FORECAST, dtype=np.int8),
        lot_rule=np.full(items, LotRule.LOT_FOR_LOT, dtype=np.int8), lot_qty=np.zeros(items),
        poq_periods=np.ones(items, dtype=np.int64), fixed_lot_repeats=np.ones(items, dtype=bool),
        min_lot=np.zeros(items), max_lot=np.full(items, np.inf), lot_multiple=np.ones(items),
        atp_rule=np.full(items, AtpRule.DISCRETE_LOOKAHEAD, dtype=np.int8), resource_names=(),
        run_per_unit=np.zeros((items, 0)), setup_per_lot=np.zeros((items, 0)), capacity=np.zeros((items, 0, width)),
        uses_resource=np.zeros((items, 0), dtype=bool),
    )  # fmt: skip
    run = np.asarray(run_per_unit, dtype=float).reshape(items, -1)
    resources = run.shape[1]
    setup = np.zeros_like(run) if setup_per_lot is None else np.asarray(setup_per_lot, dtype=float)
    hours = np.broadcast_to(np.asarray(capacity, dtype=float), (resources, width)).copy()
    net = network(
        products, 1, np.arange(products), np.zeros(products, dtype=np.int64), np.full(products, 100.0),
        np.full(products, units_per_pallet), pick_rate=np.array([100.0]), receive_rate=np.array([200.0]),
    )  # fmt: skip
    room = np.broadcast_to(np.asarray(warehouse_capacity, dtype=float), (1, len(DIMENSIONS), width)).copy()
    return YearInputs(
        fiscal_year=fiscal_year,
        calendar=calendar,
        catalogue=Catalogue(
            family=np.asarray(family, dtype=np.int64),
            family_labels=tuple(family_labels),
            family_codes=tuple(family_codes),
            skus=tuple(f"{family_codes[f]}-{k + 1}" for k, f in enumerate(family)),
            unit_price=np.asarray(unit_price, dtype=float),
            unit_cost=np.asarray(unit_cost, dtype=float),
            return_rate=np.asarray(return_rate, dtype=float),
            restock_yield=np.asarray(restock_yield, dtype=float),
        ),
        baseline=base,
        campaigns=campaign_book(campaigns, width),
        production=Production(
            batch=batch,
            item_product=items_of,
            item_share=share,
            run_per_unit=run,
            setup_per_lot=setup,
            resource_codes=tuple(resource_codes),
            resource_labels=tuple(resource_labels),
            capacity=hours,
        ),
        costs=CapacityCosts(
            overtime_rate=np.asarray(overtime_rate, dtype=float),
            overtime_limit=np.asarray(overtime_limit, dtype=float),
            shift_hours=np.asarray(shift_hours, dtype=float),
            shift_cost=np.asarray(shift_cost, dtype=float),
            max_extra_shifts=np.asarray(max_extra_shifts, dtype=np.int64),
            planned_shifts=np.zeros((resources, width)),
        ),
        warehousing=Warehousing(network=net, capacity=room, codes=("WH1",), labels=("Main warehouse",)),
        returns_handling_cost=returns_handling_cost,
    )


def frozen(value: Any) -> Any:
    """Make every numpy array reachable from `value` read-only (in place) and return `value`: any later write
    into them raises, which is how the tests prove that deltas and the plan never modify their inputs."""
    if isinstance(value, np.ndarray):
        value.flags.writeable = False
    elif is_dataclass(value) and not isinstance(value, type):
        for f in fields(value):
            frozen(getattr(value, f.name))
    elif isinstance(value, tuple | list):
        for item in value:
            frozen(item)
    return value
