"""The demand the MPS plans for, per product and week: consensus demand (baseline + counted campaigns)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np

from campaigns.consensus import consensus_for


def product_demand(product_ids: Sequence[int], first_week: date, weeks: int) -> np.ndarray:
    return consensus_for(product_ids, first_week, weeks).demand
