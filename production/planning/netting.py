"""Projected available and planned MPS receipts: the one sequential part of the MPS.

Period by period (1-based t):

    PAB before planning = PAB_{t-1} + scheduled receipts_t + firm planned orders_t - gross requirements_t
    net requirement     = safety stock - PAB before planning
    planned receipt     = lot size of the net requirement when it is > 0 and the period may be planned
    PAB_t               = PAB before planning + planned receipt

A period may be planned when it lies after the planning time fence (t > PTF), its release lies in the horizon
(t - lead time >= 1) and it is inside the item's own horizon. Everywhere else a shortfall is left standing as
projected available below safety stock (negative when below zero), and the first period that may be planned
nets the accumulated shortfall. Arrays here are (periods, products) so each step touches one contiguous row.
"""

from __future__ import annotations

import numpy as np

from .lot_sizing import ROUNDING_TOLERANCE, LotSizer


def plannable_periods(
    periods: int, planning_time_fence: np.ndarray, lead_time: np.ndarray, horizon: np.ndarray
) -> np.ndarray:
    """(periods, products) bool: where a new planned receipt is allowed."""
    t = np.arange(1, periods + 1)[:, None]
    first = np.maximum(planning_time_fence, lead_time) + 1
    return (t >= first[None, :]) & (t <= horizon[None, :])


def project_available(
    flow: np.ndarray,
    on_hand: np.ndarray,
    safety_stock: np.ndarray,
    plannable: np.ndarray,
    sizer: LotSizer,
) -> tuple[np.ndarray, np.ndarray]:
    """Planned receipts and projected available, both (periods, products).

    `flow` is scheduled receipts + firm planned orders - gross requirements.
    """
    periods, products = flow.shape
    receipts = np.zeros((periods, products))
    available = np.empty((periods, products))
    pab = np.array(on_hand, dtype=float)
    net = np.empty(products)
    for t in range(periods):
        pab += flow[t]
        np.subtract(safety_stock, pab, out=net)
        short = net > ROUNDING_TOLERANCE
        short &= plannable[t]
        if short.any():
            qty = sizer.size(net, t)
            np.multiply(qty, short, out=receipts[t])
            pab += receipts[t]
        available[t] = pab
    return receipts, available


def release_dates(mps: np.ndarray, lead_time: np.ndarray) -> np.ndarray:
    """(products, periods) MPS by release period: the receipt of period t + lead time, released in period t.

    Receipts in periods 1..lead time (only firm planned orders can sit there) were released before period 1
    and do not appear; the last lead-time periods show releases only for receipts inside the horizon.
    """
    periods = mps.shape[1]
    release = np.zeros_like(mps)
    for offset in np.unique(lead_time).tolist():
        if offset < periods:
            rows = np.flatnonzero(lead_time == offset)
            release[rows, : periods - offset] = mps[rows, offset:]
    return release
