"""The money of the annual plan (docs/budgeting.md "Money"), over whole arrays (no Django).

Per product and week, with d = consensus demand, p = unit price, c = unit cost, r = return rate, y = restock
yield, h = returns handling cost per unit:

    revenue          = d x p
    cost of goods    = d x c
    expected returns = d x r                       units
    returns cost     = d x r x (p + h - y x c)     refund the price, pay the handling, recover restocked units at cost

Marketing spend: each campaign's budget spread evenly over its weeks; weeks outside the fiscal year are another
year's spend.

Per resource and week, with load L, normal capacity K, planned extra shifts s, shift hours S, shift cost F,
overtime rate O, overtime limit l, at most m automatic extra shifts:

    capacity  = K + s x S
    excess    = max(L - capacity, 0)
    overtime  = min(excess, l x K)                          paid at O
    shifts    = min(ceil((excess - overtime) / S), m)       0 when S = 0, paid F each
    uncovered = max(excess - overtime - shifts x S, 0)      no money can buy these hours
    cost      = overtime x O + (s + shifts) x F             planned shifts are paid whether used or not
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .inputs import CapacityCosts, Catalogue

# Hours of float noise in a summed load must not buy overtime or a whole extra shift.
HOURS_TOLERANCE = 1e-6


@dataclass(frozen=True)
class ProductMoney:
    """(P, W) per product and week."""

    revenue: np.ndarray
    cogs: np.ndarray
    returns_units: np.ndarray
    returns_cost: np.ndarray


def product_money(demand: np.ndarray, catalogue: Catalogue, returns_handling_cost: float) -> ProductMoney:
    """Money of (P, T) demand, T weeks or months alike: every figure is demand times a per-product amount, so
    pricing the month's demand equals adding up the priced weeks."""
    price = catalogue.unit_price[:, None]
    cost = catalogue.unit_cost[:, None]
    returns_units = demand * catalogue.return_rate[:, None]
    cost_per_return = price + returns_handling_cost - catalogue.restock_yield[:, None] * cost
    return ProductMoney(
        revenue=demand * price,
        cogs=demand * cost,
        returns_units=returns_units,
        returns_cost=returns_units * cost_per_return,
    )


def marketing_spend(budget: np.ndarray, start: np.ndarray, end: np.ndarray, weeks: int) -> np.ndarray:
    """(C, W) each campaign's budget spread evenly over its weeks (start..end inclusive, week indices that may
    lie outside the fiscal year: those weeks' share is not this year's spend)."""
    length = np.maximum(end - start + 1, 1)
    w = np.arange(weeks)[None, :]
    inside = (w >= start[:, None]) & (w <= end[:, None])
    return np.where(inside, (budget / length)[:, None], 0.0)


@dataclass(frozen=True)
class CapacityUse:
    """(R, W) per resource and week: how the load is covered and what that costs."""

    capacity: np.ndarray  # normal hours + planned shifts' hours
    overtime: np.ndarray  # hours
    shifts: np.ndarray  # automatic extra shifts (whole numbers)
    uncovered: np.ndarray  # hours above capacity, overtime and shifts
    cost: np.ndarray  # money: overtime plus planned and automatic shifts


def capacity_use(load: np.ndarray, normal: np.ndarray, costs: CapacityCosts) -> CapacityUse:
    """Cover each resource-week's load: normal capacity and planned shifts, then overtime up to its limit (no
    hiring, stops when the load drops), then whole extra shifts up to the most the plant can run."""
    shift_hours = costs.shift_hours[:, None]
    planned = costs.planned_shifts
    capacity = normal + planned * shift_hours
    excess = load - capacity
    excess = np.where(excess > HOURS_TOLERANCE, excess, 0.0)
    overtime = np.minimum(excess, costs.overtime_limit[:, None] * normal)
    rest = excess - overtime
    can_shift = shift_hours > 0
    needed = np.divide(rest, shift_hours, out=np.zeros_like(rest), where=can_shift)
    shifts = np.minimum(np.ceil(needed - HOURS_TOLERANCE), costs.max_extra_shifts[:, None])
    shifts = np.maximum(np.where(can_shift, shifts, 0.0), 0.0)
    uncovered = rest - shifts * shift_hours
    uncovered = np.where(uncovered > HOURS_TOLERANCE, uncovered, 0.0)
    cost = overtime * costs.overtime_rate[:, None] + (planned + shifts) * costs.shift_cost[:, None]
    return CapacityUse(capacity, overtime, shifts, uncovered, cost)
