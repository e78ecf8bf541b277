"""`run_mps`: the whole master production schedule of a batch of end items in whole-array numpy.

Only the netting recurrence walks the periods (plus the running sums of POQ windows and ATP, a handful of row
operations per period); demand rules, lot modifiers, release offsets, ATP and rough-cut capacity are
whole-array operations with per-item masks. The sequential parts run on (periods, products) copies so that each
step reads one contiguous row; results come back as (products, periods) like the inputs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .atp import cumulative_atp, discrete_atp
from .demand import gross_requirements
from .inputs import AtpRule, LotRule, MpsBatch
from .lot_sizing import LotSizer, poq_cover
from .netting import plannable_periods, project_available, release_dates
from .rccp import item_load, overload, resource_load


@dataclass(frozen=True)
class MpsResult:
    # (products, periods)
    gross_requirements: np.ndarray
    projected_available: np.ndarray
    planned_receipts: np.ndarray  # new MPS receipts only
    mps: np.ndarray  # planned receipts + firm planned orders, by receipt period
    mps_release: np.ndarray  # the same, by release period
    atp: np.ndarray
    cumulative_atp: np.ndarray
    # (products, resources, periods), resources as in MpsBatch.resource_names
    load: np.ndarray
    overload: np.ndarray
    # (resources, periods): load of the whole batch per resource
    resource_load: np.ndarray


def run_mps(batch: MpsBatch) -> MpsResult:
    gross = gross_requirements(
        batch.forecast,
        batch.customer_orders,
        batch.demand_inside_dtf,
        batch.demand_outside_dtf,
        batch.demand_time_fence,
    )
    flow = batch.scheduled_receipts + batch.firm_planned_orders
    flow -= gross
    flow_by_period = np.ascontiguousarray(flow.T)
    sizer = LotSizer(
        batch.lot_rule,
        batch.lot_qty,
        batch.fixed_lot_repeats,
        batch.min_lot,
        batch.lot_multiple,
        batch.max_lot,
    )
    cover = poq_cover(flow_by_period, batch.poq_periods, batch.lot_rule == LotRule.PERIOD_ORDER_QUANTITY)
    plannable = plannable_periods(batch.periods, batch.planning_time_fence, batch.lead_time, batch.horizon)
    receipts, available = project_available(flow_by_period, batch.on_hand, batch.safety_stock, plannable, sizer, cover)
    planned = np.ascontiguousarray(receipts.T)
    mps = planned + batch.firm_planned_orders
    supply = mps + batch.scheduled_receipts
    uncommitted = supply - batch.customer_orders
    discrete = discrete_atp(np.ascontiguousarray(uncommitted.T), np.ascontiguousarray((supply > 0).T), batch.on_hand)
    atp, cumulative = cumulative_atp(discrete, batch.atp_rule == AtpRule.DISCRETE_LOOKAHEAD)
    load = item_load(mps, batch.run_per_unit, batch.setup_per_lot)
    return MpsResult(
        gross_requirements=gross,
        projected_available=np.ascontiguousarray(available.T),
        planned_receipts=planned,
        mps=mps,
        mps_release=release_dates(mps, batch.lead_time),
        atp=np.ascontiguousarray(atp.T),
        cumulative_atp=np.ascontiguousarray(cumulative.T),
        load=load,
        overload=overload(load, batch.capacity),
        resource_load=resource_load(mps, batch.run_per_unit, batch.setup_per_lot),
    )
