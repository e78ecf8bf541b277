"""Alerts: what the plan shows that somebody must act on. The alerts-and-digests issue adds owners, SLAs and mail.

A recurring condition updates one open alert (same `key`) instead of raising a new one each revision.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class Severity(models.IntegerChoices):
    INFO = 10, "Info"
    WARNING = 20, "Warning"
    CRITICAL = 30, "Critical"


class Alert(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ACKNOWLEDGED = "acknowledged", "Acknowledged"
        RESOLVED = "resolved", "Resolved"

    class Type(models.TextChoices):
        SHORTAGE = "shortage", "Supply shortage"
        BELOW_SAFETY_STOCK = "below_safety_stock", "Below safety stock"
        OVERLOAD = "overload", "Capacity overload"
        WAREHOUSE_OVERLOAD = "warehouse_overload", "Warehouse capacity"
        FILL_RATE = "fill_rate", "Order fill at risk"
        RETURNS_ANOMALY = "returns_anomaly", "Return rate above baseline"
        UNBUDGETED_CAMPAIGN = "unbudgeted_campaign", "Campaign not in the budget"

    key = models.CharField(max_length=200, help_text="The condition: one open alert per key")
    type = models.CharField(max_length=40, choices=Type.choices)
    severity = models.PositiveSmallIntegerField(choices=Severity.choices, default=Severity.WARNING)
    subject_type = models.CharField(max_length=40, help_text="product, resource, warehouse, campaign, returns")
    subject_id = models.CharField(max_length=60)
    subject_label = models.CharField(max_length=200)
    message = models.TextField()
    # Why: {"revision": 12, "causes": [{"type": "campaign", "ref": "7@v2", "label": "Summer push v2"}]}
    cause = models.JSONField(default=dict, blank=True)
    departments = models.JSONField(default=list, blank=True, help_text="Department codes that must act")
    status = models.CharField(max_length=14, choices=Status.choices, default=Status.OPEN)
    created = models.DateTimeField(auto_now_add=True)
    last_seen = models.DateTimeField(auto_now=True)
    occurrences = models.PositiveIntegerField(default=1)
    resolved_at = models.DateTimeField(null=True, blank=True)
    # Accountability: who owns it, by when it must be dealt with (the SLA of its severity), who acted and when.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="owned_alerts"
    )
    due_at = models.DateTimeField(null=True, blank=True, help_text="Raised + the SLA of its type and severity")
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Empty when the check resolved it because the condition is gone",
    )

    class Meta:
        ordering = ["status", "-severity", "-last_seen"]
        indexes = [models.Index(fields=["status", "type"]), models.Index(fields=["subject_type", "subject_id"])]
        constraints = [
            models.UniqueConstraint(
                fields=["key"], condition=~Q(status="resolved"), name="one_unresolved_alert_per_key"
            )
        ]

    def __str__(self) -> str:
        return f"[{self.get_severity_display()}] {self.subject_label}: {self.get_type_display()}"


class AlertOccurrence(models.Model):
    """The history of one alert: each time a check raised it, changed what it says, or resolved it.

    A row, not a list in `Alert.cause`: reconcile replaces the cause with each sighting, and a row per change can
    be listed, counted and kept per alert without rewriting a growing JSON document."""

    class Event(models.TextChoices):
        RAISED = "raised", "Raised"
        UPDATED = "updated", "Updated"
        RESOLVED = "resolved", "Resolved"
        ACKNOWLEDGED = "acknowledged", "Acknowledged"
        ASSIGNED = "assigned", "Assigned"

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="history")
    at = models.DateTimeField()
    event = models.CharField(max_length=14, choices=Event.choices)
    # The person who acknowledged, resolved or assigned; empty for what a check did.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    severity = models.PositiveSmallIntegerField(choices=Severity.choices)
    message = models.TextField()
    cause = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["alert", "at", "pk"]
        indexes = [models.Index(fields=["alert", "at"])]

    def __str__(self) -> str:
        return f"{self.alert_id} {self.event} {self.at:%Y-%m-%d %H:%M}"


class Inbox(models.Model):
    """Per user: when they last opened the notification centre. Alerts of their departments raised later are unread."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alert_inbox")
    seen_until = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.user} seen until {self.seen_until:%Y-%m-%d %H:%M}"


class Frequency(models.TextChoices):
    IMMEDIATE = "immediate", "Immediately"
    DAILY = "daily", "Daily digest"
    WEEKLY = "weekly", "Weekly digest"
    OFF = "off", "Off"


class Subscription(models.Model):
    """What mail one user gets about alerts. Created on first use with the defaults of their departments and roles
    (`subscriptions.defaults_for`); afterwards only the user changes it."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alert_subscription")
    departments = models.JSONField(default=list, blank=True, help_text="Department codes whose alerts to receive")
    alert_types = models.JSONField(default=list, blank=True, help_text="Alert types to receive; empty means all")
    min_severity = models.PositiveSmallIntegerField(choices=Severity.choices, default=Severity.WARNING)
    frequency = models.CharField(max_length=10, choices=Frequency.choices, default=Frequency.DAILY)
    time_of_day = models.TimeField(help_text="When digests are sent, in the user's time zone")
    weekday = models.PositiveSmallIntegerField(default=0, help_text="Weekly digests: 0 = Monday … 6 = Sunday")
    time_zone = models.CharField(max_length=64, help_text="IANA name, e.g. Europe/Berlin")
    updated = models.DateTimeField(auto_now=True)
    # The end of the window the last digest covered: the next one shows what is new, worse or resolved since.
    last_digest_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(weekday__lte=6), name="subscription_weekday_0_to_6"),
            models.CheckConstraint(condition=Q(min_severity__in=Severity.values), name="subscription_severity_known"),
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.get_frequency_display()}"


class OutboundEmail(models.Model):
    """An e-mail is a row first (the outbox): written in the transaction that decides to send it, then claimed
    by one worker with a conditional UPDATE, sent over SMTP, and retried with backoff while SMTP is down.

    `dedupe_key` is unique, so scheduling the same digest twice (two beat runs, a retried task) writes one row.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    dedupe_key = models.CharField(max_length=200, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+")  # fmt: skip
    recipient = models.EmailField()
    subject = models.CharField(max_length=300)
    text_body = models.TextField()
    html_body = models.TextField(blank=True)
    headers = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    # While sending: the claim is this worker's until then; a worker that died loses it and another sends.
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["next_attempt_at", "pk"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.recipient}: {self.subject} ({self.status})"
