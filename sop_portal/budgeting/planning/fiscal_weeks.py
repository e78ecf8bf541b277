"""The fiscal year's weeks: the ISO weeks whose Thursday falls in the calendar year (52 or 53), each in the
month of its Thursday (no Django)."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

from sop_portal.masterdata.weeks import week_label

from .inputs import Calendar

MONTHS = 12
# Not strftime("%b"): month names must not depend on the server's locale.
MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def first_monday(fiscal_year: int) -> date:
    """Monday of ISO week 1 of the fiscal year."""
    return date.fromisocalendar(fiscal_year, 1, 1)


def iso_weeks(fiscal_year: int) -> int:
    # 28 December is always in the last ISO week of its year
    return date(fiscal_year, 12, 28).isocalendar().week


def week_of(fiscal_year: int, index: int) -> str:
    """ "2027-W05" for a week index into the fiscal year; indices outside it name the neighbouring years' weeks
    (campaigns may start before the year or end after it)."""
    return week_label(first_monday(fiscal_year) + timedelta(weeks=index))


def fiscal_calendar(fiscal_year: int, weeks: int | None = None) -> Calendar:
    """The calendar of the fiscal year; `weeks` keeps only the first weeks (small test plans)."""
    count = iso_weeks(fiscal_year) if weeks is None else weeks
    if not 1 <= count <= iso_weeks(fiscal_year):
        raise ValueError(f"weeks: {fiscal_year} has {iso_weeks(fiscal_year)} ISO weeks, asked for {count}")
    monday = first_monday(fiscal_year)
    thursdays = [monday + timedelta(weeks=k, days=3) for k in range(count)]
    return Calendar(
        month_of_week=np.array([day.month - 1 for day in thursdays], dtype=np.int64),
        week_labels=tuple(week_label(day) for day in thursdays),
        month_labels=tuple(f"{name} {fiscal_year}" for name in MONTH_NAMES),
    )
