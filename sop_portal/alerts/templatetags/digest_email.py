"""Filters for the digest e-mails: what a run of digests renders tens of thousands of times, made cheap."""

from __future__ import annotations

from django import template

from sop_portal.alerts.models import Alert

register = template.Library()
TYPE_LABELS = {value: str(label) for value, label in Alert.Type.choices}


@register.filter
def alert_type(alert: Alert) -> str:
    """The alert's type as planners read it. `get_type_display` rebuilds the field's choices on every call: one of
    the larger costs of rendering a thousand digests, with each type named twice per alert."""
    return TYPE_LABELS.get(alert.type, alert.type)
