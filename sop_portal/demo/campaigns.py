"""The demo's campaign calendar: a year of promotions, a launch, a price change, advertising and an event, in
every status, owned by the marketing and sales demo planners and approved by the approvers.

Dates follow the seasons from the current week: the summer drinks promotion lands in the next summer, the
Christmas snacks promotion before the next Christmas (live if it has started). Campaigns are made through the
campaign services, like a planner would, and the pipeline is then run at once (not left for commit) so the MPS
reflects them when the seed finishes. The summer promotion goes through it on its own, after the others: its
revision, and the overload alert on the bottling line, name it alone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
from django.contrib.auth import get_user_model

from campaigns import pipeline
from campaigns import services as campaigns
from campaigns.models import Campaign
from sop_portal.jobs.models import Job
from sop_portal.jobs.runner import run_job
from sop_portal.masterdata.models import Product
from sop_portal.masterdata.weeks import week_start
from sop_portal.organisation.models import Department

from .catalogue import ACTIVE, PHASE_OUT, PLANNED
from .run import Outcome, SeedRun

# The campaign that overloads a line in the demo (see the module docstring).
HERO = "Summer Splash"

# status → the transitions that lead there from draft
PATH = {
    "draft": [],
    "proposed": ["submit"],
    "approved": ["submit", "approve"],
    "live": ["submit", "approve", "go_live"],
    "closed": ["submit", "approve", "go_live", "close"],
    "cancelled": ["submit", "cancel"],
}


@dataclass
class Plan:
    """One demo campaign: what it is, when, who, and how its product lines are chosen."""

    name: str
    type: str
    status: str
    start: date
    weeks: int
    owner: str  # demo username
    approver: str
    department: str
    lines: Callable[[SeedRun, np.random.Generator], list[dict[str, Any]]]
    channel: str = ""
    region: str = "UK"
    budget: int = 0
    description: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def end(self) -> date:
        return self.start + timedelta(weeks=self.weeks, days=-1)


def _next(first_week: date, month: int, day: int) -> date:
    """Monday of the week of the next `day` of `month` that has not started yet."""
    for year in (first_week.year, first_week.year + 1):
        monday = week_start(date(year, month, day))
        if monday > first_week:
            return monday
    raise AssertionError("unreachable")


def _products(run: SeedRun, family: str, statuses: tuple[str, ...] = (ACTIVE,)) -> list[tuple[str, float]]:
    """(sku, weekly forecast over the next quarter) of a family's products, biggest sellers first."""
    rows = [
        (spec.sku, float(run.demand.forecast[i, :13].mean()))
        for i, spec in enumerate(run.catalogue)
        if spec.family_code == family and spec.status in statuses
    ]
    return sorted(rows, key=lambda row: (-row[1], row[0]))


def _top(
    family: str, count: int, skip: int = 0, **line: Any
) -> Callable[[SeedRun, np.random.Generator], list[dict[str, Any]]]:
    """Lines on a family's biggest sellers (from the `skip`-th on), each uplift varied a little."""

    def lines(run: SeedRun, rng: np.random.Generator) -> list[dict[str, Any]]:
        picked = _products(run, family)[skip : skip + count]
        out = []
        for sku, _ in picked:
            value = line.get("uplift_value", 0)
            wobble = float(rng.uniform(0.85, 1.15)) if line.get("uplift_kind", "percent") == "percent" else 1.0
            out.append({**line, "sku": sku, "uplift_value": round(value * wobble)})
        return out

    return lines


def _launch(run: SeedRun, rng: np.random.Generator) -> list[dict[str, Any]]:
    """The next planned drink, replacing a phase-out (or a slow seller) of the same family."""
    new = _products(run, "beverages", (PLANNED,))
    old = _products(run, "beverages", (PHASE_OUT,)) or _products(run, "beverages")[-1:]
    if not new or not old:
        return []
    # A quarter of the best seller's rate at full ramp: a launch that matters, not one that doubles the line.
    rate = max(round(_products(run, "beverages")[0][1] * 0.25, -1), 50)
    return [{"sku": new[0][0], "uplift_kind": "units", "uplift_value": rate, "profile": "ramp_up",
             "predecessor_sku": old[0][0], "transfer_pct": 40}]  # fmt: skip


def _launch_start(run: SeedRun) -> date:
    """The launch campaign starts on the week the planned drink launches (or in six weeks)."""
    planned = [s for s in run.catalogue if s.family_code == "beverages" and s.status == PLANNED]
    ranked = {sku: i for i, (sku, _) in enumerate(_products(run, "beverages", (PLANNED,)))}
    planned.sort(key=lambda s: ranked.get(s.sku, 0))
    return week_start(planned[0].launch_date) if planned else run.first_week + timedelta(weeks=6)


def plans(run: SeedRun) -> list[Plan]:
    w = run.first_week
    christmas = _next(w - timedelta(weeks=4), 12, 1)  # this December's, while it is still running
    marketing, sales = "marketing.planner", "sales.planner"
    return [
        Plan("Christmas Snack Fest", "promotion", "live" if christmas <= w else "approved", christmas, 4, marketing,
             "sales.approver", "marketing", _top("snacks", 8, uplift_value=30, prebuy_pct=10, prebuy_weeks=1,
                                                dip_pct=8, dip_weeks=2), channel="retail", budget=85_000,
             description="Multibuy on crisps, nuts and chocolate across the big four grocers for the Christmas weeks."),
        Plan("Fizzwell TV spot", "advertising", "live", w - timedelta(weeks=2), 8, marketing, "ops.approver",
             "marketing", _top("beverages", 4, skip=6, uplift_value=45, profile="peak_and_decay", decay_weeks=2),
             budget=140_000, description="Prime-time TV and catch-up video; the lift wears off after the first weeks."),
        Plan("Autumn crisps promotion", "promotion", "closed", w - timedelta(weeks=9), 4, sales, "ops.approver",
             "sales", _top("snacks", 5, skip=8, uplift_value=20, dip_pct=5, dip_weeks=2), channel="retail",
             budget=30_000),
        Plan("New Year detox waters", "promotion", "cancelled", _next(w, 1, 4), 4, marketing, "sales.approver",
             "marketing", _top("beverages", 3, skip=10, uplift_value=25), budget=20_000,
             description="Dropped: the budget went to the summer promotion."),
        Plan("Spring price increase, Personal Care", "price_change", "proposed", _next(w, 3, 1), 12, sales,
             "sales.approver", "sales", _top("personal-care", 6, uplift_value=-6), budget=0,
             description="List prices up 4 %; volume expected to soften by about 6 %."),
        Plan("Easter multipack deal", "promotion", "proposed", _next(w, 3, 23), 3, sales, "sales.approver", "sales",
             _top("snacks", 4, skip=2, uplift_value=25, prebuy_pct=15, prebuy_weeks=1), channel="retail",
             budget=24_000),
        Plan("Brightwater iced tea launch", "launch", "approved", _launch_start(run), 10, marketing, "ops.approver",
             "marketing", _launch, budget=60_000,
             description="New flavour replaces the one being phased out; listings agreed with two grocers."),
        Plan("Wimbledon hydration", "event", "proposed", _next(w, 6, 29), 2, marketing, "ops.approver", "marketing",
             _top("beverages", 3, skip=3, uplift_value=50), channel="retail", region="London and South East",
             budget=35_000),
        Plan("Summer BBQ snacks", "promotion", "draft", _next(w, 6, 1), 4, marketing, "ops.approver", "marketing",
             _top("snacks", 5, uplift_value=20, halo_pct=2), channel="retail", budget=28_000),
        Plan("Online shower gel bundle", "promotion", "draft", _next(w, 5, 4), 6, sales, "sales.approver", "sales",
             _top("personal-care", 3, uplift_value=120, uplift_kind="units"), channel="online",
             region="UK online", budget=12_000),
        Plan("Back to school lunchbox", "promotion", "draft", _next(w, 8, 24), 3, marketing, "ops.approver",
             "marketing", _top("snacks", 4, skip=4, uplift_value=18), channel="retail", budget=18_000),
        Plan(HERO, "promotion", "approved", _next(w, 7, 1), 6, marketing, "ops.approver", "marketing",
             _top("beverages", 14, uplift_value=45, prebuy_pct=10, prebuy_weeks=2, dip_pct=10, dip_weeks=2,
                  halo_pct=3), channel="retail", budget=120_000,
             description="Two for one on the best-selling drinks in every big grocer for the six summer weeks."),
    ]  # fmt: skip


def seed_campaigns(run: SeedRun) -> list[Outcome]:
    existing = set(Campaign.objects.values_list("name", flat=True))
    rng = run.rng("campaigns")
    users = {u.username: u for u in get_user_model().objects.filter(username__contains=".")}
    departments = {d.code: d for d in Department.objects.all()}
    products = {p.sku: p for p in Product.objects.filter(sku__in=[s.sku for s in run.catalogue])}
    created = revisions = 0
    wanted = plans(run)
    for batch in ([p for p in wanted if p.name != HERO], [p for p in wanted if p.name == HERO]):
        for plan in batch:
            lines = plan.lines(run, rng)  # drawn for every plan, so one missing campaign leaves the rest as they were
            if plan.name in existing or plan.owner not in users:
                continue
            resolved = _resolve(lines, products)
            if not resolved:
                continue
            _create(plan, resolved, users, departments)
            created += 1
        revisions += _run_pipeline_now()
    return [
        Outcome("campaigns", created, sum(plan.name in existing for plan in wanted)),
        Outcome("campaign MPS revisions", revisions, 0),
    ]


def _resolve(lines: list[dict[str, Any]], products: dict[str, Product]) -> list[dict[str, Any]]:
    out = []
    for line in lines:
        product = products.get(line["sku"])
        predecessor = products.get(line.get("predecessor_sku", ""))
        if product is None:
            continue
        values = {k: v for k, v in line.items() if k not in ("sku", "predecessor_sku")}
        out.append({**values, "product": product, "predecessor": predecessor})
    return out


def _create(plan: Plan, lines: list[dict[str, Any]], users: dict[str, Any], departments: dict[str, Any]) -> None:
    owner = users[plan.owner]
    campaign = campaigns.create_campaign(
        actor=owner, name=plan.name, type=plan.type, channel=plan.channel, region=plan.region,
        description=plan.description, owner_department=departments[plan.department], budget=Decimal(plan.budget),
        spend=Decimal(plan.budget * 0.9 if plan.status == "closed" else 0).quantize(Decimal(1)),
        start_date=plan.start, end_date=plan.end, lines=lines,
    )  # fmt: skip
    approver = users.get(plan.approver, owner)
    for action in PATH[plan.status]:
        actor = approver if action == "approve" else (None if action in ("go_live", "close") else owner)
        campaign = campaigns.transition(campaign, action, actor=actor)


def _run_pipeline_now() -> int:
    """Run the queued campaign pipeline job here and now, as a worker would; its on-commit message then finds
    it done. Returns the number of revisions published."""
    published = 0
    for job_id in Job.objects.filter(kind="campaigns.pipeline", status=Job.Status.QUEUED).values_list("pk", flat=True):
        result = run_job(str(job_id), pipeline.run_pipeline)
        published += 1 if result and result.get("revision") else 0
    return published
