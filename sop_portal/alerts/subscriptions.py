"""Who wants which alerts by mail: the defaults a department and role get, and the only writer of preferences.

Defaults are created on first use (the preferences page, the digest scheduler), so a user added to a
department needs no set-up step; once a row exists only the user changes it.
"""

from __future__ import annotations

from datetime import time
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet

from sop_portal.errors import InputError
from sop_portal.organisation import departments as d
from sop_portal.organisation.models import Membership, Role

from .models import Alert, Frequency, Severity, Subscription
from .services import in_departments

# The alerts each department acts on; a member subscribes to these by default.
DEPARTMENT_TYPES: dict[str, list[str]] = {
    d.OPERATIONS: [Alert.Type.SHORTAGE, Alert.Type.BELOW_SAFETY_STOCK, Alert.Type.OVERLOAD],
    d.SALES: [Alert.Type.SHORTAGE, Alert.Type.FILL_RATE, Alert.Type.RETURNS_ANOMALY],
    d.MARKETING: [Alert.Type.WAREHOUSE_OVERLOAD, Alert.Type.RETURNS_ANOMALY, Alert.Type.UNBUDGETED_CAMPAIGN],
    d.WAREHOUSE: [Alert.Type.WAREHOUSE_OVERLOAD, Alert.Type.FILL_RATE],
    d.CUSTOMER_SERVICE: [Alert.Type.RETURNS_ANOMALY, Alert.Type.FILL_RATE],
    d.FINANCE: [Alert.Type.SHORTAGE, Alert.Type.OVERLOAD, Alert.Type.UNBUDGETED_CAMPAIGN],
}
# By the highest role held: viewers follow along weekly; planners act daily; approvers and admins see the critical.
ROLE_DEFAULTS: dict[int, tuple[str, Severity]] = {
    Role.VIEWER: (Frequency.WEEKLY, Severity.WARNING),
    Role.PLANNER: (Frequency.DAILY, Severity.WARNING),
    Role.APPROVER: (Frequency.DAILY, Severity.CRITICAL),
    Role.ADMIN: (Frequency.DAILY, Severity.CRITICAL),
}
DEFAULT_TIME = time(7, 30)
FIELDS = ("departments", "alert_types", "min_severity", "frequency", "time_of_day", "weekday", "time_zone")


def defaults_for(user: Any) -> dict[str, Any]:
    """The subscription a user gets from their memberships: their departments' alert types, a frequency and a
    minimum severity from their highest role, digests at 07:30 on Mondays in the portal's time zone."""
    roles = dict(Membership.objects.filter(user=user).values_list("department__code", "role"))
    types = sorted({str(t) for code in roles for t in DEPARTMENT_TYPES.get(code, [])})
    frequency, severity = ROLE_DEFAULTS[max(roles.values())] if roles else (Frequency.OFF, Severity.WARNING)
    return {
        "departments": sorted(roles),
        "alert_types": types,
        "min_severity": severity,
        "frequency": frequency,
        "time_of_day": DEFAULT_TIME,
        "weekday": 0,
        "time_zone": settings.TIME_ZONE,
    }


def subscription_for(user: Any) -> Subscription:
    """The user's subscription, created with `defaults_for` the first time it is asked for."""
    existing = Subscription.objects.filter(user=user).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return Subscription.objects.create(user=user, **defaults_for(user))
    except IntegrityError:  # created concurrently (two first requests at once): use that one
        return Subscription.objects.get(user=user)


def _clean(fields: dict[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(fields) - set(FIELDS))
    if unknown:
        raise InputError(unknown[0], "is not a subscription field")
    clean = dict(fields)
    if "departments" in clean:
        bad = [c for c in clean["departments"] if c not in d.ALL]
        if bad:
            raise InputError("departments", f"unknown department {bad[0]!r} (one of {', '.join(sorted(d.ALL))})")
        clean["departments"] = sorted(set(clean["departments"]))
    if "alert_types" in clean:
        bad = [t for t in clean["alert_types"] if t not in Alert.Type.values]
        if bad:
            raise InputError("alert_types", f"unknown alert type {bad[0]!r}")
        clean["alert_types"] = sorted(set(clean["alert_types"]))
    if "min_severity" in clean and clean["min_severity"] not in Severity.values:
        raise InputError("min_severity", f"must be one of {', '.join(map(str, Severity.values))}")
    if "frequency" in clean and clean["frequency"] not in Frequency.values:
        raise InputError("frequency", f"must be one of {', '.join(Frequency.values)}")
    if "time_of_day" in clean and not isinstance(clean["time_of_day"], time):
        raise InputError("time_of_day", "must be a time of day such as 07:30")
    if "weekday" in clean and clean["weekday"] not in range(7):
        raise InputError("weekday", "must be 0 (Monday) to 6 (Sunday)")
    if "time_zone" in clean and clean["time_zone"] not in available_timezones():
        raise InputError("time_zone", f"unknown time zone {clean['time_zone']!r}; use an IANA name like Europe/Berlin")
    return clean


@transaction.atomic
def update_subscription(user: Any, **fields: Any) -> Subscription:
    """Change some of the user's preferences; bad input raises InputError naming the field and writes nothing."""
    clean = _clean(fields)
    subscription = subscription_for(user)
    for name, value in clean.items():
        setattr(subscription, name, value)
    subscription.save()
    return subscription


def zone(subscription: Subscription) -> ZoneInfo:
    return ZoneInfo(subscription.time_zone)


def matching(subscription: Subscription) -> QuerySet[Alert]:
    """The alerts this subscription is about: its departments, its types (all if none chosen), its severity."""
    query = in_departments(subscription.departments) & Q(severity__gte=subscription.min_severity)
    if subscription.alert_types:
        query &= Q(type__in=subscription.alert_types)
    return Alert.objects.filter(query)
