"""Read what the warehouse projection needs from the database into arrays (products x weeks, warehouses x ...).

Products come in one order for every array: the sorted ids of the products assigned to the warehouses checked.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from production.models import Measure, MpsItem
from production.plan_inputs import PlanningWindow
from production.services import MEASURES, _stored_plans
from sop_portal.masterdata.models import CustomerOrder
from sop_portal.masterdata.weeks import week_index

from .models import CAPACITY_FIELD, Assignment, CapacityException, Dimension, Warehouse
from .planning.projection import DIMENSIONS, Network, network

DIMENSION_ROW = {name: k for k, name in enumerate(DIMENSIONS)}


@dataclass(frozen=True)
class Scope:
    warehouses: list[Warehouse]
    product_ids: list[int]
    network: Network


def scope(warehouses: Sequence[Warehouse]) -> Scope:
    """The products assigned to `warehouses` and how they flow through them."""
    col = {w.pk: j for j, w in enumerate(warehouses)}
    rows = list(
        Assignment.objects.filter(warehouse__in=list(col)).values_list(
            "product_id", "warehouse_id", "share_pct", "units_per_pallet"
        )
    )
    product_ids = sorted({r[0] for r in rows})
    row = {pid: i for i, pid in enumerate(product_ids)}
    net = network(
        products=len(product_ids),
        warehouses=len(warehouses),
        product_row=np.array([row[r[0]] for r in rows], dtype=np.int64),
        warehouse_col=np.array([col[r[1]] for r in rows], dtype=np.int64),
        share_pct=np.array([r[2] for r in rows], dtype=float),
        units_per_pallet=np.array([r[3] for r in rows], dtype=float),
        pick_rate=np.array([np.nan if w.pick_rate is None else w.pick_rate for w in warehouses], dtype=float),
        receive_rate=np.array([np.nan if w.receive_rate is None else w.receive_rate for w in warehouses], dtype=float),
    )
    return Scope(list(warehouses), product_ids, net)


def capacity_by_week(warehouses: Sequence[Warehouse], window: PlanningWindow) -> np.ndarray:
    """(H, 4, W): the normal capacity (NaN where not recorded), replaced by exceptions in their weeks."""
    out = np.array(
        [
            [[np.nan if getattr(w, CAPACITY_FIELD[Dimension(d)]) is None else getattr(w, CAPACITY_FIELD[Dimension(d)])]
             * window.weeks for d in DIMENSIONS]
            for w in warehouses
        ],
        dtype=float,
    ).reshape(len(warehouses), len(DIMENSIONS), window.weeks)  # fmt: skip
    col = {w.pk: j for j, w in enumerate(warehouses)}
    exceptions = CapacityException.objects.filter(
        warehouse__in=list(col), week__gte=window.first_week, week__lt=window.end
    ).values_list("warehouse_id", "dimension", "week", "capacity")
    for warehouse_id, dimension, week, capacity in exceptions:
        out[col[warehouse_id], DIMENSION_ROW[dimension], week_index(window.first_week, week)] = capacity
    return out


@dataclass(frozen=True)
class Supply:
    on_hand: np.ndarray  # (P,) stock at the start of this week, every plant's item together
    receipts: np.ndarray  # (P, W) scheduled receipts + MPS receipts
    projected_available: np.ndarray  # (P, W)
    gross_requirements: np.ndarray  # (P, W) the demand the plan serves


def supply(product_ids: Sequence[int], window: PlanningWindow) -> Supply:
    """The latest MPS of each product, its items (one per plant) added up; zeros for a product not planned."""
    items = list(MpsItem.objects.filter(product_id__in=product_ids).order_by("pk"))
    row = {pid: i for i, pid in enumerate(product_ids)}
    take = np.array([row[item.product_id] for item in items], dtype=np.int64)
    plans = _stored_plans(items, window) if items else np.zeros((0, len(MEASURES), window.weeks))

    def by_product(values: np.ndarray) -> np.ndarray:
        out = np.zeros((len(product_ids), *values.shape[1:]))
        np.add.at(out, take, values)
        return out

    measure = {m: k for k, m in enumerate(MEASURES)}
    receipts = plans[:, measure[Measure.MPS]] + plans[:, measure[Measure.SCHEDULED_RECEIPTS]]
    return Supply(
        on_hand=by_product(np.array([item.on_hand for item in items], dtype=float)),
        receipts=by_product(receipts),
        projected_available=by_product(plans[:, measure[Measure.PROJECTED_AVAILABLE]]),
        gross_requirements=by_product(plans[:, measure[Measure.GROSS_REQUIREMENTS]]),
    )


@dataclass(frozen=True)
class OrderBook:
    """Open customer order lines due before the end of the window, in promise order (due date, number, line)."""

    ids: list[int]
    product: np.ndarray  # (L,) product row
    week: np.ndarray  # (L,) week index; past due in week 0
    quantity: np.ndarray  # (L,)
    weekly: np.ndarray  # (P, W) ordered units per product and week


def order_book(product_ids: Sequence[int], window: PlanningWindow) -> OrderBook:
    row = {pid: i for i, pid in enumerate(product_ids)}
    lines = list(
        CustomerOrder.objects.filter(product_id__in=product_ids, status=CustomerOrder.Status.OPEN, week__lt=window.end)
        .order_by("due_date", "number", "line")
        .values_list("pk", "product_id", "week", "quantity")
    )
    product = np.array([row[line[1]] for line in lines], dtype=np.int64)
    week = np.array([max(week_index(window.first_week, line[2]), 0) for line in lines], dtype=np.int64)
    quantity = np.array([line[3] for line in lines], dtype=float)
    weekly = np.zeros((len(product_ids), window.weeks))
    np.add.at(weekly, (product, week), quantity)
    return OrderBook([line[0] for line in lines], product, week, quantity, weekly)
