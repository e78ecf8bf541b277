"""Weekly demand for the demo catalogue: sales history and a baseline forecast that continues it.

Pure numpy, vectorised over all products x weeks at once (10,000 SKUs x 156 weeks in well under a second).
Expected demand = level x trend x seasonal profile x life cycle. History adds noise and the odd promotion
(units actually shipped); the forecast is the expected demand itself (a baseline before campaign uplifts).
Quantities are whole units.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from sop_portal.masterdata.weeks import week_index

from .catalogue import FAMILIES, ProductSpec, make_catalogue

DAYS_PER_YEAR = 365.25
WEEKS_PER_YEAR = DAYS_PER_YEAR / 7
RAMP_UP_WEEKS = 6  # a launch reaches its full rate of sale after this many weeks
RAMP_DOWN_WEEKS = 8  # a phase-out sells down over this many weeks before its end date
PROMO_CHANCE = 0.03  # share of history weeks with a promotion
NO_DATE = 10**6  # week index far beyond any horizon: a product without an end date


@dataclass(frozen=True)
class Profile:
    """How a family sells: level, growth and when in the year it peaks."""

    median_level: float  # units per week of the median product, before seasonality
    level_spread: float  # sigma of the log-normal spread of levels between products (a long tail)
    growth: tuple[float, float]  # mean and spread of the yearly growth rate
    amplitude: float  # seasonal swing: peak is 1 + amplitude, trough 1 - amplitude
    peak_day: int  # day of the year with the highest demand
    holiday_bump: float  # extra demand in the weeks before Christmas
    noise: tuple[float, float]  # range of week-to-week noise (sigma, multiplicative)


PROFILES: dict[str, Profile] = {
    # Summer peak: barbecues and heat waves.
    "beverages": Profile(420, 0.9, (0.03, 0.06), 0.35, 196, 0.05, (0.10, 0.22)),
    # Winter and the Christmas run-up; summer is the trough.
    "snacks": Profile(300, 0.9, (0.02, 0.05), 0.15, 350, 0.45, (0.10, 0.20)),
    # Nearly flat, a little gifting in December.
    "personal-care": Profile(180, 0.8, (0.015, 0.03), 0.04, 20, 0.10, (0.06, 0.14)),
}
HOLIDAY_DAY, HOLIDAY_WIDTH = 352, 10  # mid December, in days


@dataclass(frozen=True)
class Demand:
    products: list[ProductSpec]
    history_start: date  # Monday of the first history week
    history: np.ndarray  # products x history weeks, whole units
    forecast_start: date  # Monday of the current week
    forecast: np.ndarray  # products x horizon weeks, whole units


def stream(seed: int, name: str) -> np.random.Generator:
    """An independent random stream per step, so adding a step never changes what the others generate."""
    return np.random.default_rng([seed, zlib.crc32(name.encode())])


def demo_demand(*, seed: int, skus: int, first_week: date, weeks_history: int, horizon_weeks: int) -> Demand:
    """The demo catalogue and its demand for a seed: same arguments, same numbers."""
    products = make_catalogue(stream(seed, "catalogue"), skus, first_week)
    return generate_demand(stream(seed, "demand"), products, first_week, weeks_history, horizon_weeks)


def generate_demand(
    rng: np.random.Generator,
    products: list[ProductSpec],
    first_week: date,
    weeks_history: int,
    horizon_weeks: int,
) -> Demand:
    n = len(products)
    # Week indexes relative to the current week: history is -weeks_history..-1, the forecast 0..horizon-1.
    offsets = np.arange(-weeks_history, horizon_weeks)
    mondays = np.datetime64(first_week, "D") + 7 * offsets
    # The Thursday decides which year an ISO week belongs to; use it for the day of the year too.
    thursdays = mondays + 3
    day_of_year = (thursdays - thursdays.astype("datetime64[Y]")).astype(int) + 1

    family_index = {family.code: i for i, family in enumerate(FAMILIES)}
    fam = np.array([family_index[p.family_code] for p in products], dtype=int)
    table = [PROFILES[family.code] for family in FAMILIES]

    def per_family(attribute: str) -> np.ndarray:
        return np.array([getattr(profile, attribute) for profile in table], dtype=float)[fam]

    median = per_family("median_level")
    spread = per_family("level_spread")
    growth_mean = np.array([p.growth[0] for p in table])[fam]
    growth_sd = np.array([p.growth[1] for p in table])[fam]
    noise_low = np.array([p.noise[0] for p in table])[fam]
    noise_high = np.array([p.noise[1] for p in table])[fam]

    # Per-product draws, all drawn for every product in a fixed order: deterministic for a seed.
    level = median * np.exp(spread * rng.standard_normal(n))
    growth = rng.normal(growth_mean, growth_sd)
    amplitude = per_family("amplitude") * rng.uniform(0.6, 1.4, n)
    peak = per_family("peak_day") + rng.normal(0, 10, n)
    holiday = per_family("holiday_bump") * rng.uniform(0.7, 1.3, n)
    noise = rng.uniform(noise_low, noise_high)

    season = (
        1
        + amplitude[:, None] * np.cos(2 * np.pi * (day_of_year[None, :] - peak[:, None]) / DAYS_PER_YEAR)
        + holiday[:, None] * np.exp(-0.5 * (_circular_days(day_of_year, HOLIDAY_DAY) / HOLIDAY_WIDTH) ** 2)[None, :]
    )
    trend = (1 + growth[:, None]) ** (offsets[None, :] / WEEKS_PER_YEAR)
    expected = level[:, None] * trend * season * _life_cycle(products, first_week, offsets)

    history_cells = (n, weeks_history)
    promo = np.where(rng.random(history_cells) < PROMO_CHANCE, rng.uniform(1.3, 1.9, history_cells), 1.0)
    shock = np.exp(noise[:, None] * rng.standard_normal(history_cells) - noise[:, None] ** 2 / 2)
    history = rng.poisson(expected[:, :weeks_history] * shock * promo).astype(float)
    forecast = np.rint(expected[:, weeks_history:])

    return Demand(
        products=products,
        history_start=first_week - timedelta(weeks=weeks_history),
        history=history,
        forecast_start=first_week,
        forecast=forecast,
    )


def _circular_days(day_of_year: np.ndarray, centre: int) -> np.ndarray:
    """Signed distance in days to `centre`, across the turn of the year (1 January is 15 days after 17 December)."""
    return (day_of_year - centre + DAYS_PER_YEAR / 2) % DAYS_PER_YEAR - DAYS_PER_YEAR / 2


def _life_cycle(products: list[ProductSpec], first_week: date, offsets: np.ndarray) -> np.ndarray:
    """0..1 per product and week: nothing before the launch week or after the end week, ramps in between."""
    launch = np.array([week_index(first_week, p.launch_date) for p in products], dtype=float)
    end = np.array([week_index(first_week, p.end_date) if p.end_date else NO_DATE for p in products], dtype=float)
    weeks = offsets[None, :]
    ramp_up = np.clip((weeks - launch[:, None] + 1) / RAMP_UP_WEEKS, 0, 1)
    ramp_down = np.clip((end[:, None] - weeks + 1) / RAMP_DOWN_WEEKS, 0, 1)
    return ramp_up * ramp_down
