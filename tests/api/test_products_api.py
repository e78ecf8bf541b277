"""Products, families and forecasts through /api/v1/: permissions, filters, bad input, 409 on stale edits."""

from datetime import date, timedelta

import pytest
from rest_framework.test import APIClient

from sop_portal.masterdata.models import BaselineForecast, Product
from sop_portal.organisation.models import Role

pytestmark = pytest.mark.django_db


def test_anonymous_call_is_refused_with_401(catalogue):
    response = APIClient().get("/api/v1/products/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_viewer_lists_filters_and_searches_products(api_as, catalogue):
    client = api_as("viewer", sales=Role.VIEWER)
    everything = client.get("/api/v1/products/").json()
    assert everything["count"] == 5
    assert [p["sku"] for p in everything["results"]] == ["BEV-001", "BEV-002", "BEV-003", "SNK-001", "SNK-002"]
    active_drinks = client.get("/api/v1/products/", {"family": "bev", "status": "active"}).json()
    assert [p["sku"] for p in active_drinks["results"]] == ["BEV-001", "BEV-002"]
    assert client.get("/api/v1/products/", {"search": "Snacks 2"}).json()["count"] == 1
    page = client.get("/api/v1/products/", {"page_size": 2, "page": 3}).json()
    assert [p["sku"] for p in page["results"]] == ["SNK-002"]


def test_viewer_cannot_create_a_product(api_as, catalogue):
    client = api_as("viewer", operations=Role.VIEWER)
    response = client.post("/api/v1/products/", {"sku": "X-1", "name": "X", "family": "bev",
                                                 "unit_cost": "1", "unit_price": "2"})
    assert response.status_code == 403
    assert not Product.objects.filter(sku="X-1").exists()


def test_user_without_any_department_sees_nothing(api_as, catalogue):
    assert api_as("outsider").get("/api/v1/products/").status_code == 403


def test_operations_planner_creates_a_product(api_as, catalogue):
    client = api_as("ops", operations=Role.PLANNER)
    response = client.post("/api/v1/products/", {"sku": "BEV-100", "name": "Iced tea 1l", "family": "bev",
                                                 "unit_cost": "0.80", "unit_price": "1.99"})
    assert response.status_code == 201, response.json()
    created = Product.objects.get(sku="BEV-100")
    assert (created.family.code, str(created.unit_price), created.version) == ("bev", "1.99", 1)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"unit_price": "-1"}, "unit_price"),
        ({"family": "nope"}, "family"),
        ({"sku": "BEV-001"}, "sku"),
        ({"launch_date": "2027-05-01", "end_date": "2027-01-01"}, "end_date"),
        ({"unit_cost": "abc"}, "unit_cost"),
    ],
)
def test_bad_product_input_names_the_field(api_as, catalogue, payload, field):
    client = api_as("ops", operations=Role.PLANNER)
    body = {"sku": "NEW-1", "name": "New", "family": "bev", "unit_cost": "1", "unit_price": "2", **payload}
    response = client.post("/api/v1/products/", body)
    assert response.status_code == 400
    assert response.json()["detail"].startswith(f"{field}: ")
    assert Product.objects.count() == 5


def test_stale_edit_gets_409_with_the_current_version_and_writes_nothing(api_as, catalogue):
    alice, bob = api_as("alice", operations=Role.PLANNER), api_as("bob", finance=Role.PLANNER)
    etag = alice.get("/api/v1/products/BEV-001/")["ETag"]
    assert etag == '"1"'
    first = alice.patch("/api/v1/products/BEV-001/", {"unit_price": "2.60"}, HTTP_IF_MATCH=etag)
    assert first.status_code == 200
    assert first["ETag"] == '"2"'
    stale = bob.patch("/api/v1/products/BEV-001/", {"unit_price": "9.99", "version": 1})
    assert stale.status_code == 409
    assert stale.json()["current_version"] == 2
    product = Product.objects.get(sku="BEV-001")
    assert (str(product.unit_price), product.version) == ("2.60", 2)


def test_forecast_put_is_atomic_and_names_the_bad_week(api_as, catalogue):
    client = api_as("sales", sales=Role.PLANNER)
    bad = client.put(
        "/api/v1/products/BEV-001/forecast/",
        {"weeks": [{"week": "2027-W10", "quantity": 5}, {"week": "2027-W99", "quantity": 7}]},
        format="json",
    )
    assert bad.status_code == 400
    assert bad.json()["detail"] == "weeks[1].week: '2027-W99': year 2027 has no week 99"
    negative = client.put(
        "/api/v1/products/BEV-001/forecast/", {"weeks": [{"week": "2027-W10", "quantity": -3}]}, format="json"
    )
    assert negative.status_code == 400
    assert "quantity" in negative.json()["detail"]
    assert BaselineForecast.objects.count() == 0

    good = client.put(
        "/api/v1/products/BEV-001/forecast/",
        {"weeks": [{"week": "2027-W10", "quantity": 120}, {"week": "2027-W12", "quantity": 80}]},
        format="json",
    )
    assert good.status_code == 200
    assert good.json()["weeks"] == [
        {"week": "2027-W10", "quantity": 120.0},
        {"week": "2027-W11", "quantity": 0.0},
        {"week": "2027-W12", "quantity": 80.0},
    ]
    assert BaselineForecast.objects.get(week=date(2027, 3, 8)).quantity == 120.0


def test_forecast_get_window_and_edit_permission(api_as, catalogue):
    product = catalogue[0]
    monday = date(2027, 3, 8)
    BaselineForecast.objects.bulk_create(
        BaselineForecast(product=product, week=monday + timedelta(weeks=i), quantity=10 * i) for i in range(4)
    )
    viewer = api_as("viewer", sales=Role.VIEWER)
    body = viewer.get("/api/v1/products/BEV-001/forecast/", {"from": "2027-W12", "weeks": 3}).json()
    assert body["weeks"] == [
        {"week": "2027-W12", "quantity": 20.0},
        {"week": "2027-W13", "quantity": 30.0},
        {"week": "2027-W14", "quantity": 0.0},
    ]
    assert viewer.get("/api/v1/products/BEV-001/forecast/", {"weeks": 0}).status_code == 400
    refused = viewer.put("/api/v1/products/BEV-001/forecast/", {"weeks": []}, format="json")
    assert refused.status_code == 403
    # Finance may edit products but not the demand forecast.
    finance = api_as("fin", finance=Role.PLANNER)
    assert finance.put("/api/v1/products/BEV-001/forecast/", {"weeks": []}, format="json").status_code == 403


def test_family_with_products_cannot_be_deleted(api_as, catalogue):
    client = api_as("ops", operations=Role.ADMIN)
    response = client.delete("/api/v1/families/bev/")
    assert response.status_code == 409
    assert "still has products" in response.json()["detail"]
