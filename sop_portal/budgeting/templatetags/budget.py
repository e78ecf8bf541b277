"""Template helpers of the budget pages: figures as the room reads them, changes with their sign, @mentions
highlighted, and links to sibling pages (the Excel pack, the variance report) once they exist."""

from __future__ import annotations

import re
from typing import Any

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from ..services import MENTION

register = template.Library()
MINUS = "\u2212"


def _number(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


@register.filter
def figure(value: Any) -> str:
    """Units, hours and money as the grid shows them: whole numbers with thousands separators; small values keep
    one decimal (0.4 pallets is not 0). None: "—"."""
    number = _number(value)
    if number is None:
        return "—"
    if abs(number) >= 10 or float(number).is_integer():
        text = f"{abs(number):,.0f}"
    else:
        text = f"{abs(number):,.1f}".rstrip("0").rstrip(".")
    if text == "0":
        return "0"
    return f"{MINUS}{text}" if number < 0 else text


@register.filter
def util(value: Any) -> str:
    """A utilisation (1.0 = full) as a whole percentage: 1.32 → "132 %"."""
    number = _number(value)
    return "—" if number is None else f"{number * 100:,.0f} %"


@register.filter
def shown(value: Any, unit: str) -> str:
    """A figure in its unit's format (percent for utilisation, else `figure`)."""
    return util(value) if unit == "percent" else figure(value)


@register.filter
def signed(value: Any, unit: str = "") -> str:
    """A change with its sign (a real minus, as in print): +1,234, \u221256, ±0; utilisation (a fraction) and
    percentages (unit "pct") in percentage points."""
    number = _number(value)
    if number is None:
        return ""
    if unit == "percent":
        points = round(number * 100)
        return "±0 pts" if points == 0 else f"{'+' if points > 0 else MINUS}{abs(points):,} pts"
    if unit == "pct":  # a percentage already (margin 31.3 %): its change in points, to one decimal
        tenths = round(number, 1)
        return "±0.0 pts" if tenths == 0 else f"{'+' if tenths > 0 else MINUS}{abs(tenths):,.1f} pts"
    text = figure(abs(number))
    if text == "0":
        return "±0"
    return f"+{text}" if number > 0 else f"{MINUS}{text}"


@register.filter
def get(mapping: Any, key: Any) -> Any:
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.filter
def mentions(body: str, mine: Any = ()) -> SafeString:
    """The comment's text, escaped, with each @department marked (and flagged when it is one of the reader's)."""
    mine = set(mine or ())

    def mark(match: re.Match[str]) -> str:
        code = match.group(1).lower()
        yours = " mention-mine" if code in mine else ""
        return f'<mark class="mention{yours}" data-department="{escape(code)}">@{escape(match.group(1))}</mark>'

    escaped = str(escape(body or ""))
    # Escaping leaves "@" and department codes alone, so the mention pattern finds them in the escaped text.
    return mark_safe(MENTION.sub(mark, escaped))  # every piece is escaped above


@register.simple_tag
def optional_url(name: str, *args: Any) -> str:
    """The URL of a page another part of the portal adds (pack, import, variance), or "" until it exists."""
    for attempt in (args, ()):
        try:
            return reverse(name, args=attempt)
        except NoReverseMatch:
            continue
    return ""
