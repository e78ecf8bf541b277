"""The e-mail outbox: the only writer of OutboundEmail. Queue in the caller's transaction, claim with one
conditional UPDATE (so two workers never send the same e-mail), send through Django's mail backend, and on an
SMTP or network error put it back with exponential backoff.

A worker killed after the SMTP server accepted a message but before it recorded "sent" leaves a claim that runs
out; the message is then sent again. Its Message-ID is derived from the dedupe key, so the copy is recognisable.

Many e-mails at once (a run of digests) are written with one INSERT (`queue_emails`) and sent by one task over one
SMTP connection (`deliver_many`); each is still claimed on its own and marked sent as soon as the server took it,
so a killed worker leaves at most the one message it was sending to go out twice.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import secrets
import smtplib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, transaction
from django.db import connection as database
from django.db.models import F, Field, Q
from django.utils import timezone

from .models import OutboundEmail

log = logging.getLogger(__name__)
Status = OutboundEmail.Status
# E-mails read at a time when sending many: the claims stay one per e-mail, the reads are a page.
PAGE = 100


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


def _row(email: Mapping[str, Any], now: datetime) -> OutboundEmail:
    return OutboundEmail(
        dedupe_key=email["dedupe_key"], user=email.get("user"), recipient=email["recipient"],
        subject=email["subject"][:300], text_body=email["text_body"], html_body=email.get("html_body", ""),
        headers={"Message-ID": message_id(email["dedupe_key"]), **(email.get("headers") or {})}, next_attempt_at=now,
    )  # fmt: skip


def queue_emails(emails: Sequence[Mapping[str, Any]], *, send_now: bool = True) -> list[OutboundEmail]:
    """Write many e-mails (the keyword arguments of `queue_email`, one dict each) in the caller's transaction with
    one INSERT; those whose key exists already are left out, as `queue_email` leaves them. Returns the new rows.

    With `send_now` one task sends them all over one SMTP connection once the transaction commits (one task per
    e-mail would open a connection each); the beat task `deliver_due_emails` finds any it did not send.
    """
    if not emails:
        return []
    keys = [e["dedupe_key"] for e in emails]
    taken = set(OutboundEmail.objects.filter(dedupe_key__in=keys).values_list("dedupe_key", flat=True))
    now = timezone.now()
    rows = []
    for email in emails:
        if email["dedupe_key"] not in taken:
            taken.add(email["dedupe_key"])
            rows.append(_row(email, now))
    if not rows:
        return []
    try:
        with transaction.atomic():
            created = OutboundEmail.objects.bulk_create(rows)
    except IntegrityError:  # a key was written by someone else since the look-up: one by one, skipping it
        created = [e for e in (_queue_one(row) for row in rows) if e is not None]
    if created and created[0].pk is None:  # a database that does not return ids from a bulk INSERT
        created = list(OutboundEmail.objects.filter(dedupe_key__in=[r.dedupe_key for r in rows]).order_by("pk"))
    if send_now:
        ids = [email.pk for email in created]
        transaction.on_commit(lambda: _send_many_task(ids))
    return created


def _queue_one(row: OutboundEmail) -> OutboundEmail | None:
    try:
        with transaction.atomic():
            row.save(force_insert=True)
    except IntegrityError:
        return None
    return row


def _send_task(email_id: int) -> None:
    from .tasks import send_email

    send_email.delay(email_id)


def _send_many_task(email_ids: list[int]) -> None:
    from .tasks import send_emails

    send_emails.delay(email_ids)


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


def _field(name: str) -> Field[Any, Any]:
    field = OutboundEmail._meta.get_field(name)
    assert isinstance(field, Field)
    return field


def _column(field: Field[Any, Any]) -> str:
    return database.ops.quote_name(field.column)


def _update_if_unchanged(email: OutboundEmail, **values: Any) -> bool:
    """Write `values` to the e-mail's row if its status and attempts are still those of `email`: one conditional
    UPDATE; True when it matched. Every claim counts an attempt, so while both are unchanged nobody has claimed the
    e-mail since. The same statement as `filter(pk=…, status=…, attempts=…).update(**values)`, in SQL: building it
    through the ORM costs five times running it, and sending runs it twice per e-mail."""
    fields = [_field(name) for name in values]
    columns = ", ".join(f"{_column(field)} = %s" for field in fields)
    sql = (f"UPDATE {database.ops.quote_name(OutboundEmail._meta.db_table)} SET {columns} "
           f"WHERE {_column(_field('id'))} = %s AND {_column(_field('status'))} = %s "
           f"AND {_column(_field('attempts'))} = %s")  # fmt: skip
    params = [field.get_db_prep_save(values[field.name], database) for field in fields]
    with database.cursor() as cursor:
        cursor.execute(sql, [*params, email.pk, email.status, email.attempts])
        return cursor.rowcount == 1


def _claim_read(email: OutboundEmail, now: datetime) -> bool:
    """Take an e-mail read (due at `now`) with a page of others for this worker: one conditional UPDATE, like
    `claim`, on the status and attempts that were read. While both are as read nobody has claimed it since and it is
    still due; the row in hand is then the row claimed, without a re-read."""
    claimed_until = now + timedelta(seconds=_config("claim_seconds"))
    taken = _update_if_unchanged(email, status=Status.SENDING, attempts=email.attempts + 1, claimed_until=claimed_until)
    if taken:
        email.status, email.attempts, email.claimed_until = Status.SENDING, email.attempts + 1, claimed_until
    return taken


class _Message(EmailMultiAlternatives):
    def message(self) -> Any:
        message = super().message()
        if message.is_multipart():
            # A boundary of 128 random bits, set here. Left to the e-mail generator, it would compile a pattern for
            # each message and search the whole text for it, in case the text held its 63 bits: a third of the cost
            # of writing out a digest. Nobody can put 128 bits drawn after their text was written into the text.
            message.set_boundary(f"=_{secrets.token_hex(16)}")
        return message


def _message(email: OutboundEmail, connection: Any) -> EmailMultiAlternatives:
    message = _Message(
        subject=email.subject, body=email.text_body, to=[email.recipient], headers=email.headers,
        connection=connection,
    )  # fmt: skip
    if email.html_body:
        message.attach_alternative(email.html_body, "text/html")
    return message


def send_claimed(email: OutboundEmail, connection: Any = None, now: datetime | None = None) -> bool:
    """Send an e-mail this worker claimed, over `connection` if given (opened now if it is not yet, and left open
    for the next e-mail). True when sent; on an SMTP or network error it is put back for a retry after `backoff`
    (or marked failed after the last attempt) and False is returned."""
    try:
        if connection is None:
            _message(email, get_connection()).send()  # a connection of its own, closed once sent
        else:
            connection.open()  # does nothing when already open
            _message(email, connection).send()
    except (smtplib.SMTPException, OSError) as exc:
        failed = email.attempts >= _config("max_attempts")
        retry_at = (now or timezone.now()) + backoff(email.attempts)
        OutboundEmail.objects.filter(pk=email.pk, status=Status.SENDING, attempts=email.attempts).update(
            status=Status.FAILED if failed else Status.QUEUED, next_attempt_at=retry_at, claimed_until=None,
            last_error=f"{type(exc).__name__}: {exc}"[:2000],
        )  # fmt: skip
        log.warning("email %s to %s not sent (attempt %s): %s", email.pk, email.recipient, email.attempts, exc)
        return False
    # Conditional on our claim, so a worker whose claim ran out cannot overwrite a newer attempt's outcome. One
    # row at a time, right after the server took it: a worker killed now re-sends at most this one message.
    _update_if_unchanged(email, status=Status.SENT, sent_at=timezone.now(), claimed_until=None, last_error="")
    return True


def deliver(email_id: int) -> bool:
    """Send one e-mail if it is due and nobody else has it (the task that follows queue_email)."""
    email = claim(email_id)
    return send_claimed(email) if email is not None else False


@contextlib.contextmanager
def _smtp() -> Iterator[Any]:
    """One SMTP connection for many e-mails: opened by the first send (none when nothing is due), closed after."""
    connection = get_connection()
    try:
        yield connection
    finally:
        with contextlib.suppress(smtplib.SMTPException, OSError):
            connection.close()


def _send_each(emails: Iterable[OutboundEmail], connection: Any, now: datetime) -> tuple[int, bool]:
    """Claim and send each e-mail over `connection`: (how many were sent, whether SMTP failed). After a failure the
    rest wait for their retry: a server that is down is not hammered with every other e-mail now."""
    sent = 0
    for email in emails:
        if not _claim_read(email, now):
            continue  # another worker has it, or sent it since the page was read
        if not send_claimed(email, connection, now):
            return sent, True
        sent += 1
    return sent, False


def deliver_many(email_ids: Sequence[int], now: datetime | None = None) -> int:
    """Send those of these e-mails that are due over one SMTP connection (the task that follows queue_emails);
    stops at the first SMTP failure. Returns how many were sent."""
    now = now or timezone.now()
    sent = 0
    with _smtp() as connection:
        for start in range(0, len(email_ids), PAGE):
            page = OutboundEmail.objects.filter(_due(now), pk__in=email_ids[start : start + PAGE])
            done, failed = _send_each(page.order_by("next_attempt_at", "pk"), connection, now)
            sent += done
            if failed:
                break
    return sent


def deliver_due(now: datetime | None = None, limit: int = 10_000) -> int:
    """Send every due e-mail (up to `limit`) over one SMTP connection, a page at a time; stops at the first SMTP
    failure (the rest wait for their retry). Returns how many were sent."""
    now = now or timezone.now()
    sent = read = 0
    with _smtp() as connection:
        while read < limit:
            page = list(
                OutboundEmail.objects.filter(_due(now)).order_by("next_attempt_at", "pk")[: min(PAGE, limit - read)]
            )
            if not page:
                break
            read += len(page)
            done, failed = _send_each(page, connection, now)
            sent += done
            if failed:
                break
    return sent
