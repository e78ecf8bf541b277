"""Consensus demand maths on hand-worked examples (no database)."""

import numpy as np
import pytest

from campaigns.planning.uplift import (
    FamilyEffects,
    Profile,
    Transfers,
    UpliftKind,
    UpliftLines,
    consensus_demand,
    profile_factors,
)

W = 8


def lines(**overrides):
    n = len(overrides.get("product", [0]))
    base = {
        "campaign": [0] * n, "product": [0] * n, "start": [2] * n, "end": [4] * n,
        "kind": [UpliftKind.PERCENT] * n, "value": [50.0] * n, "profile": [Profile.FLAT] * n,
        "decay_weeks": [1] * n, "prebuy_pct": [0.0] * n, "prebuy_weeks": [0] * n, "dip_pct": [0.0] * n,
        "dip_weeks": [0] * n,
    }  # fmt: skip
    base.update(overrides)
    arrays = {k: np.asarray(v) for k, v in base.items()}
    arrays["custom"] = np.asarray(overrides.get("custom", np.zeros((n, W))), dtype=float)
    return UpliftLines(**arrays)


def test_flat_percent_uplift_lifts_only_the_campaign_weeks():
    baseline = np.full((1, W), 100.0)
    result = consensus_demand(baseline, lines())
    np.testing.assert_array_equal(result.demand[0], [100, 100, 150, 150, 150, 100, 100, 100])
    np.testing.assert_array_equal(result.contributions[0].lift[0], [0, 0, 50, 50, 50, 0, 0, 0])


def test_profiles_worked_by_hand():
    many = lines(
        product=[0, 0, 0, 0],
        start=[2, 2, 2, 2],
        end=[5, 5, 5, 5],
        profile=[Profile.FLAT, Profile.RAMP_UP, Profile.PEAK_AND_DECAY, Profile.CUSTOM],
        decay_weeks=[1, 1, 2, 1],
        custom=[[0] * W, [0] * W, [0] * W, [0, 0, 0.5, 1, 1, 0.25, 0, 0]],
    )
    np.testing.assert_allclose(
        profile_factors(many, W),
        np.array([
            [0, 0, 1, 1, 1, 1, 0, 0],
            [0, 0, 0.25, 0.5, 0.75, 1, 0, 0],
            [0, 0, 1, 2**-0.5, 0.5, 2**-1.5, 0, 0],
            [0, 0, 0.5, 1, 1, 0.25, 0, 0],
        ]),
    )


def test_units_uplift_with_prebuy_and_post_promotion_dip():
    # 30 units a week for weeks 2-4 (90 in all); 20 % of it (18) bought in the 2 weeks before (9 each);
    # after the end, 2 weeks at -10 % of the baseline of 100.
    promo = lines(kind=[UpliftKind.UNITS], value=[30.0], prebuy_pct=[20.0], prebuy_weeks=[2], dip_pct=[10.0],
                  dip_weeks=[2])  # fmt: skip
    result = consensus_demand(np.full((1, W), 100.0), promo)
    np.testing.assert_allclose(result.demand[0], [109, 109, 130, 130, 130, 90, 90, 100])


def test_halo_and_cannibalisation_on_the_family():
    baseline = np.array([[100.0] * W, [40.0] * W, [80.0] * W])
    effects = FamilyEffects(
        campaign=np.array([0, 0]), product=np.array([1, 2]), start=np.array([2, 2]), end=np.array([4, 4]),
        pct=np.array([10.0, -25.0]),
    )  # fmt: skip
    result = consensus_demand(baseline, lines(), effects)
    np.testing.assert_allclose(result.demand[1], [40, 40, 44, 44, 44, 40, 40, 40])
    np.testing.assert_allclose(result.demand[2], [80, 80, 60, 60, 60, 80, 80, 80])
    np.testing.assert_array_equal(result.contributions[0].products, [0, 1, 2])


def test_launch_ramp_transfers_volume_from_the_predecessor_without_going_negative():
    # New product (row 0) ramps to 100 a week over weeks 2-5 (25, 50, 75, 100); predecessor (row 1) sells 30 a
    # week and loses 40 % of the launched volume (10, 20, 30, 40): 20, 10, 0, and 0 rather than -10.
    baseline = np.array([[0.0] * W, [30.0] * W])
    launch = lines(kind=[UpliftKind.UNITS], value=[100.0], profile=[Profile.RAMP_UP], start=[2], end=[5])
    transfers = Transfers(line=np.array([0]), predecessor=np.array([1]), pct=np.array([40.0]))
    result = consensus_demand(baseline, launch, transfers=transfers)
    np.testing.assert_allclose(result.demand[0], [0, 0, 25, 50, 75, 100, 0, 0])
    np.testing.assert_allclose(result.demand[1], [30, 30, 20, 10, 0, 0, 30, 30])
    # The contributions add up to what the plan sees, after the floor at zero.
    contribution = result.contributions[0]
    np.testing.assert_allclose(contribution.lift.sum(axis=0), (result.demand - baseline).sum(axis=0))


@pytest.mark.parametrize("seed", range(5))
def test_contributions_always_add_up_to_demand_minus_baseline(seed):
    rng = np.random.default_rng(seed)
    products, count = 6, 10
    baseline = rng.uniform(0, 100, (products, W))
    many = lines(
        campaign=rng.integers(0, 3, count), product=rng.integers(0, products, count),
        start=rng.integers(-2, W, count), end=rng.integers(0, W + 2, count),
        kind=rng.integers(0, 2, count), value=rng.uniform(-50, 80, count), profile=rng.integers(0, 3, count),
        decay_weeks=rng.integers(1, 4, count), prebuy_pct=rng.uniform(0, 30, count),
        prebuy_weeks=rng.integers(0, 3, count), dip_pct=rng.uniform(0, 50, count), dip_weeks=rng.integers(0, 3, count),
        custom=np.zeros((count, W)),
    )  # fmt: skip
    result = consensus_demand(baseline, many)
    assert (result.demand >= 0).all()
    total = np.zeros_like(baseline)
    for contribution in result.contributions.values():
        total[contribution.products] += contribution.lift
    np.testing.assert_allclose(baseline + total, result.demand, atol=1e-9)
