"""The only writers of alerts. Planning services report the conditions they see; this keeps one alert each."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from sop_portal.errors import InputError
from sop_portal.organisation.models import Membership

from .models import Alert, AlertOccurrence, Inbox, Severity

UNRESOLVED = (Alert.Status.OPEN, Alert.Status.ACKNOWLEDGED)


class AlertStateError(Exception):
    """The alert is no longer in a state that allows the action (someone else acted first); nothing was written."""


def sla(alert_type: str, severity: int) -> timedelta:
    """How long an alert of this type and severity may stay unresolved (settings.ALERT_SLA_DAYS)."""
    days = settings.ALERT_SLA_DAYS
    name = Severity(severity).name.lower()
    for key in (f"{alert_type}:{name}", alert_type, name):
        if key in days:
            return timedelta(days=float(days[key]))
    return timedelta(days=7)


def in_departments(codes: Iterable[str]) -> Q:
    """Alerts whose departments include any of `codes`. Matches the quoted code in the JSON text: `contains` on a
    JSON list is not available on SQLite, and department codes are slugs, so a quoted code cannot match a part."""
    query = Q(pk__in=[])
    for code in codes:
        query |= Q(departments__icontains=f'"{code}"')
    return query


@dataclass(frozen=True)
class Condition:
    """A condition a check found now; `key` identifies it across revisions (e.g. "overload:resource:7")."""

    key: str
    type: str
    severity: Severity
    subject_type: str
    subject_id: str
    subject_label: str
    message: str
    cause: dict[str, Any] = field(default_factory=dict)
    departments: tuple[str, ...] = ()
    # What the condition is, without why: when an open alert's signature is unchanged, a later check that merely
    # sees it again keeps the message and the cause of the check that raised it (a re-planned family must not
    # pin an old shortage on the campaign that happened to trigger the replan).
    signature: str = ""


@dataclass
class AlertOutcome:
    raised: list[Alert] = field(default_factory=list)
    updated: list[Alert] = field(default_factory=list)
    resolved: list[Alert] = field(default_factory=list)


@transaction.atomic
def reconcile(scope: Iterable[str], conditions: Iterable[Condition]) -> AlertOutcome:
    """Make the unresolved alerts with keys in `scope` match `conditions` exactly.

    New conditions raise alerts; known ones count an occurrence and, unless their signature is unchanged, take
    the latest message, severity and cause; unresolved alerts in scope whose condition is gone are resolved.
    Keys outside the scope are untouched, so a check of three products never resolves the alerts of others.
    Raising, a change in what an alert says, and resolving each leave an `AlertOccurrence` (the alert's
    history); a sighting that changes nothing only counts.
    """
    now = timezone.now()
    outcome = AlertOutcome()
    wanted = {c.key: c for c in conditions}
    keys = set(scope) | set(wanted)
    open_alerts = {
        alert.key: alert
        for alert in Alert.objects.select_for_update().filter(key__in=keys).exclude(status=Alert.Status.RESOLVED)
    }
    for key, alert in open_alerts.items():
        if key not in wanted:
            alert.status, alert.resolved_at = Alert.Status.RESOLVED, now
            alert.save(update_fields=["status", "resolved_at", "last_seen"])
            outcome.resolved.append(alert)
    for key, condition in wanted.items():
        existing = open_alerts.get(key)
        fields = {
            "type": condition.type,
            "severity": condition.severity,
            "subject_type": condition.subject_type,
            "subject_id": condition.subject_id,
            "subject_label": condition.subject_label,
            "message": condition.message,
            "cause": condition.cause,
            "departments": list(condition.departments),
        }
        if condition.signature:
            fields["cause"] = {**condition.cause, "signature": condition.signature}
        if existing is None:
            due = now + sla(condition.type, condition.severity)
            outcome.raised.append(Alert.objects.create(key=key, due_at=due, **fields))
            continue
        if condition.signature and existing.cause.get("signature") == condition.signature:
            Alert.objects.filter(pk=existing.pk).update(occurrences=F("occurrences") + 1, last_seen=now)
            continue
        changed = any(getattr(existing, name) != value for name, value in fields.items())
        if condition.severity > existing.severity:
            # A worse condition is due sooner, never later than it already was.
            sooner = now + sla(condition.type, condition.severity)
            fields["due_at"] = min(existing.due_at, sooner) if existing.due_at else sooner
        Alert.objects.filter(pk=existing.pk).update(**fields, occurrences=F("occurrences") + 1, last_seen=now)
        if changed:
            existing.refresh_from_db()
            outcome.updated.append(existing)
    AlertOccurrence.objects.bulk_create(
        AlertOccurrence(alert=alert, at=now, event=event, severity=alert.severity, message=alert.message,
                        cause=alert.cause)
        for event, alerts in ((AlertOccurrence.Event.RAISED, outcome.raised),
                              (AlertOccurrence.Event.UPDATED, outcome.updated),
                              (AlertOccurrence.Event.RESOLVED, outcome.resolved))
        for alert in alerts
    )  # fmt: skip
    return outcome


def may_act(user: Any, alert: Alert) -> bool:
    """Anyone in one of the alert's departments, whatever the role, or a superuser."""
    from sop_portal.organisation.permissions import roles_of

    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return bool(user.is_superuser or set(roles_of(user)) & set(alert.departments))


def _history(alert: Alert, event: str, actor: Any, at: datetime, via: str = "") -> None:
    # `via` names the channel when it is not the portal ("email": a signed link in a digest), so the history
    # shows how the person acted; it rides in the row's cause, the alert's own cause is left as it is.
    cause = {**alert.cause, "via": via} if via else alert.cause
    AlertOccurrence.objects.create(
        alert=alert, at=at, event=event, severity=alert.severity, message=alert.message, cause=cause, actor=actor
    )


def _refused(alert: Alert, action: str) -> AlertStateError:
    current = Alert.objects.select_related("acknowledged_by", "resolved_by").get(pk=alert.pk)
    if current.status == Alert.Status.RESOLVED:
        who = f" by {current.resolved_by.get_username()}" if current.resolved_by else " (its condition is gone)"
        return AlertStateError(f"Cannot {action} alert {alert.pk}: it was already resolved{who}.")
    who = current.acknowledged_by.get_username() if current.acknowledged_by else "someone"
    return AlertStateError(f"Cannot {action} alert {alert.pk}: it was already acknowledged by {who}.")


@transaction.atomic
def acknowledge_alert(alert: Alert, *, actor: Any, via: str = "") -> Alert:
    """Open → acknowledged by `actor`, who becomes its owner unless it has one. Only one person acknowledges."""
    now = timezone.now()
    taken = Alert.objects.filter(pk=alert.pk, status=Alert.Status.OPEN).update(
        status=Alert.Status.ACKNOWLEDGED, acknowledged_at=now, acknowledged_by=actor, owner=Coalesce("owner", actor.pk)
    )
    if not taken:
        raise _refused(alert, "acknowledge")
    alert.refresh_from_db()
    _history(alert, AlertOccurrence.Event.ACKNOWLEDGED, actor, now, via)
    return alert


@transaction.atomic
def resolve_alert(alert: Alert, *, actor: Any, via: str = "") -> Alert:
    """Open or acknowledged → resolved by `actor`. If the condition is still there, the next check raises it anew."""
    now = timezone.now()
    taken = Alert.objects.filter(pk=alert.pk, status__in=UNRESOLVED).update(
        status=Alert.Status.RESOLVED, resolved_at=now, resolved_by=actor
    )
    if not taken:
        raise _refused(alert, "resolve")
    alert.refresh_from_db()
    _history(alert, AlertOccurrence.Event.RESOLVED, actor, now, via)
    return alert


@transaction.atomic
def assign_alert(alert: Alert, *, owner: Any, actor: Any) -> Alert:
    """Make `owner` (an active member of one of the alert's departments, or a superuser) responsible for it."""
    user_model = get_user_model()
    if not isinstance(owner, user_model):
        try:
            owner = user_model.objects.get(pk=int(owner), is_active=True)
        except (TypeError, ValueError, user_model.DoesNotExist) as exc:
            raise InputError("owner", f"no active user with id {owner!r}") from exc
    member = Membership.objects.filter(user=owner, department__code__in=alert.departments).exists()
    if not (member or owner.is_superuser) or not owner.is_active:
        raise InputError("owner", f"{owner.get_username()} is not in any of the alert's departments "
                                  f"({', '.join(alert.departments) or 'none'})")  # fmt: skip
    now = timezone.now()
    if not Alert.objects.filter(pk=alert.pk, status__in=UNRESOLVED).update(owner=owner):
        raise _refused(alert, "assign")
    alert.refresh_from_db()
    _history(alert, AlertOccurrence.Event.ASSIGNED, actor, now)
    return alert


def visible_to(user: Any) -> QuerySet[Alert]:
    """The alerts of the user's departments (every alert for a superuser)."""
    from sop_portal.organisation.permissions import roles_of

    alerts = Alert.objects.all()
    return alerts if user.is_superuser else alerts.filter(in_departments(roles_of(user)))


def unread_count(user: Any) -> int:
    """Unresolved alerts of the user's departments raised since they last opened the notification centre."""
    alerts = visible_to(user).filter(status__in=UNRESOLVED)
    seen = Inbox.objects.filter(user=user).values_list("seen_until", flat=True).first()
    return (alerts.filter(created__gt=seen) if seen else alerts).count()


def mark_alerts_seen(user: Any) -> None:
    Inbox.objects.update_or_create(user=user, defaults={"seen_until": timezone.now()})
