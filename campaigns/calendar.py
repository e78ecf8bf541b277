"""The campaign calendar's layout: ISO-week columns around this week and where each campaign's bar sits.

Columns are numbered from 1 for the first week shown; a bar that starts before the window or ends after it is
clipped to it and says so, so the planner knows there is more of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from itertools import groupby

from sop_portal.masterdata.weeks import week_index, week_label, week_start

from .models import Campaign

PAST_WEEKS = 8
FUTURE_WEEKS = 52  # after this week
LABEL_INSIDE_WEEKS = 7  # a bar this long holds its name
LABEL_OUTSIDE_WEEKS = 8  # columns a name beside a bar needs


@dataclass(frozen=True)
class Week:
    monday: date
    label: str  # 2027-W14
    column: int
    current: bool

    @property
    def grid_column(self) -> int:
        return self.column + 1

    @property
    def short(self) -> str:
        return self.label[-2:]


@dataclass(frozen=True)
class Month:
    label: str
    column: int
    span: int

    @property
    def grid_column(self) -> int:
        return self.column + 1


@dataclass(frozen=True)
class Bar:
    campaign: Campaign
    column: int
    span: int
    first_week: str
    last_week: str
    weeks: int  # the campaign's own length, also when clipped
    clipped_before: bool
    clipped_after: bool
    prebuy: int  # weeks of pre-buy shown before the bar (inside the window)
    dip: int  # weeks of post-promotion dip shown after it
    room_after: int  # free week columns to the right of the bar and its dip

    # Grid columns of the page: the first one holds the campaign names.
    @property
    def grid_column(self) -> int:
        return self.column + 1

    @property
    def prebuy_grid_column(self) -> int:
        return self.grid_column - self.prebuy

    @property
    def dip_grid_column(self) -> int:
        return self.grid_column + self.span

    @property
    def label_outside(self) -> bool:
        """A short bar has its name beside it, where there is room for one."""
        return self.span < LABEL_INSIDE_WEEKS and self.room_after >= LABEL_OUTSIDE_WEEKS

    @property
    def label_grid_column(self) -> int:
        return self.dip_grid_column + self.dip


def weeks_shown(this_week: date) -> list[Week]:
    first = week_start(this_week) - timedelta(weeks=PAST_WEEKS)
    count = PAST_WEEKS + 1 + FUTURE_WEEKS
    mondays = [first + timedelta(weeks=k) for k in range(count)]
    return [Week(day, week_label(day), k + 1, k == PAST_WEEKS) for k, day in enumerate(mondays)]


def months(weeks: list[Week]) -> list[Month]:
    """Month headers over the week columns; a week belongs to the month its Thursday falls in (as ISO weeks do)."""
    out: list[Month] = []
    for (year, month), group in groupby(weeks, key=lambda w: _thursday_month(w.monday)):
        members = list(group)
        name = date(year, month, 1).strftime("%b")
        out.append(Month(f"{name} {year}" if month == 1 or not out else name, members[0].column, len(members)))
    return out


def _thursday_month(monday: date) -> tuple[int, int]:
    thursday = monday + timedelta(days=3)
    return thursday.year, thursday.month


def bar(campaign: Campaign, weeks: list[Week], prebuy_weeks: int = 0, dip_weeks: int = 0) -> Bar | None:
    """Where `campaign` sits among `weeks`; None when it is wholly outside them."""
    first, count = weeks[0].monday, len(weeks)
    start, end = week_index(first, campaign.start_date), week_index(first, campaign.end_date)
    if end < 0 or start >= count:
        return None
    shown_start, shown_end = max(start, 0), min(end, count - 1)
    dip = max(min(dip_weeks, count - 1 - shown_end), 0) if end < count else 0
    return Bar(
        campaign=campaign,
        column=shown_start + 1,
        span=shown_end - shown_start + 1,
        first_week=week_label(campaign.start_date),
        last_week=week_label(campaign.end_date),
        weeks=end - start + 1,
        clipped_before=start < 0,
        clipped_after=end >= count,
        prebuy=max(min(prebuy_weeks, shown_start), 0) if start >= 0 else 0,
        dip=dip,
        room_after=count - 1 - shown_end - dip,
    )
