"""The versioned MPS.

A revision stores only the cells that changed against the previous one: for each changed item a JSON map
measure → {"weeks": [offsets from the revision's first week], "old": [...], "new": [...]} (parallel lists are
about half the size of a map per cell, and numpy writes them in one call). Folding the changes up to revision
N rebuilds revision N exactly; folding those between A and B gives the diff of A against B. `MpsItemPlan` and
`ResourceLoad` hold the latest plan for fast pages; they are a cache of the fold, never the record.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from .capacity import Resource
from .items import MpsItem


class Measure(models.TextChoices):
    """The rows of a planner's MPS grid, in grid order."""

    FORECAST = "forecast", "Forecast"
    CUSTOMER_ORDERS = "customer_orders", "Customer orders"
    GROSS_REQUIREMENTS = "gross_requirements", "Gross requirements"
    SCHEDULED_RECEIPTS = "scheduled_receipts", "Scheduled receipts"
    RETURNS_SUPPLY = "returns_supply", "of which returns"  # restocked returns, inside scheduled receipts
    PROJECTED_AVAILABLE = "projected_available", "Projected available"
    MPS = "mps", "MPS receipts"
    MPS_RELEASE = "mps_release", "MPS releases"
    ATP = "atp", "Available to promise"
    CUMULATIVE_ATP = "cumulative_atp", "Cumulative ATP"


class MpsRevision(models.Model):
    class Trigger(models.TextChoices):
        INITIAL = "initial", "Initial plan"
        MANUAL = "manual", "Replan requested"
        PARAMETERS = "parameters", "Planning parameters changed"
        CAMPAIGN = "campaign", "Campaign change"
        RETURNS = "returns", "Returns batch"
        SCHEDULE = "schedule", "Scheduled replan"

    number = models.PositiveIntegerField(unique=True)
    created = models.DateTimeField(auto_now_add=True)
    trigger = models.CharField(max_length=12, choices=Trigger.choices)
    # What caused it, most specific first: [{"type": "campaign", "ref": "12@v3", "label": "Summer push v3"}, ...]
    causes = models.JSONField(default=list, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    first_week = models.DateField(help_text="First week of the horizon this revision was planned over")
    items_changed = models.PositiveIntegerField(default=0)
    cells_changed = models.PositiveIntegerField(default=0)
    summary = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-number"]
        get_latest_by = "number"

    def __str__(self) -> str:
        return f"MPS revision {self.number}"

    @property
    def cause_text(self) -> str:
        return "; ".join(c.get("label") or c.get("ref", "") for c in self.causes) or self.get_trigger_display()


class MpsItemChange(models.Model):
    revision = models.ForeignKey(MpsRevision, on_delete=models.CASCADE, related_name="changes")
    item = models.ForeignKey(MpsItem, on_delete=models.CASCADE, related_name="changes")
    # {measure: {"weeks": [0, 3], "old": [60.0, 0.0], "new": [0.0, 60.0]}}, weeks counted from the revision's
    # first_week; a cell the previous plan did not have counts as old = 0.
    cells = models.JSONField()
    cell_count = models.PositiveIntegerField()
    # Causes behind this item's change (subset of the revision's causes), for "why did this line move".
    causes = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["revision", "item"]
        constraints = [models.UniqueConstraint(fields=["revision", "item"], name="one_change_per_item_revision")]
        indexes = [models.Index(fields=["item", "revision"])]

    def __str__(self) -> str:
        return f"rev {self.revision_id} item {self.item_id}: {self.cell_count} cells"


class MpsItemPlan(models.Model):
    """The latest plan of one item (the fold of all its changes), with its exceptions for the product list."""

    item = models.OneToOneField(MpsItem, on_delete=models.CASCADE, primary_key=True, related_name="plan")
    revision = models.ForeignKey(MpsRevision, on_delete=models.PROTECT, related_name="+")
    first_week = models.DateField()
    values = models.JSONField(help_text="{measure: [one number per week from first_week]}")
    shortage = models.BooleanField(default=False, help_text="Projected available below zero in some week")
    first_shortage_week = models.DateField(null=True, blank=True)
    below_safety_stock = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["shortage", "below_safety_stock"])]

    def __str__(self) -> str:
        return f"plan of item {self.item_id} (rev {self.revision_id})"


class ResourceLoad(models.Model):
    """Rough-cut load against capacity per week for one resource, as of the latest revision."""

    resource = models.OneToOneField(Resource, on_delete=models.CASCADE, primary_key=True, related_name="load")
    revision = models.ForeignKey(MpsRevision, on_delete=models.PROTECT, related_name="+")
    first_week = models.DateField()
    load = models.JSONField()
    capacity = models.JSONField()
    overloaded_weeks = models.PositiveSmallIntegerField(default=0)
    peak_utilisation = models.FloatField(default=0)

    def __str__(self) -> str:
        return f"load of {self.resource_id} (rev {self.revision_id})"
