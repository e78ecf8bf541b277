"""Joint budgeting through /api/v1/budget/: who may do what (403), locked cycles and stale edits (409), bad input
naming the field (400), and the figures a session screen reads."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from sop_portal.budgeting import services
from sop_portal.budgeting.models import BudgetBaseline, Phase, ScenarioChange, SignOffStatus
from sop_portal.organisation.models import Role
from tests.factories import make_user


def client_for(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def viewer(db: Any) -> APIClient:
    return client_for(make_user("vera", departments={"sales": Role.VIEWER}))


@pytest.fixture
def ops(db: Any) -> Any:
    return make_user("olga", departments={"operations": Role.PLANNER})


def move(world: Any) -> dict[str, Any]:
    return {"kind": "move_campaign", "payload": {"campaign": world.summer.pk, "weeks": 2}}


def test_viewers_read_but_cannot_plan_or_run_the_cycle(cycle, world, viewer):
    url = f"/api/v1/budget/cycles/{cycle.pk}/"
    scenario_url = f"/api/v1/budget/scenarios/{cycle.proposal_id}/"

    assert viewer.get("/api/v1/budget/cycles/").json()[0]["fiscal_year"] == 2027
    assert viewer.get(url).headers["ETag"] == f'"{cycle.version}"'
    assert viewer.get(f"{scenario_url}summary/").json()["kpis"]["marketing_spend"] == 9000.0
    assert viewer.post(f"{scenario_url}changes/", move(world), format="json").status_code == 403
    assert viewer.post(f"{url}comments/", {"body": "hi"}, format="json").status_code == 403
    assert viewer.post(f"{url}signoffs/", {"department": "sales"}, format="json").status_code == 403
    assert viewer.post(f"{url}phase/", {"phase": "session"}, format="json").status_code == 403
    assert viewer.post("/api/v1/budget/cycles/", {"fiscal_year": 2028, "participants": ["sales"]}).status_code == 403
    assert not ScenarioChange.objects.exists()


def test_running_the_cycle_is_for_finance(cycle, world, finance, ops):
    url = f"/api/v1/budget/cycles/{cycle.pk}/phase/"

    assert client_for(ops).post(url, {"phase": "session"}, format="json").status_code == 403
    moved = client_for(finance).post(url, {"phase": "session"}, format="json", HTTP_IF_MATCH=f'"{cycle.version}"')

    assert moved.status_code == 200, moved.json()
    assert (moved.json()["phase"], moved.headers["ETag"]) == ("session", f'"{cycle.version + 1}"')


def test_a_planner_adds_a_change_and_everyone_reads_the_new_figures(cycle, world, viewer):
    mia = client_for(world.marketer)
    scenario_url = f"/api/v1/budget/scenarios/{cycle.proposal_id}/"

    added = mia.post(f"{scenario_url}changes/", move(world), format="json", HTTP_IF_MATCH='"0"')

    assert added.status_code == 201, added.json()
    assert (added.json()["summary"], added.json()["department"], added.headers["ETag"]) == (
        "Move Summer Splash +2 weeks", "marketing", '"1"',
    )  # fmt: skip
    summary = viewer.get(f"{scenario_url}summary/")
    summer = next(c for c in summary.json()["campaigns"] if c["id"] == world.summer.pk)
    assert (summer["start_week"], summary.headers["ETag"]) == ("2027-W29", '"1"')


def test_a_bad_payload_answers_400_naming_the_field(cycle, world):
    body = {
        "kind": "add_campaign",
        "payload": {"name": "Flash", "start": "2027-05-03", "end": "2027-05-09", "budget": 100,
                    "lines": [{"sku": "NOPE", "uplift_value": 10}]},
    }  # fmt: skip

    response = client_for(world.marketer).post(
        f"/api/v1/budget/scenarios/{cycle.proposal_id}/changes/", body, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"detail": "lines[0].sku: no product NOPE", "errors": {"lines[0].sku": "no product NOPE"}}


def test_a_comment_with_an_unknown_mention_answers_400_on_body(cycle, ops):
    response = client_for(ops).post(
        f"/api/v1/budget/cycles/{cycle.pk}/comments/", {"body": "@logistics?", "line": "x"}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["detail"].startswith("body: @logistics is not a department")


def test_a_stale_if_match_answers_409_with_the_current_value(cycle, world):
    mia = client_for(world.marketer)
    url = f"/api/v1/budget/scenarios/{cycle.proposal_id}/changes/"
    assert mia.post(url, move(world), format="json", HTTP_IF_MATCH='"0"').status_code == 201

    stale = mia.post(url, move(world), format="json", HTTP_IF_MATCH='"0"')

    assert stale.status_code == 409
    assert stale.json()["current_version"] == 1
    assert ScenarioChange.objects.count() == 1


def test_sign_offs_lock_the_cycle_and_a_locked_cycle_answers_409(cycle, world, finance, ops):
    services.move_phase(cycle, Phase.SESSION, finance)
    url = f"/api/v1/budget/cycles/{cycle.pk}/"
    for user, department in ((world.marketer, "marketing"), (ops, "operations"), (finance, "finance")):
        signed = client_for(user).post(f"{url}signoffs/", {"department": department}, format="json")
        assert signed.status_code == 200, signed.json()

    assert {row["department"]: row["status"] for row in signed.json()} == {
        "marketing": SignOffStatus.SIGNED, "operations": SignOffStatus.SIGNED, "finance": SignOffStatus.SIGNED,
    }  # fmt: skip
    assert BudgetBaseline.objects.filter(cycle=cycle).exists()
    baseline = client_for(ops).get(f"{url}baseline/").json()
    assert [s["department"] for s in baseline["signatures"]] == ["marketing", "operations", "finance"]

    refused = client_for(world.marketer).post(
        f"/api/v1/budget/scenarios/{cycle.proposal_id}/changes/", move(world), format="json"
    )
    assert refused.status_code == 409
    assert "the 2027 budget is locked" in refused.json()["detail"]
    assert client_for(ops).post(f"{url}comments/", {"body": "late"}, format="json").status_code == 409


def test_signing_for_another_department_is_forbidden(cycle, world, finance, ops):
    services.move_phase(cycle, Phase.SESSION, finance)

    response = client_for(ops).post(f"/api/v1/budget/cycles/{cycle.pk}/signoffs/", {"department": "finance"})

    assert response.status_code == 403


def test_a_phase_step_that_is_not_possible_now_answers_409(cycle, finance):
    client = client_for(finance)

    skipped = client.post(f"/api/v1/budget/cycles/{cycle.pk}/phase/", {"phase": "locked"}, format="json")
    unknown = client.post(f"/api/v1/budget/cycles/{cycle.pk}/phase/", {"phase": "party"}, format="json")

    assert skipped.status_code == 409
    assert skipped.json()["detail"] == "phase: preparation moves on to joint session only"
    assert unknown.status_code == 400
    assert "phase" in unknown.json()["errors"]


def test_scenarios_are_created_compared_and_promoted(cycle, world, finance):
    mia = client_for(world.marketer)
    created = mia.post(f"/api/v1/budget/cycles/{cycle.pk}/scenarios/", {"name": "Bold summer"}, format="json")
    assert created.status_code == 201, created.json()
    bold = created.json()["id"]
    mia.post(
        f"/api/v1/budget/scenarios/{bold}/changes/",
        {"kind": "scale_campaign", "payload": {"campaign": world.summer.pk, "factor": "2"}}, format="json",
    )  # fmt: skip

    compared = mia.get(f"/api/v1/budget/cycles/{cycle.pk}/compare/?scenarios={cycle.proposal_id},{bold}").json()

    assert [(row["name"], row["marketing_spend"]) for row in compared] == [
        ("Base plan", 9000.0), ("Proposal", 9000.0), ("Bold summer", 18000.0),
    ]  # fmt: skip
    assert mia.post(f"/api/v1/budget/scenarios/{bold}/promote/").status_code == 403
    promoted = client_for(finance).post(f"/api/v1/budget/scenarios/{bold}/promote/")
    assert (promoted.status_code, promoted.json()["proposal"]) == (200, bold)
    listed = mia.get(f"/api/v1/budget/cycles/{cycle.pk}/scenarios/").json()
    assert [(s["name"], s["active_changes"]) for s in listed] == [("Proposal", 0), ("Bold summer", 1)]


def test_withdraw_and_drill_down(cycle, world):
    mia = client_for(world.marketer)
    change = mia.post(f"/api/v1/budget/scenarios/{cycle.proposal_id}/changes/", move(world), format="json").json()

    withdrawn = mia.post(f"/api/v1/budget/changes/{change['id']}/withdraw/", {"note": "no"}, format="json")
    family = mia.get(f"/api/v1/budget/scenarios/{cycle.proposal_id}/family/?family=bev&by=week").json()

    assert withdrawn.status_code == 200
    assert withdrawn.json()["withdrawn"] is not None
    assert [p["sku"] for p in family["products"]] == ["BEV-1", "BEV-2"]
    assert len(family["periods"]) == 52
    assert mia.get(f"/api/v1/budget/scenarios/{cycle.proposal_id}/family/?family=toys").status_code == 400


def test_finance_sets_capacity_costs_and_decisions_are_logged(cycle, finance, ops):
    url = f"/api/v1/budget/cycles/{cycle.pk}/"
    costs = client_for(finance).post(
        f"{url}capacity-costs/", {"resource_code": "packing", "overtime_cost_per_hour": "25"}, format="json"
    )
    bad = client_for(finance).post(
        f"{url}capacity-costs/", {"resource_code": "nope", "overtime_cost_per_hour": "25"}, format="json"
    )
    decided = client_for(ops).post(
        f"{url}decisions/", {"title": "Add a shift in March", "departments": ["operations", "finance"]}, format="json"
    )

    assert costs.status_code == 200
    assert [row["resource"] for row in costs.json()] == ["bottling", "packing"]
    assert (bad.status_code, bad.json()["detail"]) == (400, "resource: no resource nope")
    assert decided.status_code == 201
    assert sorted(decided.json()["department_codes"]) == ["finance", "operations"]
