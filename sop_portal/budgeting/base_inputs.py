"""The base plan of a budget cycle: the live data read once into `planning.inputs.YearInputs` for its fiscal year.

What is read (whole arrays over every product and the fiscal year's weeks, no query per product):

- calendar: the ISO weeks whose Thursday falls in the year (52 or 53); a week belongs to its Thursday's month;
- catalogue: every product (in id order) with its family, price and cost; the return rate and the disposition
  mix over the 52 order weeks before this week (or before the year, for a year already begun) from the returns
  history, and from the returns policy the share of returned units put back into stock (restock and refurbish
  yield, weighted by the product's disposition mix);
- baseline forecast of the year's weeks;
- the campaigns that count (approved, live, closed: `campaigns.models.COUNTING`, as in the MPS) whose uplift,
  pre-buy or post-promotion dip reaches into the year, with every line, halo, cannibalisation and launch transfer;
- production: every MPS item's parameters, its bill of capacity and each resource's weekly capacity with its
  calendar exceptions. The year starts at safety stock, with no customer orders, receipts or firm orders, and
  without fences: the fences protect the next weeks' schedule from churn, and a budget year has not begun, so
  its demand is the forecast everywhere;
- capacity costs of the cycle (a resource without a row: no overtime, no shifts, no cost);
- warehousing: every warehouse's shares of each product, pallet and labour rates, weekly capacity.

The result is cached per process, keyed by (cycle, `inputs_stamp`). The stamp is a handful of aggregate queries
(one scan of the year's forecast, index look-ups elsewhere) over every table the inputs come from: row counts and
highest ids catch inserts and deletes; version sums and `updated` timestamps catch edits of records that keep
them (products, campaigns, MPS items, warehouses, the returns policy); exact integer checksums of the numbers
(the plain sum, and a sum weighted by row id so that moving a quantity between rows shows) catch in-place
edits of rows without a version (forecast, shipments, capacities, bills of capacity, assignments); the small
label tables (families, resources, warehouses) and the cycle's capacity costs are read whole. A stale cache
would need an edit that keeps the count, the highest id, the total and the id-weighted total of its table:
in practice never. The stamp is taken before the data is read, so data changing during a read is read again
on the next call rather than cached under the new stamp.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Sequence
from dataclasses import fields, is_dataclass, replace
from datetime import date, timedelta
from typing import Any

import numpy as np
from django.db import connection
from django.db.models import QuerySet

from campaigns import consensus
from campaigns.models import COUNTING, Campaign, CampaignChange, CampaignProduct
from fulfillment import inputs as warehouse_inputs
from fulfillment.models import Assignment, CapacityException, Warehouse
from fulfillment.planning.projection import Network
from production.models import BillOfCapacity, MpsItem, Resource, ResourceCapacityException
from production.plan_inputs import PlanningWindow
from production.planning.inputs import DemandRule, MpsBatch
from production.planning.parse import ATP_RULES, LOT_RULES
from production.rough_cut import bill_matrix, capacity_by_week
from returns import policy as returns_policy
from returns.models import ReturnLine, ReturnsPolicy, ShippedQuantity
from returns.planning.supply import REFURBISH, RESTOCK
from returns.supply import history
from sop_portal.masterdata import services as masterdata
from sop_portal.masterdata.models import BaselineForecast, Product, ProductFamily
from sop_portal.masterdata.series import baseline_forecast
from sop_portal.masterdata.weeks import week_index, week_start

from .models import BudgetCycle, CapacityCost
from .planning.fiscal_weeks import first_monday, fiscal_calendar, iso_weeks
from .planning.inputs import (
    CampaignBook,
    CapacityCosts,
    Catalogue,
    Production,
    Warehousing,
    YearInputs,
)

RETURNS_HISTORY_WEEKS = 52
# Campaigns are fetched with this margin around the year, then kept if their pre-buy or dip reaches into it.
CAMPAIGN_MARGIN = timedelta(weeks=52)
CACHED_CYCLES = 4


# --- the calendar ---------------------------------------------------------------------------------------------


def fiscal_weeks(fiscal_year: int) -> tuple[date, int]:
    """Monday of the year's first ISO week and its number of weeks (52 or 53): what a cycle stores."""
    return first_monday(fiscal_year), iso_weeks(fiscal_year)


def window(cycle: BudgetCycle) -> PlanningWindow:
    return PlanningWindow(cycle.first_week, cycle.weeks)


def returns_history_end(cycle: BudgetCycle) -> date:
    """Return rates come from the 52 order weeks before this: this week, or the year's start once it began."""
    return min(week_start(masterdata.today()), cycle.first_week)


# --- the cache --------------------------------------------------------------------------------------------------

_cache: dict[int, tuple[str, YearInputs]] = {}
_cache_lock = threading.Lock()


def base_inputs(cycle: BudgetCycle, stamp: str | None = None) -> YearInputs:
    """The cycle's base plan inputs, read from the live data or taken from this process's cache.

    The arrays are read-only: a scenario's deltas make new arrays (`planning.deltas.apply`), never edit these.
    """
    stamp = stamp or inputs_stamp(cycle)
    with _cache_lock:
        hit = _cache.get(cycle.pk)
    if hit is not None and hit[0] == stamp:
        return hit[1]
    inputs = read_inputs(cycle)
    with _cache_lock:
        _cache.pop(cycle.pk, None)
        _cache[cycle.pk] = (stamp, inputs)
        while len(_cache) > CACHED_CYCLES:
            _cache.pop(next(iter(_cache)))
    return inputs


def forget() -> None:
    """Empty this process's cache (tests; a command that rewrote data behind the stamp's back)."""
    with _cache_lock:
        _cache.clear()


# --- the stamp --------------------------------------------------------------------------------------------------


def _table(model: type[Any], *, numbers: Sequence[str] = (), latest: str = "", where: str = "") -> tuple[str, str]:
    """SQL for one table's fingerprint: count, highest id, and per number column its total and id-weighted total,
    both as exact integers (hundredths; a float sum could differ between two scans in the last bit)."""
    opts = model._meta
    quote = connection.ops.quote_name
    pk = quote(opts.pk.column)
    terms = ["COUNT(*)", f"MAX({pk})"]
    for name in numbers:
        # "%%": the statement goes through the driver's parameter formatting, which turns it into "%" (modulo).
        cents = f"CAST({quote(opts.get_field(name).column)} * 100 AS BIGINT)"
        terms += [f"SUM({cents})", f"SUM(({cents} %% 1000003) * ({pk} %% 997 + 1))"]
    if latest:
        terms.append(f"MAX({quote(opts.get_field(latest).column)})")
    return f"SELECT {', '.join(terms)} FROM {quote(opts.db_table)}" + (f" WHERE {where}" if where else ""), opts.label


def inputs_stamp(cycle: BudgetCycle) -> str:
    """Fingerprint of everything `read_inputs(cycle)` reads (see the module docstring for why it is enough)."""
    end = cycle.first_week + timedelta(weeks=cycle.weeks)
    history_end = returns_history_end(cycle)
    history_start = history_end - timedelta(weeks=RETURNS_HISTORY_WEEKS)
    queries: list[tuple[tuple[str, str], list[Any]]] = [
        (_table(Product, latest="updated"), []),
        (_table(BaselineForecast, numbers=["quantity"], where="week >= %s AND week < %s"), [cycle.first_week, end]),
        (_table(Campaign, numbers=["version", "budget"], latest="updated"), []),
        (_table(CampaignProduct), []),
        (_table(CampaignChange), []),
        (_table(MpsItem, numbers=["version"]), []),
        (_table(Resource, numbers=["weekly_capacity"]), []),
        (_table(ResourceCapacityException, numbers=["capacity"]), []),
        (_table(BillOfCapacity, numbers=["run_hours_per_unit", "setup_hours_per_lot"]), []),
        (_table(Warehouse, numbers=["version"]), []),
        (_table(CapacityException, numbers=["capacity"]), []),
        (_table(Assignment, numbers=["share_pct", "units_per_pallet"]), []),
        (_table(ReturnLine, numbers=["quantity"]), []),
        (
            _table(ShippedQuantity, numbers=["quantity"], where="week >= %s AND week < %s"),
            [history_start, history_end],
        ),
        (_table(ReturnsPolicy, numbers=["version"], latest="updated"), []),
    ]
    # float(): an unsaved cycle holds Decimal("0.5") where a fetched one holds Decimal("0.50").
    cost = float(cycle.returns_handling_cost)
    parts: list[Any] = [cycle.pk, cycle.fiscal_year, cycle.first_week.isoformat(), cycle.weeks, cost]
    parts.append(history_end)
    with connection.cursor() as cursor:
        for (sql, label), params in queries:
            cursor.execute(sql, params)
            parts.append((label, cursor.fetchone()))
    parts.append(list(ProductFamily.objects.order_by("pk").values_list("pk", "code", "name")))
    parts.append(list(Resource.objects.order_by("pk").values_list("pk", "code", "name", "plant_id")))
    parts.append(list(Warehouse.objects.order_by("pk").values_list("pk", "code", "name")))
    parts.append(
        list(
            CapacityCost.objects.filter(cycle=cycle)
            .order_by("resource_id")
            .values_list(
                "resource_id", "overtime_cost_per_hour", "overtime_limit_pct", "shift_hours", "shift_cost_per_week",
                "max_extra_shifts",
            )
        )
    )  # fmt: skip
    parts[-1] = [tuple(float(v) for v in row) for row in parts[-1]]
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:32]


# --- reading ----------------------------------------------------------------------------------------------------


def counted_campaigns(cycle: BudgetCycle) -> QuerySet[Campaign]:
    """Campaigns that count in the plan and may reach the fiscal year (a margin of a year for pre-buys and dips;
    `read_inputs` keeps those that really do)."""
    end = cycle.first_week + timedelta(weeks=cycle.weeks)
    return Campaign.objects.filter(
        status__in=COUNTING, end_date__gte=cycle.first_week - CAMPAIGN_MARGIN, start_date__lt=end + CAMPAIGN_MARGIN
    ).order_by("pk")


def read_inputs(cycle: BudgetCycle) -> YearInputs:
    """Read the live data for the cycle's fiscal year (uncached: use `base_inputs`)."""
    first_week, weeks = cycle.first_week, cycle.weeks
    products = list(Product.objects.order_by("pk").values_list("pk", "sku", "family_id", "unit_price", "unit_cost"))
    product_ids = [p[0] for p in products]
    product_row = {pid: i for i, pid in enumerate(product_ids)}
    catalogue = _catalogue(cycle, products)
    production, resources = _production(cycle, product_row)
    inputs = YearInputs(
        fiscal_year=cycle.fiscal_year,
        calendar=fiscal_calendar(cycle.fiscal_year, weeks),
        catalogue=catalogue,
        baseline=baseline_forecast(product_ids, first_week, weeks),
        campaigns=_campaign_book(cycle, products, product_row),
        production=production,
        costs=_capacity_costs(cycle, resources),
        warehousing=_warehousing(cycle, product_row),
        returns_handling_cost=float(cycle.returns_handling_cost),
    )
    _freeze(inputs)
    return inputs


def _catalogue(cycle: BudgetCycle, products: list[tuple[int, str, int, Any, Any]]) -> Catalogue:
    families = list(ProductFamily.objects.order_by("name", "pk").values_list("pk", "code", "name"))
    family_row = {pk: i for i, (pk, _, _) in enumerate(families)}
    product_ids = [p[0] for p in products]
    rate, shares = history(product_ids, returns_history_end(cycle), RETURNS_HISTORY_WEEKS)
    recovered = returns_policy.recovery(returns_policy.current()).yield_
    restock_yield = shares[:, RESTOCK] * recovered[RESTOCK] + shares[:, REFURBISH] * recovered[REFURBISH]
    return Catalogue(
        family=np.array([family_row[p[2]] for p in products], dtype=np.int64),
        family_labels=tuple(name for _, _, name in families),
        family_codes=tuple(code for _, code, _ in families),
        skus=tuple(p[1] for p in products),
        unit_price=np.array([float(p[3]) for p in products], dtype=float),
        unit_cost=np.array([float(p[4]) for p in products], dtype=float),
        return_rate=np.asarray(rate, dtype=float).reshape(len(products)),
        restock_yield=np.asarray(restock_yield, dtype=float).reshape(len(products)),
    )


def _campaign_book(
    cycle: BudgetCycle, products: list[tuple[int, str, int, Any, Any]], product_row: dict[int, int]
) -> CampaignBook:
    first_week, weeks = cycle.first_week, cycle.weeks
    candidates = list(counted_campaigns(cycle))
    all_lines = list(
        CampaignProduct.objects.filter(campaign__in=[c.pk for c in candidates])
        .select_related("campaign", "product")
        .order_by("campaign_id", "product_id")
    )
    before: dict[int, int] = {}
    after: dict[int, int] = {}
    for line in all_lines:
        before[line.campaign_id] = max(before.get(line.campaign_id, 0), line.prebuy_weeks)
        after[line.campaign_id] = max(after.get(line.campaign_id, 0), line.dip_weeks)

    def reaches_year(c: Campaign) -> bool:
        start, end = week_index(first_week, c.start_date), week_index(first_week, c.end_date)
        return start - before.get(c.pk, 0) < weeks and end + after.get(c.pk, 0) >= 0

    campaigns = [c for c in candidates if reaches_year(c)]
    kept = {c.pk for c in campaigns}
    lines = [line for line in all_lines if line.campaign_id in kept]
    ids = np.array([c.pk for c in campaigns], dtype=np.int64)

    # Halo and cannibalisation move the other products of a line's family: only those families are read.
    spill = {line.product.family_id for line in lines if line.halo_pct or line.cannibalisation_pct}
    members = [pid for pid, _, family_id, _, _ in products if family_id in spill]
    uplift = consensus.uplift_lines(lines, product_row, first_week, weeks)
    effects = consensus.family_effects(lines, members, product_row, first_week)
    return CampaignBook(
        ids=ids,
        names=tuple(c.name for c in campaigns),
        budget=np.array([float(c.budget) for c in campaigns], dtype=float),
        start=np.array([week_index(first_week, c.start_date) for c in campaigns], dtype=np.int64),
        end=np.array([week_index(first_week, c.end_date) for c in campaigns], dtype=np.int64),
        # The book's lines and effects point at campaign rows (indices into `ids`), not campaign ids.
        lines=_with_rows(uplift, ids),
        effects=_with_rows(effects, ids),
        transfers=consensus.transfers(lines, product_row),
    )


def _with_rows(table: Any, ids: np.ndarray) -> Any:
    return replace(table, campaign=np.searchsorted(ids, table.campaign).astype(np.int64))


def _production(cycle: BudgetCycle, product_row: dict[int, int]) -> tuple[Production, list[Resource]]:
    items = list(MpsItem.objects.order_by("pk"))
    resources = list(Resource.objects.select_related("plant").prefetch_related("exceptions"))
    run, setup = bill_matrix(items, resources)
    return (
        Production(
            batch=_year_batch(items, cycle.weeks),
            item_product=np.array([product_row[item.product_id] for item in items], dtype=np.int64),
            item_share=np.array([item.demand_share for item in items], dtype=float),
            run_per_unit=run,
            setup_per_lot=setup,
            resource_codes=tuple(r.code for r in resources),
            resource_labels=tuple(r.name for r in resources),
            capacity=capacity_by_week(resources, window(cycle)),
        ),
        resources,
    )


def _year_batch(items: Sequence[MpsItem], weeks: int) -> MpsBatch:
    """The MPS parameters of `items` for a year not yet begun: forecast left at zero (consensus demand x share
    replaces it), stock at safety stock, no orders, receipts, firm orders or fences."""
    n = len(items)

    def column(values: list[Any], dtype: type) -> np.ndarray:
        return np.array(values, dtype=dtype).reshape(n)

    safety = column([i.safety_stock for i in items], float)
    no_fence = np.zeros(n, dtype=np.int64)
    forecast_rule = np.full(n, DemandRule.FORECAST, dtype=np.int8)
    return MpsBatch(
        forecast=np.zeros((n, weeks)),
        customer_orders=np.zeros((n, weeks)),
        scheduled_receipts=np.zeros((n, weeks)),
        firm_planned_orders=np.zeros((n, weeks)),
        horizon=np.full(n, weeks, dtype=np.int64),
        on_hand=safety.copy(),
        safety_stock=safety,
        lead_time=column([i.lead_time for i in items], np.int64),
        demand_time_fence=no_fence,
        planning_time_fence=no_fence.copy(),
        demand_inside_dtf=forecast_rule,
        demand_outside_dtf=forecast_rule.copy(),
        lot_rule=column([LOT_RULES[i.lot_rule] for i in items], np.int8),
        lot_qty=column([i.lot_qty for i in items], float),
        poq_periods=column([i.poq_periods for i in items], np.int64),
        fixed_lot_repeats=column([i.fixed_lot_repeats for i in items], bool),
        min_lot=column([i.min_lot for i in items], float),
        max_lot=column([np.inf if i.max_lot is None else i.max_lot for i in items], float),
        lot_multiple=column([i.lot_multiple or 1 for i in items], float),
        atp_rule=column([ATP_RULES[i.atp_rule] for i in items], np.int8),
        # The load is computed for the whole plan (bill of capacity x MPS), not per item.
        resource_names=(),
        run_per_unit=np.zeros((n, 0)),
        setup_per_lot=np.zeros((n, 0)),
        capacity=np.zeros((n, 0, weeks)),
        uses_resource=np.zeros((n, 0), dtype=bool),
    )


def _capacity_costs(cycle: BudgetCycle, resources: Sequence[Resource]) -> CapacityCosts:
    r = len(resources)
    rate, limit, hours, cost = np.zeros(r), np.zeros(r), np.zeros(r), np.zeros(r)
    most = np.zeros(r, dtype=np.int64)
    col = {resource.pk: j for j, resource in enumerate(resources)}
    for row in CapacityCost.objects.filter(cycle=cycle):
        j = col[row.resource_id]
        rate[j], limit[j] = float(row.overtime_cost_per_hour), row.overtime_limit_pct / 100
        hours[j], cost[j], most[j] = row.shift_hours, float(row.shift_cost_per_week), row.max_extra_shifts
    return CapacityCosts(
        overtime_rate=rate,
        overtime_limit=limit,
        shift_hours=hours,
        shift_cost=cost,
        max_extra_shifts=most,
        planned_shifts=np.zeros((r, cycle.weeks), dtype=np.int64),
    )


def _warehousing(cycle: BudgetCycle, product_row: dict[int, int]) -> Warehousing:
    warehouses = list(Warehouse.objects.order_by("code"))
    scope = warehouse_inputs.scope(warehouses)
    # The scope holds the assigned products only; the plan's network spans the whole catalogue.
    rows = np.array([product_row[pid] for pid in scope.product_ids], dtype=np.int64)
    share = np.zeros((len(product_row), len(warehouses)))
    pallets = np.zeros_like(share)
    share[rows] = scope.network.share
    pallets[rows] = scope.network.pallets
    return Warehousing(
        network=Network(share, pallets, scope.network.pick_rate, scope.network.receive_rate),
        capacity=warehouse_inputs.capacity_by_week(warehouses, window(cycle)),
        codes=tuple(w.code for w in warehouses),
        labels=tuple(w.name for w in warehouses),
    )


def _freeze(value: Any) -> None:
    """Make every array in the inputs read-only, so an engine that edits a base array fails loudly instead of
    corrupting the cache every later scenario starts from."""
    if isinstance(value, np.ndarray):
        value.flags.writeable = False
    elif is_dataclass(value) and not isinstance(value, type):
        for field in fields(value):
            _freeze(getattr(value, field.name))
