"""Template filters for the campaign pages: ISO weeks of a campaign's dates, signed quantities."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import template

from sop_portal.masterdata.weeks import week_label, weeks_between

register = template.Library()


@register.filter
def iso_week(value: date | None) -> str:
    """A date as the week label the plans use, 2027-W14 ("" for none)."""
    return week_label(value) if isinstance(value, date) else ""


@register.filter
def week_span(campaign: Any) -> int:
    """How many ISO weeks a campaign touches, first and last included."""
    return weeks_between(campaign.start_date, campaign.end_date)


@register.filter
def signed(value: Any) -> str:
    """Whole units with a sign, for changes: +1,200 / -300 / 0 (a real minus sign, as in print)."""
    try:
        number = round(float(value))
    except (TypeError, ValueError):
        return ""
    if number == 0:
        return "0"
    return f"+{number:,}" if number > 0 else f"\u2212{abs(number):,}"


@register.filter
def absolute(value: Any) -> float:
    try:
        return abs(float(value))
    except (TypeError, ValueError):
        return 0.0
