"""Read queries for pages and reports: aggregated in the database, never a Python loop per product.

A demo catalogue has 10,000 SKUs x 104 weeks of forecast, so every figure here is one SQL statement.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import (
    Case,
    Count,
    F,
    FloatField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce

from .models import BaselineForecast, Product, ProductFamily, ProductStatus, WeeklyQuantity
from .weeks import horizon, week_start

FORECAST_WINDOW_WEEKS = 13


def window(first_week: date, weeks: int) -> tuple[date, date]:
    """[first Monday, Monday after the last bucket) — half-open, so it needs no knowledge of the last day."""
    first = week_start(first_week)
    return first, first + timedelta(weeks=weeks)


def _price() -> Cast:
    # Cast: SQLite stores 12.00 as the integer 12, and integer division would truncate a margin to whole percent.
    return Cast("unit_price", FloatField())


def products_with_figures(first_week: date, weeks: int = FORECAST_WINDOW_WEEKS) -> QuerySet[Product]:
    """Products with `margin_pct` (of price; None when the price is 0) and `forecast_units` over the window."""
    start, end = window(first_week, weeks)
    forecast = (
        BaselineForecast.objects.filter(product=OuterRef("pk"), week__gte=start, week__lt=end)
        .order_by()
        .values("product")
        .annotate(total=Sum("quantity"))
        .values("total")[:1]
    )
    return Product.objects.select_related("family").annotate(
        margin_pct=Case(
            When(unit_price=0, then=Value(None, output_field=FloatField())),
            default=(_price() - Cast("unit_cost", FloatField())) * Value(100.0) / _price(),
            output_field=FloatField(),
        ),
        forecast_units=Coalesce(Subquery(forecast, output_field=FloatField()), Value(0.0)),
    )


def families_with_product_counts() -> QuerySet[ProductFamily]:
    return ProductFamily.objects.annotate(
        product_count=Count("products"),
        active_count=Count("products", filter=Q(products__status=ProductStatus.ACTIVE)),
    ).order_by("name")  # Meta.ordering does not apply to aggregating queries


def forecast_by_family(first_week: date, weeks: int = FORECAST_WINDOW_WEEKS) -> dict[int, dict[str, float]]:
    """Family id → {"units", "revenue"} of the baseline forecast in the window; revenue = unit price x units."""
    start, end = window(first_week, weeks)
    rows = (
        BaselineForecast.objects.filter(week__gte=start, week__lt=end)
        .order_by()
        .values("product__family_id")
        .annotate(
            units=Sum("quantity"),
            revenue=Sum(F("quantity") * Cast("product__unit_price", FloatField()), output_field=FloatField()),
        )
    )
    return {row["product__family_id"]: {"units": row["units"] or 0.0, "revenue": row["revenue"] or 0.0} for row in rows}


def weekly_totals(
    model: type[WeeklyQuantity], first_week: date, weeks: int, product: Product | None = None
) -> list[float]:
    """Sum of `model` quantities per week over `weeks` buckets from `first_week`, 0.0 where nothing is stored."""
    start, end = window(first_week, weeks)
    rows = model.objects.filter(week__gte=start, week__lt=end)  # type: ignore[attr-defined]
    if product is not None:
        rows = rows.filter(product=product)
    totals = dict(rows.order_by().values("week").annotate(total=Sum("quantity")).values_list("week", "total"))
    return [float(totals.get(day, 0.0)) for day in horizon(start, weeks)]
