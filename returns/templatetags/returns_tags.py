"""Template tags of the returns pages, and the campaign page's returns panel.

`{% load returns_tags %}{% campaign_returns_panel campaign %}` renders templates/returns/_campaign_panel.html
with selectors.campaign_returns(campaign): what the campaign's sales brought back, why, and the anomalies its
owner must answer.
"""

from __future__ import annotations

from typing import Any

from django import template

from sop_portal.masterdata.weeks import week_label

from .. import selectors

register = template.Library()


@register.inclusion_tag("returns/_campaign_panel.html", takes_context=True)
def campaign_returns_panel(context: template.Context, campaign: Any) -> dict[str, Any]:
    return {**selectors.campaign_returns(campaign), "caps": context.get("caps", frozenset())}


@register.filter
def percent(value: float | None, digits: int = 1) -> str:
    """0.0425 → "4.3 %"; nothing → "—"."""
    if value is None:
        return "—"
    return f"{value * 100:.{digits}f} %"


@register.filter
def times(value: float | None) -> str:
    """A ratio to the baseline: 3.75 → "3.8 x" (with the multiplication sign)."""
    if value is None:
        return "—"
    return f"{value:.1f}\N{MULTIPLICATION SIGN}"


@register.filter
def iso_week(day: Any) -> str:
    """A date as its ISO week, 2027-W14."""
    return week_label(day) if day else ""


@register.filter
def p_value(value: float | None) -> str:
    if value is None:
        return "—"
    if value < 0.0001:
        return "< 0.0001"
    return f"{value:.4f}" if value < 0.01 else f"{value:.2f}"
