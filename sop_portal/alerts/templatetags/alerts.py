"""The notification bell in the top bar."""

from __future__ import annotations

from django import template

from sop_portal.alerts.services import unread_count

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_alerts(context: template.Context) -> int:
    user = context.get("user")
    return unread_count(user) if user is not None and user.is_authenticated else 0
