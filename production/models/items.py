"""MPS items (a product made at a plant) with their planning parameters, firm planned orders and open orders.

Rule names are the ones of the `mps_simulate` contract, so a planner can copy an item into a JSON file.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from sop_portal.masterdata.models import Product

from .capacity import Plant


class DemandRuleChoice(models.TextChoices):
    ORDERS = "orders", "Customer orders"
    FORECAST = "forecast", "Forecast"
    MAX = "max", "Larger of forecast and orders"
    SUM = "sum", "Forecast plus orders"


class LotRuleChoice(models.TextChoices):
    LOT_FOR_LOT = "lot_for_lot", "Lot for lot"
    FIXED = "fixed", "Fixed lot"
    PERIOD_ORDER_QUANTITY = "period_order_quantity", "Period order quantity"
    EOQ = "eoq", "Economic order quantity"


class AtpRuleChoice(models.TextChoices):
    DISCRETE_LOOKAHEAD = "discrete_lookahead", "Discrete, with look-ahead"
    DISCRETE_NO_LOOKAHEAD = "discrete_no_lookahead", "Discrete, without look-ahead"


class MpsItem(models.Model):
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="mps_items")
    plant = models.ForeignKey(Plant, on_delete=models.PROTECT, related_name="mps_items")
    demand_share = models.FloatField(
        default=1.0,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text="Share of the product's demand this plant supplies (0..1)",
    )
    on_hand = models.FloatField(default=0, help_text="Stock at the start of the current week")
    safety_stock = models.FloatField(default=0, validators=[MinValueValidator(0)])
    lead_time = models.PositiveSmallIntegerField(default=0, help_text="Weeks from release to receipt")
    demand_time_fence = models.PositiveSmallIntegerField(default=0, help_text="Weeks; 0 = no fence")
    planning_time_fence = models.PositiveSmallIntegerField(default=0, help_text="Weeks; 0 = no fence")
    demand_inside_dtf = models.CharField(
        max_length=10, choices=DemandRuleChoice.choices, default=DemandRuleChoice.ORDERS
    )
    demand_outside_dtf = models.CharField(max_length=10, choices=DemandRuleChoice.choices, default=DemandRuleChoice.MAX)
    lot_rule = models.CharField(max_length=24, choices=LotRuleChoice.choices, default=LotRuleChoice.LOT_FOR_LOT)
    lot_qty = models.FloatField(default=0, help_text="Fixed lot or EOQ quantity", validators=[MinValueValidator(0)])
    poq_periods = models.PositiveSmallIntegerField(default=1, help_text="Weeks one POQ receipt covers")
    fixed_lot_repeats = models.BooleanField(default=True)
    min_lot = models.FloatField(default=0, validators=[MinValueValidator(0)])
    max_lot = models.FloatField(null=True, blank=True, validators=[MinValueValidator(0)])
    lot_multiple = models.FloatField(default=1, validators=[MinValueValidator(0)])
    atp_rule = models.CharField(
        max_length=24, choices=AtpRuleChoice.choices, default=AtpRuleChoice.DISCRETE_LOOKAHEAD
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["product__sku", "plant__code"]
        verbose_name = "MPS item"
        constraints = [
            models.UniqueConstraint(fields=["product", "plant"], name="one_mps_item_per_product_plant"),
            models.CheckConstraint(condition=Q(demand_share__gte=0, demand_share__lte=1), name="mps_share_0_1"),
            models.CheckConstraint(condition=Q(safety_stock__gte=0), name="mps_safety_stock_gte_0"),
            models.CheckConstraint(
                condition=~Q(lot_rule__in=["fixed", "eoq"]) | Q(lot_qty__gt=0), name="mps_fixed_lot_needs_qty"
            ),
            models.CheckConstraint(condition=Q(poq_periods__gte=1), name="mps_poq_periods_gte_1"),
            models.CheckConstraint(
                condition=Q(max_lot__isnull=True) | Q(max_lot__gte=F("min_lot")), name="mps_max_lot_gte_min_lot"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product.sku} @ {self.plant.code}"


class FirmPlannedOrder(models.Model):
    """A planned receipt the planner has fixed: the engine keeps it as is, even inside the planning time fence."""

    item = models.ForeignKey(MpsItem, on_delete=models.CASCADE, related_name="firm_planned_orders")
    week = models.DateField(help_text="Monday of the receipt week")
    quantity = models.FloatField(validators=[MinValueValidator(0)])
    note = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["item", "week"]
        constraints = [models.CheckConstraint(condition=Q(quantity__gt=0), name="fpo_quantity_positive")]

    def __str__(self) -> str:
        return f"FPO {self.item} {self.week}: {self.quantity:g}"


class ScheduledReceipt(models.Model):
    """An open production order already released: it arrives whatever the plan says."""

    item = models.ForeignKey(MpsItem, on_delete=models.CASCADE, related_name="scheduled_receipts")
    week = models.DateField(help_text="Monday of the receipt week")
    quantity = models.FloatField(validators=[MinValueValidator(0)])
    reference = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["item", "week"]
        constraints = [models.CheckConstraint(condition=Q(quantity__gt=0), name="receipt_quantity_positive")]

    def __str__(self) -> str:
        return f"SR {self.reference or self.pk} {self.item} {self.week}: {self.quantity:g}"
