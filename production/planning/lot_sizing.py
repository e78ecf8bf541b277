"""How much one planned MPS receipt brings in, given the net requirement that triggered it.

Rules (per item, mixed freely across a batch):
- lot-for-lot: exactly the net requirement;
- fixed (and EOQ, which is planned exactly like a fixed lot): with `fixed_lot_repeats` as many whole lots as the
  net requirement needs, otherwise one lot; a single lot smaller than the shortfall leaves projected available
  below safety stock, and the next period that is allowed to plan adds another lot (the shortage stays visible
  in between);
- period order quantity (POQ) with P periods: the net requirements of periods t..t+P-1, i.e. enough that
  projected available stays at or above safety stock through t+P-1 if nothing else were planned.

Then the modifiers, in this order: raise to `min_lot`, round up to a multiple of `lot_multiple`, cap at
`max_lot`. A cap after rounding may leave a quantity that is not a multiple; the contract puts the cap last.
With the default `lot_multiple` of 1 every planned quantity is a whole number of units.
"""

from __future__ import annotations

import numpy as np

from .inputs import LotRule

# Float noise must not buy a whole extra lot (60.000000000001 / 60 is one lot, not two).
ROUNDING_TOLERANCE = 1e-9


def poq_cover(flow: np.ndarray, poq_periods: np.ndarray, is_poq: np.ndarray) -> np.ndarray | None:
    """(periods, POQ items) extra quantity a POQ receipt in period t adds on top of period t's net requirement.

    Columns are the POQ items in product order (None when there are none). `flow` is scheduled receipts + firm
    planned orders - gross requirements, (periods, products). With F the running total of flow, projected
    available in period k >= t without new receipts is PAB_t + F_k - F_t, so covering periods t..t+P-1 needs
    F_t - min(F_t..F_{t+P-1}) more than period t alone.
    """
    columns = np.flatnonzero(is_poq)
    if columns.size == 0:
        return None
    periods = flow.shape[0]
    running = flow[:, columns]
    for t in range(1, periods):
        running[t] += running[t - 1]
    window = poq_periods[columns]
    lowest = running.copy()
    ahead = np.empty_like(running)
    for j in range(1, min(int(window.max()), periods)):
        # only items whose window reaches j periods ahead take part at this offset
        excluded = np.where(window > j, 0.0, np.inf)
        np.add(running[j:], excluded, out=ahead[:-j])
        np.minimum(lowest[:-j], ahead[:-j], out=lowest[:-j])
    running -= lowest
    return running


class LotSizer:
    """Per-item lot parameters prepared once, so that sizing a period's receipts is a few whole-row operations."""

    def __init__(
        self,
        lot_rule: np.ndarray,
        lot_qty: np.ndarray,
        fixed_lot_repeats: np.ndarray,
        min_lot: np.ndarray,
        lot_multiple: np.ndarray,
        max_lot: np.ndarray,
        cover: np.ndarray | None = None,
    ) -> None:
        """`cover` is `poq_cover(...)` for the items whose rule is period order quantity."""
        self.is_fixed = (lot_rule == LotRule.FIXED) | (lot_rule == LotRule.EOQ)
        self.any_fixed = bool(self.is_fixed.any())
        self.lot = np.where(self.is_fixed, lot_qty, 1.0)
        # 0 turns the lot count of a single-lot item into max(0, 1) = 1 lot
        self.repeats = np.where(fixed_lot_repeats, 1.0, 0.0)
        self.min_lot = min_lot
        self.any_min = bool((min_lot > 0).any())
        self.lot_multiple = lot_multiple
        self.max_lot = max_lot
        self.any_max = bool(np.isfinite(max_lot).any())
        self.poq_columns = np.flatnonzero(lot_rule == LotRule.PERIOD_ORDER_QUANTITY)
        self.cover = cover

    def size(self, net: np.ndarray, period: int) -> np.ndarray:
        """Receipt quantity in `period` (0-based) for every item as if each had net requirement `net`; callers
        mask who actually gets one."""
        qty = net.copy()
        if self.cover is not None:
            qty[self.poq_columns] += self.cover[period]
        if self.any_fixed:
            lots = np.ceil(qty / self.lot - ROUNDING_TOLERANCE)
            lots *= self.repeats
            np.maximum(lots, 1.0, out=lots)
            lots *= self.lot
            np.copyto(qty, lots, where=self.is_fixed)
        if self.any_min:
            np.maximum(qty, self.min_lot, out=qty)
        qty /= self.lot_multiple
        qty -= ROUNDING_TOLERANCE
        np.ceil(qty, out=qty)
        qty *= self.lot_multiple
        if self.any_max:
            np.minimum(qty, self.max_lot, out=qty)
        return qty
