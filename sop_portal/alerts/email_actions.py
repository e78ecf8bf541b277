"""Acknowledge and resolve from an alert e-mail: each alert in a digest (and in an immediate alert mail) carries
links signed for the person it was sent to.

The signature is the credential, as with the unsubscribe link: it binds the user and the alert, and it runs out
after settings.ALERT_EMAIL_LINK_MAX_AGE_DAYS. One token per person and alert carries both actions; the action is the
last part of the link's path, outside the signature. Whoever holds the token may therefore do either action the
e-mail offered anyway, and a digest signs half as many tokens (signing is most of the cost of its links). Following
a link only shows a page to confirm, because mail scanners fetch every link in a message; the POST acts as the
signed user through the services, only while that user may still act on the alert, and signs nobody in. The
alert's history records that it came by e-mail.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.urls import reverse

from sop_portal.organisation.models import Department
from sop_portal.organisation.permissions import can

from . import services
from .models import Alert

if TYPE_CHECKING:
    from .digests import Digest  # digests renders these links: no import at run time

SALT = "sop_portal.alerts.email_action"
ACTIONS = {"acknowledge": "Acknowledge", "resolve": "Resolve"}
VIA = "email"
INVALID = ("This link is not valid: it may have been cut short or changed on its way. Nothing was changed; open the "
           "alert in the portal to act on it.")  # fmt: skip
# What a link may still do to an alert in each status: nothing once it is resolved.
OFFERED: dict[str, tuple[str, ...]] = {
    Alert.Status.OPEN: ("acknowledge", "resolve"),
    Alert.Status.ACKNOWLEDGED: ("resolve",),
}


class LinkError(Exception):
    """The link cannot be used; `status` is the HTTP status of the page that says why. Nothing was changed."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(frozen=True)
class EmailAction:
    """What a valid link asks for: `user` wants to acknowledge or resolve `alert`."""

    user: Any
    alert: Alert
    action: str

    @property
    def label(self) -> str:
        return ACTIONS[self.action]


def max_age() -> timedelta:
    return timedelta(days=settings.ALERT_EMAIL_LINK_MAX_AGE_DAYS)


def action_token(user: Any, alert: Alert, signer: signing.TimestampSigner | None = None) -> str:
    # signing.dumps(..., salt=SALT), but one signer can make all the tokens of a digest.
    return (signer or signing.TimestampSigner(salt=SALT)).sign_object({"u": user.pk, "a": alert.pk})


@functools.cache
def _path_before_token() -> str:
    # reverse() costs twice what signing does, and a run of digests makes tens of thousands of links.
    return reverse("alert-email-action", args=["-", "acknowledge"]).removesuffix("-/acknowledge/")


def _url_before_token() -> str:
    return settings.PORTAL_BASE_URL.rstrip("/") + _path_before_token()


def _checked(action: str) -> str:
    if action not in ACTIONS:
        raise ValueError(f"unknown e-mail action {action!r}")
    return action


def action_url(user: Any, alert: Alert, action: str) -> str:
    return f"{_url_before_token()}{action_token(user, alert)}/{_checked(action)}/"


def links_for(user: Any, alert: Alert, signer: signing.TimestampSigner | None = None) -> list[tuple[str, str]]:
    """(label, absolute URL) of the actions an e-mail to `user` offers on `alert` in its current status: one
    signed token, an action each."""
    offered = OFFERED.get(alert.status, ())
    if not offered:
        return []
    token = f"{_url_before_token()}{action_token(user, alert, signer)}/"
    return [(ACTIONS[a], f"{token}{a}/") for a in offered]


def digest_links(digest: Digest) -> dict[Alert, list[tuple[str, str]]]:
    """The new and worse alerts of a digest that can still be acted on → their links, in the digest's order.
    Made once per digest for both its HTML and its plain text: signing is most of the cost of the links."""
    signer = signing.TimestampSigner(salt=SALT)
    links = {}
    for group in digest.groups:
        for alert in (*group.new, *group.worse):
            offered = links_for(digest.user, alert, signer)
            if offered:
                links[alert] = offered
    return links


def read(token: str, action: str) -> EmailAction:
    """The user and alert a link was signed for, and the action its path asks for; LinkError when it is expired,
    tampered with, asks for no action an e-mail offers, or is stale."""
    days = settings.ALERT_EMAIL_LINK_MAX_AGE_DAYS
    if action not in ACTIONS:  # the path was changed: the links only ever name these
        raise LinkError(INVALID, 400)
    try:
        data = signing.loads(token, salt=SALT, max_age=max_age())
    except signing.SignatureExpired as exc:
        raise LinkError(f"This link has expired: the links in alert e-mails work for {days} day{'s' * (days != 1)}. "
                        "Nothing was changed; open the alert in the portal to act on it.", 400) from exc  # fmt: skip
    except signing.BadSignature as exc:
        raise LinkError(INVALID, 400) from exc
    user = get_user_model().objects.filter(pk=data["u"]).first()
    if user is None:
        raise LinkError("The account this link was sent to no longer exists. Nothing was changed.", 403)
    alert = Alert.objects.select_related("owner", "acknowledged_by", "resolved_by").filter(pk=data["a"]).first()
    if alert is None:
        raise LinkError(f"Alert {data['a']} no longer exists. Nothing was changed.", 404)
    return EmailAction(user, alert, action)


def refusal(link: EmailAction) -> str:
    """Why the signed user may not act on the alert any more; "" when they may. The link says who was asked when
    the mail was sent; whether they may act is decided now, by the same rules as in the portal."""
    user, alert = link.user, link.alert
    name = user.get_username()
    if not user.is_active:
        return f"The account {name} is deactivated, so this link can no longer act on alerts. Nothing was changed."
    if not (can(user, "alerts.act") and services.may_act(user, alert)):
        names = Department.objects.filter(code__in=alert.departments).order_by("name").values_list("name", flat=True)
        return (f"{name} is no longer a member of the alert's departments ({', '.join(names) or 'none'}), so this "
                f"link cannot {link.action} it. Nothing was changed; ask a member of one of them.")  # fmt: skip
    return ""


def already_done(link: EmailAction) -> bool:
    """The alert is already where the link would take it (resolved, or acknowledged for an acknowledge link)."""
    return link.action not in OFFERED.get(link.alert.status, ())


def perform(link: EmailAction) -> Alert:
    """Act as the signed user, recorded as via e-mail; AlertStateError when someone else acted first."""
    if link.action == "acknowledge":
        return services.acknowledge_alert(link.alert, actor=link.user, via=VIA)
    return services.resolve_alert(link.alert, actor=link.user, via=VIA)


def current(link: EmailAction) -> EmailAction:
    """The same link with the alert as it is now (after an action or a race)."""
    alert = Alert.objects.select_related("owner", "acknowledged_by", "resolved_by").get(pk=link.alert.pk)
    return EmailAction(link.user, alert, link.action)
