"""Available-to-promise: the uncommitted part of on hand and of each MPS receipt.

Supply for ATP is the `mps` row (planned receipts + firm planned orders) plus scheduled receipts: an open order
can be promised as surely as a firm planned one (the contract speaks of "MPS receipts" and is silent on
scheduled receipts; we count them). Period 1 always gets an ATP figure and includes on hand.

Discrete ATP (no look-ahead): in each receipt period, the receipt minus the customer orders from that period
until the period before the next receipt; 0 in the other periods.

Look-ahead (textbook): a negative discrete ATP is covered from earlier ATP, nearest earlier receipt first. What
the earlier periods cannot cover stays negative in the period where it arose, so orders are promised first come
first served and a shortfall shows in the first period whose cumulative orders exceed cumulative supply. In
closed form, with C the running total of discrete ATP and D_t = min(0, C_1..C_t) the shortfall no earlier
period can cover, the look-ahead cumulative ATP is min(C_t - D_t, C_{t+1} - D_{t+1}, ...) + D_t, and ATP is its
period-to-period difference. With nothing short (D = 0) this is the familiar "smallest later cumulative".

Cumulative ATP is the running total of the ATP row as reported (with or without look-ahead).
Arrays here are (periods, products); the engine passes uncommitted supply = MPS + scheduled receipts - orders.
"""

from __future__ import annotations

import numpy as np


def discrete_atp(uncommitted: np.ndarray, receipt: np.ndarray, on_hand: np.ndarray) -> np.ndarray:
    """Discrete ATP without look-ahead, written over `uncommitted` (supply - customer orders, a scratch copy);
    `receipt` marks the periods with supply."""
    periods, products = uncommitted.shape
    if periods == 0:
        return uncommitted
    receipt = receipt.copy()
    receipt[0] = True  # period 1 always gets an ATP figure
    not_receipt = ~receipt
    stretch = np.zeros(products)
    # walk back from the horizon, summing each receipt's stretch of orders up to the next receipt
    for t in range(periods - 1, -1, -1):
        stretch += uncommitted[t]
        if t == 0:
            stretch += on_hand
        np.multiply(stretch, receipt[t], out=uncommitted[t])
        stretch *= not_receipt[t]
    return uncommitted


def cumulative_atp(discrete: np.ndarray, lookahead: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(ATP, cumulative ATP); look-ahead only for the items flagged in `lookahead`. Reuses `discrete`'s memory.

    An item without look-ahead is given D = C, which makes the closed form return C itself, so both rules run
    through the same two passes.
    """
    periods, products = discrete.shape
    # +inf makes min(short + inf, C) = C: no look-ahead for that item
    never_covered = np.where(lookahead, 0.0, np.inf)
    cumulative = np.zeros(products)
    short = np.zeros(products)
    headroom = np.empty_like(discrete)
    for t in range(periods):
        cumulative += discrete[t]
        short += never_covered
        np.minimum(short, cumulative, out=short)
        np.subtract(cumulative, short, out=headroom[t])
        discrete[t] = short  # the discrete row is not needed again: keep the shortfall D there
    shortfall, covered = discrete, headroom
    lowest = np.full(products, np.inf)
    for t in range(periods - 1, -1, -1):
        np.minimum(lowest, headroom[t], out=lowest)
        np.add(lowest, shortfall[t], out=covered[t])
    atp = shortfall
    atp[0] = covered[0]
    np.subtract(covered[1:], covered[:-1], out=atp[1:])
    return atp, covered
