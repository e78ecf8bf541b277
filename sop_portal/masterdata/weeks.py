"""The planning calendar: ISO weeks as buckets, each identified by its Monday.

Pure functions (no Django): a week is stored as the date of its Monday and shown as "2027-W14".
"""

from __future__ import annotations

import re
from datetime import date, timedelta

WEEK_LABEL = re.compile(r"^(\d{4})-W(\d{2})$")


def week_start(day: date) -> date:
    """Monday of the ISO week that contains `day`."""
    return day - timedelta(days=day.weekday())


def week_label(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def parse_week(label: str) -> date:
    """'2027-W14' → Monday of that ISO week; ValueError with the reason on bad input."""
    match = WEEK_LABEL.match(label.strip())
    if not match:
        raise ValueError(f"{label!r} is not an ISO week like 2027-W14")
    year, week = int(match.group(1)), int(match.group(2))
    try:
        return date.fromisocalendar(year, week, 1)
    except ValueError as exc:
        raise ValueError(f"{label!r}: year {year} has no week {week}") from exc


def horizon(start: date, weeks: int) -> list[date]:
    """The Mondays of `weeks` consecutive buckets from the week containing `start`."""
    first = week_start(start)
    return [first + timedelta(weeks=i) for i in range(weeks)]


def week_index(first_week: date, day: date) -> int:
    """Bucket number of `day` in a horizon that begins with `first_week` (negative before it)."""
    return (week_start(day) - week_start(first_week)).days // 7


def weeks_between(first: date, last: date) -> int:
    """Number of buckets from the week of `first` to the week of `last`, both included."""
    return week_index(first, last) + 1
