"""The returns API: one return and bulk loads (idempotent, every bad row listed), batches, reasons, shipments,
rates, the policy (409 on a stale version) and the anomaly thread (acknowledge, answer, note) by role."""

from datetime import date
from io import BytesIO
from typing import Any

from rest_framework.test import APIClient

from returns import services
from returns.models import ImportBatch, ReturnAnomaly, ReturnAuthorisation, ReturnLine, ShippedQuantity
from sop_portal.organisation.models import Role
from tests.factories import make_user

from .conftest import csv_bytes, row


def client_for(username: str, **departments: Role) -> APIClient:
    client = APIClient()
    client.force_authenticate(make_user(username, departments=departments))
    return client


ONE: dict[str, Any] = {
    "number": "RMA-77", "order_reference": "SO-77", "customer": "Shop", "channel": "online",
    "order_date": "2027-03-01", "return_date": "2027-03-09",
    "lines": [
        {"sku": "BEV-001", "quantity": 2, "reason": "product-defect", "sub_reason": "does-not-work",
         "comment": "Flat", "disposition": "refurbish"},
        {"sku": "BEV-002", "quantity": 1, "reason": "changed-mind", "disposition": "restock"},
    ],
}  # fmt: skip


def test_one_return_is_created_once(products):
    service = client_for("sophie", **{"customer-service": Role.PLANNER})
    first = service.post("/api/v1/returns/authorisations/", ONE, format="json")
    assert first.status_code == 201, first.json()
    body = first.json()
    assert (body["number"], body["channel"], [(x["line"], x["sku"], x["reason"]) for x in body["lines"]]) == (
        "RMA-77", "online", [(1, "BEV-001", "product-defect.does-not-work"), (2, "BEV-002", "changed-mind")],
    )  # fmt: skip
    again = service.post("/api/v1/returns/authorisations/", ONE, format="json")
    assert again.status_code == 200
    assert ReturnLine.objects.count() == 2


def test_a_bad_return_names_its_line_and_field(products):
    service = client_for("sophie", **{"customer-service": Role.PLANNER})
    bad = {**ONE, "lines": [{**ONE["lines"][0], "sku": "NOPE"}]}
    response = service.post("/api/v1/returns/authorisations/", bad, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == [{"row": 2, "column": "sku", "message": "'NOPE' is not a known SKU"}]
    assert not ReturnAuthorisation.objects.exists()


def test_only_customer_service_planners_load_returns(products):
    viewer = client_for("vic", **{"customer-service": Role.VIEWER})
    marketer = client_for("mia", marketing=Role.PLANNER)
    assert viewer.post("/api/v1/returns/authorisations/", ONE, format="json").status_code == 403
    assert marketer.post("/api/v1/returns/authorisations/bulk/", {"rows": []}, format="json").status_code == 403
    assert viewer.get("/api/v1/returns/authorisations/").status_code == 200


def test_bulk_rows_load_at_once_or_list_every_bad_row(products):
    service = client_for("sophie", **{"customer-service": Role.PLANNER})
    rows = [row("A-1", "BEV-001", date(2027, 3, 1)), row("A-2", "BEV-002", date(2027, 3, 2), quantity=3)]
    bad = service.post("/api/v1/returns/authorisations/bulk/",
                       {"rows": [*rows, row("A-3", "XX", date(2027, 3, 1), channel="web")]}, format="json")  # fmt: skip
    assert bad.status_code == 400
    assert bad.json()["errors"] == [
        {"row": 4, "column": "channel", "message": "'web' is not one of retail, online, wholesale"},
        {"row": 4, "column": "sku", "message": "'XX' is not a known SKU"},
    ]
    assert not ReturnLine.objects.exists()
    good = service.post("/api/v1/returns/authorisations/bulk/", {"rows": rows, "source": "ERP"}, format="json")
    assert good.status_code == 201
    assert (good.json()["status"], good.json()["lines_created"], good.json()["source"]) == ("loaded", 2, "ERP")
    assert good.json()["cause"]["ref"] == f"returns-batch:{good.json()['id']}"


def test_a_bulk_file_loads_in_a_job(products, django_capture_on_commit_callbacks):
    service = client_for("sophie", **{"customer-service": Role.PLANNER})
    upload = BytesIO(csv_bytes([row("F-1", "BEV-001", date(2027, 3, 1))]))
    upload.name = "returns.csv"
    with django_capture_on_commit_callbacks(execute=True):
        response = service.post("/api/v1/returns/authorisations/bulk/", {"file": upload}, format="multipart")
    assert response.status_code == 202
    batch = ImportBatch.objects.get(pk=response.json()["id"])
    assert (batch.status, batch.lines_created) == ("loaded", 1)
    listed = service.get(f"/api/v1/returns/batches/{batch.pk}/").json()
    assert (listed["status"], listed["uploaded_by"]) == ("loaded", "sophie")


def test_reasons_are_the_two_level_taxonomy(taxonomy):
    reasons = client_for("vic", sales=Role.VIEWER).get("/api/v1/returns/reasons/").json()
    groups = [r["code"] for r in reasons if r["group"] is None]
    assert groups == ["product-defect", "damaged-in-transit", "not-as-described", "wrong-item", "late-delivery",
                      "changed-mind", "size-fit"]  # fmt: skip
    assert {"code": "size-fit.too-small", "name": "Too small", "group": "size-fit"} in reasons


def test_shipments_by_sku_channel_and_week(products):
    service = client_for("sophie", **{"customer-service": Role.PLANNER})
    response = service.post("/api/v1/returns/shipments/", {"rows": [
        {"sku": "BEV-001", "channel": "retail", "week": "2027-W10", "quantity": 120},
        {"sku": "BEV-001", "channel": "online", "week": "2027-03-10", "quantity": 30},
    ]}, format="json")  # fmt: skip
    assert response.json() == {"rows": 2}
    assert sorted(ShippedQuantity.objects.values_list("channel", "week", "quantity")) == [
        ("online", date(2027, 3, 8), 30.0),
        ("retail", date(2027, 3, 8), 120.0),
    ]
    bad = service.post("/api/v1/returns/shipments/", {"rows": [
        {"sku": "BEV-001", "channel": "retail", "week": "2027-W60", "quantity": 1}]}, format="json")  # fmt: skip
    assert bad.status_code == 400
    assert bad.json()["detail"] == "rows[0].week: '2027-W60': year 2027 has no week 60"


def test_the_policy_changes_with_its_version(taxonomy):
    service = client_for("sophie", **{"customer-service": Role.PLANNER})
    current = service.get("/api/v1/returns/policy/").json()
    assert (current["margin_pct"], current["alpha"], current["version"]) == (50, 0.001, 1)
    changed = service.put("/api/v1/returns/policy/", {"margin_pct": 30, "version": 1}, format="json")
    assert (changed.status_code, changed.json()["margin_pct"], changed.json()["version"]) == (200, 30, 2)
    stale = service.put("/api/v1/returns/policy/", {"margin_pct": 40}, format="json", HTTP_IF_MATCH='"1"')
    assert stale.status_code == 409
    assert client_for("vic", sales=Role.PLANNER).put("/api/v1/returns/policy/", {}, format="json").status_code == 403


def test_rates_by_campaign_show_the_spike(spike):
    response = client_for("vic", sales=Role.VIEWER).get("/api/v1/returns/rates/", {"by": "campaign", "weeks": "13"})
    assert response.status_code == 200
    [campaign] = response.json()["results"]
    assert (campaign["name"], campaign["returned"], campaign["shipped"], campaign["anomaly"]) == (
        "Spring push", 72, 600, True,
    )  # fmt: skip
    assert campaign["top_reason"] == "Product defect: Broken or leaking"
    assert client_for("v2", sales=Role.VIEWER).get("/api/v1/returns/rates/", {"by": "x"}).status_code == 400


def test_the_owner_answers_over_the_api_and_others_may_not(spike):
    anomaly = services.raise_anomalies([spike["bev1"].pk], batch=spike["batch"]).raised[0]
    url = f"/api/v1/returns/anomalies/{anomaly.pk}/"
    salesperson = client_for("sam", sales=Role.PLANNER)  # may answer returns, but not marketing's campaign
    assert salesperson.post(url + "acknowledge/", {}, format="json").status_code == 403
    owner = APIClient()
    owner.force_authenticate(spike["mia"])
    answer = owner.post(url + "answer/", {"action_taken": "New caps", "due_date": "2027-04-20"}, format="json")
    assert answer.status_code == 200, answer.json()
    body = answer.json()
    assert body["status"] == "answered"
    assert [(r["kind"], r["author"], r["department"]) for r in body["responses"]] == [
        ("acknowledgement", "mia", "marketing"),
        ("answer", "mia", "marketing"),
    ]
    late = owner.post(url + "answer/", {"action_taken": "x", "due_date": "2027-01-01"}, format="json")
    assert late.json()["detail"] == "due_date: is in the past"
    service = client_for("sophie", **{"customer-service": Role.PLANNER})
    assert service.post(url + "note/", {"text": "Refunds sent"}, format="json").status_code == 200
    assert ReturnAnomaly.objects.get().responses.count() == 3
