"""Digests: per user, what is new, worse or resolved among their subscribed alerts since their last digest,
grouped by department and severity, as HTML and plain text from templates; who is due; signed unsubscribe.

The scheduler writes each digest to the outbox with the key digest:<user>:<frequency>:<local date of the slot>, and
moves the user's `last_digest_at` in the same transaction, so a digest is written once however often beat runs.
It works a batch of users at a time: their subscriptions, the alerts and the MPS changes of all their windows are
read in a few queries, each user's digest is picked from them in memory, and the mails are written in one INSERT,
so a thousand digests cost a few dozen queries, not a few per user.
"""

from __future__ import annotations

import functools
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.db import transaction
from django.db.models import Q
from django.template.loader import get_template, render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from sop_portal.budgeting import variance as budget_variance
from sop_portal.organisation.models import Department

from . import email_actions, mps_changes, outbox
from .models import Alert, Frequency, OutboundEmail, Severity, Subscription
from .mps_changes import MpsChange, MpsChanges
from .services import in_departments
from .subscriptions import matching, subscription_for, zone

UNSUBSCRIBE_SALT = "sop_portal.alerts.unsubscribe"
PERIOD = {Frequency.DAILY: timedelta(days=1), Frequency.WEEKLY: timedelta(days=7)}
# Digests built, rendered and written per transaction: few enough that a batch holds its users' subscription rows
# locked only briefly, many enough that the per-batch reads are paid rarely.
BATCH = 200


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


def window(subscription: Subscription, now: datetime) -> tuple[datetime, datetime]:
    """(slot, since) of a due digest: the slot names it in its dedupe key; it covers (since, now]. A first digest
    looks one period back; an immediate mail keys on `now` and covers what came since the last one."""
    if subscription.frequency == Frequency.IMMEDIATE:
        return now, subscription.last_digest_at or now - timedelta(days=1)
    slot = last_slot(subscription, now)
    assert slot is not None  # due, so it has a frequency with slots
    return slot, subscription.last_digest_at or slot - PERIOD[Frequency(subscription.frequency)]


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
    # The top MPS changes of the window this user sees (`mps_changes.visible`), and how many they see in all.
    mps_changes: list[MpsChange] = field(default_factory=list)
    mps_total: int = 0
    # Locked budgets' top variances and unbudgeted campaigns, for finance, marketing and operations: they ride
    # along in daily and weekly digests (standing figures, not news: never a reason to send one by themselves).
    budget: list[budget_variance.DigestPart] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.groups and not self.mps_changes

    def counts(self) -> dict[str, int]:
        return {kind: sum(len(getattr(g, kind)) for g in self.groups) for kind in ("new", "worse", "resolved")}


def _was_worse(alert: Alert, since: datetime) -> bool:
    """Raised before the window and more severe now than when the window began."""
    before = [h.severity for h in alert.history.all() if h.at <= since]
    return bool(before) and alert.severity > before[-1]


def _window_alerts(subscriptions: list[Subscription], since: datetime, until: datetime) -> list[Alert]:
    """The alerts any of these subscriptions may want that were raised, changed or resolved in (since, until], with
    their history (for "worse"): one read for a batch of digests, each of which picks its own (`_wanted`)."""
    departments = {code for s in subscriptions for code in s.departments}
    return list(
        Alert.objects.filter(
            in_departments(departments), Q(last_seen__gt=since) | Q(resolved_at__gt=since), created__lte=until,
            severity__gte=min(s.min_severity for s in subscriptions),
        ).prefetch_related("history").order_by("-severity", "subject_label", "pk")
    )  # fmt: skip


def _wanted(subscription: Subscription, types: set[str], alert: Alert, since: datetime, until: datetime) -> bool:
    # `matching` and the window of `_window_alerts`, for one subscription, in memory.
    return (
        alert.severity >= subscription.min_severity
        and (not types or alert.type in types)
        and any(code in alert.departments for code in subscription.departments)
        and alert.created <= until
        and (alert.last_seen > since or (alert.resolved_at is not None and alert.resolved_at > since))
    )


def compose(
    subscription: Subscription, since: datetime, until: datetime, alerts: list[Alert], names: dict[str, str],
    changes: MpsChanges, budget: budget_variance.BudgetDigest | None = None,
) -> Digest:  # fmt: skip
    """The digest of one subscription for (since, until] from alerts and MPS changes read for a whole batch: the
    alerts it wants that were raised, got worse or were resolved, and the top MPS changes its departments see."""
    groups: dict[tuple[str, int], Group] = {}
    types = set(subscription.alert_types)
    for alert in alerts:
        if not _wanted(subscription, types, alert, since, until):
            continue
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
    top, total = changes.top(subscription.departments, since, until)
    immediate = subscription.frequency == Frequency.IMMEDIATE
    variance = budget.for_departments(subscription.departments) if budget is not None and not immediate else []
    return Digest(subscription.user, since, until, ordered, top, total, budget=variance)


def _department_names() -> dict[str, str]:
    return dict(Department.objects.values_list("code", "name"))


def build_digest(subscription: Subscription, since: datetime, until: datetime) -> Digest:
    """The digest of one subscription for (since, until] (the preview; the scheduler builds them in batches)."""
    alerts = (
        matching(subscription)
        .filter(Q(last_seen__gt=since) | Q(resolved_at__gt=since), created__lte=until)
        .prefetch_related("history")
        .order_by("-severity", "subject_label", "pk")
    )
    return compose(subscription, since, until, list(alerts), _department_names(), mps_changes.load(since, until),
                   budget_variance.for_digests())  # fmt: skip


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


class Lines:
    """Each alert's and each MPS change's lines in the digests, HTML and plain text (templates/alerts/email/_alert.*,
    _mps_change.*), rendered once for a batch of digests. A line is the same for every reader (whether an alert is
    new or worse for them, and their links to act on it, are outside it), and most are in hundreds of a batch's
    digests: rendered per digest, they were most of a digest's cost. Keyed by the alert's id (a change's revision
    and item), so one instance serves one read of the alerts and MPS changes."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self._lines: dict[tuple[str, object], str] = {}

    def _line(self, template: str, key: object, context: dict[str, Any]) -> str:
        line = self._lines.get((template, key))
        if line is None:
            rendered = get_template(template).render({**context, "base_url": self.base_url})
            line = self._lines[template, key] = str(rendered).removesuffix("\n")
        return line

    def alert_html(self, alert: Alert) -> SafeString:
        return mark_safe(self._line("alerts/email/_alert.html", alert.pk, {"a": alert}))  # escaped by the template

    def alert_text(self, alert: Alert) -> str:
        return self._line("alerts/email/_alert.txt", alert.pk, {"a": alert})

    def change_html(self, change: MpsChange) -> SafeString:
        key = (change.revision, change.item_id)
        return mark_safe(self._line("alerts/email/_mps_change.html", key, {"c": change}))  # escaped by the template

    def change_text(self, change: MpsChange) -> str:
        return self._line("alerts/email/_mps_change.txt", (change.revision, change.item_id), {"c": change})


class Letters:
    """Renders the digests of a batch: what they share (the portal's links, each alert's line) is worked out once."""

    def __init__(self) -> None:
        self.base_url = settings.PORTAL_BASE_URL.rstrip("/")
        self.alerts_url = self.base_url + reverse("alerts")
        self.preferences_url = self.base_url + reverse("alert-preferences")
        self._unsubscribe = self.base_url + reverse("alert-unsubscribe", args=["-"]).removesuffix("-/")
        self.lines = Lines(self.base_url)

    def render(self, digest: Digest, frequency: str) -> dict[str, Any]:
        """Subject, plain text, HTML and the List-Unsubscribe headers of one digest."""
        unsubscribe = f"{self._unsubscribe}{unsubscribe_token(digest.user)}/"
        counts = digest.counts()
        label = {Frequency.WEEKLY: "Weekly", Frequency.IMMEDIATE: "New"}.get(Frequency(frequency), "Daily")
        context = {
            "digest": digest, "counts": counts, "label": label, "unsubscribe_url": unsubscribe,
            "alerts_url": self.alerts_url, "preferences_url": self.preferences_url, "base_url": self.base_url,
            "lines": self.lines, "email_actions": email_actions.digest_links(digest),
        }  # fmt: skip
        subject = f"{label} S&OP alerts: {counts['new']} new, {counts['worse']} worse, {counts['resolved']} resolved"
        if digest.mps_total:
            subject += f"; {digest.mps_total:,} MPS change{'s' if digest.mps_total > 1 else ''}"
        return {
            "subject": subject,
            "text_body": render_to_string("alerts/email/digest.txt", context),
            "html_body": render_to_string("alerts/email/digest.html", context),
            "headers": {"List-Unsubscribe": f"<{unsubscribe}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
        }


def render_digest(digest: Digest, frequency: str, letters: Letters | None = None) -> dict[str, Any]:
    """Subject, plain text, HTML and the List-Unsubscribe headers of one digest (`letters`: of its batch)."""
    return (letters or Letters()).render(digest, frequency)


def digest_key(subscription: Subscription, slot: datetime) -> str:
    return f"digest:{subscription.user_id}:{subscription.frequency}:{slot.date().isoformat()}"


def _worth_sending(digest: Digest, subscription: Subscription) -> bool:
    if not subscription.user.email:
        return False
    if subscription.frequency == Frequency.IMMEDIATE:
        # An immediate mail is about alerts; the MPS changes of its window ride along. Were they to trigger one,
        # every replan would mail every immediate subscriber in operations, however little it moved.
        return bool(digest.groups)
    return not digest.empty


@transaction.atomic
def _queue_batch(
    subscription_ids: list[int], now: datetime, changes: MpsChanges | None = None,
    budget: budget_variance.BudgetDigest | None = None,
) -> list[OutboundEmail]:  # fmt: skip
    """Write the digests of these users that are due and not empty, and move their windows on: a few queries for
    the whole batch. `changes` are the MPS changes read for the whole run, when they cover the batch's windows;
    `budget` the budget variance measured for the whole run."""
    # Locked in id order, so two beat runs never deadlock; the second waits, then finds none due.
    locked = Subscription.objects.select_for_update(of=("self",)).select_related("user").filter(pk__in=subscription_ids)
    subscriptions = [s for s in locked.order_by("pk") if is_due(s, now)]
    if not subscriptions:
        return []
    windows = {s.pk: window(s, now) for s in subscriptions}
    since = min(start for _, start in windows.values())
    alerts = _window_alerts(subscriptions, since, now)
    names = _department_names()
    if changes is None or not changes.covers(since, now):
        changes = mps_changes.load(since, now)
    if budget is None and any(s.frequency != Frequency.IMMEDIATE for s in subscriptions):
        budget = budget_variance.for_digests()
    Subscription.objects.filter(pk__in=[s.pk for s in subscriptions]).update(last_digest_at=now)
    letters = Letters()
    emails = []
    for subscription in subscriptions:
        slot, start = windows[subscription.pk]
        digest = compose(subscription, start, now, alerts, names, changes, budget)
        if not _worth_sending(digest, subscription):
            continue
        immediate = subscription.frequency == Frequency.IMMEDIATE
        emails.append({
            "dedupe_key": f"immediate:{subscription.user_id}:{now.isoformat()}" if immediate
            else digest_key(subscription, slot),
            "recipient": subscription.user.email, "user": subscription.user,
            **letters.render(digest, subscription.frequency),
        })  # fmt: skip
    return outbox.queue_emails(emails)


def queue_digest(subscription: Subscription, now: datetime) -> OutboundEmail | None:
    """Write this user's digest if it is due and not empty, and move their window on; None when nothing to send."""
    queued = _queue_batch([subscription.pk], now)
    return queued[0] if queued else None


@dataclass(frozen=True)
class Run:
    """One run of the scheduler: its time, the start of the earliest window due, whether any digest in it carries
    the budget variance (immediate mails do not), and the users due, `batch` per transaction."""

    id: str  # names the run's MPS changes and budget variance in a worker's memory (`_run_shared`)
    now: datetime
    since: datetime
    budget: bool
    batches: list[list[int]]

    def header(self) -> dict[str, Any]:
        """What a batch task needs to know of its run, as JSON."""
        return {"id": self.id, "now": self.now.isoformat(), "since": self.since.isoformat(), "budget": self.budget}


def plan_run(
    now: datetime | None = None, frequencies: tuple[str, ...] = tuple(Frequency.values), batch: int | None = None
) -> Run | None:
    """Create missing subscriptions (defaults) and find who is due now, in batches of `batch` (`BATCH`); None when
    nobody is."""
    now, batch = now or timezone.now(), batch or BATCH
    for user in get_user_model().objects.filter(is_active=True, memberships__isnull=False,
                                                 alert_subscription__isnull=True).distinct():  # fmt: skip
        subscription_for(user)
    candidates = Subscription.objects.filter(
        user__is_active=True, frequency__in=[f for f in frequencies if f != Frequency.OFF]
    ).only("frequency", "time_of_day", "weekday", "time_zone", "last_digest_at")
    due = [s for s in candidates.order_by("pk") if is_due(s, now)]
    if not due:
        return None
    ids = [s.pk for s in due]
    return Run(
        id=uuid.uuid4().hex, now=now, since=min(window(s, now)[1] for s in due),
        budget=any(s.frequency != Frequency.IMMEDIATE for s in due),
        batches=[ids[i : i + batch] for i in range(0, len(ids), batch)],
    )  # fmt: skip


def _read_shared(
    since: datetime, now: datetime, budget: bool
) -> tuple[MpsChanges, budget_variance.BudgetDigest | None]:
    # The MPS changes of every window of the run (a full replan changes thousands of lines) and the budget variance
    # (one query while no budget is locked, the whole comparison when one is): read once for a run.
    return mps_changes.load(since, now), budget_variance.for_digests() if budget else None


@functools.lru_cache(maxsize=1)
def _run_shared(run_id: str, since: datetime, now: datetime, budget: bool) -> tuple[MpsChanges, Any]:
    """A run's shared reads, kept by the worker process that builds its batches: a worker builds several batches
    of one run, and reads them once. Keyed by the run's id: another run, even at the same time, reads afresh."""
    return _read_shared(since, now, budget)


def queue_batch(subscription_ids: list[int], run: dict[str, Any]) -> int:
    """The task of one batch of a run (`Run.header()`): write its due digests; how many were written. A batch
    built twice writes nothing the second time (its users are no longer due, and the keys are unique)."""
    now, since = datetime.fromisoformat(run["now"]), datetime.fromisoformat(run["since"])
    changes, budget = _run_shared(run["id"], since, now, run["budget"])
    return len(_queue_batch(subscription_ids, now, changes, budget))


def queue_due_digests(
    now: datetime | None = None, frequencies: tuple[str, ...] = tuple(Frequency.values), batch: int | None = None
) -> int:
    """Queue every due digest in this process, `batch` users per transaction; how many were queued. (The beat
    task hands each batch to a task of its own instead: `plan_run`, `queue_batch`.)"""
    run = plan_run(now, frequencies, batch)
    if run is None:
        return 0
    changes, budget = _read_shared(run.since, run.now, run.budget)
    return sum(len(_queue_batch(ids, run.now, changes, budget)) for ids in run.batches)


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
