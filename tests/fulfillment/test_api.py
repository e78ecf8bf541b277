"""Warehouse capacity through /api/v1/, on the network of conftest.py (figures worked in test_services.py)."""

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from fulfillment.models import Assignment, CapacityException, Warehouse
from sop_portal.organisation.models import Department, Membership, Role
from tests.fulfillment.test_services import approve

pytestmark = pytest.mark.django_db


def client_for(username: str, **roles: Role) -> APIClient:
    user = get_user_model().objects.create_user(username, password="pw-Long-enough-1")
    for code, role in roles.items():
        Membership.objects.create(user=user, department=Department.objects.get(code=code), role=role)
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def approved(network, spring_push, marketer, django_capture_on_commit_callbacks):
    approve(spring_push, marketer, django_capture_on_commit_callbacks)
    return network


def test_warehouses_list_their_capacity_and_how_loaded_they_are(approved):
    response = client_for("sam", sales=Role.VIEWER).get("/api/v1/warehouses/")

    north = next(w for w in response.json()["results"] if w["code"] == "north-dc")
    assert north == {
        "code": "north-dc", "name": "North DC", "location": "Doncaster", "inbound_capacity": 100.0,
        "outbound_capacity": 27.0, "storage_capacity": 10.0, "labour_capacity": 11.0, "pick_rate": 5.0,
        "receive_rate": 10.0, "warning_threshold": 0.85, "critical_threshold": 1.0, "version": 3,
        "peak_utilisation": 2.5, "weeks_above_warning": 3, "weeks_above_critical": 3, "late_order_lines": 0,
        "checked": north["checked"],
    }  # fmt: skip


def test_projection_capacity_breakdown_heatmap_and_fill(approved):
    client = client_for("sam", sales=Role.VIEWER)

    projection = client.get("/api/v1/warehouses/north-dc/projection/").json()
    assert projection["weeks"][:3] == ["2027-W09", "2027-W10", "2027-W11"]
    assert projection["load"]["outbound"] == [15, 30, 30, 30, 22.5, 22.5, 22.5, 22.5]
    assert projection["utilisation"]["outbound"][2] == 2.5
    assert projection["campaigns"][0]["name"] == "Spring push"

    capacity = client.get("/api/v1/warehouses/north-dc/capacity/").json()
    assert capacity["capacity"]["outbound"] == [27, 27, 12, 27, 27, 27, 27, 27]

    breakdown = client.get("/api/v1/warehouses/north-dc/breakdown/", {"week": "2027-W11"}).json()
    outbound = next(d for d in breakdown["dimensions"] if d["dimension"] == "outbound")
    assert outbound["campaigns"] == [{"id": outbound["campaigns"][0]["id"], "name": "Spring push", "load": 15.0,
                                      "share": 0.5}]  # fmt: skip
    assert outbound["products"] == [{"sku": "BEV-001", "name": "Cola 1l", "load": 30.0, "share": 1.0}]
    assert client.get("/api/v1/warehouses/north-dc/breakdown/", {"week": "W11"}).status_code == 400

    heatmap = client.get("/api/v1/warehouses/heatmap/", {"from": "2027-W10", "weeks": "2"}).json()
    north = next(row for row in heatmap if row["warehouse"] == "north-dc")
    assert north["cells"] == [
        {"week": "2027-W10", "utilisation": pytest.approx(30 / 27, abs=1e-4), "level": "critical",
         "dimension": "outbound"},
        {"week": "2027-W11", "utilisation": 2.5, "level": "severe", "dimension": "outbound"},
    ]  # fmt: skip

    fill = client.get("/api/v1/warehouses/north-dc/fill-rate/").json()
    assert fill["fill_rate"][:3] == [1.0, 0.55, 1.0]
    assert fill["backorder"][:3] == [0, 13.5, 0]
    assert fill["campaigns"][0]["name"] == "Spring push"


def test_fill_rate_per_product_names_the_campaign_behind_the_backorder(approved):
    client = client_for("sam", sales=Role.VIEWER)
    (row,) = client.get("/api/v1/fill-rate/", {"sku": "BEV-001"}).json()
    assert row["demand"] == [23, 40, 40, 40, 30, 30, 30, 30]
    assert row["on_time"] == [23, 22, 40, 40, 30, 30, 30, 30]
    assert row["backorder"] == [0, 18, 0, 0, 0, 0, 0, 0]
    assert row["campaigns"][0]["name"] == "Spring push"
    assert row["campaigns"][0]["backorder_share"][1] == 1.0

    bad = client.get("/api/v1/fill-rate/?sku=BEV-001&sku=NOPE")
    assert bad.status_code == 400
    assert bad.json()["detail"] == "sku: unknown SKU(s): NOPE"


def test_patch_capacity_with_if_match_and_409_when_stale(approved):
    planner = client_for("dan", warehouse=Role.PLANNER)
    response = planner.patch(
        "/api/v1/warehouses/north-dc/", {"outbound_capacity": 35}, format="json", HTTP_IF_MATCH='"3"'
    )
    assert response.status_code == 200, response.json()
    assert response["ETag"] == '"4"'
    assert response.json()["weeks_above_critical"] == 1  # the holiday week alone: 30 on 12

    stale = planner.patch("/api/v1/warehouses/north-dc/", {"outbound_capacity": 40}, format="json",
                          HTTP_IF_MATCH='"3"')  # fmt: skip
    assert stale.status_code == 409
    assert stale.json()["current_version"] == 4
    assert Warehouse.objects.get(code="north-dc").outbound_capacity == 35

    bad = planner.patch("/api/v1/warehouses/north-dc/", {"critical_threshold": 0.5}, format="json")
    assert bad.status_code == 400
    assert bad.json()["detail"] == "critical_threshold: must be above the warning threshold"


def test_only_warehouse_planners_write(approved):
    viewer = client_for("sam", sales=Role.VIEWER)
    operations = client_for("ops", operations=Role.APPROVER)
    for client in (viewer, operations):
        assert client.patch("/api/v1/warehouses/north-dc/", {"outbound_capacity": 1}, format="json").status_code == 403
    assert APIClient().get("/api/v1/warehouses/").status_code == 401


def test_exceptions_through_the_api(approved):
    planner = client_for("dan", warehouse=Role.PLANNER)
    created = planner.post(
        "/api/v1/warehouse-exceptions/",
        {"warehouse": "south-dc", "dimension": "outbound", "week": "2027-W10", "capacity": 0, "reason": "Closed"},
        format="json",
    )
    assert created.status_code == 201, created.json()
    assert created.json()["week"] == "2027-W10"
    listed = planner.get("/api/v1/warehouse-exceptions/", {"warehouse__code": "south-dc"}).json()["results"]
    assert [(e["week"], e["capacity"]) for e in listed] == [("2027-W10", 0.0)]

    bad = planner.post(
        "/api/v1/warehouse-exceptions/",
        {"warehouse": "south-dc", "dimension": "storage", "week": "2027-W10", "capacity": 1},
        format="json",
    )
    assert bad.status_code == 400
    assert bad.json()["detail"] == "dimension: storage has no normal capacity to depart from"

    exception = CapacityException.objects.get(warehouse__code="south-dc")
    stale = planner.delete(f"/api/v1/warehouse-exceptions/{exception.pk}/", HTTP_IF_MATCH='"1"')
    assert stale.status_code == 409
    assert planner.delete(f"/api/v1/warehouse-exceptions/{exception.pk}/").status_code == 204


def test_assignments_through_the_api_keep_shares_at_most_100_percent(approved):
    planner = client_for("dan", warehouse=Role.PLANNER)
    Warehouse.objects.create(code="central-dc", name="Central DC")
    too_much = planner.post(
        "/api/v1/warehouse-assignments/",
        {"sku": "BEV-001", "warehouse": "central-dc", "share_pct": 5, "units_per_pallet": 10},
        format="json",
    )
    assert too_much.status_code == 400
    assert too_much.json()["detail"].startswith("row 1, share_pct: BEV-001 would ship 105 % of its demand")

    moved = planner.post(
        "/api/v1/warehouse-assignments/",
        [{"sku": "BEV-001", "warehouse": "north-dc", "share_pct": 70, "units_per_pallet": 10},
         {"sku": "BEV-001", "warehouse": "central-dc", "share_pct": 5, "units_per_case": 5, "units_per_pallet": 10}],
        format="json",
    )  # fmt: skip
    assert moved.status_code == 201, moved.json()
    assert sorted((a["warehouse"], a["share_pct"]) for a in moved.json()) == [("central-dc", 5.0), ("north-dc", 70.0)]
    listed = planner.get("/api/v1/warehouse-assignments/", {"sku": "BEV-001"}).json()["results"]
    assert len(listed) == 3
    central = Assignment.objects.get(warehouse__code="central-dc")
    assert planner.delete(f"/api/v1/warehouse-assignments/{central.pk}/").status_code == 204
