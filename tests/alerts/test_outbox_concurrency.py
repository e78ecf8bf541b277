"""The outbox on real services: two workers draining it at once, and a Celery worker process sending after commit."""

import threading
import time

import pytest
from django.db import connection, connections, transaction

from sop_portal.alerts import outbox
from sop_portal.alerts.models import OutboundEmail
from sop_testing.local import wait_until

pytestmark = [pytest.mark.services, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_two_workers_never_send_the_same_email(smtp_mailbox):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent claims need PostgreSQL (SQLite serialises writers)")
    for i in range(40):
        outbox.queue_email(dedupe_key=f"k{i}", recipient=f"u{i}@example.com", subject=f"s{i}", text_body="t",
                           send_now=False)  # fmt: skip
    sent: list[int] = []
    start = threading.Barrier(2)

    def worker() -> None:
        try:
            start.wait()
            sent.append(outbox.deliver_due())
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sum(sent) == 40
    assert sorted(m.rcpt_tos[0] for m in smtp_mailbox) == sorted(f"u{i}@example.com" for i in range(40))
    assert set(OutboundEmail.objects.values_list("status", "attempts")) == {("sent", 1)}


def test_an_email_queued_in_a_transaction_is_sent_by_a_real_worker_after_commit(
    smtp_server, smtp_mailbox, celery_worker_process
):
    celery_worker_process(
        include=("sop_portal.alerts.tasks",), EMAIL_HOST=smtp_server.host, EMAIL_PORT=str(smtp_server.port)
    )
    with transaction.atomic():
        email = outbox.queue_email(dedupe_key="k", recipient="mia@example.com", subject="Hello", text_body="t")
        assert email is not None
        time.sleep(0.3)
        assert smtp_mailbox == []  # nothing leaves before the transaction commits
    wait_until(lambda: OutboundEmail.objects.get(pk=email.pk).status == "sent", 30, "the worker to send it")
    assert [(m.rcpt_tos, m.message["Subject"]) for m in smtp_mailbox] == [(["mia@example.com"], "Hello")]
    assert OutboundEmail.objects.get(pk=email.pk).attempts == 1
