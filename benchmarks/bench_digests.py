"""1,000 users' daily digests built and sent to a real SMTP server, timed from "queue the digests" to the last
message accepted by the server.

Fresh database (SQLite in a temp dir, or BENCH_DATABASE_URL) with the demo company on 300 SKUs — its MPS revisions
(the initial plan, two campaign revisions, a returns batch) and its alerts — plus a manual replan, a few hundred
alerts across departments, types and severities (new, worse and resolved since the last digests), and 1,000 users
across the departments whose daily digest time has come, in several time zones. The SMTP server is aiosmtpd in
this process, started as sop_testing starts it. Tasks run in-process (no broker), as in `make run`: each batch of
digests is sent as soon as it commits, over one SMTP connection. Every message must arrive exactly once (counted by
Message-ID at the server). Prints:

    BENCH digests users=1000 seconds=... emails=1000 ...
"""

from __future__ import annotations

import os
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from email.parser import BytesHeaderParser
from email.policy import default as default_policy
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

from benchmarks.django_env import setup_django

USERS = 1000
SKUS = 300
# A day's change to a few hundred alerts: most raised days ago and merely seen again since the last digests, one
# in ten of those worse and one in fifteen gone, forty new (and the demo's own, raised by its revisions).
OLD_ALERTS = 250
NEW_ALERTS = 40
TARGET_SECONDS = 10.0
# Each user's departments: the first by these shares, a second for one in ten.
DEPARTMENT_SHARES = {"operations": 0.3, "sales": 0.2, "marketing": 0.15, "warehouse": 0.15, "finance": 0.1,
                     "customer-service": 0.1}  # fmt: skip
TIME_ZONES = ["Europe/London", "Europe/Berlin", "America/New_York", "Asia/Singapore"]


class Inbox:
    """The aiosmtpd handler: counts each accepted message by its Message-ID (headers only: the bodies are not the
    subject of the benchmark, and parsing them here would slow the server the portal is waiting on)."""

    def __init__(self) -> None:
        self.message_ids: Counter[str] = Counter()
        self.arrived = threading.Condition()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        head = envelope.content.split(b"\r\n\r\n", 1)[0]
        headers = BytesHeaderParser(policy=default_policy).parsebytes(head)
        with self.arrived:
            self.message_ids[str(headers["Message-ID"])] += 1
            self.arrived.notify_all()
        return "250 Message accepted for delivery"

    def wait_for(self, count: int, seconds: float) -> None:
        with self.arrived:
            self.arrived.wait_for(lambda: sum(self.message_ids.values()) >= count, seconds)


def _smtp_server() -> tuple[Any, Inbox]:
    from aiosmtpd.controller import Controller

    from sop_testing.local import free_port

    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    os.environ.update(EMAIL_HOST="127.0.0.1", EMAIL_PORT=str(port))
    return controller, inbox


def _replan_by_hand(rng: np.random.Generator) -> None:
    """A planner's replan after a forecast correction on 20 products: a third kind of cause in the digests."""
    from production.causes import Cause
    from production.services import planning_window, regenerate_mps
    from sop_portal.masterdata import services as masterdata
    from sop_portal.masterdata.models import BaselineForecast, Product

    window = planning_window()
    products = list(Product.objects.filter(status="active").order_by("sku")[:: max(SKUS // 20, 1)][:20])
    for product in products:
        weeks = {window.first_week + timedelta(weeks=k) for k in range(2, 12)}
        current = dict(BaselineForecast.objects.filter(product=product, week__in=weeks).values_list("week", "quantity"))
        factor = float(rng.uniform(0.6, 1.5))
        masterdata.set_forecast(product, {week: round(current.get(week, 0) * factor) for week in weeks})
    regenerate_mps(products, cause=Cause("manual", "user:ops.planner", "Replan requested by ops.planner"))


def _alerts(rng: np.random.Generator, now: datetime) -> int:
    """A few hundred alerts of every department's types, as a day of checks leaves them: most raised days ago and
    merely seen again since the last digests, some of those got worse or went away, and some raised since."""
    from sop_portal.alerts.models import Alert, AlertOccurrence, Severity
    from sop_portal.alerts.services import Condition, reconcile
    from sop_portal.alerts.subscriptions import DEPARTMENT_TYPES

    kinds = [(code, t) for code, types in DEPARTMENT_TYPES.items() for t in types]
    severities = [Severity.INFO, Severity.WARNING, Severity.CRITICAL]

    def condition(i: int, severity: Severity) -> Any:
        code, kind = kinds[i % len(kinds)]
        others = [c for c in DEPARTMENT_SHARES if c != code]
        departments = (code,) if i % 3 else (code, others[i % len(others)])
        label = f"Subject {i:03d}"
        return Condition(key=f"bench:{kind}:{i}", type=kind, severity=severity, subject_type="product",
                         subject_id=str(i), subject_label=label, departments=departments,
                         message=f"{label}: {Alert.Type(kind).label.lower()} in week {10 + i % 40}")  # fmt: skip

    old = [condition(i, severities[int(rng.integers(0, 2))]) for i in range(OLD_ALERTS)]
    reconcile([], old)
    days_ago = now - timedelta(days=3)
    keys = [c.key for c in old]
    Alert.objects.filter(key__in=keys).update(created=days_ago, last_seen=days_ago)
    AlertOccurrence.objects.filter(alert__key__in=keys).update(at=days_ago)
    worse = {c.key: condition(i, Severity.CRITICAL) for i, c in enumerate(old) if i % 10 == 0}
    gone = {c.key for i, c in enumerate(old) if i % 15 == 7}
    reconcile(keys, [worse.get(c.key, c) for c in old if c.key not in gone])
    reconcile([], [condition(OLD_ALERTS + i, severities[int(rng.integers(0, 3))]) for i in range(NEW_ALERTS)])
    return Alert.objects.count()


def _users(rng: np.random.Generator, now: datetime) -> None:
    """1,000 users (bulk: a password hash each would take minutes) with daily subscriptions that are due now, their
    last digest sent just after yesterday's slot; the demo logins are switched off so every e-mail goes to a bench
    user."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    from sop_portal.alerts import digests
    from sop_portal.alerts.models import Frequency, Severity, Subscription
    from sop_portal.alerts.subscriptions import DEPARTMENT_TYPES, subscription_for, update_subscription
    from sop_portal.organisation.models import Department, Membership, Role

    user_model = get_user_model()
    for demo in user_model.objects.all():
        subscription_for(demo)
        update_subscription(demo, frequency=Frequency.OFF)
    unusable = make_password(None)
    user_model.objects.bulk_create(
        [user_model(username=f"user{i:04d}", email=f"user{i:04d}@example.com", first_name="User", last_name=f"{i:04d}",
                    password=unusable) for i in range(USERS)],
        batch_size=500,
    )  # fmt: skip
    users = list(user_model.objects.filter(username__startswith="user").order_by("username"))
    departments = {d.code: d for d in Department.objects.all()}
    codes = list(DEPARTMENT_SHARES)
    first = rng.choice(len(codes), size=USERS, p=list(DEPARTMENT_SHARES.values()))
    roles = rng.choice([Role.VIEWER, Role.PLANNER, Role.PLANNER, Role.APPROVER], size=USERS)
    memberships, subscriptions = [], []
    for i, user in enumerate(users):
        mine = sorted({codes[first[i]], *([codes[(first[i] + 1 + i) % len(codes)]] if i % 10 == 0 else [])})
        memberships += [Membership(user=user, department=departments[c], role=int(roles[i])) for c in mine]
        zone = TIME_ZONES[i % len(TIME_ZONES)]
        local = now.astimezone(ZoneInfo(zone))
        at = (local - timedelta(minutes=int(rng.integers(1, 240)))).time().replace(second=0, microsecond=0)
        subscription = Subscription(
            user=user, departments=mine, alert_types=sorted({str(t) for c in mine for t in DEPARTMENT_TYPES[c]}),
            min_severity=Severity.CRITICAL if roles[i] == Role.APPROVER else Severity.WARNING,
            frequency=Frequency.DAILY, time_of_day=at, weekday=0, time_zone=zone,
        )  # fmt: skip
        slot = digests.last_slot(subscription, now)
        assert slot is not None
        yesterday = slot - timedelta(days=1)  # sent by the first beat run after it (every 5 minutes)
        subscription.last_digest_at = yesterday + timedelta(minutes=5 - yesterday.minute % 5)
        subscriptions.append(subscription)
    Membership.objects.bulk_create(memberships, batch_size=500)
    Subscription.objects.bulk_create(subscriptions, batch_size=500)


def _count_smtp_connections() -> list[int]:
    """How many SMTP connections the portal opens (client side: each smtplib connect)."""
    import smtplib

    opened = [0]
    connect = smtplib.SMTP.connect

    def counted(self: smtplib.SMTP, *args: Any, **kwargs: Any) -> Any:
        opened[0] += 1
        return connect(self, *args, **kwargs)

    smtplib.SMTP.connect = counted  # type: ignore[method-assign]
    return opened


def main() -> None:
    os.environ.pop("REDIS_URL", None)  # tasks in-process: the timing is the portal's work, not a broker's
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    controller, inbox = _smtp_server()
    try:
        database = setup_django()
        _run(database, inbox)
    finally:
        controller.stop()


def _run(database: str, inbox: Inbox) -> None:
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from production.models import MpsRevision
    from sop_portal.alerts import digests, outbox
    from sop_portal.alerts.models import OutboundEmail

    rng = np.random.default_rng(2027)
    call_command("seed_demo", skus=SKUS, quiet=True, stdout=open(os.devnull, "w"))  # noqa: SIM115
    now = timezone.now()
    # The initial plan is older than the last digests; the campaign, returns and manual revisions came since.
    MpsRevision.objects.filter(trigger=MpsRevision.Trigger.INITIAL).update(created=now - timedelta(days=30))
    _replan_by_hand(rng)
    alerts = _alerts(rng, now)
    _users(rng, datetime.now(UTC))
    revisions = MpsRevision.objects.filter(created__gt=now - timedelta(days=1)).count()

    connections = _count_smtp_connections()
    queries = [0]

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        queries[0] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        started, cpu_started = time.perf_counter(), time.process_time()
        queued = digests.queue_due_digests()  # each batch is sent once it commits (tasks run in-process)
        outbox.deliver_due()  # any the batch tasks left: none unless SMTP failed
        inbox.wait_for(queued, 60)
        seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started

    sent = OutboundEmail.objects.filter(status=OutboundEmail.Status.SENT, attempts=1).count()
    expected = {email.headers["Message-ID"] for email in OutboundEmail.objects.all()}
    assert queued == USERS == sent, f"{queued} digests queued and {sent} sent for {USERS} users"
    assert set(inbox.message_ids) == expected, "the server got other messages than the outbox holds"
    repeated = {mid: n for mid, n in inbox.message_ids.items() if n != 1}
    assert not repeated, f"{len(repeated)} messages arrived more than once"
    bodies = list(OutboundEmail.objects.values_list("text_body", "html_body"))
    lines = np.mean([sum(text.count(k) for k in ("\nNEW ", "\nWORSE ", "\nRESOLVED ")) for text, _ in bodies])
    kilobytes = np.mean([len(text) + len(html) for text, html in bodies]) / 1000
    print(
        f"BENCH digests users={USERS} seconds={seconds:.2f} emails={sum(inbox.message_ids.values())} "
        f"cpu_seconds={cpu_seconds:.2f} "
        f"database={database} alerts={alerts} mps_revisions={revisions} queries={queries[0]} "
        f"smtp_connections={connections[0]} alerts_per_digest={lines:.1f} kb_per_digest={kilobytes:.0f} "
        f"target_seconds={TARGET_SECONDS:g}"
    )


if __name__ == "__main__":
    main()
