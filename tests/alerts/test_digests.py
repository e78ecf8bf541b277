"""Digests over real SMTP (aiosmtpd): content grouped by department and severity, the unsubscribe headers, who
is due, SMTP down then up (each e-mail delivered exactly once), and the signed one-click unsubscribe."""

from datetime import UTC, datetime, time, timedelta

import pytest
from django.core import signing
from django.utils import timezone

from sop_portal.alerts import digests, outbox, services
from sop_portal.alerts.models import Alert, OutboundEmail, Severity, Subscription
from sop_portal.alerts.subscriptions import subscription_for, update_subscription
from sop_portal.organisation.models import Role
from sop_testing.local import free_port
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def daily_at_midnight_utc(user, **fields) -> Subscription:
    subscription_for(user)
    return update_subscription(user, frequency="daily", time_of_day=time(0, 0), time_zone="UTC", **fields)


def since_yesterday(user) -> None:
    """Arrange: the user's last digest went out a day ago (as the scheduler would have recorded it)."""
    Subscription.objects.filter(user=user).update(last_digest_at=timezone.now() - timedelta(days=1))


@pytest.fixture
def world(raise_alert, settings):
    settings.PORTAL_BASE_URL = "https://sop.example.com"
    mia = make_user("mia", departments={"operations": Role.PLANNER, "warehouse": Role.VIEWER}, first_name="Mia",
                    last_name="Berg")  # fmt: skip
    daily_at_midnight_utc(mia, departments=["operations", "warehouse"], alert_types=[], min_severity=10)
    old = raise_alert("worse", severity=Severity.WARNING, label="Filling line", departments=("operations",))
    Alert.objects.filter(pk=old.pk).update(created=timezone.now() - timedelta(days=3))
    old.history.update(at=timezone.now() - timedelta(days=3))
    since_yesterday(mia)
    raise_alert("worse", severity=Severity.CRITICAL, label="Filling line", departments=("operations",))
    new = raise_alert("new", severity=Severity.CRITICAL, label="Assembly", departments=("operations", "sales"))
    gone = raise_alert("gone", severity=Severity.WARNING, label="Hall 3", type="warehouse_overload",
                       departments=("warehouse",))  # fmt: skip
    services.resolve_alert(gone, actor=mia)
    raise_alert("other", severity=Severity.CRITICAL, label="Returns desk", departments=("customer-service",))
    return {"mia": mia, "new": new, "worse": old, "gone": gone}


def test_a_digest_groups_new_worse_and_resolved_by_department_and_severity(world, smtp_mailbox):
    assert digests.queue_due_digests() == 1
    assert outbox.deliver_due() == 1
    [mail] = smtp_mailbox
    message = mail.message
    token = digests.unsubscribe_token(world["mia"])
    assert mail.rcpt_tos == ["mia@example.com"]
    assert message["Subject"] == "Daily S&OP alerts: 1 new, 1 worse, 1 resolved"
    assert message["List-Unsubscribe"].strip() == f"<https://sop.example.com/alerts/unsubscribe/{token}/>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["Message-ID"] == outbox.message_id(OutboundEmail.objects.get().dedupe_key)
    text = message.get_body(("plain",)).get_content().replace("\r\n", "\n")  # SMTP line ends
    new, worse = world["new"].pk, world["worse"].pk
    assert text.split("\n\n", 1)[1].split("\nAll alerts:")[0].strip() == (
        "== Operations · Critical ==\n"
        "NEW       Capacity overload · Assembly: Assembly is loaded 130 % in 2027-W14\n"
        f"          https://sop.example.com/alerts/?status=all#alert-{new}\n"
        "WORSE     Capacity overload · Filling line: Filling line is loaded 130 % in 2027-W14\n"
        f"          https://sop.example.com/alerts/?status=all#alert-{worse}\n"
        "\n"
        "== Warehouse & Logistics · Warning ==\n"
        "RESOLVED  Warehouse capacity · Hall 3"
    )
    assert "Returns desk" not in text
    html = message.get_body(("html",)).get_content()
    assert html.count('class="digest-group"') == 2
    assert f'<a href="https://sop.example.com/alerts/?status=all#alert-{new}">Assembly</a>' in html
    assert f'<a href="https://sop.example.com/alerts/unsubscribe/{token}/">Unsubscribe</a>' in html


def test_a_digest_is_written_once_per_slot_and_the_next_covers_only_what_came_after(world, smtp_mailbox):
    now = timezone.now()
    assert digests.queue_due_digests(now) == 1
    assert digests.queue_due_digests(now + timedelta(minutes=5)) == 0  # beat again: nothing new is due
    tomorrow = datetime.combine(now.date() + timedelta(days=1), time(0, 1), tzinfo=UTC)
    assert digests.queue_due_digests(tomorrow) == 0  # due, but nothing changed since: no empty digest
    assert Subscription.objects.get(user=world["mia"]).last_digest_at == tomorrow
    assert OutboundEmail.objects.count() == 1


def test_who_is_due_follows_time_of_day_weekday_and_time_zone():
    user = make_user("u", departments={"sales": Role.PLANNER})
    sub = update_subscription(user, frequency="weekly", weekday=2, time_of_day=time(7, 30), time_zone="Europe/Berlin")
    wednesday_0629_utc = datetime(2027, 3, 10, 6, 29, tzinfo=UTC)  # 07:29 in Berlin
    assert digests.last_slot(sub, wednesday_0629_utc) == datetime(2027, 3, 3, 6, 30, tzinfo=UTC)
    assert digests.last_slot(sub, wednesday_0629_utc + timedelta(minutes=1)) == datetime(2027, 3, 10, 6, 30, tzinfo=UTC)
    sub.last_digest_at = datetime(2027, 3, 3, 6, 31, tzinfo=UTC)
    assert not digests.is_due(sub, wednesday_0629_utc)
    assert digests.is_due(sub, wednesday_0629_utc + timedelta(minutes=1))
    sub = update_subscription(user, frequency="off")
    assert digests.last_slot(sub, wednesday_0629_utc) is None


def test_smtp_down_then_up_delivers_every_due_email_exactly_once(raise_alert, smtp_mailbox, settings):
    users = [make_user(f"u{i}", departments={"operations": Role.PLANNER}) for i in range(3)]
    for user in users:
        daily_at_midnight_utc(user)
        since_yesterday(user)
    raise_alert("a", severity=Severity.CRITICAL)
    real_port, settings.EMAIL_PORT = settings.EMAIL_PORT, free_port()  # nothing listens there: SMTP is down
    assert digests.queue_due_digests() == 3
    now = timezone.now()
    assert outbox.deliver_due(now) == 0  # the first fails; the others wait rather than hammer a dead server
    assert smtp_mailbox == []
    first = OutboundEmail.objects.get(attempts=1)
    assert (first.status, first.next_attempt_at) == ("queued", now + timedelta(seconds=30))
    assert first.last_error.startswith("ConnectionRefusedError")
    assert sorted(OutboundEmail.objects.values_list("status", "attempts")) == [("queued", 0)] * 2 + [("queued", 1)]
    settings.EMAIL_PORT = real_port  # SMTP is back
    assert outbox.deliver_due(now + timedelta(seconds=29)) == 2  # the untried ones; the failed one waits 30 s
    assert outbox.deliver_due(now + timedelta(seconds=30)) == 1
    assert outbox.deliver_due(now + timedelta(hours=2)) == 0
    assert sorted(m.rcpt_tos[0] for m in smtp_mailbox) == ["u0@example.com", "u1@example.com", "u2@example.com"]
    assert sorted(OutboundEmail.objects.values_list("status", "attempts")) == [("sent", 1)] * 2 + [("sent", 2)]


def test_a_claimed_email_is_nobody_elses_until_its_claim_runs_out(raise_alert, settings):
    user = make_user("u", departments={"operations": Role.PLANNER})
    email = outbox.queue_email(dedupe_key="k", recipient="u@example.com", subject="s", text_body="t", user=user,
                               send_now=False)  # fmt: skip
    assert email is not None
    assert outbox.queue_email(dedupe_key="k", recipient="u@example.com", subject="s", text_body="t") is None
    now = timezone.now()
    claimed = outbox.claim_next(now)
    assert claimed is not None
    assert claimed.pk == email.pk
    assert outbox.claim_next(now) is None
    assert outbox.claim(email.pk, now + timedelta(seconds=119)) is None
    reclaimed = outbox.claim(email.pk, now + timedelta(seconds=121))  # the first worker died mid-send
    assert reclaimed is not None
    assert (reclaimed.status, reclaimed.attempts) == ("sending", 2)


def test_the_backoff_doubles_up_to_an_hour():
    assert [outbox.backoff(n).total_seconds() for n in (1, 2, 3, 8, 20)] == [30, 60, 120, 3600, 3600]


def test_unsubscribe_works_only_with_a_valid_signature(client):
    user = make_user("mia", departments={"operations": Role.PLANNER})
    subscription_for(user)
    token = digests.unsubscribe_token(user)
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    response = client.post(f"/alerts/unsubscribe/{tampered}/", {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 400
    assert "This unsubscribe link is not valid" in response.content.decode()
    other_salt = signing.Signer().sign_object({"u": user.pk})
    assert client.post(f"/alerts/unsubscribe/{other_salt}/").status_code == 400
    assert Subscription.objects.get(user=user).frequency == "daily"
    assert "Stop alert e-mails?" in client.get(f"/alerts/unsubscribe/{token}/").content.decode()
    assert Subscription.objects.get(user=user).frequency == "daily"  # opening the link changes nothing
    response = client.post(f"/alerts/unsubscribe/{token}/", {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert Subscription.objects.get(user=user).frequency == "off"


def test_the_preview_shows_the_digest_the_user_would_get(world, client):
    client.force_login(world["mia"])
    page = client.get("/alerts/digest/preview/").content.decode()
    assert '<span id="digest-subject">Daily S&amp;OP alerts: 1 new, 1 worse, 1 resolved</span>' in page
    assert "NEW       Capacity overload · Assembly" in page
    assert OutboundEmail.objects.count() == 0


def test_immediate_subscribers_get_what_a_revision_raised_once(raise_alert, smtp_mailbox):
    mia = make_user("mia", departments={"operations": Role.PLANNER})
    subscription_for(mia)
    update_subscription(mia, frequency="immediate")
    weekly = make_user("wes", departments={"operations": Role.VIEWER})  # weekly by default: not now
    subscription_for(weekly)
    raise_alert("a", severity=Severity.CRITICAL, label="Assembly")
    assert digests.notify_after_revision(None, {}) == {"emails_queued": 1}
    assert digests.notify_after_revision(None, {}) == {"emails_queued": 0}  # nothing changed since
    assert outbox.deliver_due() == 1
    [mail] = smtp_mailbox
    assert mail.rcpt_tos == ["mia@example.com"]
    assert mail.message["Subject"] == "New S&OP alerts: 1 new, 0 worse, 0 resolved"
