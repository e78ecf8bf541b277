"""1,000 users' daily digests built and sent to a real SMTP server, timed from "queue the digests" to the last
message accepted by the server.

As in production: PostgreSQL, Redis as the broker, and a Celery worker process with two worker processes of its own
(the private servers of the test suite, started from .local/ if needed and stopped afterwards if nobody else uses
them). The beat task `queue_digests` hands each batch of due users to a task; each batch, once committed, is sent
by a task of its own over one SMTP connection, every e-mail claimed on its own. The SMTP server is aiosmtpd in a
process of its own (`benchmarks.smtp_counter`), writing down each message's Message-ID: every message must arrive
exactly once.

The world: a fresh database with the demo company on 300 SKUs — its MPS revisions (the initial plan, two campaign
revisions, a returns batch) and its alerts — plus a manual replan, a few hundred alerts across departments, types
and severities (new, worse and resolved since the last digests), and 1,000 users across the departments whose daily
digest time has come, in several time zones. Prints:

    BENCH digests users=1000 seconds=... emails=1000 cpu_seconds=... workers=2 database=postgresql ...

cpu_seconds is the Celery worker's (all its processes); the SMTP server's and the database's are shown apart.
Without PostgreSQL or Redis installed the benchmark says so and is skipped.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

USERS = 1000
SKUS = 300
# A day's change to a few hundred alerts: most raised days ago and merely seen again since the last digests, one
# in ten of those worse and one in fifteen gone, forty new (and the demo's own, raised by its revisions).
OLD_ALERTS = 250
NEW_ALERTS = 40
TARGET_SECONDS = 10.0
# Worker processes of the Celery worker: one per core of the 2-core machines the target is set for.
WORKERS = 2
DATABASE = "sop_bench_digests"
SECRET_KEY = "bench-only-key-0123456789-abcdefghijklmnopqrstuvwxyz"
LOGS = Path(".local/logs")
# Each user's departments: the first by these shares, a second for one in ten.
DEPARTMENT_SHARES = {"operations": 0.3, "sales": 0.2, "marketing": 0.15, "warehouse": 0.15, "finance": 0.1,
                     "customer-service": 0.1}  # fmt: skip
TIME_ZONES = ["Europe/London", "Europe/Berlin", "America/New_York", "Asia/Singapore"]


class SmtpServer:
    """`benchmarks.smtp_counter` in a process of its own: what it accepted is a line per message in `received`."""

    def __init__(self) -> None:
        from sop_testing.local import free_port

        LOGS.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.received = LOGS / f"bench-digests-smtp-{os.getpid()}.txt"
        self.received.write_text("")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.smtp_counter", str(self.port), str(self.received)],
            stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True,
        )  # fmt: skip
        assert self.process.stdout is not None
        if self.process.stdout.readline().strip() != "ready":
            raise SystemExit("the benchmark's SMTP server did not start")

    def lines(self) -> list[tuple[str, str]]:
        """(client port, Message-ID) of each message accepted so far: one client port per SMTP connection."""
        return [tuple(line.split(" ", 1)) for line in self.received.read_text().splitlines()]  # type: ignore[misc]

    def wait_for(self, count: int, seconds: float) -> None:
        """Until `count` messages have arrived (or `seconds` passed), reading only what the server added since."""
        deadline, arrived = time.perf_counter() + seconds, 0
        with self.received.open("rb") as received:
            while arrived < count and time.perf_counter() < deadline:
                arrived += received.read().count(b"\n")
                time.sleep(0.01)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)
        self.received.unlink(missing_ok=True)


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


def _cpu_seconds(pids: list[int]) -> float:
    """User + system CPU these processes have used (Linux /proc; processes gone since count nothing)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def _family(pid: int) -> list[int]:
    """The process and its descendants."""
    parents: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            child, rest = int(stat.parent.name), stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, ValueError):
            continue
        parents.setdefault(int(rest[1]), []).append(child)
    family, todo = [], [pid]
    while todo:
        family.append(current := todo.pop())
        todo.extend(parents.get(current, []))
    return family


def _database() -> str:
    from sop_testing import leases

    # A slot of its own, leased like a pytest session's: test sessions leave its Redis database alone (slot + 1),
    # and two benchmark runs do not drop each other's database.
    return f"{DATABASE}_s{leases.session_slot()}"


def _services() -> tuple[str, str, int]:
    """The private PostgreSQL (a fresh database) and Redis (a database of this run's own): URLs and the port."""
    from sop_testing import leases, postgres, redis

    pg_port = postgres.ensure_running()
    _drop_database(pg_port)
    postgres.create_database(pg_port, _database())
    redis_port = redis.ensure_running()
    return postgres.url(pg_port, _database()), f"redis://127.0.0.1:{redis_port}/{leases.session_slot() + 1}", pg_port


def _drop_database(pg_port: int) -> None:
    import psycopg2

    admin = psycopg2.connect(host="127.0.0.1", port=pg_port, user="postgres", dbname="postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{_database()}" WITH (FORCE)')
    admin.close()


def _stop_services(pg_port: int | None) -> None:
    from sop_testing import leases, postgres, redis

    if pg_port is not None:
        from django.apps import apps

        if apps.ready:
            from django.db import connections

            connections.close_all()
        _drop_database(pg_port)

    def stop_servers() -> None:
        postgres.stop()
        redis.stop()

    leases.release_session(stop_servers)  # stopped unless a test session or `make services` still uses them


def _start_worker() -> subprocess.Popen[bytes]:
    """A Celery worker as in production: DEBUG off, `WORKERS` processes taking one task at a time, warmed up as a
    worker that has been running for a while is (`benchmarks.digest_worker`)."""
    log = LOGS / "bench-digests-worker.log"
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "benchmarks.digest_worker", "worker", "--pool", "prefork",
         "--concurrency", str(WORKERS), "--loglevel", "WARNING", "-n", f"bench-digests{os.getpid()}@%h",
         "--without-mingle", "--without-gossip", "--without-heartbeat"],
        env={**os.environ, "DEBUG": "0", "SECRET_KEY": SECRET_KEY},
        stdout=log.open("ab"), stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    from sop_portal.celery import app

    deadline = time.monotonic() + 60
    while not app.control.ping(timeout=0.5):
        if worker.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"the benchmark worker did not start; see {log}")
    return worker


def main() -> None:
    from sop_testing import postgres, redis

    if postgres.bindir() is None or redis.binary() is None:
        print("bench_digests skipped: it needs PostgreSQL and redis-server installed (apt-get install postgresql "
              "redis-server), as in production")  # fmt: skip
        return
    smtp = SmtpServer()
    pg_port = None
    try:
        database_url, redis_url, pg_port = _services()
        os.environ.update(
            DATABASE_URL=database_url, REDIS_URL=redis_url, EMAIL_HOST="127.0.0.1", EMAIL_PORT=str(smtp.port),
            DEBUG="1", DJANGO_SETTINGS_MODULE="sop_portal.settings", LOG_LEVEL="WARNING",
        )  # fmt: skip
        import django

        django.setup()
        import redis as redis_client
        from django.core.management import call_command

        redis_client.Redis.from_url(redis_url).flushdb()
        call_command("migrate", verbosity=0)
        _run(smtp)
    finally:
        smtp.stop()
        _stop_services(pg_port)


def _world() -> tuple[int, int]:
    """The demo company, a replan, the alerts and the users; (alerts, MPS revisions since the last digests)."""
    from django.core.management import call_command
    from django.utils import timezone

    from production.models import MpsRevision

    rng = np.random.default_rng(2027)
    call_command("seed_demo", skus=SKUS, quiet=True, stdout=open(os.devnull, "w"))  # noqa: SIM115
    now = timezone.now()
    # The initial plan is older than the last digests; the campaign, returns and manual revisions came since.
    MpsRevision.objects.filter(trigger=MpsRevision.Trigger.INITIAL).update(created=now - timedelta(days=30))
    _replan_by_hand(rng)
    alerts = _alerts(rng, now)
    _users(rng, datetime.now(UTC))
    return alerts, MpsRevision.objects.filter(created__gt=now - timedelta(days=1)).count()


def _postgres_pids() -> list[int]:
    from sop_testing import postgres

    try:
        postmaster = int((postgres.DATA / "postmaster.pid").read_text().splitlines()[0])
    except (OSError, ValueError, IndexError):
        return []
    return _family(postmaster)


def _run(smtp: SmtpServer) -> None:
    from sop_portal.alerts import tasks
    from sop_portal.alerts.models import OutboundEmail

    alerts, revisions = _world()
    worker = _start_worker()
    try:
        before = {
            name: _cpu_seconds(pids)
            for name, pids in (("worker", _family(worker.pid)), ("smtp", [smtp.process.pid]), ("db", _postgres_pids()))
        }
        started = time.perf_counter()
        tasks.queue_digests.delay()  # what beat does when the users' digest time has come
        smtp.wait_for(USERS, 120)
        seconds = time.perf_counter() - started
        cpu = {"worker": _cpu_seconds(_family(worker.pid)), "smtp": _cpu_seconds([smtp.process.pid]),
               "db": _cpu_seconds(_postgres_pids())}  # fmt: skip
        cpu = {name: cpu[name] - before[name] for name in cpu}  # a backend that left counts nothing either way
        # Whatever else would arrive (a duplicate) arrives while the worker finishes what it has.
        deadline = time.perf_counter() + 60
        while (
            OutboundEmail.objects.filter(status__in=["queued", "sending"]).exists() and time.perf_counter() < deadline
        ):
            time.sleep(0.05)
        time.sleep(0.5)
    finally:
        worker.terminate()
        worker.wait(timeout=60)

    received = smtp.lines()
    message_ids = Counter(mid for _, mid in received)
    sent = OutboundEmail.objects.filter(status=OutboundEmail.Status.SENT, attempts=1).count()
    expected = {email.headers["Message-ID"] for email in OutboundEmail.objects.all()}
    assert len(expected) == USERS == sent, f"{len(expected)} digests written and {sent} sent for {USERS} users"
    assert set(message_ids) == expected, "the server got other messages than the outbox holds"
    repeated = {mid: n for mid, n in message_ids.items() if n != 1}
    assert not repeated, f"{len(repeated)} messages arrived more than once"
    bodies = list(OutboundEmail.objects.values_list("text_body", "html_body"))
    lines = np.mean([sum(text.count(k) for k in ("\nNEW ", "\nWORSE ", "\nRESOLVED ")) for text, _ in bodies])
    kilobytes = np.mean([len(text) + len(html) for text, html in bodies]) / 1000
    print(
        f"BENCH digests users={USERS} seconds={seconds:.2f} emails={len(received)} cpu_seconds={cpu['worker']:.2f} "
        f"workers={WORKERS} database=postgresql smtp_cpu_seconds={cpu['smtp']:.2f} db_cpu_seconds={cpu['db']:.2f} "
        f"alerts={alerts} mps_revisions={revisions} smtp_connections={len({port for port, _ in received})} "
        f"alerts_per_digest={lines:.1f} kb_per_digest={kilobytes:.0f} target_seconds={TARGET_SECONDS:g}"
    )


if __name__ == "__main__":
    main()
