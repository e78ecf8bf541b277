"""Template filters for the MPS pages: ISO week labels and plan quantities."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import template

from sop_portal.masterdata.weeks import week_label

register = template.Library()


@register.filter
def week(value: date | None) -> str:
    """A Monday as the planners' week label, 2027-W14 ("" for none)."""
    return week_label(value) if isinstance(value, date) else ""


@register.filter
def percent(value: Any) -> str:
    """A ratio as a whole percentage: 1.0667 → "107%"."""
    try:
        return f"{float(value) * 100:,.0f}%"
    except (TypeError, ValueError):
        return ""


@register.filter
def units(value: Any) -> str:
    """Whole units with thousands separators, rounded exactly as `DiffLine.text` rounds them."""
    try:
        return f"{float(value):,.0f}"
    except (TypeError, ValueError):
        return ""


@register.filter
def upto(value: Any, places: int = 3) -> str:
    """A small quantity with at most `places` decimals and no trailing zeros: 0.5, 0.007, 2."""
    try:
        formatted = f"{float(value):,.{int(places)}f}"
    except (TypeError, ValueError):
        return ""
    return formatted.rstrip("0").rstrip(".") if "." in formatted else formatted
