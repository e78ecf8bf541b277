"""The money of the annual plan on hand-worked numbers (docs/budgeting.md "Money"; no database)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from numpy.testing import assert_allclose, assert_array_equal

from sop_portal.budgeting.planning.money import capacity_use, marketing_spend, product_money

from .year_inputs import small_inputs


def costs(**overrides):
    """One resource: overtime at 50 an hour up to 20 % of capacity, then shifts of 40 h at 1,000, at most 1."""
    base = small_inputs(overtime_rate=(50.0,), shift_cost=(1000.0,)).costs
    values = {"planned_shifts": [[0.0]], **overrides}  # one week
    return replace(base, **{k: np.asarray(v) for k, v in values.items()})


def test_revenue_cost_of_goods_and_returns_per_product_and_week():
    # P0: price 10, cost 6, 10 % returned, half of the returns restocked; handling 1 a unit.
    # P1: price 40, cost 12, nothing returned.
    catalogue = small_inputs().catalogue
    demand = np.array([[100.0, 0.0], [50.0, 25.0]])

    money = product_money(demand, catalogue, returns_handling_cost=1.0)

    assert_allclose(money.revenue, [[1000, 0], [2000, 1000]])
    assert_allclose(money.cogs, [[600, 0], [600, 300]])
    assert_allclose(money.returns_units, [[10, 0], [0, 0]])
    # 10 returns x (refund 10 + handling 1 - half restocked at cost 6) = 10 x 8
    assert_allclose(money.returns_cost, [[80, 0], [0, 0]])


def test_marketing_spend_spreads_the_budget_evenly_and_keeps_only_this_years_weeks():
    # 3,000 over weeks 2..4; 900 over weeks -1..1 (starts in December: a third is last year's spend)
    spend = marketing_spend(np.array([3000.0, 900.0]), np.array([2, -1]), np.array([4, 1]), weeks=6)

    assert_allclose(spend, [[0, 0, 1000, 1000, 1000, 0], [300, 300, 0, 0, 0, 0]])


def use(load, normal=100.0, **overrides):
    return capacity_use(np.array([[float(load)]]), np.array([[normal]]), costs(**overrides))


def test_overtime_comes_first_then_a_whole_shift():
    # capacity 100, load 150: excess 50, overtime 20 (20 % of 100), 30 h left → one 40 h shift, nothing uncovered
    covered = use(150)

    assert (covered.overtime[0, 0], covered.shifts[0, 0], covered.uncovered[0, 0]) == (20.0, 1.0, 0.0)
    assert covered.cost[0, 0] == 20 * 50 + 1000


def test_what_overtime_and_the_allowed_shifts_cannot_cover_is_uncovered():
    # load 200: excess 100, overtime 20, 80 h left needs 2 shifts but 1 is allowed → 40 h uncovered
    covered = use(200)

    assert (covered.overtime[0, 0], covered.shifts[0, 0], covered.uncovered[0, 0]) == (20.0, 1.0, 40.0)
    assert covered.cost[0, 0] == 2000.0


def test_a_small_excess_is_overtime_only_and_a_light_week_costs_nothing():
    assert (use(110).overtime[0, 0], use(110).shifts[0, 0], use(110).cost[0, 0]) == (10.0, 0.0, 500.0)
    assert (use(90).overtime[0, 0], use(90).shifts[0, 0], use(90).cost[0, 0]) == (0.0, 0.0, 0.0)


def test_planned_shifts_add_capacity_and_are_paid_whether_used_or_not():
    planned = {"planned_shifts": [[1.0]]}
    # capacity 100 + 40: load 150 leaves 10 h of overtime; the planned shift is paid
    busy = use(150, **planned)
    assert (busy.capacity[0, 0], busy.overtime[0, 0], busy.shifts[0, 0]) == (140.0, 10.0, 0.0)
    assert busy.cost[0, 0] == 10 * 50 + 1000
    # a light week still pays the planned shift
    assert use(90, **planned).cost[0, 0] == 1000.0


def test_a_resource_that_cannot_add_shifts_leaves_the_rest_uncovered():
    covered = use(200, shift_hours=[0.0], shift_cost=[1000.0])

    assert (covered.overtime[0, 0], covered.shifts[0, 0], covered.uncovered[0, 0]) == (20.0, 0.0, 80.0)
    assert covered.cost[0, 0] == 1000.0  # the overtime only


def test_float_noise_buys_no_extra_shift_and_no_uncovered_hours():
    covered = use(120 + 1e-10)  # exactly the overtime limit, give or take summing noise

    assert covered.shifts[0, 0] == 0.0
    assert covered.uncovered[0, 0] == 0.0
    assert_allclose(covered.overtime, [[20.0]])


def test_capacity_maths_is_whole_arrays_over_resources_and_weeks():
    # two resources x three weeks at once; the second resource allows 2 shifts of 10 h and no overtime
    load = np.array([[150.0, 200.0, 90.0], [35.0, 60.0, 10.0]])
    normal = np.array([[100.0] * 3, [20.0] * 3])
    two = replace(
        costs(),
        overtime_rate=np.array([50.0, 80.0]),
        overtime_limit=np.array([0.2, 0.0]),
        shift_hours=np.array([40.0, 10.0]),
        shift_cost=np.array([1000.0, 300.0]),
        max_extra_shifts=np.array([1, 2]),
        planned_shifts=np.zeros((2, 3)),
    )

    covered = capacity_use(load, normal, two)

    assert_array_equal(covered.overtime, [[20, 20, 0], [0, 0, 0]])
    assert_array_equal(covered.shifts, [[1, 1, 0], [2, 2, 0]])
    assert_array_equal(covered.uncovered, [[0, 40, 0], [0, 20, 0]])
    assert_array_equal(covered.cost, [[2000, 2000, 0], [600, 600, 0]])
