"""How the accountability review shows a duration in hours: hours up to two days, days beyond."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def duration(hours: float | None) -> str:
    if hours is None:
        return "—"
    if hours < 48:
        return f"{hours:.1f} h"
    return f"{hours / 24:.1f} d"
