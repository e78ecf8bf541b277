"""Acknowledge / resolve from the e-mail: signed links in digests, a confirmation page that changes nothing, a POST
that acts as the signed user (not signing them in) while they may still act, and clear pages for bad links."""

import re
import time
from datetime import time as clock
from datetime import timedelta
from html import escape

import pytest
from django.core import signing
from django.test import Client
from django.utils import timezone

from sop_portal.alerts import digests, email_actions, outbox, services
from sop_portal.alerts.models import Alert, AlertOccurrence, Severity, Subscription
from sop_portal.alerts.services import Condition, reconcile
from sop_portal.alerts.subscriptions import subscription_for, update_subscription
from sop_portal.organisation.models import Department, Membership, Role
from tests.factories import make_user

pytestmark = pytest.mark.django_db
LINK = re.compile(r"https://sop\.example\.com(/alerts/email/[^/\s\"]+/[a-z]+/)")


@pytest.fixture
def mia(settings):
    settings.PORTAL_BASE_URL = "https://sop.example.com"
    return make_user("mia", departments={"operations": Role.VIEWER}, first_name="Mia", last_name="Berg")


def path(user, alert, action: str) -> str:
    return email_actions.action_url(user, alert, action).removeprefix("https://sop.example.com")


def history(alert) -> list[tuple[str, str | None, str | None]]:
    return [(h.event, h.actor.username if h.actor else None, h.cause.get("via"))
            for h in AlertOccurrence.objects.filter(alert=alert)]  # fmt: skip


def test_each_new_or_worse_alert_in_a_digest_carries_the_links_its_status_allows(mia, raise_alert, smtp_mailbox):
    subscription_for(mia)
    update_subscription(mia, frequency="daily", time_of_day=clock(0, 0), time_zone="UTC", min_severity=10)
    Subscription.objects.filter(user=mia).update(last_digest_at=timezone.now() - timedelta(days=1))
    assembly = raise_alert("assembly", label="Assembly")
    filling = services.acknowledge_alert(raise_alert("filling", label="Filling line"), actor=mia)
    services.resolve_alert(raise_alert("gone", label="Mixer"), actor=mia)

    assert digests.queue_due_digests() == 1
    assert outbox.deliver_due() == 1
    [mail] = smtp_mailbox
    text = mail.message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    block = text.split("All alerts: https://sop.example.com/alerts/\n")[1].split("Change what you receive")[0]
    assert block == (
        "\nAct on an alert from here (each link opens a page where you confirm):\n"
        "Capacity overload · Assembly\n"
        f"  Acknowledge: https://sop.example.com{path(mia, assembly, 'acknowledge')}\n"
        f"  Resolve: https://sop.example.com{path(mia, assembly, 'resolve')}\n"
        "Capacity overload · Filling line\n"
        f"  Resolve: https://sop.example.com{path(mia, filling, 'resolve')}\n"
        "\n"
    )
    html = mail.message.get_body(("html",)).get_content().replace("\r\n", "\n")
    assert (
        f'{assembly.message}\n · <a href="https://sop.example.com{path(mia, assembly, "acknowledge")}">Acknowledge'
        f'</a>\n · <a href="https://sop.example.com{path(mia, assembly, "resolve")}">Resolve</a></li>'
    ) in html
    assert (f'{filling.message}\n · <a href="https://sop.example.com{path(mia, filling, "resolve")}">Resolve</a></li>'
            in html)  # fmt: skip
    assert len(LINK.findall(html)) == 3  # the resolved Mixer has none

    # The link from the mail itself works: confirm, then act.
    client = Client()
    ack = LINK.search(text).group(1)  # type: ignore[union-attr]
    assert "Acknowledge this alert?" in client.get(ack).content.decode()
    assert client.post(ack).status_code == 200
    assert Alert.objects.get(pk=assembly.pk).status == "acknowledged"


def test_a_long_alert_message_with_its_links_keeps_the_html_part_8bit(mia, smtp_mailbox):
    subscription_for(mia)
    update_subscription(mia, frequency="daily", time_of_day=clock(0, 0), time_zone="UTC", min_severity=10)
    Subscription.objects.filter(user=mia).update(last_digest_at=timezone.now() - timedelta(days=1))
    long = "Assembly is loaded 130 % in 2027-W14 by campaign 'Autumn crisps' & its pre-buy. " * 8  # 770 as HTML
    condition = Condition(key="overload:1", type="overload", severity=Severity.CRITICAL, subject_type="resource",
                          subject_id="1", subject_label="Assembly", message=long,
                          departments=("operations",))  # fmt: skip
    reconcile([], [condition])
    alert = Alert.objects.get(key="overload:1")

    digests.queue_due_digests()
    outbox.deliver_due()

    [mail] = smtp_mailbox
    part = mail.message.get_body(("html",))
    # With the links on the message's line, the line would pass SMTP's 998 bytes and the part go quoted-printable.
    assert part["Content-Transfer-Encoding"] == "8bit"
    html = part.get_content().replace("\r\n", "\n")
    assert max(len(line.encode()) for line in html.splitlines()) <= 998
    acknowledge, resolve = path(mia, alert, "acknowledge"), path(mia, alert, "resolve")
    assert (f"{escape(long)}\n · <a href=\"https://sop.example.com{acknowledge}\">Acknowledge</a>"
            f"\n · <a href=\"https://sop.example.com{resolve}\">Resolve</a></li>") in html  # fmt: skip


def test_following_a_link_only_shows_what_it_would_do(mia, raise_alert, client):
    alert = raise_alert(label="Assembly")
    url = path(mia, alert, "acknowledge")

    for _ in range(3):  # a mail scanner, a preview pane, the reader
        response = client.get(url)
        assert response.status_code == 200
    body = response.content.decode()
    assert "<h1>Acknowledge this alert?</h1>" in body
    assert "You act as <strong>Mia Berg</strong> (mia), to whom the e-mail was sent." in body
    assert f'<form method="post" action="{url}">' in body
    assert response["Cache-Control"] == "max-age=0, no-cache, no-store, must-revalidate, private"
    assert Alert.objects.get(pk=alert.pk).status == "open"
    assert history(alert) == [("raised", None, None)]


def test_the_post_acts_as_the_signed_user_via_email_without_signing_them_in(mia, raise_alert, client):
    alert = raise_alert(label="Assembly")

    response = client.post(path(mia, alert, "acknowledge"))

    assert response.status_code == 200
    assert f"Alert {alert.pk} is acknowledged by mia, owned by mia." in response.content.decode()
    alert.refresh_from_db()
    assert (alert.status, alert.acknowledged_by, alert.owner) == ("acknowledged", mia, mia)
    assert history(alert) == [("raised", None, None), ("acknowledged", "mia", "email")]
    assert "_auth_user_id" not in client.session
    assert client.get("/alerts/").status_code == 302  # still a stranger to the portal

    client.post(path(mia, alert, "resolve"))
    alert.refresh_from_db()
    assert (alert.status, alert.resolved_by) == ("resolved", mia)
    assert history(alert)[-1] == ("resolved", "mia", "email")


def test_the_confirmation_form_passes_csrf_for_a_visitor_who_is_not_signed_in(mia, raise_alert):
    alert = raise_alert()
    browser = Client(enforce_csrf_checks=True)
    url = path(mia, alert, "resolve")
    page = browser.get(url).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]

    assert browser.post(url).status_code == 403  # a forged cross-site POST without the form's token
    assert Alert.objects.get(pk=alert.pk).status == "open"
    assert browser.post(url, {"csrfmiddlewaretoken": token}).status_code == 200
    assert Alert.objects.get(pk=alert.pk).status == "resolved"


def test_someone_signed_in_who_follows_another_persons_link_acts_for_that_person_and_stays_themselves(
    mia, raise_alert, client
):
    ola = make_user("ola", departments={"operations": Role.PLANNER})
    client.force_login(ola)
    alert = raise_alert()

    client.post(path(mia, alert, "acknowledge"))

    assert Alert.objects.get(pk=alert.pk).acknowledged_by == mia
    assert int(client.session["_auth_user_id"]) == ola.pk


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_tampered_or_foreign_token_is_refused_with_400_and_changes_nothing(mia, raise_alert, client, method):
    alert = raise_alert()
    good = email_actions.action_token(mia, alert)
    payload, stamp, signature = good.split(":")
    other = make_user("ola", departments={"operations": Role.PLANNER})
    forged = signing.dumps({"u": other.pk, "a": alert.pk}, salt="another salt")
    tokens = [
        good[:-3],  # cut short by a mail program
        f"{payload}:{stamp}:{signature[::-1]}",
        f"{email_actions.action_token(other, alert).split(':')[0]}:{stamp}:{signature}",  # another user's payload
        forged,
        digests.unsubscribe_token(mia),  # a valid signature, for something else
    ]
    for token in tokens:
        response = getattr(client, method)(f"/alerts/email/{token}/acknowledge/")
        assert response.status_code == 400, token
        body = response.content.decode()
        assert "This link is not valid: it may have been cut short or changed on its way. Nothing was changed" in body
        assert alert.message not in body
    alert.refresh_from_db()
    assert (alert.status, alert.acknowledged_by) == ("open", None)
    assert history(alert) == [("raised", None, None)]


def test_an_expired_link_is_refused_with_400_saying_how_long_links_work(
    mia, raise_alert, client, settings, monkeypatch
):
    settings.ALERT_EMAIL_LINK_MAX_AGE_DAYS = 14
    alert = raise_alert()
    fifteen_days_ago = int(time.time()) - 15 * 86400
    with monkeypatch.context() as m:
        m.setattr(signing.TimestampSigner, "timestamp", lambda self: signing.b62_encode(fifteen_days_ago))
        old = path(mia, alert, "acknowledge")
    thirteen_days_ago = int(time.time()) - 13 * 86400
    with monkeypatch.context() as m:
        m.setattr(signing.TimestampSigner, "timestamp", lambda self: signing.b62_encode(thirteen_days_ago))
        recent = path(mia, alert, "acknowledge")

    response = client.post(old)

    assert response.status_code == 400
    assert "This link has expired: the links in alert e-mails work for 14 days." in response.content.decode()
    assert Alert.objects.get(pk=alert.pk).status == "open"
    assert client.post(recent).status_code == 200
    assert Alert.objects.get(pk=alert.pk).status == "acknowledged"


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_user_who_left_the_alerts_departments_is_refused_clearly(mia, raise_alert, client, method):
    alert = raise_alert(departments=("operations",))
    url = path(mia, alert, "resolve")
    # Mia moves from Operations to Sales after the mail went out.
    Membership.objects.filter(user=mia).delete()
    sales, _ = Department.objects.get_or_create(code="sales", defaults={"name": "Sales"})
    Membership.objects.create(user=mia, department=sales, role=Role.PLANNER)

    response = getattr(client, method)(url)

    assert response.status_code == 403
    body = response.content.decode()
    assert ("mia is no longer a member of the alert&#x27;s departments (Operations), so this link cannot resolve it. "
            "Nothing was changed; ask a member of one of them.") in body  # fmt: skip
    assert alert.message not in body  # a refused link shows nothing of the alert
    assert Alert.objects.get(pk=alert.pk).status == "open"


def test_a_deactivated_user_is_refused(mia, raise_alert, client):
    alert = raise_alert()
    url = path(mia, alert, "acknowledge")
    mia.is_active = False
    mia.save()

    response = client.post(url)

    assert response.status_code == 403
    assert "The account mia is deactivated, so this link can no longer act on alerts." in response.content.decode()
    assert Alert.objects.get(pk=alert.pk).status == "open"


@pytest.mark.parametrize("method", ["get", "post"])
def test_an_alert_already_dealt_with_gets_a_friendly_page_and_no_change(mia, raise_alert, client, method):
    ola = make_user("ola", departments={"operations": Role.PLANNER})
    alert = raise_alert()
    acknowledge, resolve = path(mia, alert, "acknowledge"), path(mia, alert, "resolve")
    services.acknowledge_alert(alert, actor=ola)
    acknowledged_at = Alert.objects.get(pk=alert.pk).acknowledged_at

    response = getattr(client, method)(acknowledge)

    assert response.status_code == 200
    body = response.content.decode()
    when = timezone.localtime(acknowledged_at)
    assert f"Alert {alert.pk} was already acknowledged by ola on {when:%-d %b %Y %H:%M}." in body
    assert '<form method="post"' not in body.split("</header>")[-1]
    assert history(alert)[-1] == ("acknowledged", "ola", None)

    services.resolve_alert(alert, actor=ola)
    for url in (acknowledge, resolve):
        response = getattr(client, method)(url)
        assert response.status_code == 200
        assert f"Alert {alert.pk} was already resolved by ola on " in response.content.decode()
    assert [event for event, _, _ in history(alert)] == ["raised", "acknowledged", "resolved"]


def test_someone_acting_between_the_page_and_the_click_gets_the_friendly_page(mia, raise_alert, client):
    ola = make_user("ola", departments={"operations": Role.PLANNER})
    alert = raise_alert()
    url = path(mia, alert, "resolve")
    assert "Resolve this alert?" in client.get(url).content.decode()
    services.resolve_alert(alert, actor=ola)

    response = client.post(url)

    assert response.status_code == 200
    assert f"Alert {alert.pk} was already resolved by ola on " in response.content.decode()
    assert Alert.objects.get(pk=alert.pk).resolved_by == ola


def test_links_are_offered_by_status_and_name_their_action_after_the_token(mia, raise_alert):
    assert email_actions.OFFERED == {"open": ("acknowledge", "resolve"), "acknowledged": ("resolve",)}
    alert = raise_alert()
    [(ack_label, ack), (resolve_label, resolve)] = email_actions.links_for(mia, alert)
    token = email_actions.action_token(mia, alert)
    # One signed token per person and alert; the action is the path's last part (a digest signs half as many).
    assert (ack_label, ack) == ("Acknowledge", f"https://sop.example.com/alerts/email/{token}/acknowledge/")
    assert (resolve_label, resolve) == ("Resolve", f"https://sop.example.com/alerts/email/{token}/resolve/")
    with pytest.raises(ValueError, match="unknown e-mail action 'assign'"):
        email_actions.action_url(mia, alert, "assign")
    services.resolve_alert(alert, actor=mia)
    assert email_actions.links_for(mia, Alert.objects.get(pk=alert.pk)) == []


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_valid_token_with_an_action_no_email_offers_is_refused_with_400(mia, raise_alert, client, method):
    alert = raise_alert()
    token = email_actions.action_token(mia, alert)

    for action in ("assign", "ACKNOWLEDGE", "resolve-all"):
        response = getattr(client, method)(f"/alerts/email/{token}/{action}/")
        assert response.status_code == 400, action
        assert "This link is not valid: it may have been cut short or changed on its way." in response.content.decode()
    alert.refresh_from_db()
    assert (alert.status, alert.acknowledged_by, alert.resolved_by) == ("open", None, None)
    assert history(alert) == [("raised", None, None)]


def test_a_link_to_an_alert_that_is_gone_answers_404(mia, raise_alert, client):
    alert = raise_alert(severity=Severity.WARNING)
    url = path(mia, alert, "acknowledge")
    pk = alert.pk
    Alert.objects.filter(pk=pk).delete()

    response = client.get(url)

    assert response.status_code == 404
    assert f"Alert {pk} no longer exists. Nothing was changed." in response.content.decode()
