"""Worked MPS examples with exact expected rows. Each runs through the vectorised engine, the loop reference and
the `mps_simulate` contract (see engine_cases.plan), so a wrong number would have to be wrong three ways.

Where a source is cited for its data only, the table in the docstring was worked by hand and says so.
"""

from __future__ import annotations

import pytest

from production.planning.engine import run_mps
from production.planning.parse import parse_items

from .engine_cases import item, plan, plan_one

CONTRACT_EXAMPLE = {
    "periods": 8,
    "on_hand": 45,
    "safety_stock": 0,
    "lead_time": 0,
    "forecast": [20, 20, 20, 20, 30, 30, 30, 30],
    "customer_orders": [23, 15, 8, 4, 0, 0, 0, 0],
    "scheduled_receipts": [0, 0, 0, 0, 0, 0, 0, 0],
    "firm_planned_orders": [0, 0, 0, 0, 0, 0, 0, 0],
    "demand_time_fence": 0,
    "planning_time_fence": 0,
    "demand_rule": {"inside_dtf": "orders", "outside_dtf": "max"},
    "lot_rule": {"type": "fixed", "qty": 60},
    "min_lot": 0,
    "max_lot": None,
    "lot_multiple": 1,
    "fixed_lot_repeats": True,
    "atp_rule": "discrete_lookahead",
    "resources": {
        "Assembly": {"capacity": [40, 40, 40, 40, 40, 40, 40, 40], "run_per_unit": 0.5, "setup_per_lot": 0.0}
    },
}

# Heizer & Render, Operations Management, ch. 14 "MRP and ERP", lot-sizing problem: 20 on hand, lead time 1 week,
# setup $100, holding $1 per unit per week, gross requirements 0 50 0 10 40 20 30 5 (EOQ = 63). Worked solutions
# for lot-for-lot and EOQ are published on scribd.com (document 520649393, "Gross Requirement Chap14 MRP and ERP").
HEIZER_GROSS = [0, 50, 0, 10, 40, 20, 30, 5]


def test_contract_example_fixed_lot_mps_and_atp() -> None:
    """The example item of docs/mps-simulate.md: the MPS/ATP example of Vollmann, Berry, Whybark & Jacobs,
    Manufacturing Planning and Control for Supply Chain Management, master production scheduling chapter (on
    hand 45, forecast 20/30, orders 23/15/8/4, lot 60). The book's figure was not at hand to compare, so the
    table was worked by hand. No DTF, so every period nets max(forecast, orders):

        period            1   2   3   4   5   6   7   8
        forecast         20  20  20  20  30  30  30  30
        orders           23  15   8   4   0   0   0   0
        gross            23  20  20  20  30  30  30  30
        PAB (45)         22   2  42  22  52  22  52  22    p3: 2-20=-18 -> lot 60; p5, p7: 22-30=-8 -> 60
        MPS               0   0  60   0  60   0  60   0
        ATP               7   0  48   0  60   0  60   0    p1: 45-(23+15); p3: 60-(8+4); p5, p7: 60-0
        cumulative ATP    7   7  55  55 115 115 175 175
        Assembly load     0   0  30   0  30   0  30   0    0.5 h x 60
    """
    assert plan_one(CONTRACT_EXAMPLE) == {
        "gross_requirements": [23, 20, 20, 20, 30, 30, 30, 30],
        "projected_available": [22, 2, 42, 22, 52, 22, 52, 22],
        "mps": [0, 0, 60, 0, 60, 0, 60, 0],
        "mps_release": [0, 0, 60, 0, 60, 0, 60, 0],
        "atp": [7, 0, 48, 0, 60, 0, 60, 0],
        "cumulative_atp": [7, 7, 55, 55, 115, 115, 175, 175],
        "load": {"Assembly": [0, 0, 30, 0, 30, 0, 30, 0]},
        "overload": {"Assembly": [0, 0, 0, 0, 0, 0, 0, 0]},
    }


def test_stevenson_pump_master_schedule() -> None:
    """Stevenson, Operations Management, ch. "Aggregate Planning and Master Scheduling", master scheduling
    example: 64 pumps on hand, forecast 30/week in June and 40/week in July, committed orders 33, 20, 10, 4, 2,
    lot size 70, produce when projected on hand would go negative. The book's answer: MPS of 70 in weeks 3, 5,
    7 and 8 and ATP 11 in week 1 (64 - (33 + 20)); the rest below follows the same rules:

        week              1   2   3   4   5   6   7   8
        gross            33  30  30  30  40  40  40  40
        projected OH     31   1  41  11  41   1  31  61
        MPS               0   0  70   0  70   0  70  70
        ATP              11   0  56   0  68   0  70  70    w3: 70-(10+4); w5: 70-2
    """
    out = plan_one(
        item(
            [30, 30, 30, 30, 40, 40, 40, 40],
            on_hand=64,
            customer_orders=[33, 20, 10, 4, 2, 0, 0, 0],
            lot_rule={"type": "fixed", "qty": 70},
        )
    )
    assert out["gross_requirements"] == [33, 30, 30, 30, 40, 40, 40, 40]
    assert out["projected_available"] == [31, 1, 41, 11, 41, 1, 31, 61]
    assert out["mps"] == [0, 0, 70, 0, 70, 0, 70, 70]
    assert out["atp"] == [11, 0, 56, 0, 68, 0, 70, 70]
    assert out["cumulative_atp"] == [11, 11, 67, 67, 135, 135, 205, 275]


def test_safety_stock_triggers_the_receipt() -> None:
    """Safety stock: Stevenson, Operations Management, master scheduling problem "schedule production when the
    projected on-hand inventory would be less than 10 without production" (64 on hand, orders 33, 20, 10, 4, 2,
    lot 70). Worked by hand:

        week              1   2   3   4   5   6   7   8
        gross            33  30  30  30  40  40  40  40
        projected OH     31  71  41  11  41  71  31  61    w2: 1 < 10 -> 70; w5: -29; w6: 1 < 10; w8: -9
        MPS               0  70   0   0  70  70   0  70
        ATP              31  36   0   0  68  70   0  70    w1: 64-33; w2: 70-(20+10+4); w5: 70-2
    """
    out = plan_one(
        item(
            [30, 30, 30, 30, 40, 40, 40, 40],
            on_hand=64,
            safety_stock=10,
            customer_orders=[33, 20, 10, 4, 2, 0, 0, 0],
            lot_rule={"type": "fixed", "qty": 70},
        )
    )
    assert out["projected_available"] == [31, 71, 41, 11, 41, 71, 31, 61]
    assert out["mps"] == [0, 70, 0, 0, 70, 70, 0, 70]
    assert out["atp"] == [31, 36, 0, 0, 68, 70, 0, 70]
    assert out["cumulative_atp"] == [31, 67, 67, 67, 135, 205, 205, 275]


def look_ahead_item(atp_rule: str) -> dict:
    # a frozen schedule (PTF = horizon) so that the MPS is exactly the firm planned orders
    return item(
        [0, 0, 0, 0],
        on_hand=5,
        planning_time_fence=4,
        firm_planned_orders=[0, 5, 5, 5],
        customer_orders=[0, 0, 8, 11],
        demand_rule={"outside_dtf": "orders"},
        atp_rule=atp_rule,
    )


def test_discrete_atp_without_look_ahead_leaves_negatives() -> None:
    """Discrete ATP per the APICS dictionary definition (period 1: on hand + MPS - orders until the next MPS;
    later: MPS - orders until the next MPS). Worked by hand:

        period            1   2   3   4
        MPS (firm)        0   5   5   5
        orders            0   0   8  11
        ATP               5   5  -3  -6    p1: 5-0; p2: 5-0; p3: 5-8; p4: 5-11
        cumulative        5  10   7   1
    """
    out = plan_one(look_ahead_item("discrete_no_lookahead"))
    assert out["atp"] == [5, 5, -3, -6]
    assert out["cumulative_atp"] == [5, 10, 7, 1]


def test_discrete_atp_with_look_ahead_covers_from_the_nearest_earlier_period() -> None:
    """Look-ahead (textbook ATP: a later shortfall reduces earlier ATP, nearest earlier first). Same data as
    the previous test, worked by hand: p3's -3 takes 3 of p2's 5; p4's -6 takes p2's last 2 and 4 of p1's 5.

        ATP               1   0   0   0
        cumulative        1   1   1   1
    (Taking from the oldest first would have given 0 1 0 0.)
    """
    out = plan_one(look_ahead_item("discrete_lookahead"))
    assert out["atp"] == [1, 0, 0, 0]
    assert out["cumulative_atp"] == [1, 1, 1, 1]


def test_look_ahead_shortfall_that_nothing_earlier_covers_stays_where_it_arose() -> None:
    """Worked by hand: on hand 10, firm orders of 20 in periods 2 and 4, customer orders 5, 5, 30, 30.

    discrete ATP      5 -15   0 -10    p1: 10-5; p2: 20-(5+30); p4: 20-30
    look-ahead        0 -10   0 -10    p2 takes p1's 5 and stays -10; p4 finds nothing left earlier
    cumulative        0 -10 -10 -20
    """
    out = plan_one(
        item(
            [0, 0, 0, 0],
            on_hand=10,
            planning_time_fence=4,
            firm_planned_orders=[0, 20, 0, 20],
            customer_orders=[5, 5, 30, 30],
            demand_rule={"outside_dtf": "orders"},
        )
    )
    assert out["atp"] == [0, -10, 0, -10]
    assert out["cumulative_atp"] == [0, -10, -10, -20]


def test_cumulative_atp_is_the_running_total_of_discrete_atp() -> None:
    """Worked by hand: on hand 40, firm orders of 30 in periods 3 and 5, orders 10, 5, 25, 10, 40, 0.

    discrete           25   0  -5   0 -10   0    p1: 40-(10+5); p3: 30-(25+10); p5: 30-40
    look-ahead         10   0   0   0   0   0    p3 and p5 are covered from p1
    cumulative (no LA) 25  25  20  20  10  10
    cumulative (LA)    10  10  10  10  10  10
    """
    common = {
        "on_hand": 40,
        "planning_time_fence": 6,
        "firm_planned_orders": [0, 0, 30, 0, 30, 0],
        "customer_orders": [10, 5, 25, 10, 40, 0],
        "demand_rule": {"outside_dtf": "orders"},
    }
    plain, covered = plan(
        item([0] * 6, atp_rule="discrete_no_lookahead", **common),
        item([0] * 6, atp_rule="discrete_lookahead", **common),
    )
    assert plain["atp"] == [25, 0, -5, 0, -10, 0]
    assert plain["cumulative_atp"] == [25, 25, 20, 20, 10, 10]
    assert covered["atp"] == [10, 0, 0, 0, 0, 0]
    assert covered["cumulative_atp"] == [10, 10, 10, 10, 10, 10]
    assert plain["projected_available"] == covered["projected_available"] == [30, 25, 30, 20, 10, 10]


DTF_FORECAST = [50, 50, 50, 50, 50, 50]
DTF_ORDERS = [60, 40, 45, 55, 10, 0]


@pytest.mark.parametrize(
    ("inside", "outside", "gross"),
    [
        ("orders", "max", [60, 40, 45, 55, 50, 50]),
        ("orders", "forecast", [60, 40, 45, 50, 50, 50]),
        ("forecast", "orders", [50, 50, 50, 55, 10, 0]),
        ("max", "sum", [60, 50, 50, 105, 60, 50]),
        ("sum", "max", [110, 90, 95, 55, 50, 50]),
    ],
)
def test_demand_rules_inside_and_outside_the_demand_time_fence(inside: str, outside: str, gross: list) -> None:
    """Demand time fence (APICS dictionary; Arnold, Chapman & Clive, Introduction to Materials Management,
    master scheduling chapter: inside the DTF only customer orders count, outside it the greater of forecast
    and orders). DTF = 3; forecast 50 every period; orders 60, 40, 45, 55, 10, 0. Worked by hand:

        rule        p1..p3 (inside)       p4..p6 (outside)
        orders      60  40  45            55  10   0
        forecast    50  50  50            50  50  50
        max         60  50  50            55  50  50
        sum        110  90  95           105  60  50
    """
    out = plan_one(
        item(
            DTF_FORECAST,
            on_hand=1000,
            customer_orders=DTF_ORDERS,
            demand_time_fence=3,
            demand_rule={"inside_dtf": inside, "outside_dtf": outside},
        )
    )
    assert out["gross_requirements"] == gross


def test_without_a_demand_time_fence_every_period_uses_the_outside_rule() -> None:
    """DTF 0 = no fence (contract). Same data as above, rules orders / max: max everywhere, worked by hand."""
    out = plan_one(item(DTF_FORECAST, on_hand=1000, customer_orders=DTF_ORDERS))
    assert out["gross_requirements"] == [60, 50, 50, 55, 50, 50]


def test_planning_time_fence_leaves_shortage_visible_and_keeps_firm_planned_orders() -> None:
    """Planning time fence (APICS: inside it only firm planned orders, no new planned MPS receipts). Worked by
    hand: on hand 20, forecast 25, PTF 3, firm planned order of 30 in period 2, lot-for-lot.

        period            1   2   3   4   5   6   7   8
        gross            25  25  25  25  25  25  25  25
        PAB              -5   0 -25   0   0   0   0   0    p1, p3 short inside the fence; p4 nets -50
        MPS               0  30   0  50  25  25  25  25
        ATP              20  30   0  50  25  25  25  25    no customer orders: every receipt is free
    """
    out = plan_one(item([25] * 8, on_hand=20, planning_time_fence=3, firm_planned_orders=[0, 30, 0, 0, 0, 0, 0, 0]))
    assert out["projected_available"] == [-5, 0, -25, 0, 0, 0, 0, 0]
    assert out["mps"] == [0, 30, 0, 50, 25, 25, 25, 25]
    assert out["atp"] == [20, 30, 0, 50, 25, 25, 25, 25]
    assert out["cumulative_atp"] == [20, 50, 50, 100, 125, 150, 175, 200]


def test_lot_for_lot_with_lead_time_offset() -> None:
    """Lot-for-lot on the Heizer & Render problem data; matches the published worked solution: receipts 30, 10,
    40, 20, 30, 5 in weeks 2, 4-8, each released one week earlier.

        week        1  2  3  4  5  6  7  8
        gross       0 50  0 10 40 20 30  5
        receipts    0 30  0 10 40 20 30  5
        releases   30  0 10 40 20 30  5  0
        PAB        20  0  0  0  0  0  0  0
    """
    out = plan_one(item(HEIZER_GROSS, on_hand=20, lead_time=1))
    assert out["mps"] == [0, 30, 0, 10, 40, 20, 30, 5]
    assert out["mps_release"] == [30, 0, 10, 40, 20, 30, 5, 0]
    assert out["projected_available"] == [20, 0, 0, 0, 0, 0, 0, 0]


def test_eoq_is_planned_as_a_fixed_lot() -> None:
    """EOQ = 63 on the Heizer & Render problem data, planned as a fixed lot; matches the published worked
    solution (projected on hand 20 33 33 23 46 26 59 54, holding cost 294):

        week        1  2  3  4  5  6  7  8
        gross       0 50  0 10 40 20 30  5
        receipts    0 63  0  0 63  0 63  0    w2: 20-50; w5: 23-40; w7: 26-30
        PAB        20 33 33 23 46 26 59 54
        releases   63  0  0 63  0 63  0  0
    """
    out = plan_one(item(HEIZER_GROSS, on_hand=20, lead_time=1, lot_rule={"type": "eoq", "qty": 63}))
    assert out["mps"] == [0, 63, 0, 0, 63, 0, 63, 0]
    assert out["projected_available"] == [20, 33, 33, 23, 46, 26, 59, 54]
    assert out["mps_release"] == [63, 0, 0, 63, 0, 63, 0, 0]


def test_period_order_quantity_covers_the_next_p_periods() -> None:
    """POQ on the Heizer & Render problem data: EOQ 63 / average use 20 a week = 3 weeks. Worked by hand, with
    the receipt in the first week that has a net requirement, covering that week and the next two:

        week        1  2  3  4  5  6  7  8
        gross       0 50  0 10 40 20 30  5
        receipts    0 40  0  0 90  0  0  5    30+0+10; 40+20+30; 5 (the window ends at week 8)
        PAB        20 10 10  0 50 30  0  0
        releases   40  0  0 90  0  0  5  0
    """
    out = plan_one(
        item(HEIZER_GROSS, on_hand=20, lead_time=1, lot_rule={"type": "period_order_quantity", "periods": 3})
    )
    assert out["mps"] == [0, 40, 0, 0, 90, 0, 0, 5]
    assert out["projected_available"] == [20, 10, 10, 0, 50, 30, 0, 0]
    assert out["mps_release"] == [40, 0, 0, 90, 0, 0, 5, 0]


HIP_GROSS = [0, 0, 50, 0, 0, 35, 15, 0, 100, 0]


def test_fixed_lot_repeats_whole_lots() -> None:
    """Heizer & Render, Operations Management, MRP chapter problem "Hip Replacements, Inc." (EOQ part): gross
    requirements 0 0 50 0 0 35 15 0 100 0, nothing on hand, EOQ 32, lead time 1. The worked solution published
    on homeworklib.com (question 813594) has projected on hand 0 0 14 14 14 11 28 28 24 24 and planned order
    releases 64, 32, 32, 96 (two, one, one and three lots), as here.
    """
    out = plan_one(item(HIP_GROSS, lead_time=1, lot_rule={"type": "eoq", "qty": 32}))
    assert out["projected_available"] == [0, 0, 14, 14, 14, 11, 28, 28, 24, 24]
    assert out["mps"] == [0, 0, 64, 0, 0, 32, 32, 0, 96, 0]
    assert out["mps_release"] == [0, 64, 0, 0, 32, 32, 0, 96, 0, 0]


def test_single_fixed_lot_leaves_the_rest_short() -> None:
    """Same data with `fixed_lot_repeats: false`: one lot of 32 per period, the rest stays short and the next
    period plans again. Worked by hand:

        week        1  2   3  4  5  6  7  8   9 10
        receipts    0  0  32 32  0 32 32  0  32 32
        PAB         0  0 -18 14 14 11 28 28 -40 -8    w3: 0-50+32; w4: -18+32; w9: 28-100+32; w10: -40+32
    """
    out = plan_one(item(HIP_GROSS, lead_time=1, lot_rule={"type": "fixed", "qty": 32}, fixed_lot_repeats=False))
    assert out["mps"] == [0, 0, 32, 32, 0, 32, 32, 0, 32, 32]
    assert out["projected_available"] == [0, 0, -18, 14, 14, 11, 28, 28, -40, -8]


def test_lot_modifiers_apply_min_then_multiple_then_max() -> None:
    """Contract order of modifiers: raise to min_lot, round up to lot_multiple, cap at max_lot. Lot-for-lot
    with min 12, multiple 5, max 98; worked by hand:

        period      1   2   3   4
        gross       7  30 100   0
        net         7  22  97   -
        min 12     12  22  97
        multiple   15  25 100
        max 98     15  25  98       (a cap after rounding need not be a multiple)
        PAB         8   3   1   1
    """
    out = plan_one(item([7, 30, 100, 0], min_lot=12, lot_multiple=5, max_lot=98))
    assert out["mps"] == [15, 25, 98, 0]
    assert out["projected_available"] == [8, 3, 1, 1]


def test_max_lot_cap_leaves_a_shortage() -> None:
    """Worked by hand: lot-for-lot capped at 100 against a requirement of 180 in period 2 and 30 in period 3.

    period      1    2    3
    gross       0  180   30
    receipts    0  100  100    p3 nets the carried shortage: 80 + 30 = 110 -> capped at 100
    PAB         0  -80  -10
    """
    out = plan_one(item([0, 180, 30], max_lot=100))
    assert out["mps"] == [0, 100, 100]
    assert out["projected_available"] == [0, -80, -10]


def test_receipt_whose_release_falls_before_period_one_is_not_planned() -> None:
    """Contract: a receipt needs release t - lead time >= 1. Worked by hand: 10 on hand, forecast 20, lead time 2,
    lot-for-lot, and a firm planned order of 15 in period 1 (released before the horizon, so no release shows):

        period      1    2   3   4   5
        gross      20   20  20  20  20
        PAB         5  -15   0   0   0    p2 cannot be planned (release in period 0); p3 nets 35
        MPS        15    0  35  20  20
        release    35   20  20   0   0
    """
    out = plan_one(item([20] * 5, on_hand=10, lead_time=2, firm_planned_orders=[15, 0, 0, 0, 0]))
    assert out["projected_available"] == [5, -15, 0, 0, 0]
    assert out["mps"] == [15, 0, 35, 20, 20]
    assert out["mps_release"] == [35, 20, 20, 0, 0]


def test_rough_cut_capacity_bill_of_capacity_with_setups() -> None:
    """Bill-of-capacity RCCP (Vollmann et al., Manufacturing Planning and Control, capacity planning chapter):
    load = hours per unit x MPS + setup hours per lot. Two items, worked by hand:

        item A (lot-for-lot, forecast 10 0 20 0): MPS 10 0 20 0
          Assembly 0.5 h/unit + 2 h/lot, capacity 8:  load 7 0 12 0      overload 0 0 4 0
          Test 0.25 h/unit, capacity 5:               load 2.5 0 5 0     overload 0 0 0 0
        item B (fixed 20, 5 on hand, forecast 5 15 0 30): MPS 0 20 0 40 (two lots in p4)
          Assembly 0.2 h/unit + 1.5 h/lot, capacity 6: load 0 5.5 0 9.5  overload 0 0 0 3.5
        whole batch: Assembly 7 5.5 12 9.5; Test 2.5 0 5 0
    """
    a = item(
        [10, 0, 20, 0],
        resources={
            "Assembly": {"capacity": [8] * 4, "run_per_unit": 0.5, "setup_per_lot": 2},
            "Test": {"capacity": [5] * 4, "run_per_unit": 0.25},
        },
    )
    b = item(
        [5, 15, 0, 30],
        on_hand=5,
        lot_rule={"type": "fixed", "qty": 20},
        resources={
            "Assembly": {"capacity": [6] * 4, "run_per_unit": 0.2, "setup_per_lot": 1.5},
        },
    )
    out_a, out_b = plan(a, b)
    assert out_a["mps"] == [10, 0, 20, 0]
    assert out_a["load"] == {"Assembly": [7, 0, 12, 0], "Test": [2.5, 0, 5, 0]}
    assert out_a["overload"] == {"Assembly": [0, 0, 4, 0], "Test": [0, 0, 0, 0]}
    assert out_b["mps"] == [0, 20, 0, 40]
    assert out_b["load"] == {"Assembly": [0, 5.5, 0, 9.5]}
    assert out_b["overload"] == {"Assembly": [0, 0, 0, 3.5]}
    batch = parse_items([a, b], batch=True)
    assert batch.resource_names == ("Assembly", "Test")
    assert run_mps(batch).resource_load.tolist() == [[7, 5.5, 12, 9.5], [2.5, 0, 5, 0]]


def test_each_item_keeps_its_own_lot_rule_in_a_batch() -> None:
    """Per-item parameters differ across a batch. Worked by hand, forecast 10 in each of 4 periods, nothing on
    hand: POQ 1 orders each period's 10; POQ 3 orders 30 for periods 1-3, then 10 for period 4 (the window ends
    at the horizon); a fixed lot of 25 orders in periods 1 and 3.

        POQ 1      10 10 10 10
        POQ 3      30  0  0 10
        fixed 25   25  0 25  0    PAB 15 5 20 10
    """
    forecast = [10, 10, 10, 10]
    poq1, poq3, fixed = plan(
        item(forecast, lot_rule={"type": "period_order_quantity", "periods": 1}),
        item(forecast, lot_rule={"type": "period_order_quantity", "periods": 3}),
        item(forecast, lot_rule={"type": "fixed", "qty": 25}),
    )
    assert poq1["mps"] == [10, 10, 10, 10]
    assert poq3["mps"] == [30, 0, 0, 10]
    assert fixed["mps"] == [25, 0, 25, 0]
    assert fixed["projected_available"] == [15, 5, 20, 10]
