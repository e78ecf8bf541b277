"""Returns: authorisations (RMAs) and their lines with a two-level reason, the campaign that drove the sale,
the import batches they came in (the cause an MPS revision names), shipped units per channel as the denominator
of every return rate, the anomalies detected and the answers their owners gave.

An authorisation is keyed by its return number, the customer service system's natural key: a re-imported file
finds its numbers taken and adds nothing, and the bulk load writes lines without reading ids back.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from campaigns.models import Campaign
from sop_portal.alerts.models import Alert
from sop_portal.jobs.models import Job
from sop_portal.masterdata.models import Channel, Product


class ReturnReason(models.Model):
    """A reason group (parent empty) or one of its sub-reasons: two levels, no deeper."""

    code = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=120)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "code"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="one_reason_name_per_group"),
            models.CheckConstraint(condition=~Q(parent=F("pk")), name="reason_not_its_own_parent"),
        ]

    def __str__(self) -> str:
        return f"{self.parent.name}: {self.name}" if self.parent_id and self.parent else self.name


class ItemCondition(models.TextChoices):
    UNOPENED = "unopened", "Unopened"
    OPENED = "opened", "Opened, as new"
    DAMAGED = "damaged", "Damaged"
    DEFECTIVE = "defective", "Defective"


class Disposition(models.TextChoices):
    RESTOCK = "restock", "Restock"
    REFURBISH = "refurbish", "Refurbish"
    SCRAP = "scrap", "Scrap"
    RETURN_TO_VENDOR = "return_to_vendor", "Return to vendor"


class ReturnsPolicy(models.Model):
    """How returns are judged and planned; one row (pk 1), changed through services.update_policy."""

    margin_pct = models.FloatField(
        default=50, validators=[MinValueValidator(0)], help_text="Alarm when the rate is this % above its baseline"
    )
    # Hundreds of products are checked per batch: at 0.001 chance alone raises well under one alarm per batch.
    alpha = models.FloatField(
        default=0.001, validators=[MinValueValidator(1e-9), MaxValueValidator(0.5)],
        help_text="…and the one-sided binomial p-value is below this",
    )  # fmt: skip
    prior_units = models.FloatField(
        default=500, validators=[MinValueValidator(0)],
        help_text="Shipped units of the parent's rate a baseline starts from (products borrow their family's)",
    )  # fmt: skip
    recent_weeks = models.PositiveSmallIntegerField(default=8, help_text="Order weeks a product alarm looks at")
    baseline_weeks = models.PositiveSmallIntegerField(default=26, help_text="Order weeks before them: the baseline")
    return_lag_weeks = models.PositiveSmallIntegerField(default=2, help_text="Typical weeks from sale to return")
    restock_lag_weeks = models.PositiveSmallIntegerField(default=1)
    restock_yield_pct = models.FloatField(default=100, validators=[MinValueValidator(0), MaxValueValidator(100)])
    refurbish_lag_weeks = models.PositiveSmallIntegerField(default=3)
    refurbish_yield_pct = models.FloatField(default=80, validators=[MinValueValidator(0), MaxValueValidator(100)])
    plan_expected_returns = models.BooleanField(
        default=True, help_text="Plan the restockable part of the returns expected from future sales as supply"
    )
    version = models.PositiveIntegerField(default=1)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "returns policy"
        constraints = [
            models.CheckConstraint(condition=Q(pk=1), name="one_returns_policy"),
            models.CheckConstraint(condition=Q(baseline_weeks__gte=1, recent_weeks__gte=1), name="policy_weeks_gte_1"),
        ]

    def __str__(self) -> str:
        return f"Returns policy v{self.version}"


class ImportBatch(models.Model):
    """One load of returns (a file, an API call, the demo): all of its lines or none, and the MPS cause."""

    class Kind(models.TextChoices):
        FILE = "file", "File upload"
        API = "api", "API"
        DEMO = "demo", "Demo data"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Validating and loading"
        REJECTED = "rejected", "Rejected: nothing loaded"
        LOADED = "loaded", "Loaded"
        FAILED = "failed", "Failed"

    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.FILE)
    source = models.CharField(max_length=200, help_text="File name, or what sent it")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    rows = models.PositiveIntegerField(default=0, help_text="Data rows read")
    returns_created = models.PositiveIntegerField(default=0)
    lines_created = models.PositiveIntegerField(default=0)
    units = models.FloatField(default=0, help_text="Returned units loaded")
    rows_skipped = models.PositiveIntegerField(default=0, help_text="Rows whose return number was already loaded")
    error_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True, help_text="[{row, column, message}], the first 1,000")
    products = models.JSONField(default=list, blank=True, help_text="Product ids with lines in this batch")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    import_job = models.ForeignKey(Job, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    pipeline_job = models.ForeignKey(Job, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created = models.DateTimeField(auto_now_add=True)
    finished = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created", "-pk"]
        verbose_name_plural = "import batches"

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """What an MPS revision caused by this batch says."""
        return f"Returns batch {self.pk} ({self.source})"

    @property
    def cause_ref(self) -> str:
        return f"returns-batch:{self.pk}"


class ImportUpload(models.Model):
    """The uploaded file, kept in the database so any worker can read it; deleted once the batch is loaded."""

    batch = models.OneToOneField(ImportBatch, on_delete=models.CASCADE, primary_key=True, related_name="upload")
    content = models.BinaryField(help_text="zlib-compressed: a CSV shrinks to a fifth")

    def __str__(self) -> str:
        return f"upload of batch {self.batch_id}"


class ReturnAuthorisation(models.Model):
    number = models.CharField("return number", max_length=40, primary_key=True)
    order_reference = models.CharField(max_length=60, blank=True)
    customer = models.CharField(max_length=120, blank=True)
    channel = models.CharField(max_length=20, choices=Channel.choices)
    order_date = models.DateField()
    return_date = models.DateField()
    batch = models.ForeignKey(ImportBatch, on_delete=models.PROTECT, related_name="authorisations", db_index=False)

    class Meta:
        ordering = ["-return_date", "number"]
        constraints = [
            models.CheckConstraint(condition=Q(return_date__gte=F("order_date")), name="returned_after_ordered")
        ]

    def __str__(self) -> str:
        return self.number


class ReturnLine(models.Model):
    """One product on an authorisation. Channel and weeks are copied from the authorisation so that every rate
    is one indexed scan of this table.

    Every index and foreign key is paid for on each of the 100,000 lines a large file brings (PostgreSQL checks
    each key of each row at commit): foreign keys carry no index of their own (the composite indexes below lead
    with the ones that are searched), and the batch and the reason group are reached through the authorisation
    and the reason rather than stored again."""

    authorisation = models.ForeignKey(
        ReturnAuthorisation, on_delete=models.CASCADE, related_name="lines", db_index=False
    )
    line = models.PositiveSmallIntegerField(default=1)
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="return_lines", db_index=False)
    quantity = models.FloatField()
    reason = models.ForeignKey(ReturnReason, on_delete=models.PROTECT, related_name="lines", db_index=False)
    comment = models.TextField(blank=True)
    condition = models.CharField(max_length=12, choices=ItemCondition.choices, blank=True)
    disposition = models.CharField(max_length=20, choices=Disposition.choices)
    campaign = models.ForeignKey(
        Campaign, null=True, blank=True, on_delete=models.SET_NULL, related_name="return_lines",
        help_text="The campaign that drove the sale", db_index=False,
    )  # fmt: skip
    channel = models.CharField(max_length=20, choices=Channel.choices)
    order_week = models.DateField(help_text="Monday of the order date's week: the sales cohort")
    return_week = models.DateField(help_text="Monday of the return date's week")

    class Meta:
        ordering = ["authorisation", "line"]
        indexes = [
            models.Index(fields=["product", "order_week"]),
            models.Index(
                fields=["campaign", "product"], condition=Q(campaign__isnull=False), name="return_line_campaign"
            ),
            models.Index(fields=["return_week", "disposition"]),
        ]
        constraints = [
            models.UniqueConstraint(fields=["authorisation", "line"], name="one_return_line_number"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="return_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.authorisation_id}/{self.line} {self.product_id} x{self.quantity:g}"


class ShippedQuantity(models.Model):
    """Units shipped per product, channel and week: the denominator of return rates (SalesHistory has no channel)."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+", db_index=False)
    channel = models.CharField(max_length=20, choices=Channel.choices)
    week = models.DateField(help_text="Monday of the ISO week")
    quantity = models.FloatField()

    class Meta:
        ordering = ["product", "week", "channel"]
        verbose_name_plural = "shipped quantities"
        indexes = [models.Index(fields=["week", "channel"])]
        constraints = [
            models.UniqueConstraint(
                fields=["product", "week", "channel"], name="one_shipment_per_product_week_channel"
            ),
            models.CheckConstraint(condition=Q(quantity__gte=0), name="shipped_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.product_id} {self.channel} {self.week}: {self.quantity:g}"


class ReturnAnomaly(models.Model):
    """A return rate above its baseline that somebody must answer for: the returns side of an alert.

    Kept while its alert is open; resolved (and read-only) when the rate is back within its margin.
    """

    class Status(models.TextChoices):
        OPEN = "open", "Awaiting acknowledgement"
        ACKNOWLEDGED = "acknowledged", "Acknowledged, awaiting answer"
        ANSWERED = "answered", "Answered"
        RESOLVED = "resolved", "Resolved"

    key = models.CharField(max_length=120, help_text="Same as its alert's key")
    alert = models.ForeignKey(Alert, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="return_anomalies")
    campaign = models.ForeignKey(
        Campaign, null=True, blank=True, on_delete=models.CASCADE, related_name="return_anomalies"
    )
    batch = models.ForeignKey(ImportBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    first_week = models.DateField(help_text="First order week looked at")
    last_week = models.DateField(help_text="Last order week looked at")
    returned = models.FloatField()
    shipped = models.FloatField()
    rate = models.FloatField()
    baseline_rate = models.FloatField()
    p_value = models.FloatField()
    top_reasons = models.JSONField(
        default=list, help_text='[{"reason_id": 7, "reason": "Size / fit: Too small", "units": 40, "share": 0.6}]'
    )
    comments = models.JSONField(default=list, help_text="Sample customer comments")
    departments = models.JSONField(default=list, help_text="Department codes that must act")
    status = models.CharField(max_length=14, choices=Status.choices, default=Status.OPEN)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]
        verbose_name_plural = "return anomalies"
        indexes = [models.Index(fields=["status", "campaign"])]
        constraints = [
            models.UniqueConstraint(fields=["key"], condition=~Q(status="resolved"), name="one_live_anomaly_per_key")
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.status})"

    @property
    def subject(self) -> str:
        where = f" sold in '{self.campaign.name}'" if self.campaign_id and self.campaign else ""
        return f"{self.product.sku} {self.product.name}{where}"

    @property
    def ratio(self) -> float:
        return self.rate / self.baseline_rate if self.baseline_rate else 0.0


class AnomalyResponse(models.Model):
    """The thread under an anomaly: the owner's acknowledgement and answers, customer service's notes."""

    class Kind(models.TextChoices):
        ACKNOWLEDGEMENT = "acknowledgement", "Acknowledged"
        ANSWER = "answer", "Answer"
        NOTE = "note", "Note"

    anomaly = models.ForeignKey(ReturnAnomaly, on_delete=models.CASCADE, related_name="responses")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    department = models.CharField(max_length=40, blank=True, help_text="The author's department it speaks for")
    text = models.TextField(blank=True, help_text="The action taken, or the note")
    due_date = models.DateField(null=True, blank=True, help_text="When the action takes effect")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="answer") | (~Q(text="") & Q(due_date__isnull=False)),
                name="answer_has_action_and_due_date",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.anomaly_id} by {self.author_id}"
