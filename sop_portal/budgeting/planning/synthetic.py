"""A believable, deterministic `YearInputs` of any size for tests, UI work and benchmarks (no Django).

`year_inputs(products=10_000)` is what `benchmarks/bench_budget_scenario.py` plans; tests reuse it for shapes
and invariants (worked examples with known answers are built by hand in tests/budgeting/year_inputs.py).
The plant is sized so that seasonal peaks and campaigns need overtime and now and then an extra shift; one
warehouse leaves labour unchecked (no capacity recorded), as real data does.
"""

from __future__ import annotations

import numpy as np

from campaigns.planning.uplift import FamilyEffects, Profile, Transfers, UpliftKind, UpliftLines
from fulfillment.planning.projection import DIMENSIONS, INBOUND, LABOUR, OUTBOUND, STORAGE, network
from production.planning.inputs import AtpRule, DemandRule, LotRule, MpsBatch

from .fiscal_weeks import fiscal_calendar
from .inputs import (
    CampaignBook,
    CapacityCosts,
    Catalogue,
    Production,
    Warehousing,
    YearInputs,
)

FIRST_CAMPAIGN_ID = 1001


def year_inputs(
    products: int = 200,
    weeks: int = 52,
    resources: int = 3,
    warehouses: int = 2,
    campaigns: int = 10,
    seed: int = 2027,
    *,
    families: int | None = None,
    fiscal_year: int = 2027,
) -> YearInputs:
    """Synthetic inputs: `products` SKUs in `families` families (default about sqrt(P) / 5, 1..20), one MPS item
    per product plus a second item for one product in ten (a 60/40 split), `campaigns` campaigns of 3..40 lines
    in one family each (ids from 1001), every product shipped through one or two of `warehouses`."""
    rng = np.random.default_rng(seed)
    calendar = fiscal_calendar(fiscal_year, weeks)
    family_count = families or max(1, min(20, int(np.sqrt(products) / 5)))
    family_count = min(family_count, products)
    catalogue = _catalogue(rng, products, family_count)
    baseline = _baseline(rng, catalogue.family, weeks)
    production = _production(rng, baseline, resources)
    return YearInputs(
        fiscal_year=fiscal_year,
        calendar=calendar,
        catalogue=catalogue,
        baseline=baseline,
        campaigns=_campaigns(rng, catalogue.family, baseline, campaigns),
        production=production,
        costs=_costs(rng, production.capacity),
        warehousing=_warehousing(rng, baseline, warehouses),
        returns_handling_cost=2.5,
    )


def _catalogue(rng: np.random.Generator, products: int, families: int) -> Catalogue:
    price = np.round(rng.uniform(1.0, 20.0, products), 2)
    return Catalogue(
        family=np.arange(products) * families // products,
        family_labels=tuple(f"Family {f + 1}" for f in range(families)),
        family_codes=tuple(f"FAM{f + 1:02d}" for f in range(families)),
        skus=tuple(f"SKU{p + 1:05d}" for p in range(products)),
        unit_price=price,
        unit_cost=np.round(price * rng.uniform(0.4, 0.7, products), 2),
        return_rate=np.round(rng.uniform(0.0, 0.05, products), 4),
        restock_yield=np.round(rng.uniform(0.3, 0.9, products), 2),
    )


def _baseline(rng: np.random.Generator, family: np.ndarray, weeks: int) -> np.ndarray:
    products = family.size
    level = rng.integers(10, 500, products).astype(float)
    phase = rng.uniform(0, 52, int(family.max()) + 1)[family]
    w = np.arange(weeks)[None, :]
    season = 1.0 + 0.25 * np.sin(2 * np.pi * (w - phase[:, None]) / 52)
    return np.round(level[:, None] * season * rng.uniform(0.85, 1.15, (products, weeks)))


def _campaigns(rng: np.random.Generator, family: np.ndarray, baseline: np.ndarray, count: int) -> CampaignBook:
    weeks = baseline.shape[1]
    members = [np.flatnonzero(family == f) for f in range(int(family.max()) + 1)]
    columns: dict[str, list] = {name: [] for name in UpliftLines.__dataclass_fields__ if name != "custom"}
    effects: dict[str, list] = {name: [] for name in FamilyEffects.__dataclass_fields__}
    starts, ends, budgets = [], [], []
    transfers: dict[str, list] = {"line": [], "predecessor": [], "pct": []}
    for c in range(count):
        pool = members[int(rng.integers(0, len(members)))]
        chosen = rng.choice(pool, size=min(int(rng.integers(3, 41)), pool.size), replace=False)
        start = int(rng.integers(-2, max(weeks - 2, 1)))
        end = start + int(rng.integers(1, 7))
        starts.append(start)
        ends.append(end)
        budgets.append(float(np.round(rng.uniform(5_000, 100_000), -2)))
        units = rng.random(chosen.size) < 0.3
        level = baseline[chosen].mean(axis=1)
        has_prebuy = rng.random(chosen.size) < 0.3
        has_dip = rng.random(chosen.size) < 0.3
        columns["campaign"] += [c] * chosen.size
        columns["product"] += chosen.tolist()
        columns["start"] += [start] * chosen.size
        columns["end"] += [end] * chosen.size
        columns["kind"] += np.where(units, UpliftKind.UNITS, UpliftKind.PERCENT).tolist()
        per_week = np.round(level * rng.uniform(0.1, 0.5, chosen.size))  # units per week
        percent = np.round(rng.uniform(10, 60, chosen.size))  # % of baseline
        columns["value"] += np.where(units, per_week, percent).tolist()
        columns["profile"] += rng.choice([Profile.FLAT, Profile.RAMP_UP, Profile.PEAK_AND_DECAY], chosen.size).tolist()
        columns["decay_weeks"] += [2] * chosen.size
        columns["prebuy_pct"] += np.where(has_prebuy, 10.0, 0.0).tolist()
        columns["prebuy_weeks"] += np.where(has_prebuy, 2, 0).tolist()
        columns["dip_pct"] += np.where(has_dip, 10.0, 0.0).tolist()
        columns["dip_weeks"] += np.where(has_dip, 1, 0).tolist()
        others = np.setdiff1d(pool, chosen)[:5]
        effects["campaign"] += [c] * others.size
        effects["product"] += others.tolist()
        effects["start"] += [start] * others.size
        effects["end"] += [end] * others.size
        effects["pct"] += np.round(rng.uniform(-5, 5, others.size), 1).tolist()
        if c == 0 and others.size:  # one launch taking volume from a predecessor
            transfers["line"].append(0)
            transfers["predecessor"].append(int(others[0]))
            transfers["pct"].append(30.0)
    line_count = len(columns["product"])
    ints = {"campaign", "product", "start", "end", "decay_weeks", "prebuy_weeks", "dip_weeks", "kind", "profile"}
    lines = UpliftLines(
        **{name: np.asarray(values, dtype=np.int64 if name in ints else float) for name, values in columns.items()},
        custom=np.zeros((line_count, weeks)),
    )
    return CampaignBook(
        ids=FIRST_CAMPAIGN_ID + np.arange(count, dtype=np.int64),
        names=tuple(f"Campaign {c + 1}" for c in range(count)),
        budget=np.asarray(budgets, dtype=float),
        start=np.asarray(starts, dtype=np.int64),
        end=np.asarray(ends, dtype=np.int64),
        lines=lines,
        effects=FamilyEffects(
            **{name: np.asarray(values, dtype=float if name == "pct" else np.int64) for name, values in effects.items()}
        ),
        transfers=Transfers(
            line=np.asarray(transfers["line"], dtype=np.int64),
            predecessor=np.asarray(transfers["predecessor"], dtype=np.int64),
            pct=np.asarray(transfers["pct"], dtype=float),
        ),
    )


def _production(rng: np.random.Generator, baseline: np.ndarray, resources: int) -> Production:
    products, weeks = baseline.shape
    split = np.flatnonzero(rng.random(products) < 0.1)
    item_product = np.concatenate([np.arange(products), split])
    share = np.ones(item_product.size)
    share[split] = 0.6
    share[products:] = 0.4
    items = item_product.size
    level = baseline[item_product].mean(axis=1) * share
    lot_rule = rng.choice(
        [LotRule.LOT_FOR_LOT, LotRule.FIXED, LotRule.PERIOD_ORDER_QUANTITY, LotRule.EOQ], items, p=[0.5, 0.2, 0.2, 0.1]
    ).astype(np.int8)
    fixed = (lot_rule == LotRule.FIXED) | (lot_rule == LotRule.EOQ)
    nothing = np.zeros((items, weeks))
    safety = np.round(level * rng.uniform(0.5, 1.5, items))
    batch = MpsBatch(
        forecast=nothing,
        customer_orders=nothing,
        scheduled_receipts=nothing,
        firm_planned_orders=nothing,
        horizon=np.full(items, weeks, dtype=np.int64),
        on_hand=safety,
        safety_stock=safety,
        lead_time=rng.integers(0, 4, items),
        demand_time_fence=rng.integers(0, 5, items),
        planning_time_fence=rng.integers(0, 5, items),
        demand_inside_dtf=np.full(items, DemandRule.MAX, dtype=np.int8),
        demand_outside_dtf=np.full(items, DemandRule.FORECAST, dtype=np.int8),
        lot_rule=lot_rule,
        lot_qty=np.where(fixed, np.round(level * rng.uniform(2, 4, items)), 0.0),
        poq_periods=np.where(lot_rule == LotRule.PERIOD_ORDER_QUANTITY, rng.integers(2, 5, items), 1),
        fixed_lot_repeats=np.ones(items, dtype=bool),
        min_lot=np.zeros(items),
        max_lot=np.full(items, np.inf),
        lot_multiple=np.ones(items),
        atp_rule=np.full(items, AtpRule.DISCRETE_LOOKAHEAD, dtype=np.int8),
        resource_names=(),
        run_per_unit=np.zeros((items, 0)),
        setup_per_lot=np.zeros((items, 0)),
        capacity=np.zeros((items, 0, weeks)),
        uses_resource=np.zeros((items, 0), dtype=bool),
    )
    # each item runs on one resource (two for one item in four), a few hundredths of an hour per unit
    uses = np.zeros((items, resources), dtype=bool)
    if resources:
        uses[np.arange(items), rng.integers(0, resources, items)] = True
        uses[np.arange(items), rng.integers(0, resources, items)] |= rng.random(items) < 0.25
    run = np.where(uses, np.round(rng.uniform(0.01, 0.05, (items, resources)), 3), 0.0)
    setup = np.where(uses, rng.choice([0.5, 1.0, 2.0], (items, resources)), 0.0)
    # sized on the average week (with a lot every other week): seasonal peaks and campaigns overflow it
    average = run.T @ level + setup.sum(axis=0) * 0.5
    capacity = np.repeat(np.round(average * 1.05)[:, None], weeks, axis=1)
    if weeks >= 52:
        capacity[:, 51] = np.round(capacity[:, 51] * 0.5)  # the Christmas week runs half the shifts
    return Production(
        batch=batch,
        item_product=item_product,
        item_share=share,
        run_per_unit=run,
        setup_per_lot=setup,
        resource_codes=tuple(f"RES{r + 1}" for r in range(resources)),
        resource_labels=tuple(f"Line {r + 1}" for r in range(resources)),
        capacity=capacity,
    )


def _costs(rng: np.random.Generator, capacity: np.ndarray) -> CapacityCosts:
    resources = capacity.shape[0]
    shift_hours = np.round(capacity.mean(axis=1) * 0.2)
    return CapacityCosts(
        overtime_rate=np.round(rng.uniform(40, 60, resources)),
        overtime_limit=np.full(resources, 0.2),
        shift_hours=shift_hours,
        shift_cost=shift_hours * 30.0,
        max_extra_shifts=np.ones(resources, dtype=np.int64),
        planned_shifts=np.zeros(capacity.shape),
    )


def _warehousing(rng: np.random.Generator, baseline: np.ndarray, warehouses: int) -> Warehousing:
    products, weeks = baseline.shape
    first = np.asarray(rng.integers(0, warehouses, size=products))
    second = (first + rng.integers(1, max(warehouses, 2), products)) % warehouses
    split = (rng.random(products) < 0.3) & (second != first)
    share_first = np.where(split, 50.0, 100.0)
    rows = np.concatenate([np.arange(products), np.flatnonzero(split)])
    units_per_pallet = np.array([48.0, 96.0, 240.0])[rng.integers(0, 3, products)]
    net = network(
        products,
        warehouses,
        rows,
        np.concatenate([first, second[split]]),
        np.concatenate([share_first, 100.0 - share_first[split]]),
        units_per_pallet[rows],
        pick_rate=np.full(warehouses, 120.0),
        receive_rate=np.full(warehouses, 400.0),
    )
    average = baseline.mean(axis=1)
    capacity = np.empty((warehouses, len(DIMENSIONS), weeks))
    capacity[:, OUTBOUND] = np.round(net.share.T @ average * 1.15)[:, None]
    capacity[:, INBOUND] = np.round(net.share.T @ average * 1.3)[:, None]
    capacity[:, STORAGE] = np.round(net.pallets.T @ (average * 3.0))[:, None]
    capacity[:, LABOUR] = np.round(capacity[:, OUTBOUND] / 120.0 + capacity[:, INBOUND] / 400.0)
    if warehouses >= 2:
        capacity[-1, LABOUR] = np.nan  # not recorded: unchecked
    return Warehousing(
        network=net,
        capacity=capacity,
        codes=tuple(f"WH{h + 1}" for h in range(warehouses)),
        labels=tuple(f"Warehouse {h + 1}" for h in range(warehouses)),
    )
