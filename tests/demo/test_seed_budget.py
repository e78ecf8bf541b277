"""seed_demo's budget for next year: prepared by finance, changed by three departments, half-way through the
joint session, with a proposal that needs overtime and a growth case the plant cannot make."""

from datetime import date
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction

from campaigns.models import Campaign
from sop_portal.budgeting import services as budgeting
from sop_portal.budgeting.models import (
    BudgetCycle,
    CapacityCost,
    Comment,
    Decision,
    PlanSnapshot,
    Scenario,
    ScenarioChange,
    SignOff,
)
from sop_portal.budgeting.planning import parts
from sop_portal.masterdata import services

AUTUMN = date(2026, 10, 7)  # a Wednesday in the budget season: next summer's promotion is in the calendar
SPRING = date(2027, 3, 10)  # this summer's promotion is, next summer's is not yet
SKUS = 100
DEPARTMENTS = {"marketing", "sales", "operations", "warehouse", "finance", "customer-service"}


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", "--skus", str(SKUS), "--quiet", stdout=out)
    return out.getvalue()


def seed_on(monkeypatch: pytest.MonkeyPatch, today: date) -> str:
    monkeypatch.setattr(services, "today", lambda: today)
    monkeypatch.setattr("production.services.today", lambda: today)
    budgeting.forget()
    return seed()


@pytest.fixture(autouse=True)
def fresh_caches() -> Any:
    budgeting.forget()
    yield
    budgeting.forget()


@pytest.fixture(scope="class")
def autumn(django_db_setup: Any, django_db_blocker: Any) -> Any:
    """One seed for the class's tests (a seed takes seconds): each test runs in a savepoint inside it, and the
    whole of it is rolled back after the class."""
    with django_db_blocker.unblock(), pytest.MonkeyPatch.context() as patch, transaction.atomic():
        yield seed_on(patch, AUTUMN)
        transaction.set_rollback(True)


@pytest.fixture
def seeded(autumn: str, db: Any) -> str:
    return autumn


def the_cycle() -> BudgetCycle:
    return BudgetCycle.objects.get()


def the_proposal() -> Scenario:
    return Scenario.objects.get(name="Proposal")


def username(user: Any) -> str | None:
    return getattr(user, "username", None)


def changes(scenario: Scenario) -> list[tuple[str, str | None, str | None, str]]:
    rows = scenario.changes.filter(withdrawn__isnull=True).order_by("pk")
    return [(c.kind, getattr(c.department, "code", None), username(c.author), c.summary) for c in rows]


class TestNextYearsBudget:
    """The demo seeded in the budget season: next year is 2027 and next summer's promotion is in the calendar."""

    def test_next_years_cycle_is_in_its_joint_session_with_every_department_at_the_table(self, seeded):
        cycle = the_cycle()

        assert (cycle.fiscal_year, cycle.phase, cycle.name) == (2027, "session", "Budget 2027")
        assert username(cycle.created_by) == "finance.approver"
        assert cycle.proposal_id == the_proposal().pk
        assert set(cycle.participants.values_list("code", flat=True)) == DEPARTMENTS
        assert cycle.returns_handling_cost == Decimal("1.60")
        costs = {c.resource.code: c for c in CapacityCost.objects.filter(cycle=cycle).select_related("resource")}
        assert set(costs) == {"bottling", "drinks-packing", "filling", "foods-packing", "snack-line"}
        for code, cost in costs.items():
            lines = max(1, round(cost.resource.weekly_capacity / 120))
            assert Decimal(45) <= cost.overtime_cost_per_hour <= Decimal(60), code
            # a weekend crew of 40 h on each of the resource's lines, at 2,400 a line
            assert (cost.overtime_limit_pct, cost.shift_hours, cost.shift_cost_per_week) == (
                20,
                40 * lines,
                2400 * lines,
            )
            assert cost.max_extra_shifts in (1, 2), code

    def test_the_proposal_has_a_change_from_marketing_sales_and_operations(self, seeded):
        cycle, proposal = the_cycle(), the_proposal()
        summer = Campaign.objects.get(name="Summer Splash")

        move, target, shift = changes(proposal)
        assert move == ("move_campaign", "marketing", "marketing.planner", "Move Summer Splash +2 weeks")
        assert proposal.changes.get(kind="move_campaign").payload == {"campaign": summer.pk, "weeks": 2}
        assert target[:3] == ("volume_target", "sales", "sales.planner")
        assert target[3].startswith("Volume target Snacks Sep: ")
        assert shift == ("add_shift", "operations", "ops.planner", "Add 1 shift a week on Bottling line Jun-Aug")
        assert proposal.revision == 3
        # sales' target is the back-to-school uplift on the snacks baseline of September, in hundreds
        base = budgeting.scenario_summary(cycle, None)
        snacks = next(f for f in base["families"] if f["code"] == "snacks")
        units = proposal.changes.get(kind="volume_target").payload["units"]
        assert units == round(snacks["baseline"][8] * 1.08, -2)

    def test_the_growth_case_is_the_proposal_with_a_bigger_promotion_and_a_launch(self, seeded):
        cycle = the_cycle()
        aggressive = Scenario.objects.get(cycle=cycle, name="Aggressive growth")

        assert changes(aggressive)[:3] == changes(the_proposal())
        scale, launch = changes(aggressive)[3:]
        assert scale == ("scale_campaign", "marketing", "marketing.planner", "Scale Summer Splash x1.5")
        assert launch[:3] == ("add_campaign", "marketing", "marketing.planner")
        assert launch[3].startswith("Add campaign New-look drinks range launch (2027-04-26 to 2027-08-15, 20 products")
        assert aggressive.revision == 5
        assert list(Scenario.objects.filter(cycle=cycle).order_by("pk").values_list("name", flat=True)) == [
            "Proposal", "Aggressive growth",
        ]  # fmt: skip

    def test_the_proposal_needs_overtime_and_the_growth_case_leaves_an_overload_uncovered(self, seeded):
        cycle, scenario = the_cycle(), the_proposal()
        aggressive = Scenario.objects.get(cycle=cycle, name="Aggressive growth")
        snapshots = PlanSnapshot.objects.count()

        proposal = budgeting.scenario_summary(cycle, scenario)
        growth = budgeting.scenario_summary(cycle, aggressive)
        compared = budgeting.compare(cycle, [None, scenario, aggressive])

        assert PlanSnapshot.objects.count() == snapshots  # the seed computed them all: the pages only read
        assert PlanSnapshot.objects.filter(scenario=scenario, scenario_revision=3).count() == 1
        bottling = next(r for r in proposal["resources"] if r["code"] == "bottling")
        assert any(hours > 0 for hours in bottling["overtime_hours"])
        assert [shifts > 0 for shifts in bottling["planned_shifts"]] == [False] * 5 + [True] * 3 + [False] * 4
        assert proposal["kpis"]["capacity_cost"] > 0
        short = next(r for r in growth["resources"] if r["code"] == "bottling")
        assert max(short["uncovered_hours"]) > 0
        assert growth["kpis"]["uncovered_hours"] > proposal["kpis"]["uncovered_hours"]
        assert [row["name"] for row in compared] == ["Base plan", "Proposal", "Aggressive growth"]
        assert compared[2]["vs_first"]["volume"] > compared[1]["vs_first"]["volume"]

    def test_the_session_has_comments_with_mentions_and_two_decisions(self, seeded):
        cycle = the_cycle()

        comments = Comment.objects.filter(cycle=cycle).order_by("pk")
        assert [
            (username(c.author), getattr(c.scenario, "name", None), c.line,
             sorted(c.mentions.values_list("code", flat=True)))
            for c in comments
        ] == [
            ("ops.planner", "Proposal", "resource:bottling:overtime_hours", ["marketing"]),
            ("sales.planner", "Proposal", "family:snacks:demand", ["operations"]),
            ("finance.planner", "Aggressive growth", "money:capacity_cost", ["marketing", "operations"]),
            ("service.planner", "Proposal", "money:returns_cost", ["customer-service", "warehouse"]),
        ]  # fmt: skip
        decisions = Decision.objects.filter(cycle=cycle).order_by("pk")
        assert [(x.title, sorted(x.departments.values_list("code", flat=True))) for x in decisions] == [
            ("The summer promotion runs two weeks later, into the school holidays",
             ["finance", "marketing", "operations"]),
            ("A weekend crew on the bottling lines from June to August instead of agency staff",
             ["finance", "operations"]),
        ]  # fmt: skip

    def test_finance_and_sales_have_signed_the_proposal_as_it_stands(self, seeded):
        cycle = the_cycle()
        prints = parts.fingerprints(budgeting.scenario_summary(cycle, the_proposal()))

        signoffs = {s.department.code: s for s in SignOff.objects.filter(cycle=cycle).select_related("department")}
        assert {code: s.status for code, s in signoffs.items()} == {
            "finance": "signed", "sales": "signed", "marketing": "pending", "operations": "pending",
            "warehouse": "pending", "customer-service": "pending",
        }  # fmt: skip
        for code in ("finance", "sales"):
            signed = signoffs[code]
            assert (username(signed.signed_by), signed.scenario_revision) == (f"{code}.planner", 3)
            assert signed.fingerprint == prints[code]

    def test_prints_what_the_budget_step_made(self, seeded):
        assert "budget 2027 (session)               1 created          0 found" in seeded
        assert "budget scenario changes             8 created          0 found" in seeded
        assert "budget sign-offs signed             2 created          0 found" in seeded

    def test_seeding_again_changes_nothing(self, seeded):
        def state() -> dict[str, Any]:
            cycle = the_cycle()
            return {
                "cycle": (cycle.revision, cycle.version, cycle.phase),
                "scenarios": list(Scenario.objects.order_by("pk").values_list("name", "revision")),
                "changes": ScenarioChange.objects.count(),
                "costs": CapacityCost.objects.count(),
                "comments": Comment.objects.count(),
                "decisions": Decision.objects.count(),
                "signoffs": list(SignOff.objects.order_by("pk").values_list("status", "fingerprint")),
                "snapshots": PlanSnapshot.objects.count(),
            }

        before = state()
        output = seed()

        assert state() == before
        assert "budget 2027 (session)               0 created          1 found" in output
        assert "budget plan snapshots               0 created          6 found" in output


def test_a_demo_seeded_in_the_spring_first_adds_next_summers_promotion(db, monkeypatch):
    seed_on(monkeypatch, SPRING)
    cycle = the_cycle()
    aggressive = Scenario.objects.get(cycle=cycle, name="Aggressive growth")

    assert cycle.fiscal_year == 2028
    proposal = the_proposal()
    assert [kind for kind, *_ in changes(proposal)] == ["add_campaign", "move_campaign", "volume_target", "add_shift"]
    added, move = changes(proposal)[:2]
    assert added[:3] == ("add_campaign", "marketing", "marketing.planner")
    assert added[3].startswith("Add campaign Summer Splash 2028 (2028-06-26 to 2028-08-06, 14 products")
    added_id = -proposal.changes.get(kind="add_campaign").pk
    assert proposal.changes.get(kind="move_campaign").payload["campaign"] == added_id
    assert move[3] == "Move Summer Splash 2028 +2 weeks"
    # the growth case scales its own copy of the added promotion
    copy_id = -aggressive.changes.filter(kind="add_campaign").order_by("pk")[0].pk
    assert aggressive.changes.get(kind="scale_campaign").payload["campaign"] == copy_id
    growth = budgeting.scenario_summary(cycle, aggressive)
    assert max(next(r for r in growth["resources"] if r["code"] == "bottling")["uncovered_hours"]) > 0
