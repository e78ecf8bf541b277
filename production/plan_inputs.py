"""Read what the MPS engine needs from the database into one `MpsBatch` (items x weeks arrays).

Demand per item = the product's demand x the item's demand share. Orders, receipts and firm planned orders due
before the first week are past due: they land in the first week, where a planner expects to see them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
from django.db.models import Sum

from returns.supply import restock_supply
from sop_portal.masterdata.models import CustomerOrder
from sop_portal.masterdata.weeks import week_index

from .demand_source import product_demand
from .models import FirmPlannedOrder, MpsItem, ScheduledReceipt
from .planning.inputs import MpsBatch
from .planning.parse import ATP_RULES, DEMAND_RULES, LOT_RULES


@dataclass(frozen=True)
class PlanningWindow:
    first_week: date
    weeks: int

    @property
    def end(self) -> date:
        """The Monday after the last week."""
        return self.first_week + timedelta(weeks=self.weeks)


@dataclass(frozen=True)
class PlanBatch(MpsBatch):
    """The engine's input, plus the restocked returns its scheduled receipts include (a grid row of their own)."""

    returns_supply: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))


def on_window(values: Sequence[float], stored_from: date, window: PlanningWindow) -> np.ndarray:
    """A stored weekly series that starts at `stored_from`, moved onto `window` (weeks it lacks are 0).

    Plans are stored from the week they were made; the window rolls forward every week, so the first weeks may
    have passed and the last ones may not be stored yet.
    """
    series = np.asarray(values, dtype=float)
    out = np.zeros(window.weeks)
    shift = week_index(stored_from, window.first_week)
    source, start = series[max(shift, 0) :], max(-shift, 0)
    length = max(min(source.size, window.weeks - start), 0)
    out[start : start + length] = source[:length]
    return out


def _by_week(rows: Sequence[tuple[int, date, float]], row_of: dict[int, int], window: PlanningWindow) -> np.ndarray:
    out = np.zeros((len(row_of), window.weeks))
    for key, week, quantity in rows:
        if key in row_of and week < window.end:
            out[row_of[key], max(week_index(window.first_week, week), 0)] += quantity
    return out


def build_batch(
    items: Sequence[MpsItem], window: PlanningWindow, demand_of: Callable[[list[int]], np.ndarray] | None = None
) -> PlanBatch:
    """The engine's input for `items`; `demand_of(product ids)` replaces consensus demand (what-if runs)."""
    n, weeks = len(items), window.weeks
    item_row = {item.pk: i for i, item in enumerate(items)}
    product_ids = sorted({item.product_id for item in items})
    product_row = {pid: i for i, pid in enumerate(product_ids)}
    share = np.array([item.demand_share for item in items])
    take = np.array([product_row[item.product_id] for item in items], dtype=np.int64)

    demand = (
        demand_of(product_ids) if demand_of is not None else product_demand(product_ids, window.first_week, weeks)
    )
    orders = _by_week(
        list(
            CustomerOrder.objects.filter(
                product_id__in=product_ids, status=CustomerOrder.Status.OPEN, week__lt=window.end
            )
            .values("product_id", "week")
            .annotate(qty=Sum("quantity"))
            .values_list("product_id", "week", "qty")
        ),
        product_row,
        window,
    )

    def item_series(model: type[ScheduledReceipt] | type[FirmPlannedOrder]) -> np.ndarray:
        rows = (
            model.objects.filter(item_id__in=item_row.keys(), week__lt=window.end)
            .values("item_id", "week")
            .annotate(qty=Sum("quantity"))
            .values_list("item_id", "week", "qty")
        )
        return _by_week(list(rows), item_row, window)

    def column(values: list[float | int], dtype: type) -> np.ndarray:
        return np.array(values, dtype=dtype).reshape(n)

    forecast = demand[take] * share[:, None] if n else np.zeros((0, weeks))
    returns = restock_supply(items, window, forecast)  # received and expected returns back in stock
    return PlanBatch(
        forecast=forecast,
        customer_orders=orders[take] * share[:, None] if n else np.zeros((0, weeks)),
        scheduled_receipts=item_series(ScheduledReceipt) + returns,
        firm_planned_orders=item_series(FirmPlannedOrder),
        horizon=np.full(n, weeks, dtype=np.int64),
        on_hand=column([i.on_hand for i in items], float),
        safety_stock=column([i.safety_stock for i in items], float),
        lead_time=column([i.lead_time for i in items], np.int64),
        demand_time_fence=column([i.demand_time_fence for i in items], np.int64),
        planning_time_fence=column([i.planning_time_fence for i in items], np.int64),
        demand_inside_dtf=column([DEMAND_RULES[i.demand_inside_dtf] for i in items], np.int8),
        demand_outside_dtf=column([DEMAND_RULES[i.demand_outside_dtf] for i in items], np.int8),
        lot_rule=column([LOT_RULES[i.lot_rule] for i in items], np.int8),
        lot_qty=column([i.lot_qty for i in items], float),
        poq_periods=column([i.poq_periods for i in items], np.int64),
        fixed_lot_repeats=column([i.fixed_lot_repeats for i in items], bool),
        min_lot=column([i.min_lot for i in items], float),
        max_lot=column([np.inf if i.max_lot is None else i.max_lot for i in items], float),
        lot_multiple=column([i.lot_multiple or 1 for i in items], float),
        atp_rule=column([ATP_RULES[i.atp_rule] for i in items], np.int8),
        # Shared resources are loaded by the whole plan, not per item: see services.rough_cut.
        resource_names=(),
        run_per_unit=np.zeros((n, 0)),
        setup_per_lot=np.zeros((n, 0)),
        capacity=np.zeros((n, 0, weeks)),
        uses_resource=np.zeros((n, 0), dtype=bool),
        returns_supply=returns,
    )
