"""The only writers of master data. Views, API, commands and seed_demo call these."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from sop_portal.errors import InputError, StaleEdit

from .models import BaselineForecast, Product, ProductFamily
from .weeks import week_label, week_start

PRODUCT_FIELDS = ("sku", "name", "family", "unit", "unit_cost", "unit_price", "status", "launch_date", "end_date")


def create_family(*, code: str, name: str, description: str = "") -> ProductFamily:
    family = ProductFamily(code=code, name=name, description=description)
    family.full_clean()
    family.save()
    return family


@transaction.atomic
def create_product(**fields: Any) -> Product:
    product = Product(**{k: v for k, v in fields.items() if k in PRODUCT_FIELDS})
    product.full_clean()
    product.save()
    return product


@transaction.atomic
def update_product(product: Product, *, expected_version: int | None, **changes: Any) -> Product:
    """Apply `changes` unless the product moved past `expected_version` since the editor loaded it.

    The version check and the bump happen in one conditional UPDATE, so two concurrent saves cannot both win.
    """
    current = Product.objects.select_for_update().get(pk=product.pk)
    if expected_version is not None and current.version != expected_version:
        raise StaleEdit(f"Product {current.sku}", current.version)
    for field, value in changes.items():
        if field not in PRODUCT_FIELDS:
            raise InputError(field, "is not a product field")
        setattr(current, field, value)
    current.full_clean()
    current.version = F("version") + 1
    current.save()
    current.refresh_from_db()
    return current


@transaction.atomic
def set_forecast(product: Product, quantities: Mapping[date, float]) -> int:
    """Replace the baseline forecast of `product` in the given weeks; returns the number of weeks written."""
    rows = []
    for day, quantity in quantities.items():
        if day != week_start(day):
            raise InputError(f"week {day.isoformat()}", "must be the Monday of an ISO week")
        if quantity is None or quantity < 0:
            raise InputError(f"week {week_label(day)}", "quantity must be zero or more")
        rows.append(BaselineForecast(product=product, week=day, quantity=float(quantity)))
    BaselineForecast.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["product", "week"], update_fields=["quantity"]
    )
    return len(rows)


def today() -> date:
    """The planning 'today' in the portal's time zone (one place, so tests can pin it)."""
    return timezone.localdate()
