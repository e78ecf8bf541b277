"""The year's plan from the portal's engines on a worked example (no database).

The example (tests/budgeting/year_inputs.small_inputs) over the first four weeks of 2027:
    P0 DRY-1  baseline 100 a week, campaign "Spring Push" +50 % in weeks 1..2 (budget 2,000) → 100 150 150 100
    P1 WET-1  baseline 50 a week                                                              →  50  50  50  50
    Bottling line: 1 h per P0, 0.5 h per P1 → load 125 175 175 125 against 125 h; in weeks 1 and 2 the 50 h
    over capacity are 25 h overtime (20 % of 125) and one 40 h shift: 25 x 50 + 500 = 1,750 each week.
    Money: revenue 5,000 + 8,000; cost of goods 3,000 + 2,400; 50 returns of P0 x (10 + 1 - 0.5 x 6) = 400;
    marketing 2,000; capacity 3,500 → margin 1,700.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from fulfillment.planning.projection import INBOUND, LABOUR, OUTBOUND, STORAGE
from production.planning.inputs import DemandRule
from sop_portal.budgeting.planning.plan import by_product, compute

from .year_inputs import Line, Plan, frozen, small_inputs, year_inputs

SPRING_PUSH = Plan(id=7, name="Spring Push", start=1, end=2, budget=2000.0, lines=[Line(product=0, value=50.0)])


def worked_example(**overrides):
    return small_inputs(campaigns=[SPRING_PUSH], **overrides)


def test_demand_production_and_plant_load_of_the_worked_example():
    plan = compute(frozen(worked_example()))

    assert_array_equal(plan.demand, [[100, 150, 150, 100], [50, 50, 50, 50]])
    assert_array_equal(plan.campaign_lift, [[0, 50, 50, 0]])
    assert_array_equal(plan.contributions[0].products, [0])
    assert_array_equal(plan.production, plan.demand)  # lot-for-lot from safety stock 0
    assert_array_equal(plan.resource_load, [[125, 175, 175, 125]])
    assert_array_equal(plan.resource_capacity, [[125, 125, 125, 125]])
    assert_array_equal(plan.overtime, [[0, 25, 25, 0]])
    assert_array_equal(plan.extra_shifts, [[0, 1, 1, 0]])
    assert_array_equal(plan.uncovered, [[0, 0, 0, 0]])
    assert_array_equal(plan.capacity_cost, [[0, 1750, 1750, 0]])


def test_money_of_the_worked_example():
    plan = compute(worked_example())

    assert_array_equal(plan.revenue.sum(axis=1), [5000, 8000])
    assert_array_equal(plan.cogs.sum(axis=1), [3000, 2400])
    assert_allclose(plan.returns_units, [[10, 15, 15, 10], [0, 0, 0, 0]])
    assert_allclose(plan.returns_cost.sum(axis=1), [400, 0])
    assert_array_equal(plan.marketing_spend, [[0, 1000, 1000, 0]])
    # week 1: 3,500 revenue - 1,500 cost of goods - 120 returns - 1,000 marketing - 1,750 capacity
    assert_allclose(plan.margin, [1720, -870, -870, 1720])
    assert plan.margin.sum() == pytest.approx(1700)


def test_warehouse_ships_demand_receives_production_and_stores_the_safety_stock():
    # P0 keeps 20 units of safety stock: the year opens there and the MPS holds it (2 pallets of 10)
    plan = compute(worked_example(safety_stock=(20.0, 0.0)))
    load = plan.warehouse_load[0]

    assert_array_equal(plan.production, plan.demand)
    assert_array_equal(load[OUTBOUND], [150, 200, 200, 150])
    assert_array_equal(load[INBOUND], [150, 200, 200, 150])
    assert_array_equal(load[STORAGE], [2, 2, 2, 2])
    assert_allclose(load[LABOUR], [2.25, 3, 3, 2.25])  # 150 / 100 picked + 150 / 200 received an hour


def test_the_year_is_planned_from_safety_stock_without_orders_fences_or_lead_times():
    """Next year has no orders and no firm orders yet and every week is open: whatever today's MPS parameters
    say about fences, order-driven demand rules, lead times or stock on hand, each item starts at its safety
    stock and produces its demand from the first week."""
    inputs = worked_example(safety_stock=(20.0, 0.0))
    items = inputs.production.batch.safety_stock.size
    today = replace(
        inputs.production.batch,
        on_hand=np.array([999.0, 999.0]),
        lead_time=np.full(items, 2),
        planning_time_fence=np.full(items, 3),
        demand_time_fence=np.full(items, 2),
        demand_inside_dtf=np.full(items, DemandRule.ORDERS, dtype=np.int8),
        customer_orders=np.full((items, 4), 500.0),
        firm_planned_orders=np.full((items, 4), 70.0),
    )
    plan = compute(replace(inputs, production=replace(inputs.production, batch=today)))

    assert_array_equal(plan.production, [[100, 150, 150, 100], [50, 50, 50, 50]])
    assert_array_equal(plan.item_available, [[20, 20, 20, 20], [0, 0, 0, 0]])


def test_items_plan_their_share_of_the_products_demand_and_add_up_per_product():
    # P0 is made by two items (60 % and 40 %), P1 by one; setups of 2 h a lot on the second item
    inputs = worked_example(
        item_product=(0, 0, 1),
        item_share=(0.6, 0.4, 1.0),
        run_per_unit=((1.0,), (1.0,), (0.5,)),
        setup_per_lot=((0.0,), (2.0,), (0.0,)),
    )
    plan = compute(inputs)

    assert_allclose(plan.item_receipts, [[60, 90, 90, 60], [40, 60, 60, 40], [50, 50, 50, 50]])
    assert_allclose(plan.production, plan.demand)
    assert_allclose(plan.resource_load, [[127, 177, 177, 127]])


def test_by_product_sums_item_rows_and_leaves_products_without_items_at_zero():
    values = np.array([[1.0, 2.0], [10.0, 20.0], [100.0, 200.0]])

    assert_array_equal(by_product(values, np.array([2, 0, 2]), 4), [[10, 20], [0, 0], [101, 202], [0, 0]])
    assert_array_equal(by_product(np.zeros((0, 2)), np.zeros(0, dtype=np.int64), 2), np.zeros((2, 2)))


def test_halo_dips_and_launch_transfers_come_from_the_campaign_engine():
    # P1 gets a 10 % halo in the campaign weeks; P0 dips 20 % of baseline in the week after
    inputs = small_inputs(
        campaigns=[
            Plan(
                id=7, name="Spring Push", start=1, end=2, budget=0.0,
                lines=[Line(product=0, value=50.0, dip_pct=20.0, dip_weeks=1)], effects=[(1, 10.0)],
            )
        ]
    )  # fmt: skip
    plan = compute(inputs)

    assert_allclose(plan.demand, [[100, 150, 150, 80], [50, 55, 55, 50]])
    assert_allclose(plan.campaign_lift, [[0, 55, 55, -20]])


def test_a_synthetic_year_adds_up():
    inputs = frozen(year_inputs(products=300, campaigns=8, resources=2, warehouses=2, seed=5))
    plan = compute(inputs)
    products, weeks = inputs.baseline.shape

    assert plan.demand.shape == plan.production.shape == plan.revenue.shape == (products, weeks)
    assert (plan.demand >= 0).all()
    # every campaign's lift is what demand adds to the baseline
    assert_allclose(plan.campaign_lift.sum(axis=0), (plan.demand - plan.baseline).sum(axis=0), atol=1e-6)
    # the items' receipts are the products' production, and nobody is left short at the end of a week
    assert_allclose(plan.item_receipts.sum(), plan.production.sum())
    assert (plan.item_available >= inputs.production.batch.safety_stock[:, None] - 1e-6).all()
    # warehouses ship every product's demand once (shares add up to 100 %)
    assert_allclose(plan.warehouse_load[:, OUTBOUND].sum(axis=0), plan.demand.sum(axis=0))
    # capacity is covered by normal hours, overtime, shifts or it is uncovered
    cover = plan.resource_capacity + plan.overtime + plan.extra_shifts * inputs.costs.shift_hours[:, None]
    assert (plan.resource_load <= cover + plan.uncovered + 1e-6).all()
    assert plan.overtime.sum() > 0
