"""Warehouse load by hand: three products through North and South over three weeks.

    assignments            North                 South
        P0                 100 %, 50 / pallet     -
        P1                  60 %, 40 / pallet     40 %, 25 / pallet
        P2                  -                     100 %, 20 / pallet

    demand     P0 100 200   0    receipts  P0   0 300   0    projected     P0 500 600 -50
               P1  50 100 150              P1 100   0  50    available     P1 400 300 200
               P2  10  20  30              P2   0   0  40                  P2 100  80  90
    restockable returns: P2 5 in week 0

    outbound North = P0 + .6 P1          = 130 260  90     South = .4 P1 + P2        =  30  60  90
    inbound  North = P0 + .6 P1          =  60 300  30     South = .4 P1 + P2 + ret  =  45   0  60
    storage  North = P0/50 + .6 P1/40    =  16 16.5  3     South = .4 P1/25 + P2/20  = 11.4 8.8 7.7
             (P0's -50 is a shortage: no stock on the floor)
    labour   North = out/10 + in/20      =  16  41 10.5    South = out/5 + in/15     =   9  12  22

    capacity North: inbound 200, outbound 250 (closed in week 2: 0), storage 20, labour 40
             South: inbound not recorded, outbound 100, storage 10, labour 20
"""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from campaigns.planning.uplift import Contribution
from fulfillment.planning.projection import (
    DIMENSIONS,
    INBOUND,
    LABOUR,
    OUTBOUND,
    STORAGE,
    campaign_outbound,
    network,
    product_loads,
    project,
    top,
    utilisation,
    worst,
)

NAN, INF = np.nan, np.inf


def lift(rows, values) -> Contribution:
    return Contribution(np.asarray(rows, dtype=np.int64), np.asarray(values, dtype=float))


@pytest.fixture
def net():
    return network(
        products=3,
        warehouses=2,
        product_row=np.array([0, 1, 1, 2]),
        warehouse_col=np.array([0, 0, 1, 1]),
        share_pct=np.array([100, 60, 40, 100]),
        units_per_pallet=np.array([50, 40, 25, 20]),
        pick_rate=np.array([10.0, 5.0]),
        receive_rate=np.array([20.0, 15.0]),
    )


DEMAND = np.array([[100, 200, 0], [50, 100, 150], [10, 20, 30]], dtype=float)
RECEIPTS = np.array([[0, 300, 0], [100, 0, 50], [0, 0, 40]], dtype=float)
PROJECTED = np.array([[500, 600, -50], [400, 300, 200], [100, 80, 90]], dtype=float)
RETURNS = np.array([[0, 0, 0], [0, 0, 0], [5, 0, 0]], dtype=float)
CAPACITY = np.array(
    [
        [[200] * 3, [250, 250, 0], [20] * 3, [40] * 3],
        [[NAN] * 3, [100] * 3, [10] * 3, [20] * 3],
    ]
)


@pytest.fixture
def load(net):
    return project(net, DEMAND, RECEIPTS, PROJECTED, RETURNS)


def test_the_share_matrix_holds_each_assignment(net):
    assert_allclose(net.share, [[1.0, 0.0], [0.6, 0.4], [0.0, 1.0]])
    assert_allclose(net.pallets, [[1 / 50, 0.0], [0.6 / 40, 0.4 / 25], [0.0, 1 / 20]])


def test_outbound_is_consensus_demand_through_the_shares(load):
    assert_allclose(load[:, OUTBOUND], [[130, 260, 90], [30, 60, 90]])


def test_inbound_is_receipts_and_restockable_returns_through_the_shares(load):
    assert_allclose(load[:, INBOUND], [[60, 300, 30], [45, 0, 60]])


def test_inbound_without_returns(net):
    assert_allclose(project(net, DEMAND, RECEIPTS, PROJECTED)[:, INBOUND], [[60, 300, 30], [40, 0, 60]])


def test_storage_is_pallet_positions_of_projected_stock_and_a_shortage_holds_none(load):
    assert_allclose(load[:, STORAGE], [[16, 16.5, 3], [11.4, 8.8, 7.7]])


def test_labour_is_picking_plus_receiving_hours(load):
    assert_allclose(load[:, LABOUR], [[16.0, 41.0, 10.5], [9.0, 12.0, 22.0]])


def test_utilisation_is_load_over_capacity_unrecorded_is_unchecked_and_a_closed_week_is_infinite(load):
    ratio = utilisation(load, CAPACITY)

    assert DIMENSIONS == ("inbound", "outbound", "storage", "labour")
    assert_allclose(
        ratio[0], [[0.3, 1.5, 0.15], [0.52, 1.04, INF], [0.8, 0.825, 0.15], [0.4, 1.025, 0.2625]]
    )
    assert_allclose(ratio[1], [[NAN] * 3, [0.3, 0.6, 0.9], [1.14, 0.88, 0.77], [0.45, 0.6, 1.1]])
    assert_allclose(worst(ratio), [[0.8, 1.5, INF], [1.14, 0.88, 1.1]])


def test_a_closed_week_without_load_is_not_used():
    assert_allclose(utilisation(np.array([[0.0, 5.0]]), np.array([[0.0, 10.0]])), [[0.0, 0.5]])


def test_a_warehouse_with_no_capacity_recorded_has_no_worst_utilisation():
    ratio = utilisation(np.ones((1, 4, 2)), np.full((1, 4, 2), NAN))
    assert np.isnan(worst(ratio)).all()


def test_each_campaigns_outbound_through_each_warehouse(net):
    contributions = {
        7: lift([1], [[0, 50, 100]]),  # P1 only
        9: lift([0, 2], [[0, 100, 0], [0, 0, 10]]),
        11: lift([], np.zeros((0, 3))),
    }
    out = campaign_outbound(net, contributions)

    assert sorted(out) == [7, 9]
    assert_allclose(out[7], [[0, 30, 60], [0, 20, 40]])
    assert_allclose(out[9], [[0, 100, 0], [0, 0, 10]])


def test_each_products_load_in_one_warehouse_adds_up_to_the_warehouse(net, load):
    rows, loads = product_loads(net, 0, DEMAND, RECEIPTS, PROJECTED, RETURNS)

    assert rows.tolist() == [0, 1]
    assert_allclose(loads[OUTBOUND], [[100, 200, 0], [30, 60, 90]])
    assert_allclose(loads[STORAGE], [[10.0, 12.0, 0.0], [6.0, 4.5, 3.0]])
    assert_allclose(loads[LABOUR], [[10.0, 35.0, 0.0], [6.0, 6.0, 10.5]])  # P0 week 1: 200 / 10 + 300 / 20
    assert_allclose(loads.sum(axis=1), load[0])


def test_top_rows_per_week_largest_first():
    values = np.array([[5.0, 1.0, NAN], [7.0, 1.0, 2.0], [6.0, 3.0, 1.0]])
    assert top(values, 2).tolist() == [[1, 2, 1], [2, 0, 2]]
    assert top(values, 5).shape == (3, 3)
    assert top(np.zeros((0, 3)), 5).shape == (0, 3)
