"""Alerts: what the plan shows that somebody must act on. The alerts-and-digests issue adds owners, SLAs and mail.

A recurring condition updates one open alert (same `key`) instead of raising a new one each revision.
"""

from __future__ import annotations

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
