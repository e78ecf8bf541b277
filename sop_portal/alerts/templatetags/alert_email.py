"""The signed Acknowledge / Resolve links of alerts in an e-mail, from the digest's `email_actions` (see
sop_portal.alerts.email_actions). Filters that build the markup in Python, not includes: a run of digests renders
tens of thousands of links."""

from __future__ import annotations

from html import escape

from django import template
from django.utils.safestring import SafeString, mark_safe

from sop_portal.alerts.models import Alert

register = template.Library()
Links = dict[Alert, list[tuple[str, str]]]
TYPE_LABELS = dict(Alert.Type.choices)  # get_type_display() per alert costs more than the whole line


@register.filter
def email_action_links(links: Links | None, alert: Alert) -> SafeString:
    """HTML: " · Acknowledge · Resolve" as links, for one alert of the digest, each on a line of its own (a newline
    is a space in HTML): with a long alert message, one line would pass the 998 bytes SMTP allows in a line, and
    the whole HTML part would go quoted-printable, a fifth longer and slower to encode and to receive."""
    offered = (links or {}).get(alert, [])
    # The standard library's escape: Django's wraps it for lazy strings, which these never are, at thrice the cost.
    return mark_safe("".join(f'\n · <a href="{escape(url)}">{escape(label)}</a>' for label, url in offered))


@register.filter
def email_action_text(links: Links | None) -> str:
    """Plain text: a block naming each alert that can be acted on, with its links below it."""
    if not links:
        return ""
    lines = ["", "Act on an alert from here (each link opens a page where you confirm):"]
    for alert, offered in links.items():
        lines.append(f"{TYPE_LABELS.get(alert.type, alert.type)} · {alert.subject_label}")
        lines.extend(f"  {label}: {url}" for label, url in offered)
    return "\n".join(lines) + "\n\n"
