"""The demand the MPS plans for, per product and week.

Today the baseline forecast; the campaigns issue replaces this with consensus demand (baseline + uplifts of
the campaigns that count), keeping every caller unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np

from sop_portal.masterdata.series import baseline_forecast


def product_demand(product_ids: Sequence[int], first_week: date, weeks: int) -> np.ndarray:
    return baseline_forecast(product_ids, first_week, weeks)
