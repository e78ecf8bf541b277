"""The page a planner sees first: the size of the plan and where demand is heading, in real figures."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from fulfillment.models import Warehouse
from production.models import Plant
from sop_portal.masterdata import selectors, services
from sop_portal.masterdata.models import BaselineForecast, Product, ProductStatus, SalesHistory
from sop_portal.masterdata.weeks import horizon, week_label, week_start
from sop_portal.organisation.models import Department
from sop_portal.organisation.permissions import requires

CHART_WEEKS = 26


@require_GET
@requires("portal.view")
def index(request: HttpRequest) -> HttpResponse:
    first_week = week_start(services.today())
    window_weeks = selectors.FORECAST_WINDOW_WEEKS
    forecast = selectors.forecast_by_family(first_week, window_weeks)
    total_revenue = sum(row["revenue"] for row in forecast.values())
    families = []
    for family in selectors.families_with_product_counts():
        figures = forecast.get(family.pk, {"units": 0.0, "revenue": 0.0})
        share = 100 * figures["revenue"] / total_revenue if total_revenue else 0.0
        families.append({"family": family, "share": share, **figures})

    past = horizon(first_week - timedelta(weeks=CHART_WEEKS), CHART_WEEKS)
    future = horizon(first_week, CHART_WEEKS)
    chart = {
        "labels": [week_label(day) for day in past + future],
        "history": selectors.weekly_totals(SalesHistory, past[0], CHART_WEEKS) + [None] * CHART_WEEKS,
        "forecast": [None] * CHART_WEEKS + selectors.weekly_totals(BaselineForecast, future[0], CHART_WEEKS),
        "split": week_label(first_week),
    }
    return render(
        request,
        "dashboard/index.html",
        {
            "families": families,
            "active_products": Product.objects.filter(status=ProductStatus.ACTIVE).count(),
            "forecast_units": sum(row["units"] for row in forecast.values()),
            "forecast_revenue": total_revenue,
            "window_weeks": window_weeks,
            "window_first": week_label(first_week),
            "window_last": week_label(first_week + timedelta(weeks=window_weeks - 1)),
            "plant_count": Plant.objects.count(),
            "warehouse_count": Warehouse.objects.count(),
            "departments": Department.objects.annotate(member_count=Count("memberships")).order_by(
                "sort_order", "name"
            ),
            "chart": chart,
            "chart_weeks": CHART_WEEKS,
            "alerts": [],
        },
    )
