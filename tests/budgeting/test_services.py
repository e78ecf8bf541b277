"""Joint budgeting services on a real database: the cycle's phases, scenarios as overlays on the live plan,
payloads refused by field, sign-offs re-opened with the reason, the lock and the immutable baseline."""

from __future__ import annotations

import sqlite3
from importlib import import_module
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, transaction

from campaigns.models import CampaignStatus
from sop_portal.budgeting import figures, services
from sop_portal.budgeting.base_inputs import base_inputs
from sop_portal.budgeting.deltas import DeltaValidationError, Labels, summary_text
from sop_portal.budgeting.errors import BudgetLocked
from sop_portal.budgeting.models import (
    BudgetBaseline,
    ChangeKind,
    Phase,
    PlanSnapshot,
    Scenario,
    ScenarioChange,
    SignOff,
    SignOffStatus,
)
from sop_portal.errors import InputError, StaleEdit
from sop_portal.masterdata import services as masterdata
from sop_portal.organisation.models import Role
from tests.budgeting.conftest import FIRST_WEEK, WEEKS, YEAR, monday
from tests.factories import make_user


@pytest.fixture
def ops(db: Any) -> Any:
    return make_user("olga", departments={"operations": Role.PLANNER})


def move(world: Any, weeks: int = 2) -> dict[str, Any]:
    return {"campaign": world.summer.pk, "weeks": weeks}


def in_session(cycle: Any, finance: Any) -> Any:
    services.move_phase(cycle, Phase.SESSION, finance)
    cycle.refresh_from_db()
    return cycle


def signoff(cycle: Any, code: str) -> SignOff:
    return SignOff.objects.get(cycle=cycle, department__code=code)


# --- the cycle ------------------------------------------------------------------------------------------------


def test_a_new_cycle_has_its_proposal_and_a_pending_sign_off_per_participant(cycle):
    assert (cycle.fiscal_year, cycle.first_week, cycle.weeks, cycle.phase) == (
        YEAR,
        FIRST_WEEK,
        WEEKS,
        Phase.PREPARATION,
    )
    assert cycle.proposal.name == "Proposal"
    assert list(cycle.proposal.changes.all()) == []
    assert sorted(SignOff.objects.filter(cycle=cycle).values_list("department__code", "status")) == [
        ("finance", "pending"), ("marketing", "pending"), ("operations", "pending"),
    ]  # fmt: skip
    assert cycle.revision == 2  # created, then bottling's capacity cost


def test_one_cycle_per_fiscal_year(cycle, finance):
    with pytest.raises(InputError) as refused:
        services.create_cycle(YEAR, ["finance"], finance)

    assert refused.value.field == "fiscal_year"


def test_a_cycle_moves_forward_one_phase_at_a_time(cycle, finance):
    with pytest.raises(InputError, match="preparation moves on to joint session only"):
        services.move_phase(cycle, Phase.SIGN_OFF, finance)

    services.move_phase(cycle, Phase.SESSION, finance, expected_version=cycle.version)
    cycle.refresh_from_db()
    services.move_phase(cycle, Phase.SIGN_OFF, finance)
    cycle.refresh_from_db()

    assert cycle.phase == Phase.SIGN_OFF
    with pytest.raises(InputError, match="waiting for the sign-off of Marketing, Operations, Finance"):
        services.move_phase(cycle, Phase.LOCKED, finance)


def test_a_phase_move_on_a_stale_version_is_refused(cycle, finance):
    stale = cycle.version
    services.set_capacity_cost(cycle, "packing", finance, overtime_cost_per_hour=25)

    with pytest.raises(StaleEdit) as refused:
        services.move_phase(cycle, Phase.SESSION, finance, expected_version=stale)

    assert refused.value.current_version == stale + 1


# --- scenarios are overlays -------------------------------------------------------------------------------------


def test_a_scenario_change_leaves_the_base_plan_and_the_proposal_untouched(cycle, world, finance):
    base_before = services.scenario_summary(cycle, None)
    proposal_before = services.scenario_summary(cycle, cycle.proposal)
    bold = services.create_scenario(cycle, "Bold summer", finance)

    change = services.add_change(bold, ChangeKind.MOVE_CAMPAIGN, move(world), world.marketer)
    bold.refresh_from_db()
    moved = services.scenario_summary(cycle, bold)

    summer = next(c for c in moved["campaigns"] if c["id"] == world.summer.pk)
    assert (summer["start_week"], summer["end_week"]) == ("2027-W29", "2027-W31")
    assert services.scenario_summary(cycle, None) == base_before
    assert services.scenario_summary(cycle, cycle.proposal) == proposal_before
    assert base_inputs(cycle).campaigns.start.tolist() == [-3, 26]  # the cached base arrays did not move
    # the scenario is its list of deltas, nothing else
    assert list(ScenarioChange.objects.filter(scenario=bold).values_list("pk", flat=True)) == [change.pk]
    assert change.summary == "Move Summer Splash +2 weeks"
    assert bold.revision == 1


def test_polls_read_the_snapshot_instead_of_recomputing(cycle, world, finance, monkeypatch):
    bold = services.create_scenario(cycle, "Bold summer", finance)
    services.add_change(bold, ChangeKind.SCALE_CAMPAIGN, {"campaign": world.summer.pk, "factor": 2}, world.marketer)
    bold.refresh_from_db()
    services.forget()  # another process: nothing in memory
    monkeypatch.setattr(figures, "compute", lambda inputs: pytest.fail("a poll recomputed the plan"))

    first = services.scenario_summary(cycle, bold)
    again = services.scenario_summary(cycle, bold)

    assert first == again
    assert first["kpis"]["marketing_spend"] == 18000.0
    assert PlanSnapshot.objects.filter(scenario=bold, scenario_revision=1).count() == 1


def test_a_copied_scenario_copies_the_deltas_and_follows_the_campaigns_it_added(cycle, world, finance):
    source = services.create_scenario(cycle, "Autumn push", finance)
    added = services.add_change(
        source, ChangeKind.ADD_CAMPAIGN,
        {"name": "Autumn push", "start": "2027-09-06", "end": "2027-09-26", "budget": 4000,
         "lines": [{"sku": "SNK-1", "uplift_kind": "units", "uplift_value": 30}]},
        world.marketer,
    )  # fmt: skip
    services.add_change(source, ChangeKind.MOVE_CAMPAIGN, {"campaign": -added.pk, "weeks": 1}, world.marketer)

    copy = services.create_scenario(cycle, "Autumn push, copy", finance, copy_from=source)

    copied = list(copy.changes.order_by("pk"))
    assert [c.kind for c in copied] == [ChangeKind.ADD_CAMPAIGN, ChangeKind.MOVE_CAMPAIGN]
    assert copied[1].payload == {"campaign": -copied[0].pk, "weeks": 1}
    source.refresh_from_db()
    copy.refresh_from_db()
    assert services.scenario_summary(cycle, copy)["kpis"] == services.scenario_summary(cycle, source)["kpis"]
    assert services.scenario_summary(cycle, copy)["skipped_changes"] == []


def test_compare_puts_scenarios_side_by_side(cycle, world, finance):
    bold = services.create_scenario(cycle, "Bold summer", finance)
    services.add_change(bold, ChangeKind.SCALE_CAMPAIGN, {"campaign": world.summer.pk, "factor": 2}, world.marketer)
    bold.refresh_from_db()

    rows = services.compare(cycle, [None, cycle.proposal, bold])

    assert [(r["name"], r["is_proposal"]) for r in rows] == [
        ("Base plan", False), ("Proposal", True), ("Bold summer", False),
    ]  # fmt: skip
    base, _, doubled = rows
    assert doubled["marketing_spend"] == 18000.0
    assert base["marketing_spend"] == 9000.0
    assert doubled["vs_first"]["marketing_spend"] == 9000.0
    assert doubled["vs_first"]["volume"] == pytest.approx(doubled["volume"] - base["volume"])
    assert doubled["volume"] > base["volume"]
    assert set(rows[0]) >= {"revenue", "margin", "peak_plant_utilisation", "overloaded_weeks", "uncovered_hours"}


def test_withdrawing_a_change_brings_the_plan_back(cycle, world, finance):
    before = services.scenario_summary(cycle, cycle.proposal)
    change = services.add_change(
        cycle.proposal, ChangeKind.DROP_CAMPAIGN, {"campaign": world.summer.pk}, world.marketer
    )

    withdrawn = services.withdraw_change(change, world.marketer, note="keep it")
    cycle.proposal.refresh_from_db()

    assert withdrawn.withdrawn is not None
    assert withdrawn.note == "keep it"
    assert cycle.proposal.revision == 2
    assert services.scenario_summary(cycle, cycle.proposal)["kpis"] == before["kpis"]
    with pytest.raises(StaleEdit, match="withdrawn already"):
        services.withdraw_change(change, world.marketer)


def test_an_added_campaign_cannot_be_withdrawn_while_a_later_change_moves_it(cycle, world):
    added = services.add_change(
        cycle.proposal, ChangeKind.ADD_CAMPAIGN,
        {"name": "Flash sale", "start": "2027-05-03", "end": "2027-05-09", "budget": 500,
         "lines": [{"sku": "BEV-2", "uplift_value": 40}]},
        world.marketer,
    )  # fmt: skip
    services.add_change(cycle.proposal, ChangeKind.MOVE_CAMPAIGN, {"campaign": -added.pk, "weeks": -1}, world.marketer)

    with pytest.raises(InputError, match="withdraw 'Move Flash sale -1 week' first"):
        services.withdraw_change(added, world.marketer)


def test_a_change_on_a_stale_scenario_revision_is_refused(cycle, world):
    services.add_change(cycle.proposal, ChangeKind.SCALE_CAMPAIGN, {"campaign": world.summer.pk, "factor": 1.5}, None)

    with pytest.raises(StaleEdit) as refused:
        services.add_change(cycle.proposal, ChangeKind.DROP_CAMPAIGN, {"campaign": world.summer.pk}, None,
                            expected_revision=0)  # fmt: skip

    assert refused.value.current_version == 1


def test_a_change_the_live_data_no_longer_allows_is_skipped_and_named(cycle, world):
    change = services.add_change(cycle.proposal, ChangeKind.MOVE_CAMPAIGN, move(world), world.marketer)
    world.summer.status = CampaignStatus.CANCELLED
    world.summer.version += 1
    world.summer.save()
    cycle.proposal.refresh_from_db()

    summary = services.scenario_summary(cycle, cycle.proposal)

    assert [c["id"] for c in summary["campaigns"]] == [world.new_year.pk]
    assert [(s["id"], s["summary"]) for s in summary["skipped_changes"]] == [(change.pk, "Move Summer Splash +2 weeks")]


# --- payloads -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "payload", "errors"),
    [
        (ChangeKind.ADD_CAMPAIGN,
         {"name": "", "start": "2027-07-05", "end": "2027-07-01", "budget": -1,
          "lines": [{"sku": "NOPE", "uplift_value": 10}, {"sku": "BEV-1", "uplift_kind": "lots", "uplift_value": "x",
                                                         "profile": "custom", "colour": "red"}]},
         {"name": "is required", "end": "must be on or after the start", "budget": "must be 0 or more",
          "lines[0].sku": "no product NOPE", "lines[1].colour": "is not a field of a campaign line",
          "lines[1].uplift_kind": "must be percent or units", "lines[1].uplift_value": "must be a number",
          "lines[1].profile": "must be one of flat, ramp_up, peak_and_decay"}),
        (ChangeKind.ADD_CAMPAIGN,
         {"name": "Next year", "start": "2028-02-01", "end": "2028-02-14", "budget": 0, "lines": []},
         {"start": "the campaign must run in 2027 (2027-01-04 to 2028-01-02)",
          "lines": "add at least one product line"}),
        (ChangeKind.MOVE_CAMPAIGN, {"campaign": 999999, "weeks": 0},
         {"campaign": "no campaign 999999 in this plan (approved, live or closed campaigns of 2027, or one this "
                      "scenario adds)", "weeks": "must not be 0 (+ later, - earlier)"}),
        (ChangeKind.SCALE_CAMPAIGN, {"campaign": "summer", "factor": -2},
         {"campaign": "must be a whole number", "factor": "must be 0 or more"}),
        (ChangeKind.VOLUME_TARGET, {"family": "toys", "month": 13, "units": "many"},
         {"family": "no product family toys", "month": "must be between 1 and 12", "units": "must be a number"}),
        (ChangeKind.ADD_SHIFT, {"resource": "packing", "from_month": 6, "to_month": 3, "shifts": 0},
         {"resource": "Packing has no shift hours in this cycle's capacity costs: set them first",
          "to_month": "must be the from_month or later", "shifts": "must be between 1 and 21"}),
        ("add_robot", {}, {"kind": "must be one of add_campaign, move_campaign, scale_campaign, drop_campaign, "
                                   "volume_target, add_shift"}),
    ],
    ids=["add_campaign", "add_campaign-outside-year", "move", "scale", "volume_target", "add_shift", "kind"],
)  # fmt: skip
def test_a_bad_payload_is_refused_naming_each_field(cycle, world, kind, payload, errors):
    with pytest.raises(DeltaValidationError) as refused:
        services.add_change(cycle.proposal, kind, payload, world.marketer)

    assert refused.value.errors == errors
    assert not ScenarioChange.objects.exists()


def test_a_dropped_campaign_cannot_be_moved_later(cycle, world):
    services.add_change(cycle.proposal, ChangeKind.DROP_CAMPAIGN, {"campaign": world.summer.pk}, world.marketer)

    with pytest.raises(DeltaValidationError) as refused:
        services.add_change(cycle.proposal, ChangeKind.MOVE_CAMPAIGN, move(world), world.marketer)

    assert refused.value.errors == {"campaign": f"campaign {world.summer.pk} was dropped earlier in this scenario"}


@pytest.mark.parametrize(
    ("kind", "payload", "text"),
    [
        (ChangeKind.MOVE_CAMPAIGN, {"campaign": 7, "weeks": 2}, "Move Summer Splash +2 weeks"),
        (ChangeKind.MOVE_CAMPAIGN, {"campaign": 7, "weeks": -1}, "Move Summer Splash -1 week"),
        (ChangeKind.SCALE_CAMPAIGN, {"campaign": 7, "factor": 1.5}, "Scale Summer Splash x1.5"),
        (ChangeKind.DROP_CAMPAIGN, {"campaign": 8}, "Drop campaign 8"),
        (ChangeKind.VOLUME_TARGET, {"family": "snk", "month": 3, "units": 12000},
         "Volume target Snacks Mar: 12,000 units"),
        (ChangeKind.ADD_SHIFT, {"resource": "bottling", "from_month": 6, "to_month": 8, "shifts": 1},
         "Add 1 shift a week on Bottling line Jun-Aug"),
        (ChangeKind.ADD_CAMPAIGN,
         {"name": "Flash", "start": "2027-05-03", "end": "2027-05-09", "budget": 500.0, "lines": [{}, {}]},
         "Add campaign Flash (2027-05-03 to 2027-05-09, 2 products, budget 500)"),
    ],
)  # fmt: skip
def test_the_activity_feed_line_of_each_kind(kind, payload, text):
    labels = Labels(campaigns={7: "Summer Splash"}, families={"snk": "Snacks"}, resources={"bottling": "Bottling line"})

    assert summary_text(kind, payload, labels) == text


# --- sign-off, re-opening and the lock --------------------------------------------------------------------------


def test_signing_needs_the_session_and_a_planner_of_that_department(cycle, world, finance, ops):
    with pytest.raises(InputError, match="sign-off opens with the joint session"):
        services.sign_off(cycle, "operations", ops)
    in_session(cycle, finance)

    with pytest.raises(PermissionDenied):
        services.sign_off(cycle, "operations", world.marketer)
    with pytest.raises(InputError, match="Sales is not at the table"):
        services.sign_off(cycle, "sales", finance)

    signed = services.sign_off(cycle, "operations", ops, expected_revision=0)

    assert (signed.status, signed.signed_by, signed.scenario_revision) == (SignOffStatus.SIGNED, ops, 0)
    assert len(signed.fingerprint) == 64


def test_signing_a_proposal_that_changed_since_it_was_read_is_refused(cycle, world, finance, ops):
    in_session(cycle, finance)
    services.add_change(cycle.proposal, ChangeKind.ADD_SHIFT,
                        {"resource": "bottling", "from_month": 3, "to_month": 3, "shifts": 1}, ops)  # fmt: skip

    with pytest.raises(StaleEdit):
        services.sign_off(cycle, "operations", ops, expected_revision=0)


def test_a_change_reopens_the_signed_parts_it_moves_and_says_why(cycle, world, finance, ops):
    in_session(cycle, finance)
    services.sign_off(cycle, "marketing", world.marketer)
    services.sign_off(cycle, "operations", ops)

    services.add_change(cycle.proposal, ChangeKind.ADD_SHIFT,
                        {"resource": "bottling", "from_month": 3, "to_month": 3, "shifts": 1}, ops)  # fmt: skip

    operations = signoff(cycle, "operations")
    assert operations.status == SignOffStatus.REOPENED
    assert operations.reopened_reason == (
        "Re-opened by 'Add 1 shift a week on Bottling line Mar' (olga): Bottling line planned shifts Mar 2027 +4 shifts"
    )
    assert signoff(cycle, "marketing").status == SignOffStatus.SIGNED  # the campaign calendar did not move
    assert signoff(cycle, "finance").status == SignOffStatus.PENDING


def test_moving_a_campaign_reopens_marketing_naming_the_campaign_and_the_author(cycle, world, finance, ops):
    in_session(cycle, finance)
    services.sign_off(cycle, "marketing", world.marketer)

    services.add_change(cycle.proposal, ChangeKind.MOVE_CAMPAIGN, move(world), world.marketer)

    reason = signoff(cycle, "marketing").reopened_reason
    assert reason == "Re-opened by 'Move Summer Splash +2 weeks' (mia): Summer Splash spend Jul 2027 -3,000"


def test_the_last_signature_locks_the_plan_as_the_baseline(cycle, world, finance, ops):
    in_session(cycle, finance)
    services.add_change(cycle.proposal, ChangeKind.MOVE_CAMPAIGN, move(world), world.marketer)
    services.add_change(cycle.proposal, ChangeKind.SCALE_CAMPAIGN, {"campaign": world.summer.pk, "factor": 0.5},
                        world.marketer)  # fmt: skip
    cycle.proposal.refresh_from_db()
    signed_summary = services.scenario_summary(cycle, cycle.proposal)
    services.sign_off(cycle, "marketing", world.marketer)
    services.sign_off(cycle, "operations", ops)

    services.sign_off(cycle, "finance", finance)

    cycle.refresh_from_db()
    baseline = BudgetBaseline.objects.get(cycle=cycle)
    assert cycle.phase == Phase.LOCKED
    assert cycle.locked_at == baseline.locked_at
    assert (baseline.scenario_name, baseline.scenario_revision, baseline.locked_by) == ("Proposal", 2, finance)
    assert baseline.summary == signed_summary
    assert baseline.campaigns == [
        {
            "id": world.summer.pk,
            "name": "Summer Splash",
            "version": 1,
            "budget": 4500.0,
            "start": "2027-07-19",
            "end": "2027-08-08",
        },
    ]  # fmt: skip  (New Year push runs before the year: not in this year's budget)
    assert [(c["kind"], c["summary"]) for c in baseline.changes] == [
        ("move_campaign", "Move Summer Splash +2 weeks"), ("scale_campaign", "Scale Summer Splash x0.5"),
    ]  # fmt: skip
    assert sorted((s["department"], s["user"]) for s in baseline.signatures) == [
        ("finance", "fred"), ("marketing", "mia"), ("operations", "olga"),
    ]  # fmt: skip


def test_a_locked_cycle_refuses_changes_comments_and_signatures(cycle, world, finance, ops):
    locked = lock(cycle, world, finance, ops)

    with pytest.raises(BudgetLocked, match="the 2027 budget is locked"):
        services.add_change(locked.proposal, ChangeKind.DROP_CAMPAIGN, {"campaign": world.summer.pk}, world.marketer)
    with pytest.raises(BudgetLocked):
        services.add_comment(locked, "", "one more thing", ops)
    with pytest.raises(BudgetLocked):
        services.sign_off(locked, "operations", ops)
    with pytest.raises(BudgetLocked):
        services.create_scenario(locked, "Too late", finance)
    with pytest.raises(BudgetLocked):
        services.set_capacity_cost(locked, "packing", finance, overtime_cost_per_hour=1)
    # the decisions log stays open for the mid-year review
    assert services.record_decision(locked, "Review in July", finance).title == "Review in July"
    services.move_phase(locked, Phase.REVIEW, finance)
    locked.refresh_from_db()
    assert locked.phase == Phase.REVIEW


def lock(cycle: Any, world: Any, finance: Any, ops: Any) -> Any:
    in_session(cycle, finance)
    services.sign_off(cycle, "marketing", world.marketer)
    services.sign_off(cycle, "operations", ops)
    services.sign_off(cycle, "finance", finance)
    cycle.refresh_from_db()
    assert cycle.phase == Phase.LOCKED
    return cycle


def test_the_baseline_row_refuses_update_and_delete_in_the_database(cycle, world, finance, ops):
    lock(cycle, world, finance, ops)
    rows = BudgetBaseline.objects.filter(cycle=cycle)

    with pytest.raises(DatabaseError, match="a locked budget baseline is immutable"), transaction.atomic():
        rows.update(scenario_name="Rewritten")
    with pytest.raises(DatabaseError, match="a locked budget baseline is immutable"), transaction.atomic():
        rows.delete()

    assert rows.get().scenario_name == "Proposal"


def test_the_sqlite_triggers_refuse_update_and_delete():
    """The suite runs on one database; the other vendor's triggers are checked on a bare table here."""
    migration = import_module("sop_portal.budgeting.migrations.0002_baseline_immutable")
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE budgeting_budgetbaseline (id INTEGER PRIMARY KEY, scenario_name TEXT)")
    for statement in migration.SQLITE:
        db.execute(statement)
    db.execute("INSERT INTO budgeting_budgetbaseline VALUES (1, 'Proposal')")

    with pytest.raises(sqlite3.DatabaseError, match="immutable"):
        db.execute("UPDATE budgeting_budgetbaseline SET scenario_name = 'x'")
    with pytest.raises(sqlite3.DatabaseError, match="immutable"):
        db.execute("DELETE FROM budgeting_budgetbaseline")
    assert db.execute("SELECT scenario_name FROM budgeting_budgetbaseline").fetchall() == [("Proposal",)]


def test_live_data_that_moved_under_a_signature_reopens_it_instead_of_locking(cycle, world, finance, ops):
    in_session(cycle, finance)
    services.sign_off(cycle, "marketing", world.marketer)
    services.sign_off(cycle, "operations", ops)
    masterdata.set_forecast(world.bev1, {monday(k): 150 for k in range(10)})  # more bottling hours

    services.sign_off(cycle, "finance", finance)

    cycle.refresh_from_db()
    assert cycle.phase == Phase.SESSION
    assert not BudgetBaseline.objects.exists()
    operations = signoff(cycle, "operations")
    assert operations.status == SignOffStatus.REOPENED
    assert operations.reopened_reason == "Re-opened at the lock: the live data moved this part since it was signed"
    assert signoff(cycle, "finance").status == SignOffStatus.SIGNED  # signed on the new figures


def test_promoting_another_scenario_reopens_the_parts_it_moves(cycle, world, finance, ops):
    in_session(cycle, finance)
    services.sign_off(cycle, "operations", ops)
    services.sign_off(cycle, "marketing", world.marketer)
    bold = services.create_scenario(cycle, "Bold summer", finance)
    services.add_change(bold, ChangeKind.SCALE_CAMPAIGN, {"campaign": world.summer.pk, "factor": 2}, world.marketer)

    services.promote_proposal(cycle, bold, finance, expected_version=cycle.version)

    cycle.refresh_from_db()
    assert cycle.proposal == bold
    assert signoff(cycle, "marketing").reopened_reason.startswith(
        "Re-opened by 'Proposal is now 'Bold summer'' (fred): Summer Splash spend Jul 2027 +"
    )
    assert signoff(cycle, "operations").status == SignOffStatus.REOPENED


# --- comments and decisions -------------------------------------------------------------------------------------


def test_comments_record_the_departments_they_mention(cycle, ops):
    comment = services.add_comment(
        cycle, "resource:bottling:load", "@Marketing can July move? @warehouse: pallets. mail olga@example.com", ops
    )

    assert sorted(comment.mentions.values_list("code", flat=True)) == ["marketing", "warehouse"]
    assert comment.line == "resource:bottling:load"


def test_a_comment_mentioning_an_unknown_department_is_refused(cycle, ops):
    with pytest.raises(InputError) as refused:
        services.add_comment(cycle, "", "@logistics will take it", ops)

    assert refused.value.field == "body"
    assert refused.value.message.startswith("@logistics is not a department (mention one of @marketing")


def test_every_write_bumps_the_revision_the_screens_poll(cycle, world, finance, ops):
    start = cycle.revision
    services.add_comment(cycle, "", "hello", ops)
    services.record_decision(cycle, "Keep Summer Splash", finance, departments=["marketing", "finance"])
    services.add_change(cycle.proposal, ChangeKind.SCALE_CAMPAIGN, {"campaign": world.summer.pk, "factor": 1.2}, None)

    cycle.refresh_from_db()
    assert cycle.revision == start + 3


def test_the_acting_department_is_one_the_planner_plans_for(cycle, world, ops):
    mine = services.add_change(cycle.proposal, ChangeKind.SCALE_CAMPAIGN, {"campaign": world.summer.pk, "factor": 1.1},
                               world.marketer)  # fmt: skip
    assert getattr(mine.department, "code", None) == "marketing"

    with pytest.raises(PermissionDenied):
        services.add_change(cycle.proposal, ChangeKind.DROP_CAMPAIGN, {"campaign": world.summer.pk}, ops, "marketing")
    assert Scenario.objects.get(pk=cycle.proposal_id).revision == 1


def test_the_session_feed_and_mentions(cycle, world, finance, ops):
    from sop_portal.budgeting import selectors

    in_session(cycle, finance)
    services.sign_off(cycle, "marketing", world.marketer)
    services.add_change(cycle.proposal, ChangeKind.MOVE_CAMPAIGN, move(world), world.marketer)
    services.add_comment(cycle, "campaign:summer", "@operations does July still fit?", world.marketer)

    feed = selectors.activity(cycle)
    assert [(a.kind, a.who) for a in feed[:3]] == [("comment", "mia"), ("reopened", None), ("change", "mia")]
    assert feed[1].text.startswith("Marketing: Re-opened by 'Move Summer Splash +2 weeks' (mia)")
    assert [c.body for c in selectors.mentions_for(cycle, ops)] == ["@operations does July still fit?"]
    assert list(selectors.mentions_for(cycle, finance)) == []


def test_an_import_adds_its_changes_together_or_not_at_all(cycle, world, finance):
    shift = {"kind": ChangeKind.ADD_SHIFT, "payload": {"resource": "bottling", "from_month": 3, "to_month": 4,
                                                       "shifts": 1}, "department": "finance"}  # fmt: skip
    payload: dict[str, Any] = {"family": "snk", "month": 13, "units": 100}
    target = {"kind": ChangeKind.VOLUME_TARGET, "payload": payload}

    with pytest.raises(DeltaValidationError) as refused:
        services.add_changes(cycle.proposal, [shift, target], finance)

    assert (refused.value.index, refused.value.errors) == (1, {"changes[1].month": "must be between 1 and 12"})
    assert not ScenarioChange.objects.exists()

    payload["month"] = 3
    stored = services.add_changes(cycle.proposal, [shift, target], finance, what="Import of budget.xlsx")

    assert [c.summary for c in stored] == [
        "Add 1 shift a week on Bottling line Mar-Apr", "Volume target Snacks Mar: 100 units",
    ]  # fmt: skip
    proposal = Scenario.objects.get(pk=cycle.proposal_id)
    assert proposal.revision == 2
    assert list(PlanSnapshot.objects.filter(scenario=proposal).values_list("scenario_revision", flat=True)) == [2]
