"""The demo generators on their own (no database): deterministic, seasonal, whole units, believable products."""

import hashlib
from datetime import date

import numpy as np
import pytest

from sop_portal.demo.catalogue import ACTIVE, FAMILIES, PLANNED, family_counts
from sop_portal.demo.demand import demo_demand

FIRST_WEEK = date(2027, 3, 8)  # a Monday


def generate(seed=2027, skus=30, weeks_history=52, horizon_weeks=104):
    return demo_demand(
        seed=seed, skus=skus, first_week=FIRST_WEEK, weeks_history=weeks_history, horizon_weeks=horizon_weeks
    )


def digest(demand) -> str:
    names = "|".join(f"{p.sku}:{p.name}:{p.unit_price}:{p.launch_date}" for p in demand.products)
    return hashlib.sha256(demand.history.tobytes() + demand.forecast.tobytes() + names.encode()).hexdigest()


def test_same_seed_gives_the_same_numbers_and_another_seed_different_ones():
    assert digest(generate(seed=2027)) == digest(generate(seed=2027))
    assert digest(generate(seed=2027)) != digest(generate(seed=2028))


def test_shapes_and_whole_non_negative_units():
    demand = generate(skus=30, weeks_history=52, horizon_weeks=104)
    assert demand.history.shape == (30, 52)
    assert demand.forecast.shape == (30, 104)
    for series in (demand.history, demand.forecast):
        assert (series >= 0).all()
        assert np.array_equal(series, np.rint(series))
    assert demand.forecast_start == FIRST_WEEK
    assert (FIRST_WEEK - demand.history_start).days == 52 * 7


def _monthly_mean(demand, family_code: str, month: int) -> float:
    rows = [i for i, p in enumerate(demand.products) if p.family_code == family_code and p.status == ACTIVE]
    weeks = np.datetime64(demand.forecast_start) + 7 * np.arange(demand.forecast.shape[1])
    months = weeks.astype("datetime64[M]").astype(int) % 12 + 1
    return float(demand.forecast[np.ix_(rows, months == month)].mean())


def test_beverages_peak_in_summer_snacks_before_christmas_personal_care_stays_flat():
    demand = generate(skus=300)
    assert _monthly_mean(demand, "beverages", 7) > 1.5 * _monthly_mean(demand, "beverages", 1)
    assert _monthly_mean(demand, "snacks", 12) > 1.3 * _monthly_mean(demand, "snacks", 6)
    care = [_monthly_mean(demand, "personal-care", month) for month in range(1, 13)]
    assert max(care) < 1.3 * min(care)


def test_forecast_continues_the_history_level():
    demand = generate(skus=300)
    active = [i for i, p in enumerate(demand.products) if p.status == ACTIVE]
    last_quarter = demand.history[active, -13:].sum()
    next_quarter = demand.forecast[active, :13].sum()
    assert 0.7 < next_quarter / last_quarter < 1.4


def test_catalogue_has_unique_skus_margins_and_a_status_mix():
    products = generate(skus=200).products
    assert len({p.sku for p in products}) == 200
    assert {p.sku.split("-")[0] for p in products} == {f.sku_prefix for f in FAMILIES}
    assert products[0].sku == "BEV-0001"
    assert len({p.name for p in products}) == 200
    assert all(p.unit_cost < p.unit_price for p in products)
    statuses = [p.status for p in products]
    assert statuses.count(ACTIVE) > 0.8 * len(products)
    assert statuses.count(PLANNED) >= 3
    assert all(p.launch_date > FIRST_WEEK for p in products if p.status == PLANNED)
    assert all(p.end_date is None or p.end_date >= p.launch_date for p in products)


@pytest.mark.parametrize("skus", [1, 2, 3, 30, 200, 10_000])
def test_family_counts_add_up(skus):
    counts = family_counts(skus)
    assert sum(counts) == skus
    assert max(counts) - min(counts) <= skus * 0.06 + 1
