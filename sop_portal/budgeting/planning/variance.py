"""The live plan measured against the locked baseline (no Django): every department's figures by month, and what
one campaign adds to the year's plan (docs/budgeting.md "After the lock").

Variance rows come from the department parts (`parts.figures`) of both summaries, matched by the figures' stable
keys, so a renamed family or campaign is not a variance. A figure moved when its whole-unit value moved, as for
sign-off fingerprints: float noise is never a variance. Rows are ranked like `parts.largest_move` ranks a move:
volumes, loads and money before capacity and how an overload is covered; within those, each move measured
against the largest figure of its unit in the two summaries, so +340 h on lines of 4,000 h a month outranks
+5,000 units on families of 800,000 and money is not compared with hours as if they were one currency.

A campaign's impact is the live plan with the campaign against the same plan without it (`DropCampaign`):
what it adds to volume, revenue, margin and capacity cost, the overload hours no overtime or shift covers, and
the plant resource whose utilisation it pushes up most in the weeks it loads.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from .deltas import DropCampaign, apply
from .inputs import YearInputs
from .parts import DEPARTMENTS, Figure, figures
from .plan import YearPlan, compute
from .summary import UTILISATION_CAP, plant_utilisation

# Hours of float noise in a load are not a campaign's load.
LOAD_TOLERANCE = 1e-6


@dataclass(frozen=True)
class VarianceRow:
    department: str  # the department whose part holds the figure
    key: str  # the figure's stable key (parts.Figure.key)
    label: str  # "Revenue Beverages", "Bottling line load"
    unit: str  # "" for money, "units", "h", "shifts", "pallets"
    month: int  # 0..11
    month_label: str  # "Nov 2027"
    baseline: float | None  # None: not in the baseline (e.g. a campaign added since) or not recorded
    live: float | None  # None: no longer in the plan, or not recorded
    delta: float
    delta_pct: float | None  # None when the baseline is zero or absent
    headline: bool

    def as_json(self) -> dict[str, Any]:
        return {
            "department": self.department, "key": self.key, "label": self.label, "unit": self.unit,
            "month": self.month + 1, "month_label": self.month_label, "baseline": self.baseline, "live": self.live,
            "delta": self.delta, "delta_pct": self.delta_pct,
        }  # fmt: skip


def _whole(value: float | None) -> int:
    return 0 if value is None else round(value)


def _unit_scales(*summaries: dict[str, Any]) -> dict[str, float]:
    """unit → the largest absolute monthly figure of that unit in any part of the summaries (at least 1)."""
    scale: dict[str, float] = {}
    for summary in summaries:
        for part in figures(summary).values():
            for figure in part:
                values = [abs(v) for v in figure.values if v is not None]
                scale[figure.unit] = max(scale.get(figure.unit, 1.0), *values, 1.0)
    return scale


def variance_rows(baseline: dict[str, Any], live: dict[str, Any]) -> list[VarianceRow]:
    """Every figure-month of every department's part whose whole-unit value moved from the baseline to the live
    plan, largest impact first (see the module docstring for the ranking)."""
    months = live["months"]
    then, now = figures(baseline), figures(live)
    rows: list[VarianceRow] = []
    for department in DEPARTMENTS:
        before = {figure.key: figure for figure in then[department]}
        current = {figure.key: figure for figure in now[department]}
        pairs: list[tuple[Figure, Figure | None, Figure | None]] = [
            (figure, before.get(key), figure) for key, figure in current.items()
        ]
        pairs += [(figure, figure, None) for key, figure in before.items() if key not in current]
        for figure, old, new in pairs:
            for month, label in enumerate(months):
                was = old.values[month] if old is not None else None
                now_value = new.values[month] if new is not None else None
                if _whole(was) == _whole(now_value):
                    continue
                delta = round((now_value or 0.0) - (was or 0.0), 2) + 0.0
                rows.append(
                    VarianceRow(
                        department=department, key=figure.key, label=figure.label, unit=figure.unit, month=month,
                        month_label=label, baseline=was, live=now_value, delta=delta,
                        delta_pct=round(100.0 * delta / abs(was), 1) + 0.0 if was else None,
                        headline=figure.headline,
                    )
                )  # fmt: skip
    scale = _unit_scales(baseline, live)
    # A stable sort: on a tie the department order, the figure's place in its part and the month decide.
    rows.sort(key=lambda row: (not row.headline, -abs(row.delta) / scale[row.unit], -abs(row.delta)))
    return rows


def monthly_totals(summary: dict[str, Any]) -> dict[str, list[float]]:
    """The plan's totals by month that the variance chart compares: volume (consensus demand), revenue, margin,
    marketing spend and capacity cost."""
    money = summary["money"]
    volume = [round(sum(column), 2) + 0.0 for column in zip(*(f["demand"] for f in summary["families"]), strict=True)]
    return {
        "volume": volume or [0.0] * len(summary["months"]),
        **{name: list(money[name]) for name in ("revenue", "margin", "marketing_spend", "capacity_cost")},
    }


@dataclass(frozen=True)
class CampaignImpact:
    """What one campaign adds to the year's plan: the plan with it minus the plan without it."""

    campaign_id: int
    volume: float  # units of consensus demand (its uplift net of pre-buy, dip, halo and cannibalisation)
    revenue: float
    margin: float  # after its marketing spend and the capacity cost it causes
    marketing_spend: float  # this year's share of its budget
    capacity_cost: float  # overtime and extra shifts its load needs
    uncovered_hours: float  # overload hours neither overtime nor extra shifts cover
    # The plant resource whose utilisation the campaign pushes up most in the weeks it loads it (None when it
    # loads no resource): its highest weekly utilisation there with the campaign, and in the same weeks without.
    peak_resource: str | None = None
    peak_week: str | None = None
    peak_with: float | None = None
    peak_without: float | None = None

    @property
    def peak_delta(self) -> float | None:
        if self.peak_with is None or self.peak_without is None:
            return None
        return round(self.peak_with - self.peak_without, 4) + 0.0

    def as_json(self) -> dict[str, Any]:
        return {
            "volume": self.volume, "revenue": self.revenue, "margin": self.margin,
            "marketing_spend": self.marketing_spend, "capacity_cost": self.capacity_cost,
            "uncovered_hours": self.uncovered_hours, "peak_resource": self.peak_resource, "peak_week": self.peak_week,
            "peak_utilisation": self.peak_with, "peak_utilisation_without": self.peak_without,
            "peak_utilisation_delta": self.peak_delta,
        }  # fmt: skip


def _gain(with_campaign: np.ndarray, without: np.ndarray) -> float:
    return round(float(with_campaign.sum()) - float(without.sum()), 2) + 0.0


def campaign_impact(inputs: YearInputs, plan: YearPlan, campaign_id: int) -> CampaignImpact:
    """The campaign's impact on `plan` (the plan of `inputs`, which must hold the campaign): one more compute of
    the year without it. `inputs` are not modified (deltas build new arrays)."""
    without = compute(apply(inputs, [DropCampaign(campaign_id)]))
    impact = CampaignImpact(
        campaign_id=campaign_id,
        volume=_gain(plan.demand, without.demand),
        revenue=_gain(plan.revenue, without.revenue),
        margin=_gain(plan.margin, without.margin),
        marketing_spend=_gain(plan.marketing_spend, without.marketing_spend),
        capacity_cost=_gain(plan.capacity_cost, without.capacity_cost),
        uncovered_hours=_gain(plan.uncovered, without.uncovered),
    )
    return _with_peak(impact, inputs, plan, without)


def _with_peak(impact: CampaignImpact, inputs: YearInputs, plan: YearPlan, without: YearPlan) -> CampaignImpact:
    """The resource whose peak utilisation rises most over the weeks the campaign moves its load: a year's peak
    is often a maintenance week the campaign never touches, which would hide the overload it does cause."""
    loaded = np.abs(plan.resource_load - without.resource_load) > LOAD_TOLERANCE  # (R, W)
    if not loaded.any():
        return impact
    with_util = np.minimum(plant_utilisation(plan), UTILISATION_CAP)
    without_util = np.minimum(plant_utilisation(without), UTILISATION_CAP)
    peak_with = np.where(loaded, with_util, -np.inf).max(axis=1)
    peak_without = np.where(loaded, without_util, -np.inf).max(axis=1)
    rise = np.full(peak_with.shape, -np.inf)
    np.subtract(peak_with, peak_without, out=rise, where=np.isfinite(peak_with))
    # The biggest rise; on a tie the fuller resource, then the one listed first.
    resource = min(range(rise.size), key=lambda r: (-rise[r], -peak_with[r], r))
    week = int(np.argmax(np.where(loaded[resource], with_util[resource], -np.inf)))
    return replace(
        impact,
        peak_resource=inputs.production.resource_labels[resource],
        peak_week=inputs.calendar.week_labels[week],
        peak_with=round(float(peak_with[resource]), 4) + 0.0,
        peak_without=round(float(peak_without[resource]), 4) + 0.0,
    )
