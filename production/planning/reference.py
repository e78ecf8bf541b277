"""The MPS written the way a planner works the grid by hand: item by item, period by period, in plain Python.

It is the oracle the vectorised engine is tested against and the baseline of its benchmark, so it shares no
code with the engine beyond the input/output dataclasses and the rounding tolerance. Semantics are documented
in the engine modules (demand, lot_sizing, netting, atp, rccp).
"""

from __future__ import annotations

import math

import numpy as np

from .engine import MpsResult
from .inputs import AtpRule, DemandRule, LotRule, MpsBatch
from .lot_sizing import ROUNDING_TOLERANCE


def run_mps_reference(batch: MpsBatch) -> MpsResult:
    n, periods = batch.products, batch.periods
    names = ("gross", "pab", "planned", "mps", "release", "atp", "cum")
    rows: dict[str, list[list[float]]] = {name: [] for name in names}
    load = np.zeros((n, len(batch.resource_names), periods))
    columns = {
        name: getattr(batch, name).tolist()
        for name in (
            "forecast",
            "customer_orders",
            "scheduled_receipts",
            "firm_planned_orders",
            "horizon",
            "on_hand",
            "safety_stock",
            "lead_time",
            "demand_time_fence",
            "planning_time_fence",
            "demand_inside_dtf",
            "demand_outside_dtf",
            "lot_rule",
            "lot_qty",
            "poq_periods",
            "fixed_lot_repeats",
            "min_lot",
            "max_lot",
            "lot_multiple",
            "atp_rule",
            "run_per_unit",
            "setup_per_lot",
        )
    }
    for i in range(n):
        item = {name: values[i] for name, values in columns.items()}
        plan = _plan_item(item, periods)
        for name, row in zip(names, plan, strict=True):
            rows[name].append(row)
        for r, (run, setup) in enumerate(zip(item["run_per_unit"], item["setup_per_lot"], strict=True)):
            for t, qty in enumerate(plan[3]):
                load[i, r, t] = run * qty + setup * (1.0 if qty > 0 else 0.0)
    arrays = {name: np.array(rows[name], dtype=float).reshape(n, periods) for name in names}
    mps = arrays["mps"]
    resource_load = np.zeros((len(batch.resource_names), periods))
    for i in range(n):
        resource_load += load[i]
    return MpsResult(
        gross_requirements=arrays["gross"],
        projected_available=arrays["pab"],
        planned_receipts=arrays["planned"],
        mps=mps,
        mps_release=arrays["release"],
        atp=arrays["atp"],
        cumulative_atp=arrays["cum"],
        load=load,
        overload=np.maximum(load - batch.capacity, 0.0),
        resource_load=resource_load,
    )


def _plan_item(item: dict, periods: int) -> tuple[list[float], ...]:
    forecast, orders = item["forecast"], item["customer_orders"]
    gross = []
    for t in range(periods):
        rule = item["demand_inside_dtf"] if t + 1 <= item["demand_time_fence"] else item["demand_outside_dtf"]
        gross.append(_demand(rule, forecast[t], orders[t]))

    first_plannable = max(item["planning_time_fence"], item["lead_time"]) + 1
    flows = [item["scheduled_receipts"][t] + item["firm_planned_orders"][t] - gross[t] for t in range(periods)]
    pab_rows, planned = [], []
    pab = item["on_hand"]
    for t in range(periods):
        pab = pab + flows[t]
        receipt = 0.0
        net = item["safety_stock"] - pab
        if net > ROUNDING_TOLERANCE and first_plannable <= t + 1 <= item["horizon"]:
            if item["lot_rule"] == LotRule.PERIOD_ORDER_QUANTITY:
                net = _poq_requirement(pab, flows, t, item["poq_periods"], item["safety_stock"], periods)
            receipt = _lot_size(net, item)
            pab = pab + receipt
        planned.append(receipt)
        pab_rows.append(pab)

    mps = [planned[t] + item["firm_planned_orders"][t] for t in range(periods)]
    lead_time = item["lead_time"]
    release = [mps[t + lead_time] if t + lead_time < periods else 0.0 for t in range(periods)]
    supply = [mps[t] + item["scheduled_receipts"][t] for t in range(periods)]
    atp = _discrete_atp(supply, orders, item["on_hand"])
    if item["atp_rule"] == AtpRule.DISCRETE_LOOKAHEAD:
        atp = _look_ahead(atp)
    cumulative, total = [], 0.0
    for value in atp:
        total += value
        cumulative.append(total)
    return gross, pab_rows, planned, mps, release, atp, cumulative


def _demand(rule: int, forecast: float, orders: float) -> float:
    if rule == DemandRule.ORDERS:
        return orders
    if rule == DemandRule.FORECAST:
        return forecast
    if rule == DemandRule.MAX:
        return max(forecast, orders)
    return orders + forecast


def _poq_requirement(pab: float, flows: list[float], t: int, window: int, safety: float, periods: int) -> float:
    """Sum of the net requirements of periods t..t+window-1, netting each as if no other receipt were planned."""
    total, level = 0.0, pab
    for k in range(t, min(t + window, periods)):
        if k > t:
            level = level + flows[k]
        if level < safety:
            total += safety - level
            level = safety
    return total


def _lot_size(net: float, item: dict) -> float:
    qty = net
    if item["lot_rule"] in (LotRule.FIXED, LotRule.EOQ):
        lot = item["lot_qty"]
        lots = math.ceil(net / lot - ROUNDING_TOLERANCE) if item["fixed_lot_repeats"] else 1
        qty = max(lots, 1) * lot
    qty = max(qty, item["min_lot"])
    multiple = item["lot_multiple"]
    qty = math.ceil(qty / multiple - ROUNDING_TOLERANCE) * multiple
    return min(qty, item["max_lot"])


def _discrete_atp(supply: list[float], orders: list[float], on_hand: float) -> list[float]:
    periods = len(supply)
    receipts = [t for t in range(periods) if t == 0 or supply[t] > 0]
    atp = [0.0] * periods
    for j, r in enumerate(receipts):
        end = receipts[j + 1] if j + 1 < len(receipts) else periods
        atp[r] = supply[r] + (on_hand if r == 0 else 0.0) - sum(orders[r:end])
    return atp


def _look_ahead(discrete: list[float]) -> list[float]:
    """Cover each negative ATP from the nearest earlier positive ATP first; what is left stays where it arose."""
    atp = list(discrete)
    for t in range(len(atp)):
        if atp[t] >= 0:
            continue
        missing = -atp[t]
        for earlier in range(t - 1, -1, -1):
            if missing <= 0:
                break
            take = min(max(atp[earlier], 0.0), missing)
            atp[earlier] -= take
            missing -= take
        atp[t] = -missing
    return atp
