"""Issue 6's done-when, in real Chromium: once 'Spring push' is approved, the heatmap shows North DC overloaded in
2027-W11 (250 %, tests/fulfillment/test_services.py) and the cell's breakdown names the campaign."""

import pytest

from campaigns import services as campaign_services
from sop_portal.organisation.models import Role
from tests.factories import PASSWORD, make_user

# serialized_rollback: live_server tests flush the database, and the standard departments come from a data migration.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_the_heatmap_shows_the_overload_and_its_breakdown_names_the_campaign(page, network, spring_push, marketer):
    # Committed for real here, so the pipeline runs at once (tasks are eager without Redis): revision, then warehouses.
    campaign_services.transition(spring_push, "approve", actor=make_user("oscar", departments={"operations": 30}))
    make_user("dan", departments={"warehouse": Role.PLANNER})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    page.goto("/accounts/login/")
    page.fill("input[name=username]", "dan")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")
    page.click("nav.mainnav >> text=Warehouses")
    page.wait_for_url("**/warehouses/")

    cell = page.locator('tr[data-warehouse="north-dc"] td[data-week="2027-W11"]')
    assert cell.get_attribute("data-level") == "severe"
    assert cell.inner_text().strip() == "250"
    assert page.locator('tr[data-warehouse="north-dc"] td[data-level="critical"]').count() == 2  # W10, W12

    cell.locator("button").click()
    page.wait_for_selector('.breakdown[data-week="2027-W11"]')
    outbound = page.locator('.breakdown tr[data-dimension="outbound"]')
    assert "250%" in outbound.inner_text()
    assert outbound.locator(".wh-campaign").inner_text() == "Spring push 15 · 50%"
    assert cell.locator("button").get_attribute("aria-pressed") == "true"
    assert "Outbound at North DC 250% in 2027-W11" in page.locator("#warehouse-alerts").inner_text()

    page.click("text=Warehouse page →")
    page.wait_for_url("**/warehouses/north-dc/")
    page.wait_for_function("window.Chart && Chart.getChart('chart-outbound') && Chart.getChart('fill-chart')")
    assert page.locator('[data-kpi="late-lines"] .kpi-value').inner_text() == "0"
    assert errors == []
