"""Warehouses with their weekly capacity per dimension, capacity exceptions, which products ship from where,
and the latest projected load (a cache of the last check, like production's ResourceLoad)."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from sop_portal.masterdata.models import Product


class Dimension(models.TextChoices):
    """What a warehouse runs out of, in the order of fulfillment.planning.projection.DIMENSIONS."""

    INBOUND = "inbound", "Inbound"
    OUTBOUND = "outbound", "Outbound"
    STORAGE = "storage", "Storage"
    LABOUR = "labour", "Labour"


UNITS = {
    Dimension.INBOUND: "units / week",
    Dimension.OUTBOUND: "units / week",
    Dimension.STORAGE: "pallet positions",
    Dimension.LABOUR: "hours / week",
}
# The Warehouse field holding each dimension's normal weekly capacity.
CAPACITY_FIELD = {
    Dimension.INBOUND: "inbound_capacity",
    Dimension.OUTBOUND: "outbound_capacity",
    Dimension.STORAGE: "storage_capacity",
    Dimension.LABOUR: "labour_capacity",
}


def _capacity(help_text: str) -> models.FloatField:
    return models.FloatField(null=True, blank=True, validators=[MinValueValidator(0)], help_text=help_text)


def _rate(help_text: str) -> models.FloatField:
    return models.FloatField(null=True, blank=True, validators=[MinValueValidator(0.001)], help_text=help_text)


class Warehouse(models.Model):
    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=120, unique=True)
    location = models.CharField(max_length=120, blank=True)
    # Normal capacity per week; blank = not recorded, so the dimension is not checked.
    inbound_capacity = _capacity("Units received per week")
    outbound_capacity = _capacity("Units shipped per week")
    storage_capacity = _capacity("Pallet positions")
    labour_capacity = _capacity("Labour hours per week")
    pick_rate = _rate("Units picked per labour hour")
    receive_rate = _rate("Units received per labour hour")
    warning_threshold = models.FloatField(
        default=0.85, validators=[MinValueValidator(0.01)], help_text="Utilisation above which a week needs watching"
    )
    critical_threshold = models.FloatField(
        default=1.0, validators=[MinValueValidator(0.01)], help_text="Utilisation above which a week is overloaded"
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(inbound_capacity__isnull=True) | Q(inbound_capacity__gte=0))
                & (Q(outbound_capacity__isnull=True) | Q(outbound_capacity__gte=0))
                & (Q(storage_capacity__isnull=True) | Q(storage_capacity__gte=0))
                & (Q(labour_capacity__isnull=True) | Q(labour_capacity__gte=0)),
                name="warehouse_capacity_gte_0",
            ),
            models.CheckConstraint(
                condition=(Q(pick_rate__isnull=True) | Q(pick_rate__gt=0))
                & (Q(receive_rate__isnull=True) | Q(receive_rate__gt=0)),
                name="warehouse_rates_gt_0",
            ),
            # Labour hours are load from picking and receiving: both rates are needed to check them.
            models.CheckConstraint(
                condition=Q(labour_capacity__isnull=True) | Q(pick_rate__isnull=False, receive_rate__isnull=False),
                name="warehouse_labour_needs_rates",
            ),
            models.CheckConstraint(
                condition=Q(warning_threshold__gt=0) & Q(critical_threshold__gt=F("warning_threshold")),
                name="warehouse_warning_below_critical",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def normal_capacity(self, dimension: str) -> float | None:
        value: float | None = getattr(self, CAPACITY_FIELD[Dimension(dimension)])
        return value

    @property
    def has_capacity(self) -> bool:
        return any(self.normal_capacity(d) is not None for d in Dimension)


class CapacityException(models.Model):
    """A week whose capacity in one dimension differs from normal: a bank holiday, a peak shift, a closure."""

    warehouse = models.ForeignKey(Warehouse, on_delete=models.CASCADE, related_name="exceptions")
    dimension = models.CharField(max_length=10, choices=Dimension.choices)
    week = models.DateField(help_text="Monday of the ISO week")
    capacity = models.FloatField(validators=[MinValueValidator(0)])
    reason = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["warehouse", "week", "dimension"]
        constraints = [
            models.UniqueConstraint(
                fields=["warehouse", "dimension", "week"], name="one_warehouse_exception_per_dimension_week"
            ),
            models.CheckConstraint(condition=Q(capacity__gte=0), name="warehouse_exception_capacity_gte_0"),
            models.CheckConstraint(
                condition=Q(dimension__in=Dimension.values), name="warehouse_exception_dimension_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.warehouse.code} {self.dimension} {self.week}: {self.capacity:g}"


class Assignment(models.Model):
    """A product ships `share_pct` % of its units through a warehouse; a product's shares add up to 100 % at most
    (kept by fulfillment.services: a sum over rows is no CHECK constraint)."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="warehouse_assignments")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.CASCADE, related_name="assignments")
    share_pct = models.FloatField(
        validators=[MinValueValidator(0.01), MaxValueValidator(100)], help_text="% of the product's demand"
    )
    units_per_case = models.PositiveIntegerField(default=1, validators=[MinValueValidator(1)])
    units_per_pallet = models.PositiveIntegerField(validators=[MinValueValidator(1)])

    class Meta:
        ordering = ["warehouse", "product"]
        constraints = [
            models.UniqueConstraint(fields=["product", "warehouse"], name="one_assignment_per_product_warehouse"),
            models.CheckConstraint(condition=Q(share_pct__gt=0, share_pct__lte=100), name="assignment_share_0_100"),
            models.CheckConstraint(condition=Q(units_per_case__gte=1), name="assignment_units_per_case_gte_1"),
            models.CheckConstraint(
                condition=Q(units_per_pallet__gte=F("units_per_case")), name="assignment_pallet_holds_a_case"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product_id} @ {self.warehouse_id}: {self.share_pct:g} %"


class WarehouseProjection(models.Model):
    """The projected load of one warehouse as of its last check: the cache pages, the API and alerts read.

    Series are lists with one number per week from `first_week`, per dimension (`Dimension` values); a capacity
    that is not recorded is null. `campaigns` keeps each campaign's outbound units through this warehouse,
    `top_products` the five products loading each dimension most in each week (for the heatmap's breakdown).
    """

    warehouse = models.OneToOneField(Warehouse, on_delete=models.CASCADE, primary_key=True, related_name="projection")
    revision = models.ForeignKey(
        "production.MpsRevision", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    first_week = models.DateField()
    checked = models.DateTimeField(auto_now=True)
    load = models.JSONField(help_text="{dimension: [load per week]}")
    capacity = models.JSONField(help_text="{dimension: [capacity per week or null]}")
    worst = models.JSONField(help_text="[highest utilisation over the dimensions per week, or null]")
    # [{"id": 7, "name": "Summer push", "outbound": [...]}]
    campaigns = models.JSONField(default=list, blank=True)
    # {dimension: [[[product id, load], ... top five] per week]}
    top_products = models.JSONField(default=dict, blank=True)
    # {"demand": [...], "on_time": [...], "backorder": [...]} units through this warehouse per week
    fill = models.JSONField(default=dict, blank=True)
    # The open order lines of its products projected late or short, most urgent first (at most LATE_ORDERS_KEPT)
    late_orders = models.JSONField(default=list, blank=True)
    late_order_lines = models.PositiveIntegerField(default=0, help_text="All late or short lines, kept or not")
    products = models.PositiveIntegerField(default=0, help_text="Products assigned when checked")
    peak_utilisation = models.FloatField(null=True, blank=True)
    weeks_above_warning = models.PositiveSmallIntegerField(default=0)
    weeks_above_critical = models.PositiveSmallIntegerField(default=0)

    def __str__(self) -> str:
        return f"projection of {self.warehouse_id} from {self.first_week}"
