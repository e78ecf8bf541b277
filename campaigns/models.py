"""Campaigns: promotions, launches, price changes, events and advertising, with their weekly demand uplift.

Every change bumps `version` and leaves a `CampaignChange` (the audit trail). A change that can move demand
also writes a `PipelineEvent` in the same transaction: the outbox row the change pipeline runs from.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from sop_portal.jobs.models import Job
from sop_portal.masterdata.models import Channel, Product
from sop_portal.organisation.models import Department


class CampaignType(models.TextChoices):
    PROMOTION = "promotion", "Promotion"
    LAUNCH = "launch", "Product launch"
    PRICE_CHANGE = "price_change", "Price change"
    EVENT = "event", "Event"
    ADVERTISING = "advertising", "Advertising"


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PROPOSED = "proposed", "Proposed"
    APPROVED = "approved", "Approved"
    LIVE = "live", "Live"
    CLOSED = "closed", "Closed"
    CANCELLED = "cancelled", "Cancelled"


# The statuses whose uplift is in the consensus demand the MPS plans for; proposed ones only as a what-if.
# A closed campaign still counts: its post-promotion dip runs on after its last week.
COUNTING = (CampaignStatus.APPROVED, CampaignStatus.LIVE, CampaignStatus.CLOSED)


class Campaign(models.Model):
    name = models.CharField(max_length=160)
    type = models.CharField(max_length=20, choices=CampaignType.choices, default=CampaignType.PROMOTION)
    channel = models.CharField(max_length=20, choices=Channel.choices, blank=True, help_text="Blank: all channels")
    region = models.CharField(max_length=80, blank=True)
    description = models.TextField(blank=True)
    owner_department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="campaigns")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="campaigns")
    budget = models.DecimalField(max_digits=14, decimal_places=2, default=0, validators=[MinValueValidator(0)])
    spend = models.DecimalField(max_digits=14, decimal_places=2, default=0, validators=[MinValueValidator(0)])
    start_date = models.DateField()
    end_date = models.DateField()
    status = models.CharField(max_length=12, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT)
    version = models.PositiveIntegerField(default=1)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["start_date", "name"]
        indexes = [models.Index(fields=["status", "start_date"])]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gte=F("start_date")), name="campaign_ends_after_start"),
            models.CheckConstraint(condition=Q(budget__gte=0, spend__gte=0), name="campaign_money_not_negative"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def label(self) -> str:
        return f"Campaign '{self.name}' v{self.version}"

    @property
    def counts_in_plan(self) -> bool:
        return self.status in COUNTING


class UpliftKindChoice(models.TextChoices):
    PERCENT = "percent", "% of baseline"
    UNITS = "units", "Units per week"


class ProfileChoice(models.TextChoices):
    FLAT = "flat", "Flat"
    RAMP_UP = "ramp_up", "Ramp-up"
    PEAK_AND_DECAY = "peak_and_decay", "Peak and decay"
    CUSTOM = "custom", "Custom weekly values"


class CampaignProduct(models.Model):
    """One product's uplift in a campaign (for a launch: the new product and the predecessor it replaces)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="campaign_lines")
    uplift_kind = models.CharField(max_length=10, choices=UpliftKindChoice.choices, default=UpliftKindChoice.PERCENT)
    uplift_value = models.FloatField(help_text="% of baseline, or units per week at full rate")
    profile = models.CharField(max_length=16, choices=ProfileChoice.choices, default=ProfileChoice.FLAT)
    custom_profile = models.JSONField(
        default=list, blank=True, help_text="Custom: one factor per campaign week (1 = full uplift)"
    )
    decay_weeks = models.PositiveSmallIntegerField(default=2, help_text="Peak and decay: weeks to halve")
    prebuy_pct = models.FloatField(default=0, validators=[MinValueValidator(0), MaxValueValidator(100)])
    prebuy_weeks = models.PositiveSmallIntegerField(default=0)
    dip_pct = models.FloatField(default=0, validators=[MinValueValidator(0), MaxValueValidator(100)])
    dip_weeks = models.PositiveSmallIntegerField(default=0)
    halo_pct = models.FloatField(
        default=0, validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text="Lift on the other products of the family, % of their baseline",
    )  # fmt: skip
    cannibalisation_pct = models.FloatField(
        default=0, validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text="Loss on the other products of the family, % of their baseline",
    )  # fmt: skip
    predecessor = models.ForeignKey(
        Product, null=True, blank=True, on_delete=models.PROTECT, related_name="succeeded_in_campaigns",
        help_text="Launch: the product the new one replaces",
    )  # fmt: skip
    transfer_pct = models.FloatField(
        default=0, validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text="Launch: % of the new product's volume taken from the predecessor",
    )  # fmt: skip

    class Meta:
        ordering = ["campaign", "product__sku"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "product"], name="one_line_per_campaign_product"),
            models.CheckConstraint(condition=~Q(predecessor=F("product")), name="predecessor_is_another_product"),
        ]

    def __str__(self) -> str:
        unit = "%" if self.uplift_kind == UpliftKindChoice.PERCENT else " units/wk"
        return f"{self.product_id}: +{self.uplift_value:g}{unit} {self.profile}"


class CampaignChange(models.Model):
    """The audit trail: who changed what in which version, and why."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="changes")
    version = models.PositiveIntegerField()
    action = models.CharField(max_length=20)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    at = models.DateTimeField(auto_now_add=True)
    changes = models.JSONField(default=dict, blank=True, help_text="{field: [old, new]} and line changes")
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-at", "-version"]
        indexes = [models.Index(fields=["campaign", "version"])]

    def __str__(self) -> str:
        return f"{self.campaign_id} v{self.version} {self.action}"


class PipelineEvent(models.Model):
    """Outbox row: a campaign change that may move demand, written in the change's transaction.

    Its job (coalesced with other changes still queued) carries it through demand, MPS, capacity and alerts.
    """

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="pipeline_events")
    version = models.PositiveIntegerField()
    action = models.CharField(max_length=20)
    products = models.JSONField(default=list, help_text="Product ids whose demand may have moved")
    job = models.ForeignKey(Job, null=True, on_delete=models.SET_NULL, related_name="campaign_events")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.campaign_id} v{self.version} {self.action}"
