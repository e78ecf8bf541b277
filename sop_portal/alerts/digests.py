"""Digests: per user, what is new, worse or resolved among their subscribed alerts since their last digest,
grouped by department and severity, as HTML and plain text from templates; who is due; signed unsubscribe.

The scheduler writes each digest to the outbox with the key digest:<user>:<local date of the slot>, and moves
the user's `last_digest_at` in the same transaction, so a digest is written once however often beat runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from sop_portal.organisation.models import Department

from . import outbox
from .models import Alert, Frequency, OutboundEmail, Severity, Subscription
from .subscriptions import matching, subscription_for, zone

UNSUBSCRIBE_SALT = "sop_portal.alerts.unsubscribe"
PERIOD = {Frequency.DAILY: timedelta(days=1), Frequency.WEEKLY: timedelta(days=7)}


# --- Who is due ---------------------------------------------------------------------------------------------


def last_slot(subscription: Subscription, now: datetime) -> datetime | None:
    """The latest digest time at or before `now`: today's (or this week's) time of day in the user's zone."""
    if subscription.frequency not in PERIOD:
        return None
    local = now.astimezone(zone(subscription))
    slot = datetime.combine(local.date(), subscription.time_of_day, tzinfo=local.tzinfo)
    if subscription.frequency == Frequency.WEEKLY:
        slot -= timedelta(days=(local.weekday() - subscription.weekday) % 7)
    if slot > local:
        slot -= PERIOD[Frequency(subscription.frequency)]
    return slot


def is_due(subscription: Subscription, now: datetime) -> bool:
    if subscription.frequency == Frequency.IMMEDIATE:
        return True  # whenever anything changed since the last mail; an empty one is not sent
    slot = last_slot(subscription, now)
    return slot is not None and (subscription.last_digest_at is None or subscription.last_digest_at < slot)


# --- What is in a digest -----------------------------------------------------------------------------------


@dataclass
class Group:
    department: str
    department_name: str
    severity: int
    new: list[Alert] = field(default_factory=list)
    worse: list[Alert] = field(default_factory=list)
    resolved: list[Alert] = field(default_factory=list)

    @property
    def severity_name(self) -> str:
        return Severity(self.severity).label


@dataclass
class Digest:
    user: Any
    since: datetime
    until: datetime
    groups: list[Group]

    @property
    def empty(self) -> bool:
        return not self.groups

    def counts(self) -> dict[str, int]:
        return {kind: sum(len(getattr(g, kind)) for g in self.groups) for kind in ("new", "worse", "resolved")}


def _was_worse(alert: Alert, since: datetime) -> bool:
    """Raised before the window and more severe now than when the window began."""
    before = [h.severity for h in alert.history.all() if h.at <= since]
    return bool(before) and alert.severity > before[-1]


def build_digest(subscription: Subscription, since: datetime, until: datetime) -> Digest:
    """The alerts of the subscription that were raised, got worse or were resolved in (since, until]."""
    alerts = (
        matching(subscription)
        .filter(Q(last_seen__gt=since) | Q(resolved_at__gt=since), created__lte=until)
        .prefetch_related("history")
        .order_by("-severity", "subject_label", "pk")
    )
    names = dict(Department.objects.values_list("code", "name"))
    groups: dict[tuple[str, int], Group] = {}
    for alert in alerts:
        if alert.status == Alert.Status.RESOLVED:
            kind = "resolved" if alert.resolved_at and since < alert.resolved_at <= until else None
        elif alert.created > since:
            kind = "new"
        else:
            kind = "worse" if _was_worse(alert, since) else None
        if kind is None:
            continue
        # Under the first of the user's departments the alert belongs to: listed once, where they look first.
        department = next(c for c in subscription.departments if c in alert.departments)
        group = groups.setdefault(
            (department, alert.severity), Group(department, names.get(department, department), alert.severity)
        )
        getattr(group, kind).append(alert)
    order = {code: i for i, code in enumerate(subscription.departments)}
    ordered = sorted(groups.values(), key=lambda g: (order[g.department], -g.severity))
    return Digest(subscription.user, since, until, ordered)


# --- Rendering and unsubscribe -----------------------------------------------------------------------------


def unsubscribe_token(user: Any) -> str:
    # No timestamp: the link in an old digest keeps working, and every digest of a user carries the same link.
    return signing.Signer(salt=UNSUBSCRIBE_SALT).sign_object({"u": user.pk})


def user_from_token(token: str) -> Any | None:
    """The user a valid unsubscribe token was made for; None when the signature is wrong or the user is gone."""
    try:
        data = signing.Signer(salt=UNSUBSCRIBE_SALT).unsign_object(token)
    except signing.BadSignature:
        return None
    return get_user_model().objects.filter(pk=data.get("u"), is_active=True).first()


def portal_url(path: str) -> str:
    return settings.PORTAL_BASE_URL.rstrip("/") + path


def render_digest(digest: Digest, frequency: str) -> dict[str, Any]:
    """Subject, plain text, HTML and the List-Unsubscribe headers of one digest."""
    unsubscribe = portal_url(reverse("alert-unsubscribe", args=[unsubscribe_token(digest.user)]))
    counts = digest.counts()
    label = {Frequency.WEEKLY: "Weekly", Frequency.IMMEDIATE: "New"}.get(Frequency(frequency), "Daily")
    context = {
        "digest": digest, "counts": counts, "label": label, "unsubscribe_url": unsubscribe,
        "alerts_url": portal_url(reverse("alerts")), "preferences_url": portal_url(reverse("alert-preferences")),
        "base_url": settings.PORTAL_BASE_URL.rstrip("/"),
    }  # fmt: skip
    return {
        "subject": f"{label} S&OP alerts: {counts['new']} new, {counts['worse']} worse, {counts['resolved']} resolved",
        "text_body": render_to_string("alerts/email/digest.txt", context),
        "html_body": render_to_string("alerts/email/digest.html", context),
        "headers": {"List-Unsubscribe": f"<{unsubscribe}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
    }


def digest_key(subscription: Subscription, slot: datetime) -> str:
    return f"digest:{subscription.user_id}:{subscription.frequency}:{slot.date().isoformat()}"


@transaction.atomic
def queue_digest(subscription: Subscription, now: datetime) -> OutboundEmail | None:
    """Write this user's digest if it is due and not empty, and move their window on; None when nothing to send.

    Immediate subscribers get the same mail for what changed since their last one, keyed by the window's end."""
    subscription = Subscription.objects.select_for_update().select_related("user").get(pk=subscription.pk)
    if not is_due(subscription, now):
        return None
    if subscription.frequency == Frequency.IMMEDIATE:
        slot = now
        since = subscription.last_digest_at or now - timedelta(days=1)
    else:
        slot = last_slot(subscription, now)  # type: ignore[assignment]  # is_due: not None
        since = subscription.last_digest_at or slot - PERIOD[Frequency(subscription.frequency)]
    digest = build_digest(subscription, since, now)
    Subscription.objects.filter(pk=subscription.pk).update(last_digest_at=now)
    if digest.empty or not subscription.user.email:
        return None
    key = f"immediate:{subscription.user_id}:{now.isoformat()}" if slot is now else digest_key(subscription, slot)
    return outbox.queue_email(
        dedupe_key=key, recipient=subscription.user.email, user=subscription.user,
        **render_digest(digest, subscription.frequency),
    )  # fmt: skip


def queue_due_digests(now: datetime | None = None, frequencies: tuple[str, ...] = tuple(Frequency.values)) -> int:
    """Beat: create missing subscriptions (defaults), then queue every due digest. Returns how many were queued."""
    now = now or timezone.now()
    for user in get_user_model().objects.filter(is_active=True, memberships__isnull=False,
                                                 alert_subscription__isnull=True).distinct():  # fmt: skip
        subscription_for(user)
    queued = 0
    subscriptions = Subscription.objects.filter(
        user__is_active=True, frequency__in=[f for f in frequencies if f != Frequency.OFF]
    ).select_related("user")
    for subscription in subscriptions:
        if is_due(subscription, now) and queue_digest(subscription, now) is not None:
            queued += 1
    return queued


def preview(user: Any, now: datetime | None = None) -> dict[str, Any]:
    """The digest the user would get now (since their last one, or one period back), rendered, not queued."""
    now = now or timezone.now()
    subscription = subscription_for(user)
    period = PERIOD.get(Frequency(subscription.frequency), timedelta(days=1))
    since = subscription.last_digest_at or now - period
    frequency = subscription.frequency if subscription.frequency in PERIOD else Frequency.DAILY
    return {"subscription": subscription, **render_digest(build_digest(subscription, since, now), frequency)}


def notify_after_revision(job: Any, result: dict[str, Any]) -> dict[str, Any]:
    """Pipeline stage (settings.PIPELINE_STAGES): mail immediate subscribers what the revision's checks raised.

    Runs in the stage's transaction, so the e-mails are written with the stage's record and sent on commit."""
    return {"emails_queued": queue_due_digests(frequencies=(Frequency.IMMEDIATE,))}
