"""Restockable returns as MPS supply: read what production/plan_inputs.build_batch adds to scheduled receipts.

Two parts (the maths is in planning/supply.py): returns already received that become sellable again inside the
planning window, and — when the policy says so — the restockable share of the returns expected from the
demand being planned. Both are split over an item's plants by its demand share, like its demand.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Protocol

import numpy as np
from django.db.models import Sum

from sop_portal.masterdata.weeks import week_index

from . import policy as policies
from .models import Disposition, ReturnLine, ShippedQuantity
from .planning.supply import DISPOSITIONS, expected_supply, received_supply

CODE = {name: i for i, name in enumerate(DISPOSITIONS)}


class Window(Protocol):
    @property
    def first_week(self) -> date: ...
    @property
    def weeks(self) -> int: ...


class Item(Protocol):
    @property
    def product_id(self) -> int: ...
    @property
    def demand_share(self) -> float: ...


def restock_supply(items: Sequence[Item], window: Window, demand: np.ndarray | None = None) -> np.ndarray:
    """(items, weeks) units that come back into stock; `demand` (items, weeks) is what the MPS plans to sell."""
    n, weeks = len(items), window.weeks
    out = np.zeros((n, weeks))
    if not n:
        return out
    policy = policies.current()
    recovery = policies.recovery(policy)
    product_ids = sorted({item.product_id for item in items})
    row_of = {pid: i for i, pid in enumerate(product_ids)}
    take = np.array([row_of[item.product_id] for item in items], dtype=np.int64)
    share = np.array([item.demand_share for item in items], dtype=float)

    longest = int(recovery.lag.max())
    received = list(
        ReturnLine.objects.filter(
            product_id__in=product_ids,
            disposition__in=[Disposition.RESTOCK, Disposition.REFURBISH],
            return_week__gte=window.first_week - timedelta(weeks=longest),
            return_week__lt=window.first_week + timedelta(weeks=weeks),
        )
        .values("product_id", "return_week", "disposition")
        .annotate(units=Sum("quantity"))
        .values_list("product_id", "return_week", "disposition", "units")
        .order_by()
    )
    if received:
        pid, week, disposition, units = zip(*received, strict=True)
        product_supply = received_supply(
            np.array([row_of[p] for p in pid], dtype=np.int64),
            np.array([week_index(window.first_week, w) for w in week], dtype=np.int64),
            np.array(units, dtype=float),
            np.array([CODE[d] for d in disposition], dtype=np.int64),
            recovery,
            len(product_ids),
            weeks,
        )
        out += product_supply[take] * share[:, None]
    if policy.plan_expected_returns and demand is not None:
        rate, shares = history(product_ids, window.first_week, policy.baseline_weeks + policy.recent_weeks)
        out += expected_supply(demand, rate[take], shares[take], policy.return_lag_weeks, recovery)
    return out


def history(product_ids: Sequence[int], before: date, weeks: int) -> tuple[np.ndarray, np.ndarray]:
    """Per product, over the `weeks` order weeks before `before`: the return rate and the share of returned
    units per disposition (rows of zeros without history)."""
    row_of = {pid: i for i, pid in enumerate(product_ids)}
    start = before - timedelta(weeks=weeks)
    returned = np.zeros((len(product_ids), len(DISPOSITIONS)))
    for pid, disposition, units in (
        ReturnLine.objects.filter(product_id__in=product_ids, order_week__gte=start, order_week__lt=before)
        .values("product_id", "disposition")
        .annotate(units=Sum("quantity"))
        .values_list("product_id", "disposition", "units")
        .order_by()
    ):
        returned[row_of[pid], CODE[disposition]] += units
    shipped = np.zeros(len(product_ids))
    for pid, units in (
        ShippedQuantity.objects.filter(product_id__in=product_ids, week__gte=start, week__lt=before)
        .values("product_id")
        .annotate(units=Sum("quantity"))
        .values_list("product_id", "units")
        .order_by()
    ):
        shipped[row_of[pid]] = units
    total = returned.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(shipped > 0, total / np.where(shipped > 0, shipped, 1), 0.0)
        shares = np.where(total[:, None] > 0, returned / np.where(total > 0, total, 1)[:, None], 0.0)
    return rate, shares
