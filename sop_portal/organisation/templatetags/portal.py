"""Template helpers for the portal layout: navigation state, the user's memberships, durations."""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

from django import template
from django.db.models import QuerySet

from sop_portal.organisation.models import Membership

register = template.Library()


@register.filter
def minutes(value: timedelta | None) -> int:
    """A cool-off time in whole minutes, rounded up (30 seconds left is "1 minute", not "0")."""
    if not isinstance(value, timedelta):
        return 0
    return max(1, math.ceil(value.total_seconds() / 60))


@register.filter
def startswith(value: Any, prefix: str) -> bool:
    return str(value).startswith(prefix)


@register.simple_tag(takes_context=True)
def user_memberships(context: template.Context) -> QuerySet[Membership] | list[Membership]:
    """The signed-in user's departments and roles for the user menu (one query per page)."""
    user = context.get("user")
    if user is None or not user.is_authenticated:
        return []
    return Membership.objects.filter(user=user).select_related("department").order_by("department__sort_order")


@register.filter
def field_errors(form: Any) -> list[tuple[Any, str]]:
    """(bound field, message) for every field error of a form, in field order, for an error summary."""
    return [(field, error) for field in form for error in field.errors]
