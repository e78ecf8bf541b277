"""Plants, their resources (work centres) with weekly capacity, and the bill of capacity per product."""

from __future__ import annotations

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from sop_portal.masterdata.models import Product


class Plant(models.Model):
    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=120, unique=True)
    location = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Resource(models.Model):
    """A work centre or line whose hours the MPS consumes (rough-cut capacity)."""

    plant = models.ForeignKey(Plant, on_delete=models.PROTECT, related_name="resources")
    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=120)
    weekly_capacity = models.FloatField(
        help_text="Available hours in a normal week", validators=[MinValueValidator(0)]
    )

    class Meta:
        ordering = ["plant__code", "code"]
        constraints = [models.CheckConstraint(condition=Q(weekly_capacity__gte=0), name="resource_capacity_gte_0")]

    def __str__(self) -> str:
        return f"{self.name} ({self.plant.code})"


class ResourceCapacityException(models.Model):
    """A week whose capacity differs from normal: holidays, maintenance, an extra shift."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="exceptions")
    week = models.DateField(help_text="Monday of the ISO week")
    capacity = models.FloatField(validators=[MinValueValidator(0)])
    reason = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["resource", "week"]
        constraints = [
            models.UniqueConstraint(fields=["resource", "week"], name="one_capacity_exception_per_week"),
            models.CheckConstraint(condition=Q(capacity__gte=0), name="exception_capacity_gte_0"),
        ]

    def __str__(self) -> str:
        return f"{self.resource.code} {self.week}: {self.capacity:g} h"


class BillOfCapacity(models.Model):
    """Hours one unit of `product` needs on `resource`, plus the setup hours each production lot needs."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="bill_of_capacity")
    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="bill_of_capacity")
    run_hours_per_unit = models.FloatField(validators=[MinValueValidator(0)])
    setup_hours_per_lot = models.FloatField(default=0, validators=[MinValueValidator(0)])

    class Meta:
        verbose_name_plural = "bills of capacity"
        ordering = ["product", "resource"]
        constraints = [
            models.UniqueConstraint(fields=["product", "resource"], name="one_bill_line_per_resource"),
            models.CheckConstraint(
                condition=Q(run_hours_per_unit__gte=0, setup_hours_per_lot__gte=0), name="bill_hours_gte_0"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product_id} on {self.resource_id}: {self.run_hours_per_unit:g} h/unit"
