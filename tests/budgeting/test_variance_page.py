"""/budget/<year>/variance/ and /api/v1/budget/cycles/<id>/variance/: the live plan against the locked baseline
(figures worked out in test_variance.py: 'Winter warmers' approved after the 2027 budget locked)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from sop_portal.budgeting import variance
from sop_portal.organisation.departments import STANDARD_DEPARTMENTS
from sop_portal.organisation.models import Department, Role
from tests.budgeting.locked_budget import lock, winter_warmers
from tests.factories import PASSWORD, make_user


@pytest.fixture(autouse=True)
def fresh_measurements() -> Any:
    variance.forget()
    yield
    variance.forget()


@pytest.fixture
def viewer(db: Any) -> Client:
    client = Client()
    client.force_login(make_user("vera", departments={"sales": Role.VIEWER}))
    return client


@pytest.fixture
def measured(cycle: Any, world: Any, finance: Any) -> Any:
    locked = lock(cycle, world, finance)
    world.winter = winter_warmers(world)
    return locked


def rows_of(html: str) -> list[tuple[str, str]]:
    """(department, month) of each row of the variance table."""
    if 'id="variance-rows"' not in html:
        return []
    table = html[html.index('id="variance-rows"') :]
    return re.findall(r'<tr data-department="([a-z-]+)" data-month="(\d+)">', table)


def chart_of(html: str) -> dict[str, Any]:
    found = re.search(r'<script id="variance-chart-data" type="application/json">(.*?)</script>', html)
    assert found is not None
    data: dict[str, Any] = json.loads(found[1])
    return data


def test_before_the_lock_the_page_says_there_is_no_baseline_yet(cycle, viewer):
    response = viewer.get("/budget/2027/variance/")

    assert response.status_code == 200
    assert "Not locked yet" in response.text
    assert "the 2027 budget is in preparation" in response.text.lower()
    assert 'id="variance-rows"' not in response.text


def test_the_page_shows_the_unbudgeted_campaign_the_changed_list_and_the_rows_largest_first(measured, world, viewer):
    response = viewer.get("/budget/2027/variance/")

    html = response.text
    assert response.status_code == 200
    assert "Variance against the 2027 budget" in html
    unbudgeted = html[html.index('id="unbudgeted-campaigns"') : html.index('id="changed-title"')]
    assert f'<tr data-campaign="{world.winter.pk}">' in unbudgeted
    cells = re.findall(r'<td class="num[^"]*">([^<]+)</td>', unbudgeted)
    assert cells == ["€2,000", "+60 units", "+€180", "+€5,080", "-€6,990", "—"]
    assert "Bottling line 132 % in 2027-W45 (without it 102 %)" in unbudgeted
    assert "The budgeted campaigns are as the budget holds them." in html
    assert rows_of(html)[:3] == [("finance", "11"), ("finance", "11"), ("marketing", "11")]
    assert len(rows_of(html)) == 13
    chart = chart_of(html)
    assert chart["measure"] == "revenue"
    assert (chart["baseline"][10], chart["live"][10]) == (1640.0, 1820.0)
    assert chart["baseline"][:10] == chart["live"][:10]


def test_filters_narrow_the_rows_and_htmx_gets_the_report_alone(measured, viewer):
    response = viewer.get(
        "/budget/2027/variance/?department=operations&month=11&measure=volume", HTTP_HX_REQUEST="true"
    )

    html = response.text
    assert html.lstrip().startswith('<div id="variance-report">')
    assert rows_of(html) == [("operations", "11")] * 4
    chart = chart_of(html)
    assert (chart["measure"], chart["baseline"][10], chart["live"][10]) == ("volume", 760.0, 820.0)
    assert "HX-Request" in response["Vary"]

    nothing = viewer.get("/budget/2027/variance/?month=3")
    assert rows_of(nothing.text) == []
    assert "Nothing in this selection moved" in nothing.text


def test_a_bad_filter_is_ignored_and_named(measured, viewer):
    response = viewer.get("/budget/2027/variance/?month=13&department=legal")

    assert response.status_code == 200
    assert "Some filters were ignored" in response.text
    assert len(rows_of(response.text)) == 13


def test_who_may_see_it(measured, db):
    outsider = Client()
    outsider.force_login(make_user("nobody", departments={}))
    assert outsider.get("/budget/2027/variance/").status_code == 403
    assert Client().get("/budget/2027/variance/").status_code == 302
    viewer = Client()
    viewer.force_login(make_user("vera", departments={"sales": Role.VIEWER}))
    assert viewer.get("/budget/2031/variance/").status_code == 404


def test_the_api_answers_the_same_figures(measured, world):
    client = APIClient()
    client.force_authenticate(make_user("vera", departments={"sales": Role.VIEWER}))

    body = client.get(f"/api/v1/budget/cycles/{measured.pk}/variance/?department=finance").json()

    assert body["fiscal_year"] == 2027
    assert [(r["label"], r["month"], r["baseline"], r["live"], r["delta"]) for r in body["rows"]] == [
        ("Margin", 11, 549.6, -6440.4, -6990.0), ("Capacity cost", 11, 240.0, 5320.0, 5080.0),
        ("Marketing spend", 11, 0.0, 2000.0, 2000.0), ("Revenue", 11, 1640.0, 1820.0, 180.0),
        ("Cost of goods", 11, 780.0, 870.0, 90.0),
    ]  # fmt: skip
    [campaign] = body["unbudgeted_campaigns"]
    assert (campaign["id"], campaign["name"], campaign["start"], campaign["end"]) == (
        world.winter.pk, "Winter warmers", "2027-11-08", "2027-11-21"
    )  # fmt: skip
    assert campaign["impact"] == {
        "volume": 60.0, "revenue": 180.0, "margin": -6990.0, "marketing_spend": 2000.0, "capacity_cost": 5080.0,
        "uncovered_hours": 0.0, "peak_resource": "Bottling line", "peak_week": "2027-W45", "peak_utilisation": 1.32,
        "peak_utilisation_without": 1.02, "peak_utilisation_delta": 0.3,
    }  # fmt: skip
    assert body["changed_since_budget"] == []
    assert client.get(f"/api/v1/budget/cycles/{measured.pk}/variance/?month=0").status_code == 400
    refused = client.get(f"/api/v1/budget/cycles/{measured.pk}/variance/?department=legal").json()
    assert refused["errors"] == {
        "department": "must be one of marketing, sales, operations, warehouse, finance, customer-service"
    }


def test_the_api_says_not_locked_yet(cycle):
    client = APIClient()
    client.force_authenticate(make_user("vera", departments={"sales": Role.VIEWER}))

    response = client.get(f"/api/v1/budget/cycles/{cycle.pk}/variance/")

    assert response.status_code == 404
    assert response.json() == {"detail": "not locked yet: no baseline"}


@pytest.fixture
def standard_departments(db: Any) -> None:
    """An earlier live-server test may have flushed the departments the data migration made; the cycle needs them."""
    for code, name, description in STANDARD_DEPARTMENTS:
        Department.objects.get_or_create(code=code, defaults={"name": name, "description": description})


def log_in(page: Any, username: str) -> None:
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")


@pytest.mark.browser
@pytest.mark.slow
# serialized_rollback: live_server tests flush the database, and the departments come from a data migration.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_in_a_browser_the_chart_draws_and_the_filters_swap_the_report(standard_departments, page, measured):
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    make_user("vera", departments={"sales": Role.VIEWER})
    log_in(page, "vera")

    page.goto("/budget/2027/variance/")
    drawn = (
        "() => { const c = window.Chart.getChart('variance-chart'); return c && c.data.datasets.map(d => d.data[10]); }"
    )
    assert page.evaluate(drawn) == [1640, 1820]
    assert page.locator("#variance-rows tbody tr").count() == 13

    page.select_option("select[name=department]", "operations")
    page.wait_for_url("**/budget/2027/variance/?department=operations**")
    page.wait_for_function("document.querySelectorAll('#variance-rows tbody tr').length === 4")
    page.select_option("select[name=measure]", "volume")
    page.wait_for_function(
        "(() => { const c = window.Chart.getChart('variance-chart');"
        " return c && c.data.datasets[1].data[10] === 820; })()"
    )
    assert page.locator("#variance-chart-title").inner_text() == "Volume by month: live plan against the budget"
    assert errors == []
