"""The pages in real Chromium: htmx swaps, pushed URLs and Chart.js drawing from json_script data."""

import pytest

from sop_portal.masterdata.models import BaselineForecast
from sop_portal.organisation.models import Role
from tests.factories import PASSWORD, make_family, make_product, make_user

from .conftest import THIS_MONDAY

# serialized_rollback: live_server tests flush the database, and the standard departments come from a data migration.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def log_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")


def test_dashboard_draws_the_demand_chart(page):
    make_user("alice")
    product = make_product("B1", family=make_family("bev", "Beverages"))
    BaselineForecast.objects.create(product=product, week=THIS_MONDAY, quantity=5)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    log_in(page, "alice")

    assert page.locator("h1").inner_text() == "Dashboard"
    page.wait_for_function("window.Chart && Chart.getChart('demand-chart')")
    assert page.evaluate("Chart.getChart('demand-chart').data.datasets[1].data[26]") == 5
    assert errors == []


def test_product_search_swaps_the_table_and_pushes_the_url(page):
    make_user("alice", departments={"operations": Role.VIEWER})
    family = make_family("bev", "Beverages")
    for sku in ["COLA-1", "COLA-2", "LEMON-1"]:
        make_product(sku, family=family)
    log_in(page, "alice")
    page.goto("/products/")
    page.evaluate("window.__same_document = true")  # survives an htmx swap, not a full page load

    page.fill("#id_q", "lemon")
    page.wait_for_url("**/products/?q=lemon")
    page.wait_for_function("document.querySelectorAll('#product-table tbody tr').length === 1")

    assert page.locator("#product-table tbody tr").inner_text().startswith("LEMON-1")
    assert page.evaluate("window.__same_document") is True


def test_forecast_grid_shows_errors_in_place_then_saves_and_redraws_the_chart(page):
    make_user("sally", departments={"sales": Role.PLANNER})
    product = make_product("B1", family=make_family("bev", "Beverages"))
    log_in(page, "sally")
    page.goto("/products/B1/")
    page.wait_for_function("Chart.getChart('product-chart')")

    page.fill("#id_w-2027-W15", "abc")
    page.click("text=Save forecast")
    page.wait_for_selector("#forecast-grid .alert-error")
    assert "week 2027-W15: 'abc' is not a number" in page.locator("#forecast-grid .alert-error").inner_text()
    assert not BaselineForecast.objects.filter(product=product).exists()

    page.fill("#id_w-2027-W15", "12")
    page.click("text=Save forecast")
    page.wait_for_selector("#forecast-grid .alert-success")
    assert BaselineForecast.objects.get(product=product).quantity == 12
    # 52 weeks of history, then this week (W14) and W15.
    page.wait_for_function("Chart.getChart('product-chart').data.datasets[1].data[53] === 12")
