import re
from datetime import timedelta

import pytest

from fulfillment.models import Warehouse
from production.models import Plant
from sop_portal.masterdata.models import BaselineForecast, ProductStatus, SalesHistory
from sop_portal.organisation.models import Role
from tests.factories import make_family, make_product, make_user

from .conftest import THIS_MONDAY


def week(offset: int):
    return THIS_MONDAY + timedelta(weeks=offset)


@pytest.fixture
def plan(db):
    """Two families; forecast inside and just outside the 13-week window; two weeks of history."""
    bev, snk = make_family("bev", "Beverages"), make_family("snk", "Snacks")
    b1 = make_product("B1", family=bev, unit_price="2.00")
    b2 = make_product("B2", family=bev, unit_price="3.00")
    b3 = make_product("B3", family=bev, unit_price="5.00", status=ProductStatus.DISCONTINUED)
    s1 = make_product("S1", family=snk, unit_price="10.00")
    make_product("S2", family=snk, status=ProductStatus.PLANNED)
    make_family("empty", "Empty family")
    for product, offset, quantity in [
        (b1, 0, 10),
        (b1, 12, 20),  # last week of the window
        (b1, 13, 1000),  # first week after it
        (b1, -1, 500),  # last week: history, not forecast
        (b2, 1, 5),
        (b3, 2, 1),
        (s1, 0, 7),
    ]:
        BaselineForecast.objects.create(product=product, week=week(offset), quantity=quantity)
    SalesHistory.objects.create(product=b1, week=week(-1), quantity=40)
    SalesHistory.objects.create(product=s1, week=week(-1), quantity=2)
    SalesHistory.objects.create(product=s1, week=week(-26), quantity=9)
    SalesHistory.objects.create(product=s1, week=week(-27), quantity=99)  # before the chart
    Plant.objects.create(code="p1", name="Plant one")
    Plant.objects.create(code="p2", name="Plant two")
    Warehouse.objects.create(code="w1", name="Warehouse one")


@pytest.mark.django_db
def test_dashboard_shows_the_real_figures(client, plan):
    client.force_login(make_user("alice", departments={"operations": Role.PLANNER, "sales": Role.VIEWER}))
    make_user("bob", departments={"operations": Role.VIEWER})

    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Dashboard</h1>" in html

    ctx = response.context
    by_family = {row["family"].code: row for row in ctx["families"]}
    assert list(by_family) == ["bev", "empty", "snk"]  # by name
    assert by_family["bev"]["family"].active_count == 2
    assert by_family["bev"]["units"] == 36  # 10 + 20 + 5 + 1
    assert by_family["bev"]["revenue"] == 80  # 10x2 + 20x2 + 5x3 + 1x5
    assert by_family["snk"]["family"].active_count == 1
    assert by_family["snk"]["units"] == 7
    assert by_family["snk"]["revenue"] == 70
    assert by_family["empty"]["units"] == 0
    assert ctx["active_products"] == 3
    assert ctx["forecast_units"] == 43
    assert ctx["forecast_revenue"] == 150
    assert ctx["plant_count"] == 2
    assert ctx["warehouse_count"] == 1
    members = {d.code: d.member_count for d in ctx["departments"]}
    assert members["operations"] == 2
    assert members["sales"] == 1
    assert members["finance"] == 0

    # The figures reach the page, formatted.
    match = re.search(r'<tr data-family="bev">(.*?)</tr>', html, re.S)
    assert match
    bev_row = match.group(1)
    assert re.search(r'data-col="active">2<', bev_row)
    assert re.search(r'data-col="units">36<', bev_row)
    assert re.search(r'data-col="revenue">80<', bev_row)
    assert "No open alerts — alerts arrive with the MPS engine" in html


@pytest.mark.django_db
def test_dashboard_chart_has_26_weeks_of_history_then_26_of_forecast(client, plan):
    client.force_login(make_user("alice"))
    response = client.get("/")
    chart = response.context["chart"]
    assert len(chart["labels"]) == 52
    assert chart["labels"][26] == chart["split"] == "2027-W14"
    assert chart["history"][25] == 42  # last week: 40 + 2
    assert chart["history"][0] == 9  # 26 weeks ago
    assert chart["history"][26:] == [None] * 26
    assert chart["forecast"][:26] == [None] * 26
    assert chart["forecast"][26] == 17  # this week: 10 + 7
    assert chart["forecast"][26 + 13] == 1000
    assert 'id="demand-data"' in response.content.decode()


@pytest.mark.django_db
def test_dashboard_queries_do_not_grow_with_the_catalogue(client, django_assert_max_num_queries):
    family = make_family("bev", "Beverages")
    for i in range(30):
        product = make_product(f"P{i:03d}", family=family)
        BaselineForecast.objects.create(product=product, week=week(0), quantity=1)
    client.force_login(make_user("alice"))
    with django_assert_max_num_queries(15):
        response = client.get("/")
    assert response.context["forecast_units"] == 30


@pytest.mark.django_db
def test_empty_database_shows_empty_states(client):
    client.force_login(make_user("alice"))
    html = client.get("/").content.decode()
    assert "No product families yet" in html
