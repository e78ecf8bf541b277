"""Product pages: the filtered catalogue, one product with its demand, and the forms that change them."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import F, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sop_portal.errors import InputError, StaleEdit
from sop_portal.organisation.permissions import can, requires

from . import selectors, services
from .forms import SORTS, ProductEditForm, ProductFilterForm, ProductForm, forecast_field, parse_forecast_grid
from .models import BaselineForecast, Product, SalesHistory
from .weeks import horizon, week_label, week_start

PAGE_SIZE = 50
GRID_WEEKS = 26
CHART_HISTORY_WEEKS = 52
CHART_FORECAST_WEEKS = 52


def this_week() -> date:
    return week_start(services.today())


@require_GET
@requires("portal.view")
def product_list(request: HttpRequest) -> HttpResponse:
    form = ProductFilterForm(request.GET or None)
    products = selectors.products_with_figures(this_week())
    sort = "sku"
    if form.is_bound:
        form.is_valid()
        # Apply every filter that is valid; the invalid ones are shown as errors next to their field.
        data = form.cleaned_data
        if data.get("q"):
            query = data["q"].strip()
            products = products.filter(Q(sku__icontains=query) | Q(name__icontains=query))
        if data.get("family"):
            products = products.filter(family=data["family"])
        if data.get("status"):
            products = products.filter(status=data["status"])
        sort = data.get("sort") or "sku"
    key = SORTS[sort.lstrip("-")]
    order = F(key).desc(nulls_last=True) if sort.startswith("-") else F(key).asc(nulls_last=True)
    products = products.order_by(order, "sku")
    page = Paginator(products, PAGE_SIZE).get_page(request.GET.get("page"))

    params = request.GET.copy()
    params.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "columns": _columns(request, sort),
        "sort_param": sort if request.GET.get("sort") else "",
        "query_string": params.urlencode(),
        "window_weeks": selectors.FORECAST_WINDOW_WEEKS,
        "first_week": week_label(this_week()),
    }
    partial = request.htmx and not request.htmx.history_restore_request  # type: ignore[attr-defined]
    template = "masterdata/_product_table.html" if partial else "masterdata/product_list.html"
    response = render(request, template, context)
    # The same URL answers a full page or the table alone: caches must keep them apart.
    patch_vary_headers(response, ["HX-Request"])
    return response


COLUMNS = [
    ("sku", "SKU", False),
    ("name", "Name", False),
    ("family", "Family", False),
    ("status", "Status", False),
    ("cost", "Unit cost", True),
    ("price", "Price", True),
    ("margin", "Margin %", True),
    ("forecast", "Forecast units", True),
]


def _columns(request: HttpRequest, sort: str) -> list[dict[str, Any]]:
    """Table headers with the link that sorts by them: ascending first, a second click descending."""
    params = request.GET.copy()
    params.pop("page", None)
    columns = []
    for key, label, numeric in COLUMNS:
        current = sort.lstrip("-") == key
        descending = sort.startswith("-")
        params["sort"] = f"-{key}" if current and not descending else key
        columns.append(
            {
                "key": key,
                "label": label,
                "numeric": numeric,
                "url": f"?{params.urlencode()}",
                "aria_sort": ("descending" if descending else "ascending") if current else "",
            }
        )
    return columns


def _grid(product: Product, posted: dict[date, str] | None = None, errors: dict[date, str] | None = None) -> dict:
    weeks = horizon(this_week(), GRID_WEEKS)
    stored = dict(
        BaselineForecast.objects.filter(product=product, week__gte=weeks[0], week__lte=weeks[-1]).values_list(
            "week", "quantity"
        )
    )
    year_ago = selectors.weekly_totals(SalesHistory, weeks[0] - timedelta(weeks=52), GRID_WEEKS, product)
    price = float(product.unit_price)
    cells = []
    for i, day in enumerate(weeks):
        quantity = stored.get(day)
        cells.append(
            {
                "week": day,
                "label": week_label(day),
                "name": forecast_field(day),
                "value": posted[day] if posted and day in posted else _number(quantity),
                "quantity": quantity or 0.0,
                "revenue": (quantity or 0.0) * price,
                "year_ago": year_ago[i],
                "error": (errors or {}).get(day),
            }
        )
    return {
        "cells": cells,
        "grid_errors": [(week_label(day), message) for day, message in sorted((errors or {}).items())],
        "total_units": sum(c["quantity"] for c in cells),
        "total_revenue": sum(c["revenue"] for c in cells),
        "total_year_ago": sum(year_ago),
        "chart": _chart(product),
    }


def _number(quantity: float | None) -> str:
    if quantity is None:
        return ""
    return str(int(quantity)) if float(quantity).is_integer() else f"{quantity:.3f}".rstrip("0")


def _chart(product: Product) -> dict[str, Any]:
    first = this_week()
    past = horizon(first - timedelta(weeks=CHART_HISTORY_WEEKS), CHART_HISTORY_WEEKS)
    future = horizon(first, CHART_FORECAST_WEEKS)
    history = selectors.weekly_totals(SalesHistory, past[0], CHART_HISTORY_WEEKS, product)
    forecast = selectors.weekly_totals(BaselineForecast, future[0], CHART_FORECAST_WEEKS, product)
    return {
        "labels": [week_label(day) for day in past + future],
        "history": history + [None] * CHART_FORECAST_WEEKS,
        "forecast": [None] * CHART_HISTORY_WEEKS + forecast,
        "split": week_label(first),
    }


def _detail(request: HttpRequest, product: Product, grid: dict, status: int = 200) -> HttpResponse:
    return render(
        request,
        "masterdata/product_detail.html",
        {
            "product": product,
            "margin_pct": _margin_pct(product),
            "may_edit_forecast": can(request.user, "forecast.edit"),
            "may_edit_product": can(request.user, "products.edit"),
            **grid,
        },
        status=status,
    )


def _margin_pct(product: Product) -> float | None:
    if not product.unit_price:
        return None
    return float((product.unit_price - product.unit_cost) * 100 / product.unit_price)


@require_GET
@requires("portal.view")
def product_detail(request: HttpRequest, sku: str) -> HttpResponse:
    product = get_object_or_404(Product.objects.select_related("family"), sku=sku)
    return _detail(request, product, _grid(product))


@require_POST
@requires("forecast.edit")
def forecast_save(request: HttpRequest, sku: str) -> HttpResponse:
    """Save the forecast grid: all cells or none. htmx gets the grid back; a plain form post the whole page."""
    product = get_object_or_404(Product.objects.select_related("family"), sku=sku)
    weeks = horizon(this_week(), GRID_WEEKS)
    values, errors = parse_forecast_grid(request.POST, weeks)
    posted = {day: request.POST.get(forecast_field(day), "") for day in weeks if forecast_field(day) in request.POST}
    saved = 0
    if not errors:
        stored = dict(
            BaselineForecast.objects.filter(product=product, week__in=list(values)).values_list("week", "quantity")
        )
        # Only cells that changed are written; a blank cell where nothing is stored stays empty.
        changed = {day: q for day, q in values.items() if (stored[day] != q if day in stored else q != 0)}
        try:
            saved = services.set_forecast(product, changed)
        except InputError as exc:
            week = next((day for day in changed if exc.field == f"week {week_label(day)}"), weeks[0])
            errors = {week: exc.message}
    status = 422 if errors else 200
    grid = _grid(product, posted if errors else None, errors)
    if request.htmx:  # type: ignore[attr-defined]
        grid["saved"] = None if errors else saved
        return render(
            request,
            "masterdata/_forecast_grid.html",
            {"product": product, "may_edit_forecast": True, **grid},
            status=status,
        )
    if errors:
        return _detail(request, product, grid, status=status)
    messages.success(request, f"Forecast saved: {saved} week{'s' if saved != 1 else ''} changed.")
    return redirect("product-detail", sku=product.sku)


def _form_error(form: ProductForm, exc: Exception) -> None:
    if isinstance(exc, InputError):
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
    elif isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            for field, errs in exc.error_dict.items():
                form.add_error(field if field in form.fields else None, errs)
        else:
            form.add_error(None, exc)


@require_http_methods(["GET", "POST"])
@requires("products.edit")
def product_create(request: HttpRequest) -> HttpResponse:
    form = ProductForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                product = services.create_product(**form.cleaned_data)
            except (InputError, ValidationError) as exc:
                _form_error(form, exc)
            else:
                messages.success(request, f"Created {product.sku} {product.name}.")
                return redirect("product-detail", sku=product.sku)
        return render(request, "masterdata/product_form.html", {"form": form, "product": None}, status=422)
    return render(request, "masterdata/product_form.html", {"form": form, "product": None})


@require_http_methods(["GET", "POST"])
@requires("products.edit")
def product_edit(request: HttpRequest, sku: str) -> HttpResponse:
    product = get_object_or_404(Product, sku=sku)
    if request.method == "GET":
        form = ProductEditForm(instance=product, initial={"version": product.version})
        return render(request, "masterdata/product_form.html", {"form": form, "product": product})

    form = ProductEditForm(request.POST, instance=product)
    status = 422
    if form.is_valid():
        changes = {field: form.cleaned_data[field] for field in form.Meta.fields}
        try:
            updated = services.update_product(product, expected_version=form.cleaned_data["version"], **changes)
        except StaleEdit as exc:
            form.add_error(None, str(exc))
            status = 409
        except (InputError, ValidationError) as exc:
            _form_error(form, exc)
        else:
            messages.success(request, f"Saved {updated.sku} (version {updated.version}).")
            return redirect("product-detail", sku=updated.sku)
    # The form validated into `product` in memory; the page header shows what is stored.
    stored = Product.objects.get(pk=product.pk)
    return render(
        request,
        "masterdata/product_form.html",
        {"form": form, "product": stored, "stale": status == 409},
        status=status,
    )
