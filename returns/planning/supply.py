"""Returns as supply for the MPS: what comes back into sellable stock, when, and how much of it.

Received returns: a line with a restock or refurbish disposition is sellable again `lag` weeks after it came
back, at `yield` (the share that passes inspection or survives refurbishment). Scrapped and vendor-returned
units never come back. Recoveries that fell before the first planning week are in stock already (on hand), so
they are not counted again.

Expected returns: future sales come back too. Expected returns in week t = return rate x consensus demand in
week t - `return_lag`; of those, the product's historic share of each disposition comes back `lag` weeks later
at its yield.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Disposition codes, in this order everywhere (arrays of lags and yields are indexed by them).
RESTOCK, REFURBISH, SCRAP, RETURN_TO_VENDOR = 0, 1, 2, 3
DISPOSITIONS = ("restock", "refurbish", "scrap", "return_to_vendor")


@dataclass(frozen=True)
class Recovery:
    """Weeks from receipt to sellable and the share recovered, per disposition code."""

    lag: np.ndarray  # (4,) int
    yield_: np.ndarray  # (4,) float in 0..1

    @classmethod
    def of(cls, restock: tuple[int, float], refurbish: tuple[int, float]) -> Recovery:
        return cls(
            lag=np.array([restock[0], refurbish[0], 0, 0], dtype=np.int64),
            yield_=np.array([restock[1], refurbish[1], 0.0, 0.0]),
        )


def received_supply(
    row: np.ndarray, week: np.ndarray, quantity: np.ndarray, disposition: np.ndarray, recovery: Recovery,
    products: int, weeks: int,
) -> np.ndarray:  # fmt: skip
    """(products, weeks) units recovered from received returns.

    `row`: product row of each line; `week`: its return week as an offset from the first planning week
    (negative for earlier weeks); `disposition`: its code.
    """
    out = np.zeros((products, weeks))
    disposition = np.asarray(disposition, dtype=np.int64)
    back = np.asarray(week, dtype=np.int64) + recovery.lag[disposition]
    units = np.asarray(quantity, dtype=float) * recovery.yield_[disposition]
    keep = (back >= 0) & (back < weeks) & (units > 0)
    np.add.at(out, (np.asarray(row, dtype=np.int64)[keep], back[keep]), units[keep])
    return out


def shift(series: np.ndarray, weeks: int) -> np.ndarray:
    """Move (rows, periods) `weeks` periods later; what moves past the end drops off, the start fills with 0."""
    out = np.zeros_like(series, dtype=float)
    if weeks < series.shape[1]:
        out[:, weeks:] = series[:, : series.shape[1] - weeks]
    return out


def expected_supply(
    demand: np.ndarray, return_rate: np.ndarray, disposition_share: np.ndarray, return_lag: int, recovery: Recovery
) -> np.ndarray:
    """(products, weeks) units expected back in stock from future sales.

    `demand` (products, weeks); `return_rate` (products,); `disposition_share` (products, 4), each row the
    share of a product's returned units per disposition (summing to 1, or 0 without history).
    """
    expected = shift(np.asarray(demand, dtype=float) * np.nan_to_num(return_rate)[:, None], return_lag)
    out = np.zeros_like(expected)
    for code in (RESTOCK, REFURBISH):
        share = disposition_share[:, code] * recovery.yield_[code]
        if share.any():
            out += shift(expected * share[:, None], int(recovery.lag[code]))
    return out
