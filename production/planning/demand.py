"""Gross requirements: which demand the MPS nets against, period by period.

Inside the demand time fence (periods 1..DTF) the item's `inside_dtf` rule applies, outside it the
`outside_dtf` rule; DTF 0 means no fence, so every period is outside. Rules:
`orders` (customer orders only), `forecast`, `max` (the larger of forecast and orders, i.e. orders consume
forecast), `sum` (forecast plus orders, nothing consumed).
"""

from __future__ import annotations

import numpy as np

from .inputs import DemandRule


def gross_requirements(
    forecast: np.ndarray,
    customer_orders: np.ndarray,
    inside_dtf: np.ndarray,
    outside_dtf: np.ndarray,
    demand_time_fence: np.ndarray,
) -> np.ndarray:
    """(products, periods) gross requirements; rules and fences are (products,)."""
    gross = np.empty_like(forecast)
    _apply_rule(gross, outside_dtf, forecast, customer_orders)
    fence = min(int(demand_time_fence.max(initial=0)), forecast.shape[1])
    if fence > 0:
        # only the first `fence` periods can be inside anyone's fence
        inside = np.empty((forecast.shape[0], fence))
        _apply_rule(inside, inside_dtf, forecast[:, :fence], customer_orders[:, :fence])
        within = np.arange(1, fence + 1)[None, :] <= demand_time_fence[:, None]
        np.copyto(gross[:, :fence], inside, where=within)
    return gross


def _apply_rule(out: np.ndarray, rule: np.ndarray, forecast: np.ndarray, orders: np.ndarray) -> None:
    # masked ufuncs: per-product rules without per-product Python branching
    rule = rule[:, None]
    np.copyto(out, orders)
    np.copyto(out, forecast, where=rule == DemandRule.FORECAST)
    np.maximum(forecast, orders, out=out, where=rule == DemandRule.MAX)
    np.add(orders, forecast, out=out, where=rule == DemandRule.SUM)
