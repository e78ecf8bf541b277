"""Next year's budget, prepared and half-way through its joint session: something for the room to argue about.

The cycle is for the calendar year after the demo's today. Finance has set the table (all six departments), the
returns handling cost and what extra hours cost on every plant resource. The proposal holds a change from three
departments: marketing moves the summer drinks promotion two weeks later, into the school holidays; sales sets a
back-to-school volume target for snacks; operations adds a weekend crew on the bottling line for the summer. The
proposal still needs overtime. "Aggressive growth" starts from the proposal, scales the summer promotion x1.5
and adds a drinks range launch: the bottling line runs out of overtime and shifts, an overload no money covers.
Four comments mention departments, two decisions are logged, and finance and sales have signed; the others not.

When the campaign calendar does not reach next summer yet (a demo seeded in the spring), the proposal first adds
next summer's promotion, as marketing would at the preparation.

The demo's resources are halls of parallel lines (their capacity is sized from the load, so it grows with the
catalogue): a line's normal week is three 8-hour shifts Monday to Friday (120 h), and an extra shift is a 40-hour
weekend crew on every line, paid per line. So an extra shift is the same share of a resource at 60 SKUs as at
10,000.

Everything is written through the budgeting services, as finance and the planners would. The fiscal year is the
natural key: when its cycle exists (seeded before, or opened by someone since) nothing is touched.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import numpy as np
from django.contrib.auth import get_user_model

from production.models import Resource
from sop_portal.budgeting import deltas as delta_terms
from sop_portal.budgeting import services as budgeting
from sop_portal.budgeting.base_inputs import base_inputs
from sop_portal.budgeting.figures import evaluate
from sop_portal.budgeting.models import (
    BudgetCycle,
    CapacityCost,
    ChangeKind,
    Comment,
    Decision,
    Phase,
    PlanSnapshot,
    Scenario,
    ScenarioChange,
    SignOff,
    SignOffStatus,
)
from sop_portal.budgeting.planning import deltas as planning_deltas
from sop_portal.budgeting.planning.inputs import YearInputs
from sop_portal.budgeting.planning.plan import compute
from sop_portal.budgeting.planning.summary import month_matrix
from sop_portal.masterdata.weeks import week_start
from sop_portal.organisation import departments as d
from sop_portal.organisation.models import Department

from .campaigns import HERO
from .run import Outcome, SeedRun

AGGRESSIVE = "Aggressive growth"
RETURNS_HANDLING_COST = "1.60"  # receiving, inspecting and booking one returned unit
# resource → (overtime cost per hour, most automatic extra shifts a week); a resource not listed: DEFAULT_COST
COSTS = {
    "bottling": (55, 1),
    "drinks-packing": (48, 2),
    "filling": (52, 2),
    "foods-packing": (45, 2),
    "snack-line": (58, 1),
}
DEFAULT_COST = (50, 1)
OVERTIME_LIMIT_PCT = 20
LINE_HOURS = 120  # a line's normal week
SHIFT_HOURS = 40  # a weekend crew on one line
SHIFT_COST = 2_400  # a weekend crew on one line, per week

# Next summer's promotion when the calendar has none yet: as the calendar plans this one, on the best sellers.
HERO_PRODUCTS = 14
HERO_UPLIFT_PCT = 45
HERO_BUDGET = 120_000
HERO_MOVE_WEEKS = 2
VOLUME_TARGET = ("snacks", 9, 1.08)  # family, month, the family's baseline that month x this
EXTRA_SHIFT = ("bottling", 6, 8)  # resource, from month, to month: one planned shift a week
GROWTH_FACTOR = 1.5

# The launch: the drinks after the promotion's, ramping up over May to August.
LAUNCH_PRODUCTS = 20
LAUNCH_WEEKS = 16
LAUNCH_BUDGET = 90_000
# Its uplift at full ramp is the first of these that leaves the bottling line short (see _overloading_launch):
# short means some week lacks a tenth of the line's normal hours after every hour of overtime and every shift.
LAUNCH_UPLIFTS = (35, 60, 100, 150, 200)
SHORT_SHARE = 0.1
TRIAL_CHANGE = 2**31 - 1  # the id of a launch tried in memory (no stored change has it)


def seed_budget(run: SeedRun) -> list[Outcome]:
    year = run.options.today.year + 1
    found = BudgetCycle.objects.filter(fiscal_year=year).first()
    if found is not None:
        return _outcomes(found, created=False)
    users = {u.username: u for u in get_user_model().objects.filter(username__contains=".")}
    finance = users.get("finance.approver")
    cycle = budgeting.create_cycle(
        year, Department.objects.order_by("sort_order", "name"), finance, returns_handling_cost=RETURNS_HANDLING_COST
    )
    for resource in Resource.objects.order_by("code"):
        rate, most = COSTS.get(resource.code, DEFAULT_COST)
        lines = max(1, round(resource.weekly_capacity / LINE_HOURS))
        budgeting.set_capacity_cost(
            cycle, resource, finance, overtime_cost_per_hour=rate, overtime_limit_pct=OVERTIME_LIMIT_PCT,
            shift_hours=SHIFT_HOURS * lines, shift_cost_per_week=SHIFT_COST * lines, max_extra_shifts=most,
        )  # fmt: skip
    cycle.refresh_from_db()
    proposal = _proposal(cycle, users)
    budgeting.move_phase(cycle, Phase.SESSION, finance)
    aggressive = _aggressive(cycle, proposal, users)
    _talk(cycle, proposal, aggressive, users)
    budgeting.scenario_summary(cycle, None)  # the base plan's column on the compare page
    for department, planner in ((d.FINANCE, "finance.planner"), (d.SALES, "sales.planner")):
        if planner in users:
            budgeting.sign_off(cycle, department, users[planner])
    cycle.refresh_from_db()
    return _outcomes(cycle, created=True)


# --- the scenarios ----------------------------------------------------------------------------------------------


def _proposal(cycle: BudgetCycle, users: dict[str, Any]) -> Scenario:
    """A change from marketing, sales and operations. A catalogue too small for one of them (no drinks, no
    snacks: `--skus 2`) just goes without it."""
    proposal = Scenario.objects.get(cycle=cycle, name=budgeting.PROPOSAL)
    inputs = base_inputs(cycle)
    hero = _live_hero(cycle, inputs)
    if hero is None and _ranked(inputs, "beverages"):
        added = _change(proposal, ChangeKind.ADD_CAMPAIGN, _summer_promotion(cycle, inputs), users, d.MARKETING)
        hero = -added.pk
    if hero is not None:
        move = {"campaign": hero, "weeks": HERO_MOVE_WEEKS}
        _change(proposal, ChangeKind.MOVE_CAMPAIGN, move, users, d.MARKETING,
                note="Into the school holidays, when families stock up")  # fmt: skip
    family, month, factor = VOLUME_TARGET
    if _ranked(inputs, family):
        target = {
            "family": family,
            "month": month,
            "units": round(_family_baseline(inputs, family, month) * factor, -2),
        }
        _change(proposal, ChangeKind.VOLUME_TARGET, target, users, d.SALES,
                note="Back-to-school listings agreed with two grocers")  # fmt: skip
    resource, first, last = EXTRA_SHIFT
    if resource in inputs.production.resource_codes:
        shift = {"resource": resource, "from_month": first, "to_month": last, "shifts": 1}
        _change(proposal, ChangeKind.ADD_SHIFT, shift, users, d.OPERATIONS, note="A weekend crew for the summer peak")
    proposal.refresh_from_db()
    return proposal


def _aggressive(cycle: BudgetCycle, proposal: Scenario, users: dict[str, Any]) -> Scenario:
    scenario = budgeting.create_scenario(
        cycle, AGGRESSIVE, users.get("marketing.approver"), copy_from=proposal,
        description="The proposal with a bigger summer promotion and a new-look drinks range",
    )  # fmt: skip
    moved = scenario.changes.filter(kind=ChangeKind.MOVE_CAMPAIGN).first()
    if moved is not None:
        scale = {"campaign": moved.payload["campaign"], "factor": GROWTH_FACTOR}
        _change(scenario, ChangeKind.SCALE_CAMPAIGN, scale, users, d.MARKETING)
    if _launch(cycle, LAUNCH_UPLIFTS[0])["lines"]:
        launch = _overloading_launch(cycle, Scenario.objects.get(pk=scenario.pk))
        _change(scenario, ChangeKind.ADD_CAMPAIGN, launch, users, d.MARKETING)
    scenario.refresh_from_db()
    return scenario


def _change(
    scenario: Scenario, kind: str, payload: dict[str, Any], users: dict[str, Any], department: str, note: str = ""
) -> ScenarioChange:
    """One change by the department's demo planner."""
    login = {d.OPERATIONS: "ops", d.CUSTOMER_SERVICE: "service"}.get(department, department)
    return budgeting.add_change(scenario, kind, payload, users.get(f"{login}.planner"), department, note=note)


def _live_hero(cycle: BudgetCycle, inputs: YearInputs) -> int | None:
    """The calendar's summer promotion, if it starts in the budget year."""
    book = inputs.campaigns
    for row, name in enumerate(book.names):
        if name == HERO and 0 <= int(book.start[row]) < cycle.weeks:
            return int(book.ids[row])
    return None


def _ranked(inputs: YearInputs, family: str) -> list[str]:
    """SKUs of a family, the biggest baseline over the year first."""
    catalogue = inputs.catalogue
    if family not in catalogue.family_codes:
        return []
    rows = np.flatnonzero(catalogue.family == catalogue.family_codes.index(family)).tolist()
    volume = dict(zip(rows, inputs.baseline[rows].sum(axis=1).tolist(), strict=True))
    return [catalogue.skus[r] for r in sorted(rows, key=lambda r: (-volume[r], r))]


def _family_baseline(inputs: YearInputs, family: str, month: int) -> float:
    rows = inputs.catalogue.family == inputs.catalogue.family_codes.index(family)
    return float((inputs.baseline[rows] @ month_matrix(inputs.calendar))[:, month - 1].sum())


def _monday(cycle: BudgetCycle, month: int, day: int) -> date:
    return max(week_start(date(cycle.fiscal_year, month, day)), cycle.first_week)


def _summer_promotion(cycle: BudgetCycle, inputs: YearInputs) -> dict[str, Any]:
    start = _monday(cycle, 7, 1)
    return {
        "name": f"{HERO} {cycle.fiscal_year}", "start": start.isoformat(),
        "end": (start + timedelta(weeks=6, days=-1)).isoformat(), "budget": HERO_BUDGET,
        "lines": [{"sku": sku, "uplift_kind": "percent", "uplift_value": HERO_UPLIFT_PCT, "profile": "flat"}
                  for sku in _ranked(inputs, "beverages")[:HERO_PRODUCTS]],
    }  # fmt: skip


def _launch(cycle: BudgetCycle, uplift_pct: float) -> dict[str, Any]:
    drinks = _ranked(base_inputs(cycle), "beverages")
    # a small catalogue has no drinks after the promotion's: its smaller half then
    skus = drinks[HERO_PRODUCTS : HERO_PRODUCTS + LAUNCH_PRODUCTS] or drinks[len(drinks) // 2 :]
    start = _monday(cycle, 5, 1)
    return {
        "name": "New-look drinks range launch", "start": start.isoformat(),
        "end": (start + timedelta(weeks=LAUNCH_WEEKS, days=-1)).isoformat(), "budget": LAUNCH_BUDGET,
        "lines": [{"sku": sku, "uplift_kind": "percent", "uplift_value": uplift_pct, "profile": "ramp_up"}
                  for sku in skus],
    }  # fmt: skip


def _overloading_launch(cycle: BudgetCycle, scenario: Scenario) -> dict[str, Any]:
    """The launch at the smallest of LAUNCH_UPLIFTS that leaves the bottling line short in `scenario`.

    How much room overtime and shifts leave in the summer depends on the catalogue and on the day the demo is
    seeded (line capacity is sized from the live plan's own load), so the launch is tried in memory on the
    scenario's plan, as the services will compute it, before the one change is written."""
    applied = evaluate(cycle, scenario).inputs
    rows = delta_terms.Rows.of(applied)
    line = rows.resource.get(EXTRA_SHIFT[0], 0)
    normal = applied.production.capacity[line]
    payload: dict[str, Any] = {}
    for uplift in LAUNCH_UPLIFTS:
        payload = _launch(cycle, uplift)
        trial = ScenarioChange(pk=TRIAL_CHANGE, kind=ChangeKind.ADD_CAMPAIGN, payload=payload, summary=payload["name"])
        plan = compute(planning_deltas.apply(applied, [delta_terms.to_delta(trial, cycle.first_week, rows)]))
        if (plan.uncovered[line] >= SHORT_SHARE * normal).any():
            break
    return payload


# --- the session's talk -----------------------------------------------------------------------------------------


COMMENTS = [
    ("ops.planner", "proposal", "resource:bottling:overtime_hours",
     "Two weeks later puts the promotion on top of the holiday peak: even with the weekend crew the bottling "
     "lines need overtime in July and August. @marketing could the two-for-one run on fewer products?"),
    ("sales.planner", "proposal", "family:snacks:demand",
     "The September target is the back-to-school listings agreed with Tesco and Asda. @operations the snack line "
     "is close to full that month, please check it holds."),
    ("finance.planner", "aggressive", "money:capacity_cost",
     "The growth case buys every hour of overtime and every shift the bottling hall can run and is still short "
     "in the summer. @marketing @operations we cannot sign a plan the plant cannot make."),
    ("service.planner", "proposal", "money:returns_cost",
     "Two-for-one packs come back damaged in transit more than anything else. @warehouse can the summer volume "
     "go out on full pallets? @customer-service staffs the returns desk for August."),
]  # fmt: skip
DECISIONS = [
    ("marketing.approver", "The summer promotion runs two weeks later, into the school holidays",
     "Families stock up for the holidays; the later start sells more than the extra overtime costs.",
     [d.MARKETING, d.OPERATIONS, d.FINANCE]),
    ("ops.approver", "A weekend crew on the bottling lines from June to August instead of agency staff",
     "Overtime alone cannot cover the summer peak, and a crew costs less than agency hours.",
     [d.OPERATIONS, d.FINANCE]),
]  # fmt: skip


def _talk(cycle: BudgetCycle, proposal: Scenario, aggressive: Scenario, users: dict[str, Any]) -> None:
    on = {"proposal": proposal, "aggressive": aggressive}
    for who, scenario, line, body in COMMENTS:
        budgeting.add_comment(cycle, line, body, users.get(who), scenario=on[scenario])
    for who, title, rationale, involved in DECISIONS:
        budgeting.record_decision(
            cycle, title, users.get(who), rationale=rationale, departments=involved, scenario=proposal
        )


# --- what the step reports --------------------------------------------------------------------------------------


def _outcomes(cycle: BudgetCycle, *, created: bool) -> list[Outcome]:
    counts = [
        (f"budget {cycle.fiscal_year} ({cycle.phase})", 1),
        ("budget capacity costs", CapacityCost.objects.filter(cycle=cycle).count()),
        ("budget scenarios", Scenario.objects.filter(cycle=cycle).count()),
        ("budget scenario changes", ScenarioChange.objects.filter(scenario__cycle=cycle).count()),
        ("budget comments", Comment.objects.filter(cycle=cycle).count()),
        ("budget decisions", Decision.objects.filter(cycle=cycle).count()),
        ("budget sign-offs signed", SignOff.objects.filter(cycle=cycle, status=SignOffStatus.SIGNED).count()),
        ("budget plan snapshots", PlanSnapshot.objects.filter(cycle=cycle).count()),
    ]
    return [Outcome(what, n, 0) if created else Outcome(what, 0, n) for what, n in counts]
