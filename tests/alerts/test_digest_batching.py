"""Digests built in batches and sent in batches: a run's queries do not grow with its users, each digest is written
once under its key, and many e-mails go out over one SMTP connection, each still claimed on its own."""

import re
import smtplib
from datetime import date, time, timedelta

import pytest
from django.utils import timezone

from production.causes import Cause
from production.models import MpsItem, MpsItemChange, MpsRevision, Plant
from sop_portal.alerts import digests, mps_changes, outbox, tasks
from sop_portal.alerts.models import OutboundEmail, Severity, Subscription
from sop_portal.alerts.subscriptions import subscription_for, update_subscription
from sop_portal.organisation.models import Role
from sop_testing.local import free_port
from tests.factories import make_product, make_user

pytestmark = pytest.mark.django_db

# A run: users lacking a subscription, the candidates, the MPS changes; then per batch its savepoint, subscriptions,
# alerts and their history, department names, the windows moved, the keys already written, the e-mails (14 today).
MAX_QUERIES = 16


@pytest.fixture(autouse=True)
def _quick_passwords(settings):
    # Users are made by the dozen here and never log in: a slow password hash would only slow the tests.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def daily_user(username: str, department: str):
    user = make_user(username, departments={department: Role.PLANNER})
    subscription_for(user)
    update_subscription(user, frequency="daily", time_of_day=time(0, 0), time_zone="UTC", min_severity=Severity.INFO,
                        alert_types=[])  # fmt: skip
    Subscription.objects.filter(user=user).update(last_digest_at=timezone.now() - timedelta(days=1))
    return user


@pytest.fixture
def smtp_connections(monkeypatch) -> list[int]:
    """How many SMTP connections the portal opens."""
    opened = [0]
    connect = smtplib.SMTP.connect

    def counted(self, *args, **kwargs):
        opened[0] += 1
        return connect(self, *args, **kwargs)

    monkeypatch.setattr(smtplib.SMTP, "connect", counted)
    return opened


@pytest.fixture
def plan_and_alerts(raise_alert):
    """Something for every department to read: alerts of three departments and an MPS revision since yesterday."""
    for i, department in enumerate(("operations", "marketing", "sales")):
        raise_alert(f"a{i}", severity=Severity.WARNING, departments=(department,), label=f"Line {i}")
        raise_alert(f"b{i}", severity=Severity.CRITICAL, departments=(department, "finance"), label=f"Hall {i}")
    plant = Plant.objects.create(code="p", name="Plant")
    cause = Cause("manual", "user:olga", "Replan requested by olga").as_json()
    revision = MpsRevision.objects.create(number=1, trigger="manual", causes=[cause], first_week=date(2027, 3, 1))
    MpsItemChange.objects.bulk_create(
        MpsItemChange(revision=revision, item=MpsItem.objects.create(product=make_product(f"SKU-{i}"), plant=plant),
                      cells={"mps": {"weeks": [i], "old": [0], "new": [10 * i + 10]}}, cell_count=1, causes=[cause])
        for i in range(8)
    )  # fmt: skip


def queries_to_queue(n: int, prefix: str, django_assert_max_num_queries, batch: int = digests.BATCH) -> int:
    users = [daily_user(f"{prefix}{i}", ("operations", "marketing", "sales")[i % 3]) for i in range(n)]
    with django_assert_max_num_queries(MAX_QUERIES * -(-n // batch)) as captured:
        assert digests.queue_due_digests(batch=batch) == n
    Subscription.objects.filter(user__in=users).update(frequency="off")  # out of the next run
    return len(captured)


def test_the_queries_of_a_run_do_not_grow_with_its_users(plan_and_alerts, django_assert_max_num_queries):
    assert queries_to_queue(40, "many", django_assert_max_num_queries) == queries_to_queue(
        4, "few", django_assert_max_num_queries
    )
    emails = OutboundEmail.objects.filter(recipient__startswith="many")
    assert emails.count() == 40
    operations = emails.filter(recipient__in=[f"many{i}@example.com" for i in range(0, 40, 3)])
    assert {e.subject for e in operations} == {"Daily S&OP alerts: 2 new, 0 worse, 0 resolved; 8 MPS changes"}


def test_the_queries_grow_with_the_batches_not_the_users(plan_and_alerts, django_assert_max_num_queries):
    three_small_batches = queries_to_queue(12, "small", django_assert_max_num_queries, batch=4)
    assert three_small_batches == queries_to_queue(24, "large", django_assert_max_num_queries, batch=8)
    assert three_small_batches > queries_to_queue(24, "one", django_assert_max_num_queries)


def test_each_digest_is_written_once_under_its_key_and_every_window_moves(plan_and_alerts):
    users = [daily_user(f"u{i}", "operations") for i in range(3)]
    now = timezone.now()
    today = now.date().isoformat()
    taken = f"digest:{users[0].pk}:daily:{today}"  # written by an earlier run whose window was then reset
    outbox.queue_email(dedupe_key=taken, recipient="u0@example.com", subject="earlier", text_body="t", send_now=False)
    assert digests.queue_due_digests(now) == 2
    assert sorted(OutboundEmail.objects.values_list("dedupe_key", "subject")) == sorted(
        [(taken, "earlier")]
        + [(f"digest:{u.pk}:daily:{today}", "Daily S&OP alerts: 2 new, 0 worse, 0 resolved; 8 MPS changes")
           for u in users[1:]]
    )  # fmt: skip
    assert set(Subscription.objects.filter(user__in=users).values_list("last_digest_at", flat=True)) == {now}
    assert digests.queue_due_digests(now + timedelta(minutes=5)) == 0
    assert OutboundEmail.objects.count() == 3


def test_the_beat_task_hands_each_batch_to_a_task_and_a_batch_built_twice_writes_nothing(plan_and_alerts, monkeypatch):
    users = [daily_user(f"u{i}", ("operations", "marketing")[i % 2]) for i in range(5)]
    subscriptions = list(Subscription.objects.filter(user__in=users).order_by("pk").values_list("pk", flat=True))
    monkeypatch.setattr(digests, "BATCH", 2)
    handed: list[tuple[list[int], dict]] = []
    monkeypatch.setattr(tasks.queue_digest_batch, "delay", lambda ids, run: handed.append((ids, run)))
    loads = []
    load = mps_changes.load

    def counted_load(since, until):
        loads.append(since)
        return load(since, until)

    monkeypatch.setattr(mps_changes, "load", counted_load)

    assert tasks.queue_digests() == 5
    assert [ids for ids, _ in handed] == [subscriptions[:2], subscriptions[2:4], subscriptions[4:]]
    assert OutboundEmail.objects.count() == 0  # nothing is built until the batches' tasks run

    assert [tasks.queue_digest_batch(ids, run) for ids, run in handed] == [2, 2, 1]
    today = timezone.now().date().isoformat()
    assert sorted(OutboundEmail.objects.values_list("dedupe_key", flat=True)) == sorted(
        f"digest:{u.pk}:daily:{today}" for u in users
    )
    assert len(loads) == 1  # the run's MPS changes are read once by the process building its batches
    ids, run = handed[0]
    assert tasks.queue_digest_batch(ids, run) == 0  # a redelivered batch: its users are no longer due
    assert OutboundEmail.objects.count() == 5
    assert tasks.queue_digests() == 0  # and the next beat finds nobody due


def test_queue_emails_leaves_out_keys_already_written():
    outbox.queue_email(dedupe_key="k1", recipient="a@example.com", subject="first", text_body="t", send_now=False)
    written = outbox.queue_emails(
        [{"dedupe_key": key, "recipient": "b@example.com", "subject": subject, "text_body": "t"}
         for key, subject in (("k1", "again"), ("k2", "new"), ("k2", "twice in one batch"), ("k3", "new"))],
        send_now=False,
    )  # fmt: skip
    assert [(e.dedupe_key, e.subject) for e in written] == [("k2", "new"), ("k3", "new")]
    assert all(e.pk for e in written)
    assert sorted(OutboundEmail.objects.values_list("dedupe_key", "subject")) == [
        ("k1", "first"), ("k2", "new"), ("k3", "new")
    ]  # fmt: skip
    assert OutboundEmail.objects.get(dedupe_key="k2").headers == {"Message-ID": outbox.message_id("k2")}


def queue(n: int) -> list[int]:
    emails = outbox.queue_emails(
        [{"dedupe_key": f"k{i}", "recipient": f"u{i}@example.com", "subject": f"s{i}", "text_body": "t",
          "html_body": f"<p>{i}</p>"} for i in range(n)],
        send_now=False,
    )  # fmt: skip
    return [e.pk for e in emails]


def test_the_due_emails_go_out_over_one_smtp_connection(smtp_mailbox, smtp_connections):
    queue(5)
    assert outbox.deliver_due() == 5
    assert smtp_connections == [1]
    assert sorted(m.rcpt_tos[0] for m in smtp_mailbox) == [f"u{i}@example.com" for i in range(5)]
    assert sorted(m.message["Message-ID"] for m in smtp_mailbox) == sorted(outbox.message_id(f"k{i}") for i in range(5))
    # Each multipart message has a boundary of its own, 128 random bits drawn when it is sent.
    boundaries = {m.message.get_boundary() for m in smtp_mailbox}
    assert len(boundaries) == 5
    assert all(re.fullmatch(r"=_[0-9a-f]{32}", b or "") for b in boundaries)
    assert set(OutboundEmail.objects.values_list("status", "attempts")) == {("sent", 1)}
    assert outbox.deliver_due() == 0
    assert smtp_connections == [1]  # nothing due: no connection opened


def test_a_batch_is_sent_after_commit_by_one_task_over_one_connection(
    smtp_mailbox, smtp_connections, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        outbox.queue_emails(
            [{"dedupe_key": f"k{i}", "recipient": f"u{i}@example.com", "subject": "s", "text_body": "t"}
             for i in range(3)]
        )  # fmt: skip
        assert smtp_mailbox == []  # nothing leaves before the transaction commits
    assert sorted(m.rcpt_tos[0] for m in smtp_mailbox) == ["u0@example.com", "u1@example.com", "u2@example.com"]
    assert smtp_connections == [1]


def test_a_batch_skips_what_another_worker_claimed_or_sent(smtp_mailbox):
    ids = queue(4)
    taken = outbox.claim(ids[0])  # another worker is sending it
    assert taken is not None
    assert outbox.deliver_many(ids[3:]) == 1  # sent by an earlier delivery of the same task
    assert outbox.deliver_many(ids) == 2
    assert sorted(m.rcpt_tos[0] for m in smtp_mailbox) == ["u1@example.com", "u2@example.com", "u3@example.com"]
    assert sorted(OutboundEmail.objects.values_list("dedupe_key", "status", "attempts")) == [
        ("k0", "sending", 1), ("k1", "sent", 1), ("k2", "sent", 1), ("k3", "sent", 1)
    ]  # fmt: skip


def test_a_batch_stops_at_the_first_smtp_failure_and_the_rest_wait(smtp_mailbox, settings):
    ids = queue(3)
    settings.EMAIL_PORT = free_port()  # nothing listens there: SMTP is down
    now = timezone.now()
    assert outbox.deliver_many(ids, now) == 0
    first = OutboundEmail.objects.get(pk=ids[0])
    assert (first.status, first.attempts, first.next_attempt_at) == ("queued", 1, now + timedelta(seconds=30))
    assert first.last_error.startswith("ConnectionRefusedError")
    assert list(OutboundEmail.objects.filter(pk__in=ids[1:]).values_list("status", "attempts")) == [("queued", 0)] * 2
    assert smtp_mailbox == []
