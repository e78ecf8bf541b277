"""The only writers of alerts. Planning services report the conditions they see; this keeps one alert each."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .models import Alert, Severity


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


@dataclass
class AlertOutcome:
    raised: list[Alert] = field(default_factory=list)
    updated: list[Alert] = field(default_factory=list)
    resolved: list[Alert] = field(default_factory=list)


@transaction.atomic
def reconcile(scope: Iterable[str], conditions: Iterable[Condition]) -> AlertOutcome:
    """Make the unresolved alerts with keys in `scope` match `conditions` exactly.

    New conditions raise alerts; known ones count an occurrence and take the latest message, severity and
    cause; unresolved alerts in scope whose condition is gone are resolved. Keys outside the scope are
    untouched, so a check of three products never resolves the alerts of others.
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
        if existing is None:
            outcome.raised.append(Alert.objects.create(key=key, **fields))
            continue
        changed = any(getattr(existing, name) != value for name, value in fields.items())
        Alert.objects.filter(pk=existing.pk).update(**fields, occurrences=F("occurrences") + 1, last_seen=now)
        if changed:
            existing.refresh_from_db()
            outcome.updated.append(existing)
    return outcome
