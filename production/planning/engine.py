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
from .rccp import rough_cut_capacity


@dataclass(frozen=True)
class MpsResult:
    # (products, periods); some are transposed views of period-major arrays (not C-contiguous)
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
    periods = batch.periods
    gross = gross_requirements(
        batch.forecast,
        batch.customer_orders,
        batch.demand_inside_dtf,
        batch.demand_outside_dtf,
        batch.demand_time_fence,
    )
    # The sequential parts work on (periods, products) rows; what comes out of them is returned as transposed
    # views where a copy is not needed (fresh memory costs page faults as well as the copy).
    scratch = batch.scheduled_receipts + batch.firm_planned_orders
    scratch -= gross
    flow = scratch.T.copy()
    sizer = LotSizer(
        batch.lot_rule,
        batch.lot_qty,
        batch.fixed_lot_repeats,
        batch.min_lot,
        batch.lot_multiple,
        batch.max_lot,
        cover=poq_cover(flow, batch.poq_periods, batch.lot_rule == LotRule.PERIOD_ORDER_QUANTITY),
    )
    plannable = plannable_periods(periods, batch.planning_time_fence, batch.lead_time, batch.horizon)
    receipts, available = project_available(flow, batch.on_hand, batch.safety_stock, plannable, sizer)
    mps = receipts.T.copy()
    mps += batch.firm_planned_orders
    supply = np.add(mps, batch.scheduled_receipts, out=scratch)
    receipt = np.ascontiguousarray((supply > 0).T)
    supply -= batch.customer_orders
    uncommitted = flow  # the netting is done with it
    np.copyto(uncommitted, supply.T)
    atp, cumulative = cumulative_atp(
        discrete_atp(uncommitted, receipt, batch.on_hand), batch.atp_rule == AtpRule.DISCRETE_LOOKAHEAD
    )
    load, excess, total = rough_cut_capacity(mps, batch.run_per_unit, batch.setup_per_lot, batch.capacity)
    return MpsResult(
        gross_requirements=gross,
        projected_available=available.T,
        planned_receipts=receipts.T,
        mps=mps,
        mps_release=release_dates(mps, batch.lead_time),
        atp=atp.T,
        cumulative_atp=cumulative.T,
        load=load,
        overload=excess,
        resource_load=total,
    )
