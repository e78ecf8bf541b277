"""Return rates against baselines, and which of them are anomalies.

A return rate is returned units / shipped units of the same sales: returns are counted in the week the goods
were *ordered* (the cohort), so a campaign's returns are set against the campaign's own sales. Recent cohorts
are still incomplete (their returns are still coming back), which makes their rates lower, never higher:
detection on them is conservative, and the trend chart says so.

An anomaly needs both (so one return on ten sales is not an alarm):
- a rate at least `margin` above the baseline (relative: 0.5 = 50 % above), and
- a one-sided binomial p-value below `alpha`: that many returns are unlikely if units still came back at the
  baseline rate.

A baseline from little history is pulled towards its parent's rate (a product's towards its family's): with
R returns on S units and a parent rate q, the baseline is (R + m q) / (S + m), m = `prior_units`. A product
with no history gets its family's rate; one with 100,000 shipped units keeps its own. Where neither has any
history (parent rate NaN, nothing shipped) there is no baseline, and nothing to compare with: no anomaly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from .significance import binomial_upper_tail


@dataclass(frozen=True)
class Detection:
    margin: float = 0.5  # relative: alarm from baseline x 1.5
    alpha: float = 0.001  # one-sided significance level (hundreds of groups are tested at once)
    prior_units: float = 500.0  # shipped units of parent rate a baseline starts from
    min_rate: float = 0.0001  # no baseline below 0.01 %: a group that never had a return is not infinitely sensitive


def rate(returned: npt.ArrayLike, shipped: npt.ArrayLike) -> np.ndarray:
    """returned / shipped, NaN where nothing shipped."""
    returned = np.asarray(returned, dtype=float)
    shipped = np.asarray(shipped, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(shipped > 0, returned / np.where(shipped > 0, shipped, 1.0), np.nan)


def shrunk_baseline(
    returned: npt.ArrayLike, shipped: npt.ArrayLike, parent_rate: npt.ArrayLike, prior_units: float
) -> np.ndarray:
    """(R + m q) / (S + m): the group's own rate when it has history, its parent's when it has none; NaN when
    neither has any (q NaN and S = 0)."""
    returned = np.asarray(returned, dtype=float)
    shipped = np.asarray(shipped, dtype=float)
    parent = np.asarray(parent_rate, dtype=float)
    weight = np.where(np.isnan(parent), 0.0, prior_units)
    denominator = shipped + weight
    safe = np.where(denominator > 0, denominator, 1.0)
    return np.where(denominator > 0, (returned + weight * np.nan_to_num(parent)) / safe, np.nan)


@dataclass(frozen=True)
class Verdict:
    rate: np.ndarray
    baseline: np.ndarray
    ratio: np.ndarray  # rate / baseline
    excess: np.ndarray  # returned units above what the baseline explains
    p_value: np.ndarray
    anomaly: np.ndarray  # bool


def detect(returned: npt.ArrayLike, shipped: npt.ArrayLike, baseline: npt.ArrayLike, detection: Detection) -> Verdict:
    """Compare each group's returns with its baseline rate; see the module docstring for the rule."""
    returned = np.asarray(returned, dtype=float)
    shipped = np.asarray(shipped, dtype=float)
    given = np.asarray(baseline, dtype=float)
    base = np.where(np.isnan(given), np.nan, np.maximum(given, detection.min_rate))
    observed = rate(returned, shipped)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = observed / base
    p_value = np.where(np.isnan(base), 1.0, binomial_upper_tail(returned, shipped, np.nan_to_num(base)))
    anomaly = (
        ~np.isnan(base)
        & (shipped > 0)
        & (returned > 0)
        & (np.nan_to_num(observed) >= base * (1.0 + detection.margin))
        & (p_value < detection.alpha)
    )
    return Verdict(observed, base, ratio, returned - shipped * np.nan_to_num(base), p_value, anomaly)


def by_group(frame: pd.DataFrame, keys: Sequence[str], value: str) -> pd.DataFrame:
    """Sum `value` over `keys` (a group with no rows is simply absent)."""
    if frame.empty:
        return pd.DataFrame(columns=[*keys, value])
    summed: pd.DataFrame = frame.groupby(list(keys), as_index=False, observed=True, dropna=False)[[value]].sum()
    return summed


def compare(
    returns: pd.DataFrame,
    shipments: pd.DataFrame,
    keys: Sequence[str],
    *,
    period: str = "period",
    detection: Detection,
    parent_rate: float | pd.Series | None = None,
) -> pd.DataFrame:
    """Return rates of each group in the current period against the same group's baseline period.

    `returns` has columns keys + [period, "returned"], `shipments` keys + [period, "shipped"], where `period`
    is "current" or "baseline". Groups without baseline history borrow `parent_rate` (a number, or a Series
    indexed like the groups); by default the rate of all groups together in the baseline period.
    The result has one row per group seen in the current period, ordered by excess returns, largest first.
    """
    keys = list(keys)
    current_r = by_group(returns[returns[period] == "current"], keys, "returned")
    current_s = by_group(shipments[shipments[period] == "current"], keys, "shipped")
    base_r = by_group(returns[returns[period] == "baseline"], keys, "returned").rename(
        columns={"returned": "baseline_returned"}
    )
    base_s = by_group(shipments[shipments[period] == "baseline"], keys, "shipped").rename(
        columns={"shipped": "baseline_shipped"}
    )
    table = current_r.merge(current_s, on=keys, how="outer")
    table = table.merge(base_r, on=keys, how="left").merge(base_s, on=keys, how="left")
    for column in ("returned", "shipped", "baseline_returned", "baseline_shipped"):
        table[column] = pd.to_numeric(table[column], errors="coerce").fillna(0.0).astype(float)
    if parent_rate is None:
        parent_rate = float(rate(table["baseline_returned"].sum(), table["baseline_shipped"].sum()))
    parent = (
        np.full(len(table), float(parent_rate))
        if not isinstance(parent_rate, pd.Series)
        else table.set_index(keys).index.map(parent_rate.to_dict()).to_numpy(dtype=float, na_value=np.nan)
    )
    baseline = shrunk_baseline(table["baseline_returned"], table["baseline_shipped"], parent, detection.prior_units)
    verdict = detect(table["returned"].to_numpy(), table["shipped"].to_numpy(), baseline, detection)
    table["rate"] = verdict.rate
    table["baseline_rate"] = verdict.baseline
    table["ratio"] = verdict.ratio
    table["excess"] = verdict.excess
    table["p_value"] = verdict.p_value
    table["anomaly"] = verdict.anomaly
    table = table[(table["returned"] > 0) | (table["shipped"] > 0)]
    return table.sort_values(["excess", "returned"], ascending=False, kind="stable").reset_index(drop=True)


def pareto(returns: pd.DataFrame, key: str) -> pd.DataFrame:
    """Returned units per `key`, largest first, with each one's share and the cumulative share."""
    table = by_group(returns, [key], "returned").sort_values(["returned", key], ascending=[False, True])
    total = float(table["returned"].sum())
    table["share"] = table["returned"] / total if total else 0.0
    table["cumulative"] = table["share"].cumsum()
    return table.reset_index(drop=True)


def weekly_rates(returns: pd.DataFrame, shipments: pd.DataFrame, weeks: Sequence[object]) -> pd.DataFrame:
    """Returned, shipped and rate per week (columns "week", "returned", "shipped"), one row for each of `weeks`."""
    frame = pd.DataFrame({"week": list(weeks)})
    frame = frame.merge(by_group(returns, ["week"], "returned"), on="week", how="left")
    frame = frame.merge(by_group(shipments, ["week"], "shipped"), on="week", how="left")
    frame[["returned", "shipped"]] = frame[["returned", "shipped"]].astype(float).fillna(0.0)
    frame["rate"] = rate(frame["returned"], frame["shipped"])
    return frame
