"""SIGKILL of the worker in the middle of sending e-mail, on real services: PostgreSQL, Redis, a Celery worker
process and an SMTP server (aiosmtpd).

The kill is placed exactly, by the SMTP server itself: when the third message has arrived it kills the worker
before answering 250. The server has the message; the worker never learned it was accepted, so its row is still
"sending" with a claim (lease) that runs out. This is the one gap the outbox documents (outbox.py): the e-mail
is sent again after the lease, once, with the same Message-ID, so mail clients show it once. Every other e-mail
(sent before the kill, or still queued) arrives exactly once.
"""

import os
import signal
import time
from collections import Counter
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any, cast

import pytest
from django.db import transaction

from sop_portal.alerts import outbox
from sop_portal.alerts.models import OutboundEmail
from sop_testing.local import free_port, wait_until

pytestmark = [pytest.mark.services, pytest.mark.slow, pytest.mark.django_db(transaction=True)]
EMAILS = 8
KILL_AT = 3  # the worker dies while the server holds this message, before its 250 reply
# Short claim so the restarted worker may take the in-flight e-mail over within seconds (the default is 120 s).
WORKER_ENV = {"EMAIL_CLAIM_SECONDS": "3", "CELERY_VISIBILITY_TIMEOUT": "4"}


class KillingSmtpServer:
    """Keeps every message it receives; on the KILL_AT-th, SIGKILLs `victim` (a worker pid) before answering."""

    def __init__(self, port: int) -> None:
        self.host, self.port = "127.0.0.1", port
        self.received: list[EmailMessage] = []
        self.victim: int | None = None
        self.in_flight = ""  # Message-ID of the message whose sender was killed

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = cast(EmailMessage, message_from_bytes(envelope.content, policy=policy.default))
        self.received.append(message)
        if len(self.received) == KILL_AT and self.victim is not None:
            self.in_flight = message["Message-ID"]
            os.kill(self.victim, signal.SIGKILL)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp() -> Iterator[KillingSmtpServer]:
    from aiosmtpd.controller import Controller

    server = KillingSmtpServer(free_port())
    controller = Controller(server, hostname=server.host, port=server.port)
    controller.start()
    yield server
    controller.stop()


def redis_client() -> Any:
    import redis
    from django.conf import settings

    return redis.Redis.from_url(settings.CELERY_BROKER_URL)


def broker_idle() -> bool:
    """No task message waiting, or delivered and not yet acknowledged: nothing can still send."""
    return redis_client().llen("celery") == 0 and redis_client().hlen("unacked") == 0


def redeliver_unacknowledged() -> None:
    """Put the dead worker's unacknowledged messages back in the queue: what Redis's visibility timeout does on its
    own, but kombu looks only every 10 times 10 s, too long to wait for in a test."""
    from sop_portal.celery import app

    with app.connection_for_write() as connection:
        qos = cast(Any, connection.default_channel).qos  # the Redis transport's channel
        for tag in redis_client().hkeys("unacked"):
            qos.restore_by_tag(tag.decode())


def sweep_until_all_sent(timeout: float) -> None:
    from sop_portal.alerts.tasks import deliver_due_emails

    deadline = time.monotonic() + timeout
    while OutboundEmail.objects.exclude(status="sent").exists():
        if time.monotonic() > deadline:
            left = list(OutboundEmail.objects.exclude(status="sent").values_list("pk", "status", "claimed_until"))
            raise TimeoutError(f"e-mails still not sent after {timeout:.0f} s: {left}")
        deliver_due_emails.delay()  # what beat does every 30 s: send what is due, including expired claims
        time.sleep(1)


def one_task_each(emails: list[dict[str, Any]]) -> None:
    for email in emails:
        outbox.queue_email(**email)


def one_task_for_all(emails: list[dict[str, Any]]) -> None:
    outbox.queue_emails(emails)


# Both ways e-mail leaves: a task per e-mail (an immediate alert) and one task for a run of digests.
@pytest.mark.parametrize("queue", [one_task_each, one_task_for_all], ids=["task-per-email", "batch-task"])
def test_sigkill_mid_send_loses_nothing_and_resends_only_the_in_flight_email_with_its_message_id(
    smtp, celery_worker_process, queue
):
    env = {**WORKER_ENV, "EMAIL_HOST": smtp.host, "EMAIL_PORT": str(smtp.port)}
    worker = celery_worker_process(include=("sop_portal.alerts.tasks",), **env)
    smtp.victim = worker.pid
    emails = [{"dedupe_key": f"sigkill:{i}", "recipient": f"u{i}@example.com", "subject": f"Alert {i}",
               "text_body": f"Body {i}"} for i in range(EMAILS)]  # fmt: skip
    with transaction.atomic():  # the send tasks are enqueued on commit
        queue(emails)
    message_ids = {outbox.message_id(f"sigkill:{i}") for i in range(EMAILS)}

    wait_until(lambda: worker.process.poll() is not None, 30, "the SMTP server to kill the worker mid-send")
    assert worker.process.returncode == -signal.SIGKILL
    # The crash as it stands: two sent and recorded, one accepted by the server but not recorded, five queued.
    assert [m["Message-ID"] for m in smtp.received][-1] == smtp.in_flight
    assert Counter(OutboundEmail.objects.values_list("status", flat=True)) == {"sent": 2, "sending": 1, "queued": 5}
    assert OutboundEmail.objects.get(status="sending").headers["Message-ID"] == smtp.in_flight

    smtp.victim = None
    celery_worker_process(include=("sop_portal.alerts.tasks",), **env)

    sweep_until_all_sent(60)
    # The killed worker's send task comes back from Redis (after the visibility timeout, whenever kombu next looks,
    # or now) and finds its e-mail sent.
    redeliver_unacknowledged()
    wait_until(broker_idle, 30, "the worker to finish the re-delivered task")

    arrived = Counter(m["Message-ID"] for m in smtp.received)
    assert arrived == {**dict.fromkeys(message_ids, 1), smtp.in_flight: 2}
    first, second = [m for m in smtp.received if m["Message-ID"] == smtp.in_flight]
    assert (second["Subject"], second["To"], second.get_content()) == (first["Subject"], first["To"],
                                                                       first.get_content())  # fmt: skip
    rows = OutboundEmail.objects.values_list("headers__Message-ID", "status", "attempts")
    assert sorted(rows) == sorted((m, "sent", 2 if m == smtp.in_flight else 1) for m in message_ids)
