"""Projected fill rate, backorders and late order lines by hand.

One product over five weeks: 30 on hand, 50 arriving in week 2.

    gross        20  40  20  20   0      the plan's gross requirements (forecast with orders consuming it)
    orders       20  25  10  15   0      lines: A w0 20 | B w1 15, C w1 10 | D w2 10 | E w3 15
    demand       20  40  20  20   0      max(gross, orders)
    cum demand   20  60  80 100 100
    available    30  30  80  80  80      on hand + receipts so far
    shipped cum  20  30  80  80  80      min of the two
    shipped      20  10  50   0   0
    backorder     0  30   0  20  20
    on time      20  10  20   0   0      week 1: 30 shipped so far - 20 due before = 10 of its 40
    fill rate   100% 25% 100%  0% 100%   (no demand in week 4)

    queue places A 0-20, B 20-35, C 35-45, D 60-70, E 80-95
    A ships in week 0 (on time); B 10 of 15 on time, complete in week 2 (late); C nothing on time, week 2 (late);
    D complete in its own week 2; E never within the horizon: 15 short.

A campaign lifting the product by 0, 20, 10, -5, 0 has cumulative lift 0, 20, 30, 25, 25: it carries 20 of the
30 backordered in week 1 (2/3) and all 20 in weeks 3 and 4.
"""

import numpy as np
from numpy.testing import assert_allclose, assert_array_equal

from campaigns.planning.uplift import Contribution
from fulfillment.planning.fill_rate import backorder_shares, order_lines, project_fill

ON_HAND = np.array([30.0, 0.0])
SUPPLY = np.array([[0, 0, 50, 0, 0], [10, 0, 0, 0, 0]], dtype=float)
ORDERS = np.array([[20, 25, 10, 15, 0], [10, 0, 0, 0, 0]], dtype=float)
GROSS = np.array([[20, 40, 20, 20, 0], [0, 0, 0, 0, 0]], dtype=float)


def test_fill_rate_and_backorders_per_week():
    fill = project_fill(ON_HAND, SUPPLY, ORDERS, GROSS)

    assert_allclose(fill.demand[0], [20, 40, 20, 20, 0])
    assert_allclose(fill.shipped[0], [20, 10, 50, 0, 0])
    assert_allclose(fill.backorder[0], [0, 30, 0, 20, 20])
    assert_allclose(fill.on_time[0], [20, 10, 20, 0, 0])
    assert_allclose(fill.rate()[0], [1, 0.25, 1, 0, 1])
    # The second product: 10 ordered, 10 arriving in week 0.
    assert_allclose(fill.rate()[1], [1, 1, 1, 1, 1])
    assert_allclose(fill.backorder[1], [0, 0, 0, 0, 0])


def test_orders_ship_first_come_first_served_and_late_lines_are_named():
    fill = project_fill(ON_HAND, SUPPLY, ORDERS, GROSS)
    # Given out of order (E, A, F, B, C, D); within week 1, B queues before C because it was given first.
    product = np.array([0, 0, 1, 0, 0, 0])
    week = np.array([3, 0, 0, 1, 1, 2])
    quantity = np.array([15, 20, 10, 15, 10, 10], dtype=float)

    lines = order_lines(fill, product, week, quantity)

    assert_array_equal(lines.ship_week, [-1, 0, 0, 2, 2, 2])
    assert_allclose(lines.on_time, [0, 20, 10, 10, 0, 10])
    assert_allclose(lines.short, [15, 0, 0, 0, 0, 0])
    assert_array_equal(lines.late, [True, False, False, True, True, False])


def test_no_order_lines():
    lines = order_lines(project_fill(ON_HAND, SUPPLY, ORDERS, GROSS), np.zeros(0, int), np.zeros(0, int), np.zeros(0))
    assert lines.ship_week.size == lines.late.size == 0


def test_orders_above_the_gross_requirements_still_count():
    # A 'forecast' demand rule can plan for less than is ordered: the orders are demand all the same.
    fill = project_fill(np.array([0.0]), np.array([[10.0, 0.0]]), np.array([[12.0, 0.0]]), np.array([[8.0, 0.0]]))
    assert_allclose(fill.demand, [[12, 0]])
    assert_allclose(fill.backorder, [[2, 2]])


def test_stock_never_comes_back_and_a_backlog_on_hand_counts_as_none():
    fill = project_fill(np.array([-5.0]), np.array([[0.0, 10.0]]), np.zeros((1, 2)), np.array([[4.0, 4.0]]))
    assert_allclose(fill.shipped, [[0, 8]])
    assert_allclose(fill.backorder, [[4, 0]])


def test_the_campaign_behind_the_backorder():
    fill = project_fill(ON_HAND, SUPPLY, ORDERS, GROSS)
    shares = backorder_shares(fill.backorder, {7: Contribution(np.array([0]), np.array([[0, 20, 10, -5, 0.0]]))})
    assert_allclose(shares[7], [[0, 2 / 3, 0, 1, 1]])
