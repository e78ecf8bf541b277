"""What the MPS engine plans from: one batch of end items as arrays.

Series are (products, periods) so a row reads like a planner's MPS grid for one item; per-item parameters are
(products,). Items may have different horizons: every series is padded with zeros to the longest horizon and
`horizon` says where each item's own grid ends (nothing is planned beyond it).

The codes below are small integers so that rules can be mixed across products and applied with masks.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np


class MpsInputError(ValueError):
    """Bad planning input; the message starts with the field that is wrong, e.g. `items[3].lot_rule.qty: ...`."""


class DemandRule(IntEnum):
    ORDERS = 0
    FORECAST = 1
    MAX = 2  # the larger of forecast and customer orders
    SUM = 3  # forecast plus customer orders, nothing consumed


class LotRule(IntEnum):
    LOT_FOR_LOT = 0
    FIXED = 1
    PERIOD_ORDER_QUANTITY = 2
    EOQ = 3  # an economic order quantity is planned exactly like a fixed lot


class AtpRule(IntEnum):
    DISCRETE_LOOKAHEAD = 0
    DISCRETE_NO_LOOKAHEAD = 1


@dataclass(frozen=True)
class MpsBatch:
    # (products, periods), float64
    forecast: np.ndarray
    customer_orders: np.ndarray
    scheduled_receipts: np.ndarray
    firm_planned_orders: np.ndarray
    # (products,)
    horizon: np.ndarray  # int: this item's number of periods
    on_hand: np.ndarray
    safety_stock: np.ndarray
    lead_time: np.ndarray  # int
    demand_time_fence: np.ndarray  # int, 0 = no fence
    planning_time_fence: np.ndarray  # int, 0 = no fence
    demand_inside_dtf: np.ndarray  # DemandRule codes
    demand_outside_dtf: np.ndarray  # DemandRule codes
    lot_rule: np.ndarray  # LotRule codes
    lot_qty: np.ndarray  # fixed / EOQ quantity, 0 for the other rules
    poq_periods: np.ndarray  # int, periods covered by one POQ receipt, 1 for the other rules
    fixed_lot_repeats: np.ndarray  # bool
    min_lot: np.ndarray
    max_lot: np.ndarray  # +inf = no cap
    lot_multiple: np.ndarray
    atp_rule: np.ndarray  # AtpRule codes
    # rough-cut capacity: a products x resources bill of capacity
    resource_names: tuple[str, ...]
    run_per_unit: np.ndarray  # (products, resources)
    setup_per_lot: np.ndarray  # (products, resources)
    capacity: np.ndarray  # (products, resources, periods)
    uses_resource: np.ndarray  # (products, resources) bool: the item lists this resource

    @property
    def products(self) -> int:
        return int(self.forecast.shape[0])

    @property
    def periods(self) -> int:
        return int(self.forecast.shape[1])

    def __post_init__(self) -> None:
        n, t = self.forecast.shape
        r = len(self.resource_names)
        for name in ("customer_orders", "scheduled_receipts", "firm_planned_orders"):
            if getattr(self, name).shape != (n, t):
                raise MpsInputError(f"{name}: shape {getattr(self, name).shape}, expected {(n, t)}")
        for name in (
            "horizon",
            "on_hand",
            "safety_stock",
            "lead_time",
            "demand_time_fence",
            "planning_time_fence",
            "demand_inside_dtf",
            "demand_outside_dtf",
            "lot_rule",
            "lot_qty",
            "poq_periods",
            "fixed_lot_repeats",
            "min_lot",
            "max_lot",
            "lot_multiple",
            "atp_rule",
        ):
            if getattr(self, name).shape != (n,):
                raise MpsInputError(f"{name}: shape {getattr(self, name).shape}, expected {(n,)}")
        for name in ("run_per_unit", "setup_per_lot", "uses_resource"):
            if getattr(self, name).shape != (n, r):
                raise MpsInputError(f"{name}: shape {getattr(self, name).shape}, expected {(n, r)}")
        if self.capacity.shape != (n, r, t):
            raise MpsInputError(f"capacity: shape {self.capacity.shape}, expected {(n, r, t)}")
        if n and (self.horizon.min() < 1 or self.horizon.max() > t):
            raise MpsInputError(f"horizon: every item needs 1..{t} periods")
