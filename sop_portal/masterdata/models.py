"""Master data every plan is built on: product families, products and their weekly demand series."""

from __future__ import annotations

from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q


class ProductFamily(models.Model):
    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=120, unique=True)
    description = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "product families"

    def __str__(self) -> str:
        return self.name


class Unit(models.TextChoices):
    EACH = "each", "Each"
    CASE = "case", "Case"
    KG = "kg", "Kilogram"
    LITRE = "litre", "Litre"
    PACK = "pack", "Pack"


class ProductStatus(models.TextChoices):
    PLANNED = "planned", "Planned (pre-launch)"
    ACTIVE = "active", "Active"
    PHASE_OUT = "phase_out", "Phasing out"
    DISCONTINUED = "discontinued", "Discontinued"


# A SKU is part of page and API URLs: no slashes or spaces, and not a word the product URLs use.
SKU_FORMAT = RegexValidator(
    r"^(?!(new|edit)$)[A-Za-z0-9][A-Za-z0-9._-]*$",
    "letters, digits, '.', '_' and '-' only, starting with a letter or digit (and not 'new' or 'edit')",
)


class Product(models.Model):
    sku = models.CharField("SKU", max_length=40, unique=True, validators=[SKU_FORMAT])
    name = models.CharField(max_length=200)
    family = models.ForeignKey(ProductFamily, on_delete=models.PROTECT, related_name="products")
    unit = models.CharField(max_length=10, choices=Unit.choices, default=Unit.EACH)
    unit_cost = models.DecimalField(max_digits=12, decimal_places=2, validators=[MinValueValidator(0)])
    unit_price = models.DecimalField(max_digits=12, decimal_places=2, validators=[MinValueValidator(0)])
    status = models.CharField(max_length=20, choices=ProductStatus.choices, default=ProductStatus.ACTIVE)
    launch_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    # Optimistic concurrency: every save through services bumps it; a stale edit is refused (409).
    version = models.PositiveIntegerField(default=1)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["sku"]
        indexes = [models.Index(fields=["family", "status"])]
        constraints = [
            models.CheckConstraint(condition=Q(unit_cost__gte=0), name="product_unit_cost_not_negative"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="product_unit_price_not_negative"),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(launch_date__isnull=True) | Q(end_date__gte=F("launch_date")),
                name="product_ends_after_launch",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sku} {self.name}"

    @property
    def margin(self) -> float:
        return float(self.unit_price - self.unit_cost)


class WeeklyQuantity(models.Model):
    """A quantity per product and ISO week (stored as the week's Monday)."""

    # No index of its own: the unique (product, week) index serves product lookups, and one index fewer makes
    # loading millions of weekly rows faster.
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+", db_index=False)
    week = models.DateField(help_text="Monday of the ISO week")
    quantity = models.FloatField()

    class Meta:
        abstract = True
        ordering = ["product", "week"]

    def __str__(self) -> str:
        return f"{self.product_id} {self.week.isoformat()}: {self.quantity:g}"


class BaselineForecast(WeeklyQuantity):
    """Statistical / sales baseline demand per week, before campaign uplifts: the input campaigns lift."""

    class Meta(WeeklyQuantity.Meta):
        constraints = [
            models.UniqueConstraint(fields=["product", "week"], name="one_forecast_per_product_week"),
            models.CheckConstraint(condition=Q(quantity__gte=0), name="forecast_not_negative"),
        ]


class SalesHistory(WeeklyQuantity):
    """Units actually shipped per week: the history the baseline was made from."""

    class Meta(WeeklyQuantity.Meta):
        verbose_name_plural = "sales history"
        constraints = [
            models.UniqueConstraint(fields=["product", "week"], name="one_history_per_product_week"),
            models.CheckConstraint(condition=Q(quantity__gte=0), name="history_not_negative"),
        ]


class Channel(models.TextChoices):
    RETAIL = "retail", "Retail"
    ONLINE = "online", "Online"
    WHOLESALE = "wholesale", "Wholesale"


class CustomerOrder(models.Model):
    """An open customer order line: the 'orders' a demand rule consumes and ATP promises against."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        SHIPPED = "shipped", "Shipped"
        CANCELLED = "cancelled", "Cancelled"

    number = models.CharField(max_length=40)
    line = models.PositiveSmallIntegerField(default=1)
    customer = models.CharField(max_length=120)
    channel = models.CharField(max_length=20, choices=Channel.choices, default=Channel.RETAIL)
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="orders")
    quantity = models.FloatField(validators=[MinValueValidator(0)])
    due_date = models.DateField()
    week = models.DateField(help_text="Monday of the week the order is due in")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_date", "number", "line"]
        indexes = [models.Index(fields=["product", "week", "status"])]
        constraints = [
            models.UniqueConstraint(fields=["number", "line"], name="one_order_line"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="order_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.number}/{self.line} {self.product_id} x{self.quantity:g}"
