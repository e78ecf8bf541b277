"""/alerts/accountability/ and /api/v1/alerts/accountability/: the review renders its figures, the filters swap
the report through htmx, bad filters are named, and everyone who may view the portal may see it.

Two alerts, timed from the real clock: "Assembly" (operations, critical) raised 3 h ago, acknowledged by mia an
hour later and due 2 h ago, so overdue; "Dock" (warehouse, warning) raised 5 h ago, open, due in two days.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from sop_portal.alerts.models import Alert, Severity
from sop_portal.organisation.models import Role
from tests.factories import make_user

pytestmark = pytest.mark.django_db

URL = "/alerts/accountability/"
API = "/api/v1/alerts/accountability/"


@pytest.fixture
def mia(client):
    user = make_user("mia", departments={"operations": Role.VIEWER})
    client.force_login(user)
    return user


@pytest.fixture
def two_alerts(raise_alert, mia) -> dict[str, Alert]:
    now = timezone.now()
    assembly = raise_alert("a", severity=Severity.CRITICAL, departments=("operations",), label="Assembly")
    Alert.objects.filter(pk=assembly.pk).update(
        status="acknowledged", created=now - timedelta(hours=3), acknowledged_at=now - timedelta(hours=2),
        acknowledged_by=mia, owner=mia, due_at=now - timedelta(hours=2),
    )  # fmt: skip
    dock = raise_alert("b", severity=Severity.WARNING, departments=("warehouse",), label="Dock")
    Alert.objects.filter(pk=dock.pk).update(created=now - timedelta(hours=5), due_at=now + timedelta(days=2))
    return {"assembly": Alert.objects.get(pk=assembly.pk), "dock": Alert.objects.get(pk=dock.pk)}


def cells(html: str, table: str, **attributes: str) -> list[str]:
    """The texts of the cells of the first row of table #`table` with these data- attributes."""
    body = re.search(rf'<table class="data" id="{table}">(.*?)</table>', html, re.S)
    assert body, f"no table #{table}"
    marks = "".join(rf'(?=[^>]*data-{name}="{value}")' for name, value in attributes.items())
    row = re.search(rf"<tr{marks}[^>]*>(.*?)</tr>", body.group(1), re.S)
    assert row, f"no row {attributes} in #{table}"
    texts = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row.group(1), re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", text).split()) for text in texts]


def chart(html: str) -> dict:
    found = re.search(r'<script id="accountability-chart" type="application/json">(.*?)</script>', html, re.S)
    assert found
    return json.loads(found.group(1))


def test_the_page_shows_open_alerts_response_times_overdue_owners_and_the_trend(client, two_alerts):
    response = client.get(URL)
    html = response.content.decode()

    assert response.status_code == 200
    assert '<a href="/alerts/accountability/" aria-current="page">Accountability</a>' in html
    # Department, critical, warning, info, unresolved, acknowledged, overdue.
    assert cells(html, "open-by-department", department="operations") == ["Operations", "1", "0", "0", "1", "1", "1"]
    assert cells(html, "open-by-department", department="warehouse") == [
        "Warehouse &amp; Logistics", "0", "1", "0", "1", "0", "0"
    ]  # fmt: skip
    assert cells(html, "open-by-department", department="") == [
        "All departments (each alert once)", "1", "1", "0", "2", "1", "1"
    ]  # fmt: skip
    # Raised, acknowledged, median to acknowledge, resolved, median to resolve, waiting.
    assert cells(html, "response-times", department="operations") == ["Operations", "1", "1", "1.0 h", "0", "—", "0"]
    warehouse = cells(html, "response-times", department="warehouse")
    assert warehouse == ["Warehouse &amp; Logistics", "1", "0", "—", "0", "—", "1"]
    overdue = cells(html, "overdue-by-owner", department="operations", owner="mia")
    assert overdue[:3] == ["Operations", "mia", "1"]
    assert f'href="/alerts/?department=operations#alert-{two_alerts["assembly"].pk}"' in html
    assert 'data-owner="Unassigned"' not in html
    trend = chart(html)
    assert len(trend["labels"]) == 13
    assert (sum(trend["raised"]), sum(trend["acknowledged"]), sum(trend["resolved"])) == (2, 1, 0)
    assert (trend["open_at_end"][-1], trend["overdue_at_end"][-1]) == (2, 1)
    week = trend["labels"][-1]
    assert cells(html, "accountability-weeks", week=week)[4:] == ["2", "1"]
    assert "js/accountability.js" in html
    assert "vendor/chartjs/chart.umd.js" in html


def test_the_filters_swap_the_report_through_htmx(client, two_alerts):
    response = client.get(f"{URL}?department=warehouse&weeks=4", headers={"HX-Request": "true"})
    html = response.content.decode()

    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="accountability-report" data-department="warehouse" data-weeks="4">')
    assert "<html" not in html
    assert "HX-Request" in response["Vary"]
    assert re.findall(r'<tr data-department="([^"]*)"', html) == ["warehouse", "warehouse"]
    assert cells(html, "open-by-department", department="warehouse")[1:] == ["0", "1", "0", "1", "0", "0"]
    assert "Nothing overdue" in html
    assert sum(chart(html)["raised"]) == 1


def test_a_full_load_keeps_the_chosen_filters_selected(client, two_alerts):
    html = client.get(f"{URL}?department=warehouse&weeks=52").content.decode()
    assert '<option value="warehouse" selected>' in html
    assert '<option value="52" selected>Last 52 weeks</option>' in html


def test_bad_filters_are_named_and_ignored(client, two_alerts):
    html = client.get(f"{URL}?weeks=5&department=nowhere").content.decode()

    assert "Some filters were ignored" in html
    assert "Period: Select a valid choice. 5 is not one of the available choices." in html
    assert "Department: Select a valid choice." in html
    assert 'data-department="" data-weeks="13"' in html


def test_the_notification_centre_links_to_the_review(client, mia):
    assert '<a href="/alerts/accountability/">Accountability review</a>' in client.get("/alerts/").content.decode()


def test_every_portal_viewer_may_see_it_and_nobody_else(client, two_alerts):
    client.force_login(make_user("vic", departments={"finance": Role.VIEWER}))
    assert client.get(URL).status_code == 200
    client.force_login(make_user("nobody", departments={}))
    assert client.get(URL).status_code == 403
    client.logout()
    assert client.get(URL)["Location"].startswith("/accounts/login/")


def test_the_api_answers_the_same_figures(api_as, two_alerts):
    data = api_as("vic", finance=Role.VIEWER).get(f"{API}?weeks=4").json()

    assert data["scope"] == {"weeks": 4, "department": ""}
    assert {r["department"]: r["total"] for r in data["open_alerts"]}["operations"] == 1
    assert data["open_total"]["overdue"] == 1
    operations = next(r for r in data["response"] if r["department"] == "operations")
    assert operations["times"]["median_hours_to_acknowledge"] == 1.0
    assert [(r["department"], r["owner"], r["overdue"]) for r in data["overdue"]] == [("operations", "mia", 1)]
    assert data["overdue"][0]["alerts"][0]["id"] == two_alerts["assembly"].pk
    assert len(data["trend"]) == 13
    assert data["trend"][-1]["open_at_end"] == 2


def test_the_api_names_a_bad_filter(api_as):
    api = api_as("vic", finance=Role.VIEWER)
    response = api.get(f"{API}?weeks=5")
    assert response.status_code == 400
    assert response.json()["detail"] == "weeks: Select a valid choice. 5 is not one of the available choices."
    assert api.get(f"{API}?department=warehouse").json()["scope"] == {"weeks": 13, "department": "warehouse"}
    assert APIClient().get(API).status_code == 401
