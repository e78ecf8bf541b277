"""Scenario deltas as overlays: new inputs with the change, the base arrays untouched (no database).

Every test freezes the base inputs (all arrays read-only): a delta that wrote into them would raise.
"""

from __future__ import annotations

import copy
from dataclasses import fields, is_dataclass

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from campaigns.planning.uplift import Profile, UpliftKind
from sop_portal.budgeting.planning.deltas import (
    AddCampaign,
    AddShift,
    Delta,
    DeltaError,
    DropCampaign,
    MoveCampaign,
    NewLine,
    ScaleCampaign,
    VolumeTarget,
    apply,
)
from sop_portal.budgeting.planning.plan import compute
from sop_portal.budgeting.planning.summary import summarise

from .year_inputs import Line, Plan, frozen, small_inputs, year_inputs

SPRING_PUSH = Plan(id=7, name="Spring Push", start=1, end=2, budget=2000.0, lines=[Line(product=0, value=50.0)])
SIX_WEEKS = ((100,) * 6, (50,) * 6)


def assert_same(value, expected, where="inputs"):
    """Every array and value reachable from `value` equals the one in `expected` (NaN equal to NaN)."""
    if isinstance(value, np.ndarray):
        assert_array_equal(value, expected, err_msg=where)
    elif is_dataclass(value):
        for f in fields(value):
            assert_same(getattr(value, f.name), getattr(expected, f.name), f"{where}.{f.name}")
    else:
        assert value == expected, where


def inputs_with(*campaigns, baseline=SIX_WEEKS, **overrides):
    return frozen(small_inputs(baseline, campaigns=campaigns, **overrides))


def test_every_kind_of_delta_leaves_the_base_untouched():
    base = frozen(year_inputs(products=200, campaigns=6, seed=11))
    before = copy.deepcopy(base)
    first, second = (int(i) for i in base.campaigns.ids[:2])
    deltas: list[Delta] = [
        AddCampaign(-1, "Autumn Deal", 30, 33, 5000.0, (NewLine(3, UpliftKind.UNITS, 40.0, Profile.FLAT),)),
        MoveCampaign(first, 2),
        ScaleCampaign(second, 1.5),
        DropCampaign(int(base.campaigns.ids[2])),
        MoveCampaign(-1, -1),
        VolumeTarget(family=0, month=3, units=12345.0),
        AddShift(resource=1, first_month=5, last_month=7, shifts=1),
    ]

    changed = apply(base, deltas)

    with pytest.raises(ValueError, match="read-only"):
        base.baseline[0, 0] = 1.0  # the base really is frozen: any write into it would have failed
    assert_same(base, before)
    assert summarise(base, compute(base)) == summarise(before, compute(before))
    assert changed.campaigns.count == base.campaigns.count  # one added, one dropped
    assert changed.campaigns.ids[-1] == -1
    assert not np.array_equal(changed.baseline, base.baseline)
    assert changed.costs.planned_shifts.sum() > 0


def test_add_campaign_appends_a_campaign_with_its_lines():
    base = inputs_with(SPRING_PUSH)
    added = AddCampaign(
        campaign_id=-12, name="Summer Splash", start=3, end=4, budget=900.0,
        lines=(NewLine(product=1, uplift_kind=UpliftKind.UNITS, uplift_value=30.0, profile=Profile.FLAT),),
    )  # fmt: skip

    changed = apply(base, [added])
    plan = compute(changed)

    assert changed.campaigns.ids.tolist() == [7, -12]
    assert changed.campaigns.names == ("Spring Push", "Summer Splash")
    assert_array_equal(changed.campaigns.lines.campaign, [0, 1])
    assert_array_equal(plan.demand[1], [50, 50, 50, 80, 80, 50])
    assert_array_equal(plan.marketing_spend[1], [0, 0, 0, 450, 450, 0])
    assert base.campaigns.count == 1


def test_move_campaign_shifts_its_lines_effects_and_dates_only():
    other = Plan(id=8, name="Wet Week", start=0, end=0, budget=100.0, lines=[Line(product=1, value=10.0)])
    halo = Plan(
        id=7, name="Spring Push", start=1, end=2, budget=2000.0, lines=[Line(product=0, value=50.0)],
        effects=[(1, 10.0)],
    )  # fmt: skip
    base = inputs_with(halo, other)

    moved = apply(base, [MoveCampaign(7, 2)])
    plan = compute(moved)

    assert moved.campaigns.start.tolist() == [3, 0]
    assert moved.campaigns.end.tolist() == [4, 0]
    assert_array_equal(plan.demand[0], [100, 100, 100, 150, 150, 100])
    assert_allclose(plan.demand[1], [55, 50, 50, 55, 55, 50])  # its halo moved, the other campaign did not
    assert_array_equal(plan.marketing_spend[0], [0, 0, 0, 1000, 1000, 0])
    assert_array_equal(compute(apply(base, [MoveCampaign(7, -2)])).demand[0], [150, 100, 100, 100, 100, 100])


def test_move_campaign_moves_a_custom_profile_with_it():
    custom = Line(product=0, value=100.0, profile=Profile.CUSTOM, custom=(0, 0.5, 1.0, 0, 0, 0))
    base = inputs_with(Plan(id=7, name="Custom", start=1, end=2, budget=0.0, lines=[custom]))

    moved = apply(base, [MoveCampaign(7, 3)])

    assert_array_equal(compute(base).demand[0], [100, 150, 200, 100, 100, 100])
    assert_array_equal(compute(moved).demand[0], [100, 100, 100, 100, 150, 200])


def test_scale_campaign_scales_its_whole_lift_and_budget():
    # a percent line with a post-promotion dip, a units line and a halo: every part of the lift doubles
    promo = Plan(
        id=7, name="Spring Push", start=1, end=2, budget=2000.0,
        lines=[Line(0, value=20.0, dip_pct=10.0, dip_weeks=1), Line(1, value=5.0, kind=UpliftKind.UNITS)],
    )  # fmt: skip
    halo = Plan(
        id=8, name="Halo", start=4, end=4, budget=300.0, lines=[Line(product=0, value=10.0)], effects=[(1, 10.0)]
    )
    base = inputs_with(promo, halo)
    lift = compute(base).campaign_lift

    doubled = compute(apply(base, [ScaleCampaign(7, 2.0), ScaleCampaign(8, 2.0)]))
    nothing = compute(apply(base, [ScaleCampaign(7, 0.0)]))

    assert_allclose(lift[0], [0, 25, 25, -10, 0, 0])
    assert_allclose(doubled.campaign_lift, 2 * lift)
    assert_allclose(doubled.marketing_spend.sum(axis=1), [4000, 600])
    assert_allclose(nothing.campaign_lift[0], 0)
    assert nothing.marketing_spend[0].sum() == 0


def test_drop_campaign_removes_it_and_renumbers_the_rest():
    # the third campaign launches P1 and takes 50 % of its lift from P0: its transfer must follow its line
    first = Plan(id=7, name="Spring Push", start=1, end=1, budget=100.0, lines=[Line(product=0, value=50.0)])
    middle = Plan(
        id=8, name="Middle", start=2, end=2, budget=200.0, lines=[Line(0, 10.0), Line(1, 10.0)], effects=[(1, 5.0)]
    )
    launch = Plan(
        id=9, name="Launch", start=4, end=4, budget=300.0, lines=[Line(1, 20.0, kind=UpliftKind.UNITS)],
        transfers=[(0, 0, 50.0)],
    )  # fmt: skip
    base = inputs_with(first, middle, launch)

    dropped = apply(base, [DropCampaign(8)])
    plan = compute(dropped)

    assert dropped.campaigns.ids.tolist() == [7, 9]
    assert_array_equal(dropped.campaigns.lines.campaign, [0, 1])
    assert dropped.campaigns.effects.campaign.size == 0
    assert_array_equal(dropped.campaigns.transfers.line, [1])
    assert_allclose(plan.demand, [[100, 150, 100, 100, 90, 100], [50, 50, 50, 50, 70, 50]])
    assert_allclose(plan.marketing_spend.sum(axis=1), [100, 300])


def test_volume_target_scales_the_familys_baseline_in_that_month():
    # the first six weeks of 2027 are January (4 weeks) and February (2); two DRY products
    base = inputs_with(baseline=((100,) * 6, (300,) * 6, (50,) * 6), family=(0, 0, 1), unit_price=(1, 1, 1),
                       unit_cost=(1, 1, 1), return_rate=(0, 0, 0), restock_yield=(0, 0, 0),
                       run_per_unit=((1,), (1,), (1,)))  # fmt: skip

    targeted = apply(base, [VolumeTarget(family=0, month=0, units=2000.0)])

    # January's 1,600 DRY units become 2,000 (x 1.25); February and WET are untouched
    assert_allclose(targeted.baseline, [[125] * 4 + [100] * 2, [375] * 4 + [300] * 2, [50] * 6])


def test_volume_target_on_an_empty_month_spreads_the_units_evenly():
    base = inputs_with(baseline=((0,) * 6, (0,) * 6), family=(0, 0))

    targeted = apply(base, [VolumeTarget(family=0, month=1, units=400.0)])

    assert_allclose(targeted.baseline, [[0] * 4 + [100] * 2, [0] * 4 + [100] * 2])


def test_add_shift_plans_shifts_for_the_weeks_of_those_months_and_pays_them():
    base = inputs_with(baseline=((0,) * 6, (0,) * 6))

    shifted = apply(base, [AddShift(resource=0, first_month=1, last_month=1, shifts=2)])
    plan = compute(shifted)

    assert_array_equal(shifted.costs.planned_shifts, [[0, 0, 0, 0, 2, 2]])
    assert_array_equal(plan.resource_capacity, [[125, 125, 125, 125, 205, 205]])
    assert_array_equal(plan.capacity_cost, [[0, 0, 0, 0, 1000, 1000]])


def test_a_scenario_can_change_a_campaign_it_added():
    base = inputs_with(SPRING_PUSH)
    added = AddCampaign(-3, "New", 0, 0, 100.0, (NewLine(1, UpliftKind.UNITS, 10.0, Profile.FLAT),))

    plan = compute(apply(base, [added, MoveCampaign(-3, 1), ScaleCampaign(-3, 3.0)]))

    assert_array_equal(plan.demand[1], [50, 80, 50, 50, 50, 50])
    assert_allclose(plan.marketing_spend[1], [0, 300, 0, 0, 0, 0])


@pytest.mark.parametrize(
    ("delta", "message"),
    [
        (MoveCampaign(99, 1), "campaign 99"),
        (ScaleCampaign(99, 2.0), "campaign 99"),
        (DropCampaign(99), "campaign 99"),
        (ScaleCampaign(7, -1.0), "factor -1.0"),
        (AddCampaign(7, "Twice", 0, 1, 0.0, ()), "campaign 7: already in the plan"),
        (AddCampaign(-1, "Backwards", 3, 1, 0.0, ()), "ends"),
        (VolumeTarget(family=5, month=0, units=1.0), "family 5"),
        (AddShift(resource=3, first_month=0, last_month=1, shifts=1), "resource 3"),
        (AddShift(resource=0, first_month=0, last_month=1, shifts=-1), "resource BOT"),
    ],
)
def test_a_delta_that_cannot_apply_names_what_is_wrong(delta, message):
    with pytest.raises(DeltaError, match=message):
        apply(inputs_with(SPRING_PUSH), [delta])


def test_a_dropped_campaign_cannot_be_moved_afterwards():
    with pytest.raises(DeltaError, match="campaign 7: not in the plan"):
        apply(inputs_with(SPRING_PUSH), [DropCampaign(7), MoveCampaign(7, 1)])


def test_no_deltas_give_the_same_plan():
    base = inputs_with(SPRING_PUSH)

    assert apply(base, []) is base
    assert np.shares_memory(apply(base, [AddShift(0, 0, 0, 1)]).baseline, base.baseline)
