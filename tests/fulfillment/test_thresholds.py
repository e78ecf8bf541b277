"""Warning and critical crossings on the utilisation of test_projection's example.

    North (warning 0.85, critical 1.0)           South (warning 0.8, critical 1.2)
      inbound   0.30  1.50  0.15                   inbound   not recorded
      outbound  0.52  1.04  inf (closed week)      outbound  0.30  0.60  0.90
      storage   0.80  0.825 0.15                   storage   1.14  0.88  0.77
      labour    0.40  1.025 0.2625                 labour    0.45  0.60  1.10

    North inbound:  critical, week 1 at 150 %, excess 300 - 1.0 x 200 = 100 units
    North outbound: critical, worst the closed week 2 (90 units on 0), above warning in weeks 1-2, excess 90
    North storage:  82.5 % is below the 85 % warning: no crossing
    North labour:   critical, week 1, excess 41 - 40 = 1 h
    South outbound: warning (90 % is under the 120 % critical), excess 90 - 0.8 x 100 = 10 units
    South storage:  warning, worst week 0 at 114 %, above warning in weeks 0-1, excess 11.4 - 8 = 3.4 pallets
    South labour:   warning, week 2 at 110 %, excess 22 - 16 = 6 h
"""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from fulfillment.planning.projection import INBOUND, LABOUR, OUTBOUND, STORAGE, utilisation
from fulfillment.planning.thresholds import CRITICAL, WARNING, Crossing, crossings, excess_shares, levels

NAN, INF = np.nan, np.inf
LOAD = np.array(
    [
        [[60, 300, 30], [130, 260, 90], [16, 16.5, 3], [16, 41, 10.5]],
        [[45, 0, 60], [30, 60, 90], [11.4, 8.8, 7.7], [9, 12, 22]],
    ]
)
CAPACITY = np.array(
    [
        [[200] * 3, [250, 250, 0], [20] * 3, [40] * 3],
        [[NAN] * 3, [100] * 3, [10] * 3, [20] * 3],
    ]
)
WARN = np.array([0.85, 0.8])
CRIT = np.array([1.0, 1.2])


def test_crossings_per_warehouse_and_dimension():
    found = crossings(LOAD, CAPACITY, utilisation(LOAD, CAPACITY), WARN, CRIT)
    by_key = {(c.warehouse, c.dimension): c for c in found}

    assert sorted(by_key) == [(0, INBOUND), (0, OUTBOUND), (0, LABOUR), (1, OUTBOUND), (1, STORAGE), (1, LABOUR)]
    assert by_key[0, INBOUND] == Crossing(0, INBOUND, CRITICAL, 1, 1.5, 1, 1, 300.0, 200.0, 100.0)
    assert by_key[0, OUTBOUND] == Crossing(0, OUTBOUND, CRITICAL, 2, INF, 1, 2, 90.0, 0.0, 90.0)
    assert by_key[0, LABOUR] == Crossing(0, LABOUR, CRITICAL, 1, 1.025, 1, 1, 41.0, 40.0, 1.0)
    assert by_key[1, OUTBOUND] == Crossing(1, OUTBOUND, WARNING, 2, 0.9, 2, 1, 90.0, 100.0, pytest.approx(10.0))  # type: ignore[arg-type]
    storage = by_key[1, STORAGE]
    assert (storage.level, storage.worst_week, storage.first_week, storage.weeks_above) == (WARNING, 0, 0, 2)
    assert storage.peak == pytest.approx(1.14)
    assert storage.excess == pytest.approx(3.4)
    assert by_key[1, LABOUR] == Crossing(1, LABOUR, WARNING, 2, 1.1, 2, 1, 22.0, 20.0, pytest.approx(6.0))  # type: ignore[arg-type]


def test_a_week_exactly_at_a_threshold_is_not_above_it():
    load = np.array([[[85.0, 100.0, 100.001]]])
    capacity = np.full((1, 1, 3), 100.0)
    assert levels(utilisation(load, capacity), np.array([0.85]), np.array([1.0])).tolist() == [[[0, 1, 2]]]


def test_unrecorded_capacity_is_never_a_crossing():
    load = np.full((1, 4, 2), 1e9)
    assert crossings(load, np.full((1, 4, 2), NAN), np.full((1, 4, 2), NAN), np.array([0.85]), np.array([1.0])) == []


def test_the_worst_week_is_the_earliest_of_equals():
    load = np.array([[[120.0, 90.0, 120.0]]])
    capacity = np.full((1, 1, 3), 100.0)
    (found,) = crossings(load, capacity, utilisation(load, capacity), np.array([0.85]), np.array([1.0]))
    assert (found.worst_week, found.first_week, found.weeks_above, found.excess) == (0, 0, 3, pytest.approx(20.0))


def test_share_of_the_excess_each_campaign_carries():
    # South outbound, week 2: 10 units over the warning level. Campaign 7 ships 40 there, 9 ships 10, 12 takes 5 away.
    assert_allclose(excess_shares(np.array([40.0, 10.0, -5.0]), 10.0), [1.0, 1.0, 0.0])
    # North outbound, week 1 against its normal 250: 260 - 250 = 10 over, a campaign shipping 7 carries 70 %.
    assert_allclose(excess_shares(np.array([7.0, 0.0]), 10.0), [0.7, 0.0])
    assert_allclose(excess_shares(np.array([7.0]), 0.0), [0.0])
