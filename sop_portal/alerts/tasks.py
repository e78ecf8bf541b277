"""Thin Celery tasks of the alerts app: send one e-mail, a batch, every due one; queue the digests that are due, a
batch of users per task."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from . import digests, outbox


@shared_task(name="sop_portal.alerts.tasks.send_email", acks_late=True, reject_on_worker_lost=True,
             ignore_result=True)  # fmt: skip
def send_email(email_id: int) -> bool:
    # A duplicate message finds the e-mail claimed or sent and does nothing; a failure is retried by the beat task.
    return outbox.deliver(email_id)


@shared_task(name="sop_portal.alerts.tasks.send_emails", acks_late=True, reject_on_worker_lost=True,
             ignore_result=True)  # fmt: skip
def send_emails(email_ids: list[int]) -> int:
    # A batch written together (a run of digests), sent over one SMTP connection; each e-mail is still claimed on
    # its own, so a redelivered message re-sends none that went out, and a failure is retried by the beat task.
    return outbox.deliver_many(email_ids)


@shared_task(name="sop_portal.alerts.tasks.deliver_due_emails", acks_late=True, ignore_result=True)
def deliver_due_emails() -> int:
    """Beat: every e-mail that is due — new ones whose task was lost, retries after SMTP was down."""
    return outbox.deliver_due()


@shared_task(name="sop_portal.alerts.tasks.queue_digests", acks_late=True, ignore_result=True)
def queue_digests() -> int:
    """Beat: find the users whose digest time has come and hand each batch of them to a task of its own, so the
    workers build (and then send) the batches side by side. Returns how many users are due."""
    run = digests.plan_run()
    if run is None:
        return 0
    for subscription_ids in run.batches:
        queue_digest_batch.delay(subscription_ids, run.header())
    return sum(len(ids) for ids in run.batches)


@shared_task(name="sop_portal.alerts.tasks.queue_digest_batch", acks_late=True, reject_on_worker_lost=True,
             ignore_result=True)  # fmt: skip
def queue_digest_batch(subscription_ids: list[int], run: dict[str, Any]) -> int:
    # Safe to run twice: the batch locks its users and writes only those still due, under unique keys, moving
    # their windows in the same transaction; its e-mails are sent by a task of their own once it commits.
    return digests.queue_batch(subscription_ids, run)
