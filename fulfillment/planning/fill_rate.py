"""Projected order fulfilment: demand against supply per product and week, first come first served.

Demand is what the plan serves: its gross requirements (the consensus forecast with the customer orders
consuming it, by the demand time fence rules), and never less than the orders. The orders come first within
their week (they are promised), the rest of the forecast after them. Supply is what ATP promises from: on hand,
then scheduled and MPS receipts as they arrive. Stock that is there ships; what is
not becomes a backorder and ships, late, when supply arrives. In cumulative terms, with D and A the running
totals of demand and of on hand + supply:

    shipped so far     S_t = min(D_t, A_t)              (never falling: stock does not come back)
    backorder          B_t = D_t - S_t                   (demand due by week t not shipped by then)
    on time in week t  clip(S_t - D_{t-1}, 0, demand_t)  (week t's demand queues behind the earlier backlog)
    fill rate          on time / demand                  (1 where there is no demand)

An order line sits in its product's queue after everything due earlier and the lines before it in its week: it
ships complete in the first week S reaches the end of its place in the queue, late if that is after its due
week, short by what is still missing at the end of the horizon.

The campaign behind a backorder is counterfactual, as for warehouse load: without campaign c, D would be lower
by c's cumulative lift, so c carries min(cumulative lift, B_t) / B_t of the backorder in week t.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from .projection import Lift

TOLERANCE = 1e-9


@dataclass(frozen=True)
class Fill:
    demand: np.ndarray  # (P, W) max(gross requirements, orders)
    shipped: np.ndarray  # (P, W) units shipped each week (to any week's demand)
    on_time: np.ndarray  # (P, W) of each week's demand, the units shipped in that week
    backorder: np.ndarray  # (P, W) demand due by the end of the week and not shipped
    cumulative_shipped: np.ndarray  # (P, W) S
    cumulative_demand: np.ndarray  # (P, W) D

    def rate(self) -> np.ndarray:
        """(P, W) on-time fill rate; 1 where a week has no demand."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(self.demand > 0, self.on_time / self.demand, 1.0)


def project_fill(on_hand: np.ndarray, supply: np.ndarray, orders: np.ndarray, gross: np.ndarray) -> Fill:
    """`on_hand` (P,), the rest (P, W); negative on hand (a backlog already) counts as no stock."""
    demand = np.maximum(gross, orders)
    cumulative_demand = np.cumsum(demand, axis=1)
    available = np.maximum(on_hand, 0.0)[:, None] + np.cumsum(supply, axis=1)
    shipped_total = np.maximum.accumulate(np.maximum(np.minimum(cumulative_demand, available), 0.0), axis=1)
    shipped = np.diff(shipped_total, axis=1, prepend=0.0)
    due_before = cumulative_demand - demand
    on_time = np.clip(shipped_total - due_before, 0.0, demand)
    return Fill(
        demand=demand,
        shipped=shipped,
        on_time=on_time,
        backorder=cumulative_demand - shipped_total,
        cumulative_shipped=shipped_total,
        cumulative_demand=cumulative_demand,
    )


@dataclass(frozen=True)
class LineFill:
    """Per order line, in the order the lines were given."""

    ship_week: np.ndarray  # (L,) week the line ships complete; -1 when not within the horizon
    on_time: np.ndarray  # (L,) units shipped by the due week
    short: np.ndarray  # (L,) units not shipped by the end of the horizon
    quantity: np.ndarray  # (L,)

    @property
    def late(self) -> np.ndarray:
        """(L,) bool: not complete in its due week."""
        return self.on_time < self.quantity - TOLERANCE


def order_lines(fill: Fill, product: np.ndarray, week: np.ndarray, quantity: np.ndarray) -> LineFill:
    """Where each open order line lands in its product's queue. `product` rows and `week` indices (past-due
    lines in week 0) per line; lines of one product and week queue in the order given."""
    quantity = np.asarray(quantity, dtype=float)
    if quantity.size == 0:
        empty = np.zeros(0)
        return LineFill(np.zeros(0, dtype=np.int64), empty, empty, empty)
    order = np.lexsort((np.arange(quantity.size), week, product))
    p, w, q = product[order], week[order], quantity[order]
    running = np.cumsum(q)
    group_start = np.r_[True, (p[1:] != p[:-1]) | (w[1:] != w[:-1])]
    before_group = (running - q)[group_start]
    ahead_in_week = running - q - np.repeat(before_group, np.diff(np.r_[np.flatnonzero(group_start), q.size]))
    start = fill.cumulative_demand[p, w] - fill.demand[p, w] + ahead_in_week
    end = start + q
    shipped = fill.cumulative_shipped[p]  # (L, W)
    complete = shipped >= end[:, None] - TOLERANCE
    ship_week = np.where(complete.any(axis=1), complete.argmax(axis=1), -1)
    on_time = np.clip(fill.cumulative_shipped[p, w] - start, 0.0, q)
    short = np.clip(end - shipped[:, -1], 0.0, q)
    back = np.empty_like(order)
    back[order] = np.arange(order.size)
    return LineFill(ship_week[back], on_time[back], short[back], q[back])


def backorder_shares(backorder: np.ndarray, contributions: Mapping[int, Lift]) -> dict[int, np.ndarray]:
    """campaign id → (k, W) share of the backorder of each of its product rows it carries (0 where none)."""
    out = {}
    for campaign_id, contribution in contributions.items():
        owed = backorder[contribution.products]
        lifted = np.maximum(np.cumsum(contribution.lift, axis=1), 0.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            out[campaign_id] = np.where(owed > TOLERANCE, np.minimum(lifted, owed) / owed, 0.0)
    return out
