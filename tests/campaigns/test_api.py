"""Campaigns through /api/v1/: create with lines, If-Match / 409, actions by role, impact and pipeline state."""

from typing import Any

import pytest
from rest_framework.test import APIClient

from campaigns.models import Campaign
from production.causes import Cause
from production.services import regenerate_mps
from sop_portal.organisation.models import Role
from tests.factories import make_user

pytestmark = pytest.mark.django_db

BODY: dict[str, Any] = {
    "name": "Summer splash", "type": "promotion", "owner_department": "marketing",
    "start_date": "2027-03-08", "end_date": "2027-03-26", "budget": "12000",
    "lines": [{"sku": "BEV-001", "uplift_kind": "percent", "uplift_value": 50, "profile": "flat"}],
}  # fmt: skip


def as_user(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_marketing_planner_creates_and_submits_an_approver_approves(
    item, marketer, approver, eight_week_horizon, django_capture_on_commit_callbacks
):
    regenerate_mps(cause=Cause("initial", "t", "Initial"))
    mia = as_user(marketer)
    created = mia.post("/api/v1/campaigns/", BODY, format="json")
    assert created.status_code == 201, created.json()
    campaign_id = created.json()["id"]
    assert created.json()["lines"][0]["sku"] == "BEV-001"
    submitted = mia.post(f"/api/v1/campaigns/{campaign_id}/submit/", HTTP_IF_MATCH='"1"')
    assert (submitted.status_code, submitted.json()["status"]) == (200, "proposed")
    assert mia.post(f"/api/v1/campaigns/{campaign_id}/approve/").status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        approved = as_user(approver).post(f"/api/v1/campaigns/{campaign_id}/approve/")
    assert approved.json()["status"] == "approved"
    pipeline = mia.get(f"/api/v1/campaigns/{campaign_id}/").json()["pipeline"]
    assert (pipeline["status"], pipeline["revision"], pipeline["version"]) == ("done", 2, 3)


def test_stale_if_match_gets_409_and_writes_nothing(campaign, marketer):
    client = as_user(marketer)
    assert client.patch(f"/api/v1/campaigns/{campaign.pk}/", {"budget": "1"}, HTTP_IF_MATCH='"1"').status_code == 200
    stale = client.patch(f"/api/v1/campaigns/{campaign.pk}/", {"budget": "2"}, HTTP_IF_MATCH='"1"')
    assert stale.status_code == 409
    assert stale.json()["current_version"] == 2
    assert str(Campaign.objects.get(pk=campaign.pk).budget) == "1.00"


def test_bad_line_is_reported_with_its_index_and_field(marketer, item, eight_week_horizon):
    body = {**BODY, "lines": [BODY["lines"][0], {**BODY["lines"][0], "prebuy_pct": 120}]}
    response = as_user(marketer).post("/api/v1/campaigns/", body, format="json")
    assert response.status_code == 400
    assert response.json()["detail"].startswith("lines: ")
    assert "prebuy_pct" in str(response.json()["errors"])
    assert Campaign.objects.count() == 0
    unknown = as_user(marketer).post(
        "/api/v1/campaigns/", {**BODY, "lines": [{**BODY["lines"][0], "sku": "NOPE"}]}, format="json"
    )
    assert unknown.status_code == 400
    assert "NOPE" in str(unknown.json()["errors"])


def test_wrong_transition_is_a_conflict_with_the_reason(campaign, marketer):
    response = as_user(marketer).post(f"/api/v1/campaigns/{campaign.pk}/cancel/")
    assert response.status_code == 200
    again = as_user(marketer).post(f"/api/v1/campaigns/{campaign.pk}/submit/")
    assert again.status_code == 409
    assert again.json()["detail"] == "status: cannot submit a cancelled campaign"


def test_viewer_reads_but_cannot_write(campaign):
    viewer = as_user(make_user("vic", departments={"finance": Role.VIEWER}))
    assert viewer.get("/api/v1/campaigns/", {"status": "draft"}).json()["count"] == 1
    assert viewer.post("/api/v1/campaigns/", BODY, format="json").status_code == 403


def test_impact_and_history(campaign, marketer, item):
    regenerate_mps(cause=Cause("initial", "t", "Initial"))
    client = as_user(marketer)
    impact = client.get(f"/api/v1/campaigns/{campaign.pk}/impact/").json()
    assert impact["units_added"][:5] == [0, 10, 10, 10, 0]
    history = client.get(f"/api/v1/campaigns/{campaign.pk}/history/").json()
    assert [(h["version"], h["action"], h["by"]) for h in history] == [(1, "create", "mia")]
