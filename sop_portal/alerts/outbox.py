"""The e-mail outbox: the only writer of OutboundEmail. Queue in the caller's transaction, claim with one
conditional UPDATE (so two workers never send the same e-mail), send through Django's mail backend, and on an
SMTP or network error put it back with exponential backoff.

A worker killed after the SMTP server accepted a message but before it recorded "sent" leaves a claim that runs
out; the message is then sent again. Its Message-ID is derived from the dedupe key, so the copy is recognisable.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import smtplib
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from .models import OutboundEmail

log = logging.getLogger(__name__)
Status = OutboundEmail.Status


def _config(name: str) -> float:
    return float(settings.EMAIL_OUTBOX[name])


def backoff(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed try: 30 s, 1 min, 2 min, … at most an hour (settings.EMAIL_OUTBOX)."""
    seconds = _config("retry_seconds") * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, _config("max_retry_seconds")))


def message_id(dedupe_key: str) -> str:
    return f"<{hashlib.sha256(dedupe_key.encode()).hexdigest()[:32]}@sop-portal>"


def queue_email(
    *, dedupe_key: str, recipient: str, subject: str, text_body: str, html_body: str = "",
    headers: dict[str, str] | None = None, user: Any = None, send_now: bool = True,
) -> OutboundEmail | None:  # fmt: skip
    """Write the e-mail in the caller's transaction; None when one with this key exists already (not sent twice).

    With `send_now` a task is asked to send it once the transaction commits; if that message is lost, the beat
    task `deliver_due_emails` finds the row anyway.
    """
    try:
        with transaction.atomic():
            email = OutboundEmail.objects.create(
                dedupe_key=dedupe_key, user=user, recipient=recipient, subject=subject[:300], text_body=text_body,
                html_body=html_body, headers={"Message-ID": message_id(dedupe_key), **(headers or {})},
                next_attempt_at=timezone.now(),
            )  # fmt: skip
    except IntegrityError:
        return None
    if send_now:
        email_id = email.pk
        transaction.on_commit(lambda: _send_task(email_id))
    return email


def _send_task(email_id: int) -> None:
    from .tasks import send_email

    send_email.delay(email_id)


def _due(now: datetime) -> Q:
    # Queued and its time has come, or claimed by a worker whose claim ran out (it died mid-send).
    return Q(status=Status.QUEUED, next_attempt_at__lte=now) | Q(status=Status.SENDING, claimed_until__lt=now)


def claim(email_id: int, now: datetime | None = None) -> OutboundEmail | None:
    """Take this e-mail for this worker if it is due: one conditional UPDATE, so only one worker gets it."""
    now = now or timezone.now()
    taken = OutboundEmail.objects.filter(_due(now), pk=email_id).update(
        status=Status.SENDING, attempts=F("attempts") + 1,
        claimed_until=now + timedelta(seconds=_config("claim_seconds")),
    )  # fmt: skip
    return OutboundEmail.objects.get(pk=email_id) if taken else None


def claim_next(now: datetime | None = None) -> OutboundEmail | None:
    """The next due e-mail, claimed; None when nothing is due. A candidate another worker took first is skipped."""
    now = now or timezone.now()
    for _ in range(20):
        candidates = list(OutboundEmail.objects.filter(_due(now)).order_by("next_attempt_at", "pk")
                          .values_list("pk", flat=True)[:10])  # fmt: skip
        if not candidates:
            return None
        for email_id in candidates:
            email = claim(email_id, now)
            if email is not None:
                return email
    return None


def _message(email: OutboundEmail, connection: Any) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=email.subject, body=email.text_body, to=[email.recipient], headers=email.headers,
        connection=connection,
    )  # fmt: skip
    if email.html_body:
        message.attach_alternative(email.html_body, "text/html")
    return message


def send_claimed(email: OutboundEmail, connection: Any = None, now: datetime | None = None) -> bool:
    """Send an e-mail this worker claimed. True when sent; on an SMTP or network error it is put back for a
    retry after `backoff` (or marked failed after the last attempt) and False is returned."""
    try:
        _message(email, connection or get_connection()).send()
    except (smtplib.SMTPException, OSError) as exc:
        failed = email.attempts >= _config("max_attempts")
        retry_at = (now or timezone.now()) + backoff(email.attempts)
        OutboundEmail.objects.filter(pk=email.pk, status=Status.SENDING, attempts=email.attempts).update(
            status=Status.FAILED if failed else Status.QUEUED, next_attempt_at=retry_at, claimed_until=None,
            last_error=f"{type(exc).__name__}: {exc}"[:2000],
        )  # fmt: skip
        log.warning("email %s to %s not sent (attempt %s): %s", email.pk, email.recipient, email.attempts, exc)
        return False
    # Conditional on our claim, so a worker whose claim ran out cannot overwrite a newer attempt's outcome.
    OutboundEmail.objects.filter(pk=email.pk, status=Status.SENDING, attempts=email.attempts).update(
        status=Status.SENT, sent_at=timezone.now(), claimed_until=None, last_error=""
    )
    return True


def deliver(email_id: int) -> bool:
    """Send one e-mail if it is due and nobody else has it (the task that follows queue_email)."""
    email = claim(email_id)
    return send_claimed(email) if email is not None else False


def deliver_due(now: datetime | None = None, limit: int = 10_000) -> int:
    """Send every due e-mail over one SMTP connection; stops at the first connection failure (the rest wait for
    their retry). Returns how many were sent."""
    now = now or timezone.now()
    sent = 0
    connection = get_connection()
    try:
        for _ in range(limit):
            email = claim_next(now)
            if email is None:
                break
            if send_claimed(email, connection, now):
                sent += 1
            else:
                break  # SMTP is down: don't hammer it with every other e-mail now
    finally:
        with contextlib.suppress(smtplib.SMTPException, OSError):
            connection.close()
    return sent
