"""Filters and tags for the digest e-mails: what a run of digests renders tens of thousands of times, made cheap (the
lines of alerts and MPS changes come from `digests.Lines`, rendered once per batch)."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from django import template
from django.template import Context
from django.utils.safestring import SafeString, mark_safe

from sop_portal.alerts.models import Alert
from sop_portal.alerts.templatetags.alert_email import email_action_links

if TYPE_CHECKING:
    from sop_portal.alerts.digests import Lines
    from sop_portal.alerts.mps_changes import MpsChange

register = template.Library()
TYPE_LABELS = {value: str(label) for value, label in Alert.Type.choices}


@register.filter
def alert_type(alert: Alert) -> str:
    """The alert's type as planners read it. `get_type_display` rebuilds the field's choices on every call: one of
    the larger costs of rendering a thousand digests, with each type named twice per alert."""
    return TYPE_LABELS.get(alert.type, alert.type)


@register.simple_tag(takes_context=True)
def alert_items_html(context: Context, alerts: list[Alert], label: str) -> SafeString:
    """An HTML digest's item for each of these alerts: the label ("New"), the alert's line (_alert.html, rendered
    once per batch) and the reader's links to act on it. One tag per list, not a loop in the template: a run of
    digests has tens of thousands of items, and a template loop costs more per item than the rest of it."""
    lines, links = context["lines"], context.get("email_actions")
    label = escape(label)
    return mark_safe(
        "".join(f"<li><strong>{label}</strong> {lines.alert_html(a)}{email_action_links(links, a)}</li>\n      "
                for a in alerts)
    )  # fmt: skip


@register.simple_tag(takes_context=True)
def alert_items_text(context: Context, alerts: list[Alert], label: str) -> str:
    """A plain-text digest's item for each of these alerts: the label padded to ten characters ("NEW       ") and
    the alert's line (_alert.txt, rendered once per batch)."""
    lines = context["lines"]
    return "".join(f"{label:<10}{lines.alert_text(a)}\n" for a in alerts)


@register.filter
def mps_change_html(lines: Lines, change: MpsChange) -> SafeString:
    """An MPS change's line in an HTML digest (templates/alerts/email/_mps_change.html), rendered once per batch."""
    return lines.change_html(change)


@register.filter
def mps_change_text(lines: Lines, change: MpsChange) -> str:
    """An MPS change's lines in a plain-text digest (templates/alerts/email/_mps_change.txt), once per batch."""
    return lines.change_text(change)
