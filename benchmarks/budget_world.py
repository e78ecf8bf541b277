"""A company of N SKUs with next year's budget open in its joint session, built in seconds for the budget
benchmark (the full `seed_demo` takes minutes at 10,000 SKUs: it publishes MPS revisions, projects every
warehouse and imports a year of returns, none of which the budget reads).

`seed_demo --master-data-only` makes the company (products, a 104-week forecast, plants, warehouses, people);
then, like the demo but in bulk: five plant resources with a bill of capacity and an MPS item per product, 60
approved campaigns over the year (one is "Summer Splash", the one the benchmark moves), every product assigned
to one or two of the three DCs, and the budget cycle through the budgeting services: all departments at the
table, what extra hours cost on every resource (the demo's rates), and a proposal already holding five changes
(a launch, a bigger and a dropped campaign, a volume target, an extra shift). Line capacity is sized from the
budget's own base plan, as the demo sizes it from the MPS: the 88th percentile of each line's weekly load.
No returns history: return rates are zero (the returns read still runs, over no rows).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import numpy as np

CAMPAIGNS = 60
LINES_PER_CAMPAIGN = 25
CAPACITY_PERCENTILE = 88
HERO = "Summer Splash"


@dataclass(frozen=True)
class World:
    cycle: Any  # BudgetCycle
    proposal: Any  # Scenario
    hero: Any  # Campaign
    marketer: Any  # the demo's marketing planner
    items: int
    campaigns: int


def build(skus: int, today: date, seed: int = 2027) -> World:
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from sop_portal.masterdata.models import Product

    with open(os.devnull, "w") as quiet:
        call_command("seed_demo", skus=skus, quiet=True, master_data_only=True, stdout=quiet)
    rng = np.random.default_rng(seed)
    products = list(Product.objects.select_related("family").order_by("pk"))
    users = {u.username: u for u in get_user_model().objects.filter(username__contains=".")}
    year = today.year + 1
    items = _production(products, today, rng)
    hero = _campaigns(products, year, users["marketing.planner"], rng)
    _warehouses(products)
    cycle, proposal = _budget(year, users, products, rng)
    return World(cycle, proposal, hero, users["marketing.planner"], items, CAMPAIGNS)


def _production(products: list[Any], today: date, rng: np.random.Generator) -> int:
    from production import services as production
    from production.models import MpsItem, Plant
    from sop_portal.demo.mps import PLANT_OF_FAMILY, RESOURCES
    from sop_portal.masterdata.series import baseline_forecast
    from sop_portal.masterdata.weeks import week_start

    plants = {p.code: p for p in Plant.objects.all()}
    resources = {}
    for family, rows in RESOURCES.items():
        for code, name, _, _ in rows:
            if code not in resources:
                plant = plants[PLANT_OF_FAMILY[family]]
                resources[code] = production.create_resource(plant=plant, code=code, name=name, weekly_capacity=1)
    weekly = baseline_forecast([p.pk for p in products], week_start(today), 13).mean(axis=1)
    run_hours = np.round(rng.uniform(0.004, 0.012, len(products)), 4)
    production.set_bill_of_capacity(
        (p.pk, resources[code].pk, float(run_hours[i] * share), setup)
        for i, p in enumerate(products)
        for code, _, share, setup in RESOURCES[p.family.code]
    )
    rules = rng.choice(
        ["lot_for_lot", "fixed", "period_order_quantity", "eoq"], size=len(products), p=[0.45, 0.2, 0.25, 0.1]
    )
    items = []
    for i, p in enumerate(products):
        lot = float(max(np.ceil(weekly[i] * 2 / 100) * 100, 100))
        items.append(
            MpsItem(
                product=p, plant=plants[PLANT_OF_FAMILY[p.family.code]], safety_stock=float(np.round(weekly[i] * 0.5)),
                lead_time=1, lot_rule=rules[i], lot_qty=lot if rules[i] in ("fixed", "eoq") else 0,
                poq_periods=2 if rules[i] == "period_order_quantity" else 1,
                lot_multiple=12 if p.family.code == "beverages" else 1,
            )
        )  # fmt: skip
    return production.create_mps_items(items)


def _campaigns(products: list[Any], year: int, owner: Any, rng: np.random.Generator) -> Any:
    from campaigns.models import Campaign, CampaignProduct, CampaignStatus
    from sop_portal.budgeting.base_inputs import fiscal_weeks
    from sop_portal.organisation.models import Department

    # Approved campaigns written as rows (the campaign services would run the MPS pipeline for each approval).
    first_week, weeks = fiscal_weeks(year)
    marketing = Department.objects.get(code="marketing")
    by_family: dict[str, list[Any]] = {}
    for p in products:
        by_family.setdefault(p.family.code, []).append(p)
    families = sorted(by_family)
    hero = None
    lines = []
    for k in range(CAMPAIGNS):
        start = first_week + timedelta(weeks=26 if k == 0 else int(rng.integers(0, weeks - 6)))
        campaign = Campaign.objects.create(
            name=HERO if k == 0 else f"Campaign {k:02d}", owner=owner, owner_department=marketing,
            start_date=start, end_date=start + timedelta(weeks=int(rng.integers(2, 7)), days=-1),
            status=CampaignStatus.APPROVED, budget=Decimal(int(rng.integers(10, 150)) * 1000),
        )  # fmt: skip
        hero = hero or campaign
        family = by_family["beverages" if k == 0 else families[k % len(families)]]
        picked = rng.choice(len(family), size=min(LINES_PER_CAMPAIGN, len(family)), replace=False)
        lines += [
            CampaignProduct(campaign=campaign, product=family[int(i)], uplift_value=float(rng.integers(15, 50)))
            for i in picked
        ]
    CampaignProduct.objects.bulk_create(lines, batch_size=5000)
    return hero


def _warehouses(products: list[Any]) -> None:
    from fulfillment.models import Assignment, Warehouse
    from sop_portal.demo.warehouses import SPLIT

    # Assignments written as rows: the fulfillment service would project every warehouse right away.
    warehouses = {w.code: w for w in Warehouse.objects.all()}
    Warehouse.objects.update(
        inbound_capacity=400_000, outbound_capacity=400_000, storage_capacity=30_000, labour_capacity=8_000,
        pick_rate=110, receive_rate=400,
    )  # fmt: skip
    rows = []
    for p in products:
        split, per_case, per_pallet = SPLIT[p.family.code]
        rows += [
            Assignment(product=p, warehouse=warehouses[code], share_pct=share, units_per_case=per_case,
                       units_per_pallet=per_pallet)
            for code, share in split
        ]  # fmt: skip
    Assignment.objects.bulk_create(rows, batch_size=5000)


def _budget(year: int, users: dict[str, Any], products: list[Any], rng: np.random.Generator) -> tuple[Any, Any]:
    from production import services as production
    from production.models import Resource
    from sop_portal.budgeting import services as budgeting
    from sop_portal.budgeting.base_inputs import base_inputs
    from sop_portal.budgeting.models import Phase, Scenario
    from sop_portal.budgeting.planning.plan import compute
    from sop_portal.demo.budget import COSTS, DEFAULT_COST, LINE_HOURS, SHIFT_COST, SHIFT_HOURS
    from sop_portal.organisation.models import Department

    finance = users["finance.approver"]
    cycle = budgeting.create_cycle(year, Department.objects.all(), finance, returns_handling_cost="1.60")
    # Size each line from the base plan's own load (the lines were created with 1 h a week).
    inputs = base_inputs(cycle)
    load = compute(inputs).resource_load
    for j, code in enumerate(inputs.production.resource_codes):
        resource = Resource.objects.get(code=code)
        production.update_resource(
            resource, weekly_capacity=float(np.ceil(np.percentile(load[j], CAPACITY_PERCENTILE)))
        )
    for resource in Resource.objects.order_by("code"):
        rate, most = COSTS.get(resource.code, DEFAULT_COST)
        lines = max(1, round(resource.weekly_capacity / LINE_HOURS))
        budgeting.set_capacity_cost(
            cycle, resource, finance, overtime_cost_per_hour=rate, shift_hours=SHIFT_HOURS * lines,
            shift_cost_per_week=SHIFT_COST * lines, max_extra_shifts=most,
        )  # fmt: skip
    budgeting.move_phase(cycle, Phase.SESSION, finance)
    proposal = Scenario.objects.get(cycle=cycle, name=budgeting.PROPOSAL)
    campaigns = [int(i) for i in base_inputs(cycle).campaigns.ids]
    drinks = [p.sku for p in products if p.family.code == "beverages"]
    launch = [drinks[int(i)] for i in rng.choice(len(drinks), size=min(40, len(drinks)), replace=False)]
    start = cycle.first_week + timedelta(weeks=18)
    agreed = [
        {"kind": "add_campaign", "department": "marketing", "payload": {
            "name": "Energy drinks launch", "start": start.isoformat(),
            "end": (start + timedelta(weeks=10, days=-1)).isoformat(), "budget": 90_000,
            "lines": [{"sku": sku, "uplift_kind": "percent", "uplift_value": 35, "profile": "ramp_up"}
                      for sku in launch],
        }},
        {"kind": "scale_campaign", "department": "marketing", "payload": {"campaign": campaigns[3], "factor": 1.5}},
        {"kind": "drop_campaign", "department": "marketing", "payload": {"campaign": campaigns[5]}},
        {"kind": "volume_target", "department": "sales", "payload": {"family": "snacks", "month": 9, "units": 250_000}},
        {"kind": "add_shift", "department": "operations",
         "payload": {"resource": "bottling", "from_month": 6, "to_month": 8, "shifts": 1}},
    ]  # fmt: skip
    budgeting.add_changes(proposal, agreed, None, what="The proposal as agreed so far")
    cycle.refresh_from_db()
    proposal.refresh_from_db()
    return cycle, proposal
