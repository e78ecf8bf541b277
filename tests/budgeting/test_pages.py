"""The budget pages: the cycle list and page (phase, sign-off, capacity costs, scenarios), the joint session screen
with the figures of the summary, its change forms and their errors, comments, decisions, the pulse that keeps every
screen live, the locked plan, and the comparison.

The company is tests/budgeting/conftest.py's; its 2027 cycle has marketing, operations and finance at the table,
a returns handling cost of 0.50 a unit and the bottling line's costs set (overtime 30 an hour up to 20 %, one shift
of 40 h at 2,000 a week). The live plan costs 12,860 in capacity: the line runs a little above its 100 h a week.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from sop_portal.budgeting import services
from sop_portal.budgeting.models import (
    BudgetBaseline,
    BudgetCycle,
    CapacityCost,
    Comment,
    Decision,
    Phase,
    PlanSnapshot,
    Scenario,
    ScenarioChange,
)
from sop_portal.budgeting.templatetags.budget import MINUS, figure, util
from sop_portal.organisation.models import Department, Role
from tests.budgeting.conftest import YEAR
from tests.factories import make_user

HTMX = {"HX-Request": "true"}
SESSION = f"/budget/{YEAR}/session/"
AUTUMN_BLAST = {
    "ac-name": "Autumn blast", "ac-start": "2027-09-06", "ac-end": "2027-09-26", "ac-budget": "5000",
    "ac-lines": "3", "ac-l0-sku": "BEV-2", "ac-l0-uplift_kind": "percent", "ac-l0-uplift_value": "60",
    "ac-l0-profile": "flat", "ac-l1-uplift_kind": "percent", "ac-l1-profile": "flat",
}  # fmt: skip


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def text(response: Any) -> str:
    return response.content.decode()


def data_value(page: str, key: str) -> str:
    """The exact figure a cell or tile carries (data-value), by its data-cell key."""
    found = re.search(rf'data-cell="{re.escape(key)}" data-value="([^"]*)"', page)
    assert found, f"no cell {key}"
    return found.group(1)


def shown(page: str, key: str) -> str:
    """What a cell or tile shows, by its data-cell key."""
    found = re.search(rf'data-cell="{re.escape(key)}" data-value="[^"]*">([^<]*)<', page)
    assert found, f"no cell {key}"
    return found.group(1).strip()


def errors(page: str) -> list[tuple[str, str]]:
    return re.findall(
        r'<(?:div|li) class="errorlist"[^>]*>([^<]+)<|<ul class="errorlist"[^>]*>\s*<li>([^<]+)</li>', page
    )


def part(pattern: str, page: str) -> str:
    """The first group of a pattern that must be on the page."""
    found = re.search(pattern, page, re.S)
    assert found, f"not on the page: {pattern}"
    return found.group(1)


def field_errors(page: str) -> list[str]:
    return [html.unescape(a or b) for a, b in errors(page)]


@pytest.fixture
def mia(world: Any) -> Any:
    return world.marketer


@pytest.fixture
def olga(db: Any) -> Any:
    return make_user("olga", departments={"operations": Role.PLANNER})


@pytest.fixture
def vera(db: Any) -> Any:
    return make_user("vera", departments={"sales": Role.VIEWER})


@pytest.fixture
def in_session(cycle: Any, finance: Any) -> Any:
    services.move_phase(cycle, Phase.SESSION, finance)
    cycle.refresh_from_db()
    return cycle


def figures_page(user: Any) -> str:
    response = client_for(user).get(f"{SESSION}figures/")
    assert response.status_code == 200
    return text(response)


def add_autumn_blast(cycle: Any, user: Any) -> ScenarioChange:
    return services.add_change(
        cycle.proposal, "add_campaign",
        {"name": "Autumn blast", "start": "2027-09-06", "end": "2027-09-26", "budget": 5000,
         "lines": [{"sku": "BEV-2", "uplift_kind": "percent", "uplift_value": 60}]},
        user,
    )  # fmt: skip


# --- the cycle list ---------------------------------------------------------------------------------------------


def test_the_list_shows_each_cycle_with_its_phase_participants_and_sign_off_progress(in_session, mia, vera):
    services.sign_off(in_session, "marketing", mia)

    page = text(client_for(vera).get("/budget/"))

    row = part(r'(<tr data-year="2027">.*?</tr>)', page)
    assert 'data-phase="session">Joint session<' in row
    assert "<td>Marketing, Operations, Finance</td>" in row
    assert 'data-signed="1" data-signers="3"' in row
    assert "1 of 3 signed" in row
    assert 'id="cycle-form"' not in page  # opening a cycle is finance's


def test_finance_opens_a_cycle_and_a_bad_year_is_named_next_to_its_field(cycle, finance, vera):
    client = client_for(finance)
    form = client.get("/budget/")
    assert 'name="fiscal_year"' in text(form)

    finance_department = Department.objects.get(code="finance")
    taken = client.post(
        "/budget/", {"fiscal_year": "2027", "participants": [finance_department.pk], "returns_handling_cost": "0"}
    )
    assert taken.status_code == 422
    assert field_errors(text(taken)) == ["Fiscal year: a budget cycle for 2027 exists already"]

    sales = Department.objects.get(code="sales")
    opened = client.post(
        "/budget/", {"fiscal_year": "2028", "participants": [sales.pk], "returns_handling_cost": "1.25"}
    )
    assert opened.status_code == 302
    assert opened["Location"] == "/budget/2028/"
    opened_cycle = BudgetCycle.objects.get(fiscal_year=2028)
    assert (opened_cycle.phase, str(opened_cycle.returns_handling_cost)) == ("preparation", "1.25")
    assert [d.code for d in opened_cycle.participants.all()] == ["sales"]
    assert client_for(vera).post("/budget/", {"fiscal_year": "2029"}).status_code == 403


# --- the cycle page ---------------------------------------------------------------------------------------------


def test_finance_moves_the_phase_and_a_stale_version_is_refused_with_a_message(cycle, finance, olga):
    client = client_for(finance)
    page = text(client.get(f"/budget/{YEAR}/"))
    assert re.findall(r'<li class="step step-(\w+)" data-phase="(\w+)"', page) == [
        ("current", "preparation"), ("todo", "session"), ("todo", "sign_off"), ("todo", "locked"), ("todo", "review"),
    ]  # fmt: skip
    assert 'data-phase="session">Move to joint session</button>' in page
    seen = cycle.version

    moved = client.post(f"/budget/{YEAR}/phase/", {"phase": "session", "version": seen})
    assert moved.status_code == 302
    stale = client.post(f"/budget/{YEAR}/phase/", {"phase": "sign_off", "version": seen})
    assert stale.status_code == 409
    assert (
        f"Not moved: Budget cycle 2027 was changed by someone else (now version {seen + 1}); reload and redo your "
        "edit. The page now shows the cycle as it is."
    ) in text(stale)
    cycle.refresh_from_db()
    locking = client.post(f"/budget/{YEAR}/phase/", {"phase": "sign_off", "version": cycle.version})
    assert locking.status_code == 302
    cycle.refresh_from_db()
    waiting = client.post(f"/budget/{YEAR}/phase/", {"phase": "locked", "version": cycle.version})
    assert waiting.status_code == 409
    assert "Not moved: waiting for the sign-off of Marketing, Operations, Finance." in text(waiting)
    assert (
        client_for(olga).post(f"/budget/{YEAR}/phase/", {"phase": "locked", "version": cycle.version}).status_code
        == 403
    )
    assert BudgetCycle.objects.get().phase == Phase.SIGN_OFF


def test_finance_edits_capacity_costs_with_errors_on_the_field(cycle, finance, olga, world):
    client = client_for(finance)
    page = text(client.get(f"/budget/{YEAR}/"))
    assert 'name="bottling-overtime_cost_per_hour" value="30.00"' in page
    assert 'name="bottling-overtime_cost_per_hour"' not in text(client_for(olga).get(f"/budget/{YEAR}/"))
    post = {
        "packing-overtime_cost_per_hour": "-5", "packing-overtime_limit_pct": "10", "packing-shift_hours": "0",
        "packing-shift_cost_per_week": "0", "packing-max_extra_shifts": "0", "packing-version": str(cycle.version),
    }  # fmt: skip

    bad = client.post(f"/budget/{YEAR}/capacity-costs/packing/", post)
    assert bad.status_code == 422
    assert field_errors(text(bad)) == ["Overtime per hour: Ensure this value is greater than or equal to 0."]

    saved = client.post(f"/budget/{YEAR}/capacity-costs/packing/", {**post, "packing-overtime_cost_per_hour": "45"})
    assert saved.status_code == 302
    assert str(CapacityCost.objects.get(resource=world.packing).overtime_cost_per_hour) == "45.00"
    stale = client.post(f"/budget/{YEAR}/capacity-costs/packing/", post | {"packing-overtime_cost_per_hour": "50"})
    assert stale.status_code == 409
    assert "Not saved: Budget cycle 2027 was changed by someone else" in text(stale)
    assert client_for(olga).post(f"/budget/{YEAR}/capacity-costs/packing/", post).status_code == 403


def test_planners_create_scenarios_and_finance_promotes_one(cycle, finance, olga):
    client = client_for(olga)
    created = client.post(f"/budget/{YEAR}/scenarios/", {"name": "Lean year", "copy_from": str(cycle.proposal_id)})
    scenario = Scenario.objects.get(name="Lean year")
    assert created["Location"] == f"{SESSION}?scenario={scenario.pk}"
    twice = client.post(f"/budget/{YEAR}/scenarios/", {"name": "Lean year"})
    assert twice.status_code == 422
    assert field_errors(text(twice)) == ["Name: this cycle has a scenario called Lean year already"]
    assert (
        client.post(f"/budget/{YEAR}/scenarios/{scenario.pk}/promote/", {"version": cycle.version}).status_code == 403
    )

    page = text(client_for(finance).get(f"/budget/{YEAR}/"))
    assert f'data-promote="{scenario.pk}"' in page
    cycle.refresh_from_db()
    promoted = client_for(finance).post(f"/budget/{YEAR}/scenarios/{scenario.pk}/promote/", {"version": cycle.version})
    assert promoted.status_code == 302
    assert BudgetCycle.objects.get().proposal_id == scenario.pk


# --- the session screen -----------------------------------------------------------------------------------------


def test_the_session_screen_shows_the_summary_figures_exactly(cycle, vera):
    summary = services.scenario_summary(cycle, cycle.proposal)
    services.scenario_summary(cycle, None)
    kpis = summary["kpis"]
    bev = next(f for f in summary["families"] if f["code"] == "bev")
    bottling = next(r for r in summary["resources"] if r["code"] == "bottling")

    page = text(client_for(vera).get(SESSION))

    for name in ("volume", "revenue", "margin", "marketing_spend", "capacity_cost", "returns_cost", "uncovered_hours"):
        assert data_value(page, f"kpi:{name}") == str(kpis[name])
        assert shown(page, f"kpi:{name}") == figure(kpis[name])
    assert (shown(page, "kpi:capacity_cost"), shown(page, "kpi:volume")) == ("12,860", "9,505")
    assert shown(page, "kpi:peak_plant_utilisation") == util(kpis["peak_plant_utilisation"]) == "204 %"
    assert f"{kpis['margin_pct']:.1f} % of revenue" in page
    for month in range(1, 13):
        assert data_value(page, f"family:bev:demand:{month}") == str(bev["demand"][month - 1])
        assert data_value(page, f"resource:bottling:overtime_hours:{month}") == str(
            bottling["overtime_hours"][month - 1]
        )
    assert shown(page, "family:bev:demand:7") == "915"  # Summer Splash's July
    assert data_value(page, "family:bev:demand:year") == str(round(sum(bev["demand"]), 2))
    assert shown(page, "money:capacity_cost:3") == "2,480"  # March: the maintenance week
    assert 'class="num lvl-short" data-month="3" data-cell="resource:bottling:uncovered_hours:3"' in page
    assert shown(page, f"campaign:{cycle.proposal and summary['campaigns'][1]['id']}:budget") == "9,000"
    assert (
        "Bottling line Mar</strong>:\n            16 h overtime, 1 extra shift, "
        '<span class="text-short">2 h uncovered</span>' in page
    )
    chart = json.loads(part(r'id="budget-chart-data" type="application/json">(.*?)</script>', page))
    assert chart["utilisation"] == [
        {"label": "Bottling line", "values": [round(u * 100, 1) for u in bottling["peak_utilisation"]]}
    ]
    assert 'id="form-add-campaign"' not in page  # a viewer sees, does not change
    assert "Sign off for" not in page


def test_the_screen_says_computing_until_the_summary_is_stored_and_the_poll_never_computes(cycle, vera):
    client = client_for(vera)
    page = text(client.get(SESSION))
    assert "Computing the plan…" in page
    assert 'hx-trigger="load, budget-changed from:body"' in page
    assert not PlanSnapshot.objects.exists()

    assert client.get(f"/budget/{YEAR}/pulse/", {"seen": cycle.revision, "phase": cycle.phase}).status_code == 204
    assert not PlanSnapshot.objects.exists()
    figures = text(client.get(f"{SESSION}figures/", headers=HTMX))
    assert 'id="budget-kpis"' in figures
    assert PlanSnapshot.objects.count() == 2  # the proposal and the base plan it is compared with
    assert "Computing the plan…" not in text(client.get(SESSION))


def test_the_pulse_answers_204_and_names_the_new_revision_with_one_query_of_its_own(cycle, vera):
    client = client_for(vera)
    client.get(f"/budget/{YEAR}/pulse/", {"seen": 0})  # the session and the user are read once

    with CaptureQueriesContext(connection) as queries:
        same = client.get(f"/budget/{YEAR}/pulse/", {"seen": cycle.revision, "phase": "preparation"})
    assert same.status_code == 204
    assert "HX-Trigger" not in same
    assert len([q for q in queries if "budgeting_" in q["sql"]]) == 1

    changed = client.get(f"/budget/{YEAR}/pulse/", {"seen": cycle.revision - 1, "phase": "preparation"})
    assert changed.status_code == 204
    assert json.loads(changed["HX-Trigger"]) == {"budget-changed": {"revision": cycle.revision, "phase": "preparation"}}
    moved = client.get(f"/budget/{YEAR}/pulse/", {"seen": cycle.revision, "phase": "session"})
    assert moved["HX-Refresh"] == "true"
    assert client.get("/budget/2031/pulse/", {"seen": 1}).status_code == 404


def test_adding_a_campaign_through_the_form_answers_with_a_blank_form_and_tells_the_screen(cycle, mia):
    client = client_for(mia)
    added = client.post(
        f"{SESSION}changes/add-campaign/", {**AUTUMN_BLAST, "ac-scenario": cycle.proposal_id}, headers=HTMX
    )

    assert added.status_code == 200
    change = ScenarioChange.objects.get()
    assert change.payload == {
        "name": "Autumn blast", "start": "2027-09-06", "end": "2027-09-26", "budget": 5000.0,
        "lines": [
            {"sku": "BEV-2", "uplift_kind": "percent", "uplift_value": 60.0, "profile": "flat", "decay_weeks": 2}
        ],
    }  # fmt: skip
    assert ScenarioChange.objects.values_list("author", "department__code").get() == (mia.pk, "marketing")
    cycle.refresh_from_db()
    assert json.loads(added["HX-Trigger"]) == {"budget-changed": {"revision": cycle.revision, "phase": "preparation"}}
    assert "Added to Proposal: Add campaign Autumn blast (2027-09-06 to 2027-09-26, 1 product, budget 5,000)" in text(
        added
    )
    assert 'name="ac-name" maxlength="160" required id="id_ac-name">' in text(added)  # blank again

    services.scenario_summary(cycle, None)
    page = figures_page(mia)
    cycle.proposal.refresh_from_db()
    after = services.scenario_summary(cycle, cycle.proposal)
    assert shown(page, "kpi:capacity_cost") == figure(after["kpis"]["capacity_cost"]) == "20,480"
    assert shown(page, "resource:bottling:extra_shifts:9") == "3"
    assert 'data-vs-base="7620.0">+7,620 vs base</span>' in page
    assert "Add campaign Autumn blast" in text(client_for(mia).get(f"{SESSION}feed/"))


def test_change_forms_show_each_error_next_to_its_field(cycle, mia, world):
    client = client_for(mia)
    scenario = {"ac-scenario": cycle.proposal_id}

    unknown = client.post(
        f"{SESSION}changes/add-campaign/", {**AUTUMN_BLAST, **scenario, "ac-l0-sku": "NOPE"}, headers=HTMX
    )
    assert unknown.status_code == 422
    assert field_errors(text(unknown)) == ["Line 1 SKU: no product NOPE"]
    next_year = {"ac-start": "2028-03-06", "ac-end": "2028-03-26"}
    outside = client.post(f"{SESSION}changes/add-campaign/", {**AUTUMN_BLAST, **scenario, **next_year}, headers=HTMX)
    assert field_errors(text(outside)) == ["Start: the campaign must run in 2027 (2027-01-04 to 2028-01-02)"]
    no_lines = client.post(
        f"{SESSION}changes/add-campaign/",
        {**AUTUMN_BLAST, **scenario, "ac-l0-sku": "", "ac-l0-uplift_value": ""},
        headers=HTMX,
    )
    assert field_errors(text(no_lines)) == ["Line 1 SKU: add at least one product line"]

    move = {"cc-scenario": cycle.proposal_id, "cc-campaign": str(world.summer.pk), "cc-action": "move_campaign"}
    no_weeks = client.post(f"{SESSION}changes/campaign/", move, headers=HTMX)
    assert field_errors(text(no_weeks)) == ["Weeks: how many weeks (+ later, - earlier)"]
    gone = client.post(f"{SESSION}changes/campaign/", {**move, "cc-campaign": "999", "cc-weeks": "2"}, headers=HTMX)
    assert field_errors(text(gone))[0].startswith("Campaign: no campaign 999 in this plan")

    shift = {
        "sh-scenario": cycle.proposal_id,
        "sh-resource": "packing",
        "sh-from_month": "9",
        "sh-to_month": "8",
        "sh-shifts": "1",
    }
    no_hours = client.post(f"{SESSION}changes/shift/", shift, headers=HTMX)
    assert no_hours.status_code == 422
    assert field_errors(text(no_hours)) == [
        "Resource: Packing has no shift hours in this cycle's capacity costs: set them first",
        "To: must be Sep or later (the shift runs From → To)",
    ]
    target = {"vt-scenario": cycle.proposal_id, "vt-family": "tea", "vt-month": "3", "vt-units": "-1"}
    assert field_errors(text(client.post(f"{SESSION}changes/volume-target/", target, headers=HTMX))) == [
        "Units: Ensure this value is greater than or equal to 0."
    ]
    assert not ScenarioChange.objects.exists()

    moved = client.post(f"{SESSION}changes/campaign/", {**move, "cc-weeks": "2"}, headers=HTMX)
    assert moved.status_code == 200
    assert ScenarioChange.objects.get().summary == "Move Summer Splash +2 weeks"


def test_withdrawing_a_change_and_why_it_can_be_refused(cycle, mia):
    added = add_autumn_blast(cycle, mia)
    scale = services.add_change(cycle.proposal, "scale_campaign", {"campaign": -added.pk, "factor": 2}, mia)
    client = client_for(mia)

    refused = client.post(f"{SESSION}changes/{added.pk}/withdraw/", headers=HTMX)
    assert refused.status_code == 422
    assert "Not withdrawn: withdraw &#x27;Scale Autumn blast x2&#x27; first: it changes this campaign" in text(refused)
    withdrawn = client.post(f"{SESSION}changes/{scale.pk}/withdraw/", headers=HTMX)
    assert withdrawn.status_code == 204
    assert "budget-changed" in withdrawn["HX-Trigger"]
    feed = text(client.get(f"{SESSION}feed/"))
    assert re.findall(r'<li class="feed-item( withdrawn)?" data-change="(\d+)"', feed) == [
        (" withdrawn", str(scale.pk)), ("", str(added.pk)),
    ]  # fmt: skip


def test_comments_on_a_line_with_mentions_badge_the_mentioned_department(cycle, mia, olga, vera):
    services.scenario_summary(cycle, cycle.proposal)
    ops = client_for(olga)
    form = {"cm-scenario": cycle.proposal_id, "cm-line": "resource:bottling:overtime_hours"}

    unknown = ops.post(f"{SESSION}comments/add/", {**form, "cm-body": "@purchasing can you help?"}, headers=HTMX)
    assert unknown.status_code == 422
    assert field_errors(text(unknown))[0].startswith("Comment: @purchasing is not a department (mention one of @")
    added = ops.post(f"{SESSION}comments/add/", {**form, "cm-body": "@marketing September needs a shift"}, headers=HTMX)
    assert added.status_code == 200
    assert "budget-changed" in added["HX-Trigger"]
    assert 'On <strong id="comment-line-label">Bottling line overtime</strong>' in text(added)
    comment = Comment.objects.get()
    assert [d.code for d in comment.mentions.all()] == ["marketing"]

    marketing = text(client_for(mia).get(f"{SESSION}comments/"))
    assert '<span class="badge badge-warn mention-badge" id="mention-badge"' in marketing
    assert "1 mention of your department" in marketing
    assert (
        '<mark class="mention mention-mine" data-department="marketing">@marketing</mark> September needs a shift'
        in marketing
    )
    assert "Bottling line overtime</button>" in marketing
    assert "mention-badge" not in text(client_for(vera).get(f"{SESSION}comments/"))
    on_line = text(client_for(vera).get(f"{SESSION}comments/", {"line": "resource:bottling:overtime_hours"}))
    assert f'data-comment="{comment.pk}"' in on_line
    assert f'data-comment="{comment.pk}"' not in text(
        client_for(vera).get(f"{SESSION}comments/", {"line": "money:margin"})
    )
    grid = figures_page(vera)
    assert re.search(
        r'data-line="resource:bottling:overtime_hours"[^>]*><svg.*?</svg>\s*<span class="count">1</span>', grid
    )
    assert client_for(vera).post(f"{SESSION}comments/add/", {**form, "cm-body": "hi"}).status_code == 403


def test_the_decisions_log_records_what_the_room_agreed(cycle, mia, finance):
    client = client_for(mia)
    marketing = cycle.participants.get(code="marketing")
    empty = client.post(f"{SESSION}decisions/add/", {"dc-scenario": cycle.proposal_id, "dc-title": ""}, headers=HTMX)
    assert field_errors(text(empty)) == ["Decision: This field is required."]

    recorded = client.post(
        f"{SESSION}decisions/add/",
        {"dc-scenario": cycle.proposal_id, "dc-title": "Keep Summer Splash in July", "dc-rationale": "Shelf space",
         "dc-departments": [marketing.pk]},
        headers=HTMX,
    )  # fmt: skip
    assert recorded.status_code == 200
    assert "Recorded: Keep Summer Splash in July" in text(recorded)
    decision = Decision.objects.get()
    assert (decision.decided_by, [d.code for d in decision.departments.all()]) == (mia, ["marketing"])
    log = text(client_for(finance).get(f"{SESSION}decisions/"))
    assert "Keep Summer Splash in July" in log
    assert "agreed by Marketing" in log


def test_the_family_drill_down_shows_its_products_by_month_and_week(cycle, vera):
    detail = services.family_detail(cycle, cycle.proposal, "bev", "month")
    client = client_for(vera)

    by_month = text(client.get(f"{SESSION}families/bev/"))
    rows = re.findall(r'<tr data-sku="([^"]+)">.*?</tr>', by_month, re.S)
    assert rows == ["BEV-1", "BEV-2", "total"]
    bev1 = part(r'<tr data-sku="BEV-1">(.*?)</tr>', by_month)
    assert re.findall(r'data-value="([^"]*)"', bev1)[:12] == [str(v) for v in detail["products"][0]["demand"]]
    by_week = text(client.get(f"{SESSION}families/bev/", {"by": "week", "measure": "production"}))
    assert by_week.count('<th scope="col" class="num">') == 52
    assert "production by week" in by_week
    assert client.get(f"{SESSION}families/tea/").status_code == 404


# --- permissions, sign-off and the locked plan ------------------------------------------------------------------


def test_who_may_see_and_who_may_change(cycle, vera, olga, mia, world):
    outsider = make_user("otto", departments={})
    for url in ("/budget/", f"/budget/{YEAR}/", SESSION, f"{SESSION}figures/", f"/budget/{YEAR}/compare/"):
        assert client_for(outsider).get(url).status_code == 403, url
    viewer = client_for(vera)
    assert viewer.get(SESSION).status_code == 200
    move = {
        "cc-scenario": cycle.proposal_id,
        "cc-campaign": str(world.summer.pk),
        "cc-action": "move_campaign",
        "cc-weeks": "1",
    }
    assert viewer.post(f"{SESSION}changes/campaign/", move).status_code == 403
    assert viewer.post(f"/budget/{YEAR}/scenarios/", {"name": "Mine"}).status_code == 403
    assert viewer.post(f"/budget/{YEAR}/sign-off/", {"department": "sales", "revision": 0}).status_code == 403
    assert not ScenarioChange.objects.exists()


def test_a_planner_signs_for_their_own_department_and_a_stale_revision_is_refused(in_session, mia, olga):
    cycle = in_session
    page = text(client_for(mia).get(f"/budget/{YEAR}/signoffs/"))
    assert re.findall(r'data-sign="(\w+)">Sign off for (\w+)<', page) == [("marketing", "Marketing")]
    client = client_for(mia)

    stale = client.post(f"/budget/{YEAR}/sign-off/", {"department": "marketing", "revision": 7}, headers=HTMX)
    assert stale.status_code == 409
    assert (
        "Not signed: the proposal changed while you looked at it (now revision 0). "
        "Check the new figures, then sign again."
    ) in text(stale)
    assert (
        client_for(olga).post(f"/budget/{YEAR}/sign-off/", {"department": "marketing", "revision": 0}).status_code
        == 403
    )
    signed = client.post(f"/budget/{YEAR}/sign-off/", {"department": "marketing", "revision": 0}, headers=HTMX)
    assert signed.status_code == 204
    assert "budget-changed" in signed["HX-Trigger"]
    panel = text(client_for(olga).get(f"/budget/{YEAR}/signoffs/"))
    assert '<li class="signoff signoff-signed" data-department="marketing" data-status="signed">' in panel
    assert "1 of 3 signed" in panel

    add_autumn_blast(cycle, olga)
    reopened = text(client_for(olga).get(f"/budget/{YEAR}/signoffs/"))
    assert [html.unescape(r) for r in re.findall(r'signoff-reason">([^<]*)<', reopened)] == [
        "Re-opened by 'Add campaign Autumn blast (2027-09-06 to 2027-09-26, 1 product, budget 5,000)' (olga): "
        "Autumn blast spend Sep 2027 +5,000"
    ]


def test_the_last_signature_locks_the_plan_and_the_screen_shows_the_baseline_read_only(in_session, mia, olga, finance):
    cycle = in_session
    add_autumn_blast(cycle, mia)
    cycle.proposal.refresh_from_db()
    revision = cycle.proposal.revision
    services.sign_off(cycle, "marketing", mia)
    services.sign_off(cycle, "operations", olga)

    last = client_for(finance).post(
        f"/budget/{YEAR}/sign-off/", {"department": "finance", "revision": revision}, headers=HTMX
    )
    assert last.status_code == 204
    assert last["HX-Refresh"] == "true"
    baseline = BudgetBaseline.objects.get()

    page = text(client_for(olga).get(SESSION))
    assert 'id="locked-banner"' in page
    assert "The 2027 plan is locked." in page
    assert f"Every department signed Proposal (revision {revision})" in page
    assert shown(page, "kpi:capacity_cost") == figure(baseline.summary["kpis"]["capacity_cost"]) == "20,480"
    assert 'id="form-add-campaign"' not in page
    assert 'id="comment-form"' not in page
    assert "data-withdraw" not in page
    refused = client_for(mia).post(
        f"{SESSION}changes/add-campaign/", {**AUTUMN_BLAST, "ac-scenario": cycle.proposal_id}, headers=HTMX
    )
    assert refused.status_code == 409
    assert "The plan cannot change: the 2027 budget is locked and its baseline is final" in text(refused)
    assert 'id="locked-banner"' in text(client_for(olga).get(f"/budget/{YEAR}/"))


# --- compare ----------------------------------------------------------------------------------------------------


def test_the_comparison_puts_scenarios_beside_the_proposal_and_finance_promotes_from_it(
    cycle, mia, finance, vera, world
):
    lean = services.create_scenario(cycle, "No summer", mia)
    services.add_change(lean, "drop_campaign", {"campaign": world.summer.pk}, mia)
    proposal, lean_kpis = (services.scenario_summary(cycle, s)["kpis"] for s in (cycle.proposal, lean))

    page = text(client_for(vera).get(f"/budget/{YEAR}/compare/", {"s": [lean.pk]}))
    assert re.findall(r'<th scope="col" class="num" data-scenario="(\d+)">', page) == [
        str(cycle.proposal_id),
        str(lean.pk),
    ]
    spend = part(r'<tr data-kpi="marketing_spend">(.*?)</tr>', page)
    assert re.findall(r'data-value="([^"]*)"', spend) == [
        str(proposal["marketing_spend"]),
        str(lean_kpis["marketing_spend"]),
    ]
    assert '<td class="num diff-better" data-value="0.0">' in spend  # 9,000 less spend
    assert f"{MINUS}9,000" in spend
    volume = part(r'<tr data-kpi="volume">(.*?)</tr>', page)
    assert "diff-worse" in volume
    assert "data-promote" not in page

    promote = text(client_for(finance).get(f"/budget/{YEAR}/compare/", {"s": [lean.pk]}))
    assert f'data-promote="{lean.pk}"' in promote
    cycle.refresh_from_db()
    promoted = client_for(finance).post(
        f"/budget/{YEAR}/scenarios/{lean.pk}/promote/",
        {"version": cycle.version, "from": "compare", "s": [lean.pk], "next": f"/budget/{YEAR}/compare/?s={lean.pk}"},
    )  # fmt: skip
    assert promoted["Location"] == f"/budget/{YEAR}/compare/?s={lean.pk}"
    stale = client_for(finance).post(
        f"/budget/{YEAR}/scenarios/{cycle.proposal_id}/promote/",
        {"version": cycle.version, "from": "compare", "s": [lean.pk]},
    )  # fmt: skip
    assert stale.status_code == 409
    assert "Proposal is not the proposal: Budget cycle 2027 was changed by someone else" in text(stale)
