"""Weekly series as arrays for the planning engines: products x weeks, zeros where nothing is stored."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np

from .models import BaselineForecast, SalesHistory, WeeklyQuantity
from .weeks import horizon, week_index


def _matrix(
    model: type[WeeklyQuantity], product_ids: Sequence[int], first_week: date, weeks: int
) -> np.ndarray:
    position = {pid: i for i, pid in enumerate(product_ids)}
    out = np.zeros((len(product_ids), weeks))
    last_week = horizon(first_week, weeks)[-1]
    rows = model.objects.filter(week__gte=first_week, week__lte=last_week)  # type: ignore[attr-defined]
    if len(product_ids) < 5000:
        rows = rows.filter(product_id__in=product_ids)
    data = list(rows.values_list("product_id", "week", "quantity"))
    if not data:
        return out
    pids, days, qty = zip(*data, strict=True)
    keep = np.array([pid in position for pid in pids])
    rows_idx = np.array([position.get(pid, -1) for pid in pids])
    cols_idx = np.array([week_index(first_week, day) for day in days])
    out[rows_idx[keep], cols_idx[keep]] = np.asarray(qty, dtype=float)[keep]
    return out


def baseline_forecast(product_ids: Sequence[int], first_week: date, weeks: int) -> np.ndarray:
    return _matrix(BaselineForecast, product_ids, first_week, weeks)


def sales_history(product_ids: Sequence[int], first_week: date, weeks: int) -> np.ndarray:
    return _matrix(SalesHistory, product_ids, first_week, weeks)
