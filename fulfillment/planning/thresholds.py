"""Warning and critical crossings of warehouse utilisation, and the campaigns behind the excess.

A week counts when its utilisation is above a threshold (100 % with a critical threshold of 1.0 is full, not
over). A (warehouse, dimension) with any week above its warehouse's warning threshold is one crossing: its
worst week, the first week above warning, how many weeks are above, and the excess in the worst week over the
threshold that week crossed (critical if it did, else warning).

The share of the excess from a campaign is counterfactual: how much of the excess would go if the campaign's
load that week were not there, min(campaign load, excess) / excess. One campaign carrying the whole excess is
100 %; two campaigns that each could are 100 % each (without either there would be no crossing).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

WARNING, CRITICAL = "warning", "critical"
# Utilisation computed from float sums: this close to a threshold is "at", not "above".
TOLERANCE = 1e-9


@dataclass(frozen=True)
class Crossing:
    warehouse: int  # row in the arrays
    dimension: int
    level: str  # WARNING or CRITICAL
    worst_week: int
    peak: float  # utilisation in the worst week (inf: load on a closed week)
    first_week: int  # first week above the warning threshold
    weeks_above: int  # weeks above the warning threshold
    load: float  # in the worst week
    capacity: float  # in the worst week
    excess: float  # load over the crossed threshold's share of capacity, in the worst week


def levels(utilisation: np.ndarray, warning: np.ndarray, critical: np.ndarray) -> np.ndarray:
    """(H, D, W) int8: 0 below warning (or unchecked), 1 above warning, 2 above critical; thresholds are (H,)."""
    checked = np.nan_to_num(utilisation, nan=-np.inf)
    out = (checked > warning[:, None, None] + TOLERANCE).astype(np.int8)
    out += checked > critical[:, None, None] + TOLERANCE
    return out


def crossings(
    load: np.ndarray, capacity: np.ndarray, utilisation: np.ndarray, warning: np.ndarray, critical: np.ndarray
) -> list[Crossing]:
    """One Crossing per (warehouse, dimension) with a week above warning; arrays are (H, D, W)."""
    level = levels(utilisation, warning, critical)
    above = level > 0
    found = []
    ranked = np.where(above, np.nan_to_num(utilisation, nan=-np.inf, posinf=np.inf), -np.inf)
    for h, d in zip(*np.nonzero(above.any(axis=2)), strict=True):
        weeks = np.flatnonzero(above[h, d])
        # The worst week: highest utilisation, the earliest of equals (inf ties: the biggest load on a closed week).
        peak = ranked[h, d].max()
        ties = np.flatnonzero(ranked[h, d] == peak)
        k = int(ties[np.argmax(load[h, d, ties])]) if np.isinf(peak) else int(ties[0])
        is_critical = level[h, d, k] == 2
        threshold = critical[h] if is_critical else warning[h]
        found.append(
            Crossing(
                warehouse=int(h),
                dimension=int(d),
                level=CRITICAL if is_critical else WARNING,
                worst_week=k,
                peak=float(utilisation[h, d, k]),
                first_week=int(weeks[0]),
                weeks_above=int(weeks.size),
                load=float(load[h, d, k]),
                capacity=float(capacity[h, d, k]),
                excess=float(load[h, d, k] - threshold * capacity[h, d, k]),
            )
        )
    return found


def excess_shares(campaign_load: np.ndarray, excess: float) -> np.ndarray:
    """Share of `excess` each campaign carries (counterfactual, see the module docstring); (C,) in, (C,) out."""
    if excess <= 0:
        return np.zeros_like(campaign_load, dtype=float)
    return np.minimum(np.maximum(campaign_load, 0.0), excess) / excess
