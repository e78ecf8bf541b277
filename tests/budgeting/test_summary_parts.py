"""The monthly summary (the contract of docs/budgeting.md "The summary"), a family's drill-down, and the
department parts: fingerprints and the largest figure that moved (no database).

The worked example is test_plan.py's: four January weeks, Spring Push +50 % on DRY-1 in weeks 1..2.
"""

from __future__ import annotations

import json
from dataclasses import fields, replace
from typing import Any

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from campaigns.planning.uplift import Profile, UpliftKind
from production.planning.inputs import LotRule
from sop_portal.budgeting.planning.deltas import AddCampaign, AddShift, MoveCampaign, NewLine, ScaleCampaign, apply
from sop_portal.budgeting.planning.fiscal_weeks import fiscal_calendar
from sop_portal.budgeting.planning.parts import fingerprints, largest_move, part_figures
from sop_portal.budgeting.planning.plan import YearPlan, compute
from sop_portal.budgeting.planning.summary import family_detail, month_matrix, summarise
from sop_portal.organisation.departments import ALL as DEPARTMENTS

from .year_inputs import Line, Plan, small_inputs, year_inputs

SPRING_PUSH = Plan(id=7, name="Spring Push", start=1, end=2, budget=2000.0, lines=[Line(product=0, value=50.0)])
ZEROS = [0.0] * 11
NONE = [None] * 11  # months without a week in this short plan have no utilisation


def jan(value):
    return [value, *ZEROS]


def worked_example(**overrides):
    return small_inputs(campaigns=[SPRING_PUSH], **overrides)


def with_february():
    """The worked example over six weeks: January's four and February's first two."""
    return small_inputs(((100,) * 6, (50,) * 6), campaigns=[SPRING_PUSH])


def summary_of(inputs):
    return summarise(inputs, compute(inputs))


def test_the_worked_example_summary():
    summary = summary_of(worked_example())

    assert summary["fiscal_year"] == 2027
    assert summary["months"][::11] == ["Jan 2027", "Dec 2027"]
    assert summary["families"] == [
        {
            "code": "DRY", "label": "Dry goods", "baseline": jan(400.0), "campaign_lift": jan(100.0),
            "demand": jan(500.0), "production": jan(500.0), "revenue": jan(5000.0), "cogs": jan(3000.0),
            "returns_units": jan(50.0), "returns_cost": jan(400.0),
        },
        {
            "code": "WET", "label": "Wet goods", "baseline": jan(200.0), "campaign_lift": jan(0.0),
            "demand": jan(200.0), "production": jan(200.0), "revenue": jan(8000.0), "cogs": jan(2400.0),
            "returns_units": jan(0.0), "returns_cost": jan(0.0),
        },
    ]  # fmt: skip
    assert summary["campaigns"] == [
        {
            "id": 7, "name": "Spring Push", "budget": 2000.0, "start_week": "2027-W02", "end_week": "2027-W03",
            "spend": jan(2000.0), "lift_units": jan(100.0),
        }
    ]  # fmt: skip
    assert summary["resources"] == [
        {
            "code": "BOT", "label": "Bottling line", "load": jan(600.0), "capacity": jan(500.0),
            "peak_utilisation": [1.4, *NONE], "overtime_hours": jan(50.0), "extra_shifts": jan(2.0),
            "planned_shifts": jan(0.0), "uncovered_hours": jan(0.0), "cost": jan(3500.0),
        }
    ]  # fmt: skip
    assert summary["money"] == {
        "revenue": jan(13000.0), "cogs": jan(5400.0), "returns_cost": jan(400.0), "marketing_spend": jan(2000.0),
        "capacity_cost": jan(3500.0), "margin": jan(1700.0),
    }  # fmt: skip
    assert summary["kpis"] == {
        "volume": 700.0, "revenue": 13000.0, "margin": 1700.0, "margin_pct": 13.08, "marketing_spend": 2000.0,
        "capacity_cost": 3500.0, "returns_cost": 400.0, "peak_plant_utilisation": 1.4,
        "peak_warehouse_utilisation": None, "overloaded_weeks": 0, "uncovered_hours": 0.0,
    }  # fmt: skip
    outbound = summary["warehouses"][0]["dimensions"]["outbound"]
    assert outbound == {"load": jan(700.0), "capacity": [None] * 12, "peak_utilisation": [None] * 12}


def test_a_week_belongs_to_the_month_of_its_thursday():
    # 2027-W13 runs Monday 29 March to Sunday 4 April: its Thursday is 1 April, so it is April's
    calendar = fiscal_calendar(2027)
    assert calendar.week_labels[12] == "2027-W13"
    assert month_matrix(calendar)[12].tolist() == [0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0]
    baseline = np.zeros((2, 52))
    baseline[0, 11] = 10.0  # 2027-W12, Thursday 25 March
    baseline[0, 12] = 20.0  # 2027-W13, Thursday 1 April

    summary = summary_of(small_inputs(baseline))

    assert summary["families"][0]["demand"][2:4] == [10.0, 20.0]
    assert summary["money"]["revenue"][2:4] == [100.0, 200.0]
    assert month_matrix(calendar).sum(axis=0).tolist() == [4, 4, 4, 5, 4, 4, 5, 4, 5, 4, 4, 5]


def test_warehouse_flows_add_up_storage_is_the_highest_week_and_utilisation_the_worst_week():
    # six weeks (January's four, February's two); DRY-1 sells 100 a week and is made in fixed lots of 300
    inputs = small_inputs(
        ((100,) * 6, (0,) * 6),
        warehouse_capacity=np.array([[
            [250.0] * 6,  # inbound
            [100.0] * 6,  # outbound
            [30.0, 30.0, 15.0, 30.0, 30.0, 30.0],  # storage (pallets)
            [np.nan] * 6,  # labour: not recorded
        ]]),
    )  # fmt: skip
    batch = replace(
        inputs.production.batch,
        lot_rule=np.array([LotRule.FIXED, LotRule.LOT_FOR_LOT], dtype=np.int8),
        lot_qty=np.array([300.0, 0.0]),
    )
    inputs = replace(inputs, production=replace(inputs.production, batch=batch))
    plan = compute(inputs)
    assert_array_equal(plan.production[0], [300, 0, 0, 300, 0, 0])

    summary = summarise(inputs, plan)
    dims = summary["warehouses"][0]["dimensions"]

    assert dims["inbound"]["load"][:2] == [600.0, 0.0]
    assert dims["inbound"]["capacity"][:2] == [1000.0, 500.0]
    assert dims["inbound"]["peak_utilisation"][:2] == [1.2, 0.0]
    assert dims["outbound"]["load"][:2] == [400.0, 200.0]
    assert dims["outbound"]["peak_utilisation"][:2] == [1.0, 1.0]
    # stock 200, 100, 0, 200, 100, 0 units = 20, 10, 0, 20, 10, 0 pallets: a level, not a flow
    assert dims["storage"]["load"][:2] == [20.0, 10.0]
    assert dims["storage"]["capacity"][:2] == [15.0, 30.0]  # the tightest week
    assert dims["storage"]["peak_utilisation"][:2] == [0.6667, 0.3333]
    assert dims["labour"]["load"][:2] == [7.0, 2.0]  # 100 / 100 picked + 300 / 200 received an hour
    assert dims["labour"]["capacity"][:2] == [None, None]
    assert dims["labour"]["peak_utilisation"][:2] == [None, None]
    assert dims["inbound"]["load"][2:] == ZEROS[:10]  # months without weeks in this short plan
    assert dims["inbound"]["capacity"][2:] == NONE[:10]
    # plant: 300 h against 125 → 25 h overtime, one 40 h shift, 110 h uncovered, twice
    assert summary["resources"][0]["uncovered_hours"][:2] == [220.0, 0.0]
    # two plant weeks above capacity after overtime and shifts, two inbound weeks above capacity
    assert summary["kpis"]["overloaded_weeks"] == 4
    assert summary["kpis"]["uncovered_hours"] == 220.0
    assert summary["kpis"]["peak_warehouse_utilisation"] == 1.2
    assert summary["kpis"]["peak_plant_utilisation"] == 2.4


def plain(value):
    """Only JSON's own types, all the way down (no numpy scalars)."""
    if isinstance(value, dict):
        return all(type(k) is str and plain(v) for k, v in value.items())
    if isinstance(value, list):
        return all(plain(v) for v in value)
    return value is None or type(value) in (str, int, float, bool)


def test_the_summary_is_plain_json_of_twelve_months():
    inputs = year_inputs(products=400, campaigns=6, resources=2, warehouses=3, seed=3)
    summary = summary_of(inputs)

    assert plain(summary)
    json.dumps(summary, allow_nan=False)
    assert len(summary["families"]) == len(inputs.catalogue.family_codes)
    assert {len(f["demand"]) for f in summary["families"]} == {12}
    assert [c["id"] for c in summary["campaigns"]] == inputs.campaigns.ids.tolist()
    total = sum(sum(f["demand"]) for f in summary["families"])
    assert total == pytest.approx(summary["kpis"]["volume"], abs=0.5)


def test_family_detail_by_month_and_by_week():
    inputs = worked_example()
    plan = compute(inputs)

    by_month = family_detail(inputs, plan, 0)
    by_week = family_detail(inputs, plan, 0, by="week")

    assert (by_month["code"], by_month["by"]) == ("DRY", "month")
    assert by_month["periods"][0] == "Jan 2027"
    assert by_month["products"] == [
        {
            "sku": "DRY-1", "baseline": jan(400.0), "campaign_lift": jan(100.0), "demand": jan(500.0),
            "production": jan(500.0), "revenue": jan(5000.0), "margin_contribution": jan(1600.0),
        }
    ]  # fmt: skip
    assert by_month["total"]["demand"] == jan(500.0)
    assert by_week["periods"] == ["2027-W01", "2027-W02", "2027-W03", "2027-W04"]
    assert by_week["products"][0]["demand"] == [100.0, 150.0, 150.0, 100.0]
    # revenue 1,500 - cost of goods 900 - 15 returns x 8
    assert by_week["products"][0]["margin_contribution"] == [320.0, 480.0, 480.0, 320.0]
    with pytest.raises(ValueError, match="family_row 2"):
        family_detail(inputs, plan, 2)


def test_every_department_has_its_part():
    parts = part_figures(summary_of(worked_example()))

    assert set(parts) == DEPARTMENTS
    assert parts["marketing"] == [("Spring Push spend", jan(2000.0)), ("Marketing spend", jan(2000.0))]
    assert [label for label, _ in parts["sales"]] == ["Volume Dry goods", "Revenue Dry goods", "Volume Wet goods",
                                                      "Revenue Wet goods"]  # fmt: skip
    assert ("Bottling line overtime", jan(50.0)) in parts["operations"]
    assert ("Margin", jan(1700.0)) in parts["finance"]
    assert ("Returns cost Dry goods", jan(400.0)) in parts["customer-service"]
    assert ("Main warehouse outbound load", jan(700.0)) in parts["warehouse"]


def with_noise(plan: YearPlan, scale: float) -> YearPlan:
    """The same plan with every float a hair off, as summing in another order would leave it."""
    rng = np.random.default_rng(1)
    noisy: dict[str, Any] = {}
    for f in fields(plan):
        value = getattr(plan, f.name)
        if isinstance(value, np.ndarray) and value.dtype.kind == "f":
            noisy[f.name] = value * (1 + rng.uniform(-scale, scale, value.shape))
    return replace(plan, **noisy)


def test_fingerprints_ignore_float_noise():
    inputs = worked_example()
    plan = compute(inputs)

    clean, noisy = summarise(inputs, plan), summarise(inputs, with_noise(plan, 1e-9))

    assert fingerprints(noisy) == fingerprints(clean)
    assert all(largest_move(clean, noisy, department) is None for department in DEPARTMENTS)


def test_fingerprints_change_only_for_the_parts_that_moved():
    base = with_february()
    before = fingerprints(summary_of(base))

    # a planned shift in February: plant capacity and capacity cost move, volumes and warehouses do not
    shifted = fingerprints(summary_of(apply(base, [AddShift(0, 1, 1, 1)])))
    # the campaign one week later is still in January: only marketing's calendar moved
    moved = fingerprints(summary_of(apply(base, [MoveCampaign(7, 1)])))

    assert {d for d in DEPARTMENTS if shifted[d] != before[d]} == {"operations", "finance"}
    assert {d for d in DEPARTMENTS if moved[d] != before[d]} == {"marketing"}
    assert all(len(value) == 64 for value in before.values())


def test_largest_move_names_the_figure_month_and_signed_amount():
    # a whole year; DRY-1 (1 h a unit) and a big WET family (0.025 h a unit) fill the line's 125 h each week
    baseline = np.array([[100.0] * 52, [1000.0] * 52])
    base = small_inputs(baseline, run_per_unit=((1.0,), (0.025,)))
    # July has five weeks (2027-W26..W30); the campaign adds 85 units a week to DRY-1 in four of them
    july = AddCampaign(-5, "Summer Splash", 26, 29, 40000.0, (NewLine(0, UpliftKind.UNITS, 85.0, Profile.FLAT),))
    old, new = summary_of(base), summary_of(apply(base, [july]))

    assert largest_move(old, new, "operations") == "Bottling line load Jul 2027 +340 h"
    assert largest_move(old, new, "marketing") == "Summer Splash spend Jul 2027 +40,000"
    # +340 of at most 5,000 units a month outranks +3,400 of at most 200,000 of revenue
    assert largest_move(old, new, "sales") == "Volume Dry goods Jul 2027 +340 units"
    # margin: +3,400 revenue - 2,040 cost of goods - 34 returns x 8 - 40,000 marketing - 4 weeks x (25 h
    # overtime x 50 + one shift at 500)
    assert largest_move(old, new, "finance") == "Margin Jul 2027 -45,912"
    assert largest_move(new, old, "marketing") == "Summer Splash spend Jul 2027 -40,000"
    assert largest_move(old, old, "operations") is None


def test_largest_move_falls_back_to_capacity_and_to_the_campaign_calendar():
    base = with_february()
    old = summary_of(base)

    shifted = summary_of(apply(base, [AddShift(0, 1, 1, 2)]))
    moved = summary_of(apply(base, [MoveCampaign(7, 1)]))
    scaled = summary_of(apply(base, [ScaleCampaign(7, 2.0)]))

    # nothing but capacity moved: 2 planned shifts of 40 h at 500 in each of February's 2 weeks here
    assert largest_move(old, shifted, "operations") == "Bottling line planned shifts Feb 2027 +4 shifts"
    assert largest_move(old, shifted, "finance") == "Capacity cost Feb 2027 +2,000"
    assert largest_move(old, moved, "marketing") == "Spring Push 2027-W02..2027-W03 → 2027-W03..2027-W04"
    assert largest_move(old, moved, "sales") is None
    # +100 DRY units outrank +1,000 of revenue: 100 of at most 600 units against 1,000 of at most 8,000
    assert largest_move(old, scaled, "sales") == "Volume Dry goods Jan 2027 +100 units"
