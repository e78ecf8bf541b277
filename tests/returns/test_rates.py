"""Return rates against baselines, anomaly detection, attribution and restockable supply, on worked examples."""

import numpy as np
import pandas as pd
import pytest

from returns.planning.attribution import attribute
from returns.planning.rates import Detection, compare, detect, pareto, shrunk_baseline, weekly_rates
from returns.planning.supply import (
    REFURBISH,
    RESTOCK,
    RETURN_TO_VENDOR,
    SCRAP,
    Recovery,
    expected_supply,
    received_supply,
)

DETECTION = Detection(margin=0.5, alpha=0.01, prior_units=500, min_rate=0.001)


def test_one_return_on_ten_sales_is_not_an_alarm_but_thirty_on_two_hundred_is():
    """Baseline 4 %. Alarm from 6 % (4 % x 1.5) with p < 0.01.

    group   returned  shipped  rate    p-value                       verdict
    A          1         10    10 %    1 - 0.96^10 = 0.335           above the margin, not significant
    B         30        200    15 %    5.9e-10                       anomaly
    C         11        200    5.5 %   0.18                          below the margin
    D         60      1,000    6 %     0.0015                        anomaly: on the margin, significant
    """
    verdict = detect(np.array([1, 30, 11, 60]), np.array([10, 200, 200, 1000]), np.full(4, 0.04), DETECTION)
    assert verdict.rate.tolist() == pytest.approx([0.10, 0.15, 0.055, 0.06])
    assert verdict.ratio.tolist() == pytest.approx([2.5, 3.75, 1.375, 1.5])
    assert verdict.p_value[0] == pytest.approx(1 - 0.96**10, rel=1e-12)
    assert verdict.p_value[1] == pytest.approx(5.911134848786e-10, rel=1e-6)
    assert verdict.p_value[2] == pytest.approx(0.18002, abs=1e-5)
    assert verdict.p_value[3] == pytest.approx(0.0015153, abs=1e-7)
    assert verdict.anomaly.tolist() == [False, True, False, True]
    assert verdict.excess.tolist() == pytest.approx([0.6, 22.0, 3.0, 20.0])


def test_margin_and_alpha_are_the_policy():
    returned, shipped, base = np.array([60]), np.array([1000]), np.array([0.04])
    assert detect(returned, shipped, base, Detection(margin=0.6, alpha=0.01)).anomaly.tolist() == [False]
    assert detect(returned, shipped, base, Detection(margin=0.5, alpha=0.001)).anomaly.tolist() == [False]


def test_a_baseline_from_little_history_borrows_the_family_rate():
    """(R + m q) / (S + m) with m = 500 and the family's rate q = 2 %:
    - no history:            (0 + 10) / 500        = 2 %
    - 40 of 1,000 (4 %):     (40 + 10) / 1,500     = 3.33 %
    - 4,000 of 100,000:      (4,000 + 10) / 100,500 = 3.99 %"""
    out = shrunk_baseline(np.array([0, 40, 4000]), np.array([0, 1000, 100_000]), np.full(3, 0.02), 500)
    assert out.tolist() == pytest.approx([0.02, 50 / 1500, 4010 / 100_500])


def test_without_any_history_there_is_no_baseline_and_no_alarm():
    """A new product in a family that never shipped: no rate to compare with, whatever comes back."""
    baseline = shrunk_baseline(np.array([0.0]), np.array([0.0]), np.array([np.nan]), 500)
    assert np.isnan(baseline).all()
    verdict = detect(np.array([30]), np.array([200]), baseline, DETECTION)
    assert (verdict.anomaly.tolist(), verdict.p_value.tolist()) == ([False], [1.0])


def test_compare_groups_against_their_own_baseline_period():
    """Online: baseline 20 of 1,000 (2 %), now 24 of 200 (12 %): anomaly. Retail: 30 of 1,000 (3 %), now
    7 of 200 (3.5 %): fine. With m = 0 the baselines are the groups' own rates."""
    returns = pd.DataFrame(
        {"channel": ["online", "online", "retail", "retail"], "period": ["baseline", "current"] * 2,
         "returned": [20.0, 24.0, 30.0, 7.0]}
    )  # fmt: skip
    shipments = pd.DataFrame(
        {"channel": ["online", "online", "retail", "retail"], "period": ["baseline", "current"] * 2,
         "shipped": [1000.0, 200.0, 1000.0, 200.0]}
    )  # fmt: skip
    table = compare(returns, shipments, ["channel"], detection=Detection(prior_units=0))
    assert table["channel"].tolist() == ["online", "retail"]  # largest excess first
    assert table["rate"].tolist() == pytest.approx([0.12, 0.035])
    assert table["baseline_rate"].tolist() == pytest.approx([0.02, 0.03])
    assert table["anomaly"].tolist() == [True, False]


def test_pareto_of_reasons():
    returns = pd.DataFrame({"reason": ["fit", "defect", "fit", "late", "fit"], "returned": [30.0, 20, 30, 10, 10]})
    table = pareto(returns, "reason")
    assert table["reason"].tolist() == ["fit", "defect", "late"]
    assert table["returned"].tolist() == [70, 20, 10]
    assert table["cumulative"].tolist() == pytest.approx([0.7, 0.9, 1.0])


def test_weekly_rates_keep_weeks_without_sales():
    weeks = ["w1", "w2", "w3"]
    table = weekly_rates(
        pd.DataFrame({"week": ["w1", "w3"], "returned": [2.0, 5.0]}),
        pd.DataFrame({"week": ["w1", "w2", "w3"], "shipped": [100.0, 50.0, 0.0]}),
        weeks,
    )
    assert table["returned"].tolist() == [2, 0, 5]
    assert table["rate"].tolist()[:2] == pytest.approx([0.02, 0.0])
    assert np.isnan(table["rate"].iloc[2])


def test_attribution_by_product_channel_and_order_date():
    """Campaign 1: product 10, all channels, 1-14 March. Campaign 2: product 10, online only, 8-21 March (more
    specific for online orders). Campaign 3: product 20, retail, March."""
    campaigns = pd.DataFrame(
        {"campaign_id": [1, 2, 3], "product_id": [10, 10, 20], "channel": ["", "online", "retail"],
         "start_date": pd.to_datetime(["2027-03-01", "2027-03-08", "2027-03-01"]),
         "end_date": pd.to_datetime(["2027-03-14", "2027-03-21", "2027-03-31"])}
    )  # fmt: skip
    lines = pd.DataFrame(
        {"product_id": [10, 10, 10, 10, 10, 20, 20, 30],
         "channel": ["retail", "online", "online", "retail", "retail", "online", "retail", "retail"],
         "order_date": pd.to_datetime(["2027-03-01", "2027-03-05", "2027-03-10", "2027-03-14", "2027-03-15",
                                       "2027-03-10", "2027-03-31", "2027-03-10"])}
    )  # fmt: skip
    assert attribute(lines, campaigns).tolist() == [1, 1, 2, 1, 0, 0, 3, 0]


def test_received_returns_come_back_after_their_lag_at_their_yield():
    """Restock: 1 week, 100 %. Refurbish: 3 weeks, 80 %. Weeks count from the first planning week (0).

    line  product  returned in  units  disposition        back in week    units back
    1     0        -1           10     restock             0              10
    2     0        -2           10     restock            -1 (in stock)    —
    3     0         0           20     refurbish           3              16
    4     1        -2            5     refurbish           1               4
    5     1         0           50     scrap               —               —
    6     1         3            7     return to vendor    —               —
    7     1         4            9     restock             5 (past the horizon of 5 weeks)
    """
    recovery = Recovery.of((1, 1.0), (3, 0.8))
    out = received_supply(
        row=np.array([0, 0, 0, 1, 1, 1, 1]),
        week=np.array([-1, -2, 0, -2, 0, 3, 4]),
        quantity=np.array([10, 10, 20, 5, 50, 7, 9.0]),
        disposition=np.array([RESTOCK, RESTOCK, REFURBISH, REFURBISH, SCRAP, RETURN_TO_VENDOR, RESTOCK]),
        recovery=recovery,
        products=2,
        weeks=5,
    )
    assert out.tolist() == [[10, 0, 0, 16, 0], [0, 4, 0, 0, 0]]


def test_expected_returns_from_future_demand():
    """Demand 100 a week; return rate 5 %; returned units are 60 % restock, 20 % refurbish, 20 % scrap.
    Returns come back 2 weeks after the sale: 5 a week from week 2. Restocked (1 week, 100 %): 3 a week from
    week 3. Refurbished (3 weeks, 80 %): 5 x 0.2 x 0.8 = 0.8 a week from week 5."""
    recovery = Recovery.of((1, 1.0), (3, 0.8))
    out = expected_supply(
        np.full((1, 8), 100.0), np.array([0.05]), np.array([[0.6, 0.2, 0.2, 0.0]]), return_lag=2, recovery=recovery
    )
    assert out[0].tolist() == pytest.approx([0, 0, 0, 3, 3, 3.8, 3.8, 3.8])
