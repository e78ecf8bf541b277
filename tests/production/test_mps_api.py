"""The MPS through /api/v1/: exceptions-first items, the grid, revisions and diffs, capacity, 202 replans."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from production.causes import Cause
from production.models import MpsItem
from production.services import regenerate_mps
from sop_portal.jobs.models import Job
from sop_portal.masterdata import services as masterdata
from sop_portal.organisation.models import Department, Membership, Role
from tests.production.conftest import MONDAY

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _horizon(eight_week_horizon):
    """Eight textbook weeks."""


def client_for(username: str, **roles: Role) -> APIClient:
    user = get_user_model().objects.create_user(username, password="pw-Long-enough-1")
    for code, role in roles.items():
        Membership.objects.create(user=user, department=Department.objects.get(code=code), role=role)
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_items_list_puts_exceptions_first_and_filters_them(item):
    calm_product = masterdata.create_product(
        sku="AAA-001", name="Calm", family=item.product.family, unit_cost=1, unit_price=2
    )
    MpsItem.objects.create(product=calm_product, plant=item.plant, on_hand=1000)
    regenerate_mps(cause=Cause("manual", "t", "test"))
    client = client_for("viewer", sales=Role.VIEWER)
    body = client.get("/api/v1/mps/items/").json()
    # BEV-001 loads the overloaded Assembly line; AAA-001 has no exception, so it comes second despite its SKU.
    assert [(i["sku"], i["overload"], i["shortage"]) for i in body["results"]] == [
        ("BEV-001", True, False),
        ("AAA-001", False, False),
    ]
    only = client.get("/api/v1/mps/items/", {"exception": "overload"}).json()
    assert [i["sku"] for i in only["results"]] == ["BEV-001"]


def test_grid_returns_every_row_of_the_item(item):
    regenerate_mps(cause=Cause("manual", "t", "test"))
    body = client_for("viewer", sales=Role.VIEWER).get(f"/api/v1/mps/items/{item.pk}/grid/").json()
    assert body["weeks"][:2] == ["2027-W09", "2027-W10"]
    assert body["rows"]["mps"] == [0, 0, 60, 0, 60, 0, 60, 0]
    assert body["rows"]["atp"] == [7, 0, 48, 0, 60, 0, 60, 0]
    assert list(body["rows"]) == [
        "forecast", "customer_orders", "gross_requirements", "scheduled_receipts", "returns_supply",
        "projected_available", "mps", "mps_release", "atp", "cumulative_atp",
    ]  # fmt: skip


def test_revision_diff_names_the_cause_and_validates_against(item):
    regenerate_mps(cause=Cause("manual", "t", "Initial"))
    masterdata.set_forecast(item.product, {MONDAY + timedelta(weeks=1): 40})
    regenerate_mps([item.product], cause=Cause("campaign", "campaign:7@v2", "Campaign 'Spring push' v2"))
    client = client_for("viewer", sales=Role.VIEWER)
    revisions = client.get("/api/v1/mps/revisions/").json()["results"]
    assert [(r["number"], r["trigger"]) for r in revisions] == [(2, "campaign"), (1, "manual")]
    diff = client.get("/api/v1/mps/revisions/2/diff/").json()["results"]
    mps_lines = [d["text"] for d in diff if d["measure"] == "mps"]
    assert mps_lines == [
        "2027-W10 MPS receipts 0 → 60, cause: Campaign 'Spring push' v2",
        "2027-W11 MPS receipts 60 → 0, cause: Campaign 'Spring push' v2",
    ]
    assert client.get("/api/v1/mps/revisions/2/diff/", {"against": 2}).status_code == 400
    assert client.get("/api/v1/mps/revisions/2/diff/", {"against": "x"}).json()["detail"] == (
        "against: must be a revision number"
    )
    assert client.get("/api/v1/mps/revisions/2/diff/", {"sku": "BEV-001", "against": "0"}).json()["count"] > 0


def test_capacity_load_per_resource(item):
    regenerate_mps(cause=Cause("manual", "t", "test"))
    body = client_for("viewer", sales=Role.VIEWER).get("/api/v1/mps/capacity/assembly/").json()
    assert body["load"] == [0, 0, 32, 0, 32, 0, 32, 0]
    assert body["capacity"] == [30] * 8
    assert body["overloaded_weeks"] == 3


def test_replan_answers_202_with_a_status_url_and_runs(item, django_capture_on_commit_callbacks):
    client = client_for("ops", operations=Role.PLANNER)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/v1/mps/replan/", {"products": ["BEV-001"]}, format="json")
    assert response.status_code == 202
    assert response.json()["status_url"].endswith(f"/api/v1/jobs/{response.json()['id']}/")
    job = client.get(response["Location"]).json()
    assert (job["status"], job["progress"], job["result"]["revision"]) == ("done", 100, 1)


def test_replan_refuses_unknown_skus_and_viewers(item):
    ops = client_for("ops", operations=Role.PLANNER)
    bad = ops.post("/api/v1/mps/replan/", {"products": ["BEV-001", "NOPE-1"]}, format="json")
    assert bad.status_code == 400
    assert bad.json()["detail"] == "products: unknown SKU(s): NOPE-1"
    viewer = client_for("viewer", operations=Role.VIEWER)
    assert viewer.post("/api/v1/mps/replan/", {}, format="json").status_code == 403
    assert Job.objects.count() == 0


def test_parameter_change_needs_mps_edit_refuses_stale_and_replans(item, django_capture_on_commit_callbacks):
    regenerate_mps(cause=Cause("manual", "t", "test"))
    viewer = client_for("viewer", operations=Role.VIEWER)
    assert viewer.patch(f"/api/v1/mps/items/{item.pk}/", {"lot_qty": 120}, format="json").status_code == 403
    ops = client_for("ops", operations=Role.PLANNER)
    with django_capture_on_commit_callbacks(execute=True):
        changed = ops.patch(f"/api/v1/mps/items/{item.pk}/", {"lot_qty": 120}, format="json", HTTP_IF_MATCH='"1"')
    assert changed.status_code == 200, changed.json()
    assert changed.json()["version"] == 2
    grid = ops.get(f"/api/v1/mps/items/{item.pk}/grid/").json()
    assert grid["rows"]["mps"] == [0, 0, 120, 0, 0, 0, 120, 0]
    stale = ops.patch(f"/api/v1/mps/items/{item.pk}/", {"lot_qty": 60}, format="json", HTTP_IF_MATCH='"1"')
    assert (stale.status_code, stale.json()["current_version"]) == (409, 2)
    bad = ops.patch(f"/api/v1/mps/items/{item.pk}/", {"lot_rule": "fixed", "lot_qty": 0}, format="json")
    assert bad.status_code == 400
    assert bad.json()["detail"] == "lot_qty: a fixed lot rule needs a lot quantity above zero"


def test_firm_planned_order_is_added_and_planned(item, django_capture_on_commit_callbacks):
    regenerate_mps(cause=Cause("manual", "t", "test"))
    ops = client_for("ops", operations=Role.PLANNER)
    bad = ops.post(f"/api/v1/mps/items/{item.pk}/firm-planned-orders/", {"week": "2027-W99", "quantity": 10})
    assert bad.status_code == 400
    assert bad.json()["detail"] == "week: '2027-W99': year 2027 has no week 99"
    with django_capture_on_commit_callbacks(execute=True):
        added = ops.post(f"/api/v1/mps/items/{item.pk}/firm-planned-orders/", {"week": "2027-W10", "quantity": 40})
    assert added.status_code == 201
    rows = ops.get(f"/api/v1/mps/items/{item.pk}/grid/").json()["rows"]
    # 22 + 40 - 20 = 42 in week 2 carries the plan to week 5: the lot of week 3 is no longer needed.
    assert rows["mps"][:5] == [0, 40, 0, 0, 60]
    revision = ops.get("/api/v1/mps/revisions/").json()["results"][0]
    assert revision["causes"][0]["label"] == "Firm planned order 40 in 2027-W10 for BEV-001 @ north"
