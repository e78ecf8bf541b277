"""How fast alerts are acknowledged and resolved, and the ISO weeks the review is bucketed by. Pure: no Django.

Medians, not means: one alert left over a holiday would drag a mean for weeks, and the review asks how long a
typical alert waits. A median needs every duration, which SQLite cannot aggregate, so the query fetches the
timestamps of the period's alerts and the medians are taken here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np

from sop_portal.masterdata.weeks import week_label, week_start

HOUR = 3600.0


@dataclass(frozen=True)
class RaisedAlert:
    """One alert raised in the period: its departments, when it was raised, first acknowledged (or resolved by a
    person without acknowledging), and resolved; None while that has not happened yet."""

    departments: Sequence[str]
    raised_at: datetime
    acknowledged_at: datetime | None
    resolved_at: datetime | None


@dataclass(frozen=True)
class ResponseTimes:
    raised: int
    acknowledged: int
    median_hours_to_acknowledge: float | None
    resolved: int
    median_hours_to_resolve: float | None
    # Neither acknowledged nor resolved yet: nobody has answered them.
    waiting: int


@dataclass(frozen=True)
class Week:
    label: str
    start: date  # Monday
    end: date  # the next Monday: the week is [start, end)


def review_weeks(today: date, count: int) -> list[Week]:
    """The `count` ISO weeks ending with the week of `today` (which is still running), oldest first."""
    current = week_start(today)
    mondays = [current - timedelta(weeks=count - 1 - i) for i in range(count)]
    return [Week(week_label(monday), monday, monday + timedelta(weeks=1)) for monday in mondays]


def _hours(start: datetime, end: datetime | None) -> float:
    return np.nan if end is None else (end - start).total_seconds() / HOUR


def _median(hours: np.ndarray) -> float | None:
    return float(np.median(hours)) if hours.size else None


def _summary(to_acknowledge: np.ndarray, to_resolve: np.ndarray) -> ResponseTimes:
    acknowledged = to_acknowledge[~np.isnan(to_acknowledge)]
    resolved = to_resolve[~np.isnan(to_resolve)]
    return ResponseTimes(
        raised=int(to_acknowledge.size),
        acknowledged=int(acknowledged.size),
        median_hours_to_acknowledge=_median(acknowledged),
        resolved=int(resolved.size),
        median_hours_to_resolve=_median(resolved),
        waiting=int(np.count_nonzero(np.isnan(to_acknowledge) & np.isnan(to_resolve))),
    )


def response_times(
    alerts: Sequence[RaisedAlert], departments: Sequence[str]
) -> tuple[dict[str, ResponseTimes], ResponseTimes]:
    """Per department code (an alert of two departments counts in both) and over all alerts (each once)."""
    to_acknowledge = np.array([_hours(a.raised_at, a.acknowledged_at) for a in alerts], dtype=float)
    to_resolve = np.array([_hours(a.raised_at, a.resolved_at) for a in alerts], dtype=float)
    by_department: dict[str, ResponseTimes] = {}
    for code in departments:
        member = np.array([code in a.departments for a in alerts], dtype=bool)
        by_department[code] = _summary(to_acknowledge[member], to_resolve[member])
    return by_department, _summary(to_acknowledge, to_resolve)
