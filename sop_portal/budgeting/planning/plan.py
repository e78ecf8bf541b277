"""The year's plan from its inputs, with the portal's own engines over all products x all weeks at once (no Django).

demand      consensus demand = baseline + campaign uplift          campaigns.planning.uplift
MPS         per item on demand x share                              production.planning.engine
plant load  bill of capacity x MPS, against capacity + shifts      production.planning.rccp
warehouses  outbound = demand, inbound = MPS receipts, storage      fulfillment.planning.projection
returns     demand x return rate
money       see money.py
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from campaigns.planning.uplift import Contribution, consensus_demand
from fulfillment.planning.projection import project
from production.planning.engine import run_mps
from production.planning.inputs import DemandRule, MpsBatch
from production.planning.rccp import resource_load

from .inputs import Production, YearInputs
from .money import capacity_use, marketing_spend, product_money


@dataclass(frozen=True)
class YearPlan:
    # (P, W) per product and week
    baseline: np.ndarray
    demand: np.ndarray  # consensus demand
    production: np.ndarray  # MPS receipts of the product's items
    returns_units: np.ndarray  # expected returns
    revenue: np.ndarray
    cogs: np.ndarray
    returns_cost: np.ndarray
    # per campaign (rows of inputs.campaigns)
    contributions: dict[int, Contribution]  # campaign row → its lift on the products it touches
    campaign_lift: np.ndarray  # (C, W) units the campaign adds (negative where it takes demand away)
    marketing_spend: np.ndarray  # (C, W)
    # (I, W) per MPS item
    item_receipts: np.ndarray
    item_available: np.ndarray  # projected available
    # (R, W) per plant resource
    resource_load: np.ndarray  # hours
    resource_capacity: np.ndarray  # normal hours + planned shifts' hours
    overtime: np.ndarray  # hours
    extra_shifts: np.ndarray  # automatic extra shifts
    planned_shifts: np.ndarray  # shifts the scenario added
    uncovered: np.ndarray  # hours
    capacity_cost: np.ndarray  # money
    # (H, 4, W) per warehouse, dimension (fulfillment.planning.projection.DIMENSIONS) and week
    warehouse_load: np.ndarray
    warehouse_capacity: np.ndarray  # NaN: not recorded, unchecked

    @property
    def margin(self) -> np.ndarray:
        """(W,) revenue - cost of goods - returns cost - marketing spend - capacity cost."""
        return (
            self.revenue.sum(axis=0)
            - self.cogs.sum(axis=0)
            - self.returns_cost.sum(axis=0)
            - self.marketing_spend.sum(axis=0)
            - self.capacity_cost.sum(axis=0)
        )


def budget_batch(production: Production, demand: np.ndarray) -> MpsBatch:
    """The MPS engine's input for the year: each item plans its share of the product's consensus demand.

    A year ahead there are no customer orders and no firm orders yet, and opening stock is not known: each item
    starts at its safety stock, the level the MPS aims for. Demand time fences, planning time fences and lead
    times describe what may still move from today in the live plan; in next year's plan every week is open, so
    the forecast is the demand everywhere and every week may receive (releases before the year are not part of
    it). Scheduled receipts stay as the base inputs give them (e.g. restockable returns coming back).
    """
    batch = production.batch
    items, weeks = batch.forecast.shape[0], demand.shape[1]
    nothing = np.zeros((items, weeks))
    forecast = demand[production.item_product] * production.item_share[:, None]
    none = np.zeros(items, dtype=np.int64)
    forecast_rule = np.full(items, DemandRule.FORECAST, dtype=np.int8)
    return replace(
        batch,
        forecast=forecast,
        customer_orders=nothing,
        firm_planned_orders=nothing,
        horizon=np.full(items, weeks, dtype=np.int64),
        on_hand=batch.safety_stock,
        lead_time=none,
        demand_time_fence=none,
        planning_time_fence=none,
        demand_inside_dtf=forecast_rule,
        demand_outside_dtf=forecast_rule,
        resource_names=(),
        run_per_unit=np.zeros((items, 0)),
        setup_per_lot=np.zeros((items, 0)),
        capacity=np.zeros((items, 0, weeks)),
        uses_resource=np.zeros((items, 0), dtype=bool),
    )


def by_product(item_values: np.ndarray, item_product: np.ndarray, products: int) -> np.ndarray:
    """(P, W) sum of the items' rows per product (products without items get zeros).

    Items are ranked within their product (first, second, ... item of it); one rank holds at most one item of
    each product, so each rank is a single fancy-indexed add, and products have one item or a few.
    """
    out = np.zeros((products, item_values.shape[1]))
    count = item_product.size
    if count == 0:
        return out
    order = np.argsort(item_product, kind="stable")
    grouped = item_product[order]
    starts = np.r_[True, grouped[1:] != grouped[:-1]]
    first_of_group = np.maximum.accumulate(np.where(starts, np.arange(count), 0))
    rank = np.empty(count, dtype=np.int64)
    rank[order] = np.arange(count) - first_of_group
    for k in range(int(rank.max()) + 1):
        items = np.flatnonzero(rank == k)
        out[item_product[items]] += item_values[items]
    return out


def compute(inputs: YearInputs) -> YearPlan:
    catalogue, book, production = inputs.catalogue, inputs.campaigns, inputs.production
    products, weeks = inputs.baseline.shape

    consensus = consensus_demand(inputs.baseline, book.lines, book.effects, book.transfers)
    demand = consensus.demand
    campaign_lift = np.zeros((book.count, weeks))
    for row, contribution in consensus.contributions.items():
        campaign_lift[row] = contribution.lift.sum(axis=0)

    mps = run_mps(budget_batch(production, demand))
    receipts, available = mps.mps, mps.projected_available
    made = by_product(receipts, production.item_product, products)
    # a shortage of one item holds no pallets and must not cancel another item's stock of the same product
    stock = by_product(np.maximum(available, 0.0), production.item_product, products)

    load = resource_load(receipts, production.run_per_unit, production.setup_per_lot)
    use = capacity_use(load, production.capacity, inputs.costs)

    warehousing = inputs.warehousing
    warehouse_load = project(warehousing.network, demand, made, stock)

    money = product_money(demand, catalogue, inputs.returns_handling_cost)
    return YearPlan(
        baseline=inputs.baseline,
        demand=demand,
        production=made,
        returns_units=money.returns_units,
        revenue=money.revenue,
        cogs=money.cogs,
        returns_cost=money.returns_cost,
        contributions=consensus.contributions,
        campaign_lift=campaign_lift,
        marketing_spend=marketing_spend(book.budget, book.start, book.end, weeks),
        item_receipts=receipts,
        item_available=available,
        resource_load=load,
        resource_capacity=use.capacity,
        overtime=use.overtime,
        extra_shifts=use.shifts,
        planned_shifts=np.asarray(inputs.costs.planned_shifts, dtype=float),
        uncovered=use.uncovered,
        capacity_cost=use.cost,
        warehouse_load=warehouse_load,
        warehouse_capacity=warehousing.capacity,
    )
