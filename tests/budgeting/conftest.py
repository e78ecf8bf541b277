"""A tiny company planning its 2027 budget (fiscal year 2027: 52 ISO weeks from Monday 4 January 2027).

TODAY is Wednesday 7 October 2026: the returns history behind the return rates is the 52 order weeks before
Monday 5 October 2026.

    families   Beverages (bev): BEV-1 (price 2.00, cost 1.00), BEV-2 (3.00 / 1.50); Snacks (snk): SNK-1 (1.50 / 0.50)
    forecast   BEV-1 100 a week, BEV-2 50 a week, SNK-1 20 a week to week 25 and 40 from week 26 (index from 0)
    campaigns  'New Year push' approved 14-27 Dec 2026 (weeks -3..-2): BEV-2 +20 %, then a 20 % dip for 3 weeks
               'Summer Splash' approved 5-25 Jul 2027 (weeks 26..28): BEV-1 +50 %, halo 10 % on BEV-2
               not counted: 'Autumn 2026' (ends before the year, no dip), 'Draft idea' (a draft in 2027)
    plant      north: bottling 100 h a week (50 h in 2027-W10), packing 200 h; BEV-1 0.5 h/unit + 2 h a lot,
               BEV-2 1 h/unit on bottling; MPS items BEV-1 (safety stock 10) and BEV-2, SNK-1 bought in
    costs      bottling: overtime 30/h up to 20 %, shifts of 40 h at 2,000 a week, at most 1; packing: none
    warehouse  central: outbound 1,000 units a week (500 in 2027-W30), 50 pallets, 20 labour hours, picks 100
               and receives 200 units an hour; BEV-1 100 % at 50 a pallet, SNK-1 50 % at 100 a pallet
    returns    BEV-1 shipped 1,000 units; 100 came back: 50 restocked, 30 refurbished, 20 scrapped
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from campaigns.models import Campaign, CampaignProduct, CampaignStatus
from fulfillment.models import Assignment, CapacityException, Warehouse
from production.models import BillOfCapacity, MpsItem, Plant, Resource, ResourceCapacityException
from returns.models import ImportBatch, ReturnAuthorisation, ReturnLine, ReturnReason, ShippedQuantity
from sop_portal.budgeting import services
from sop_portal.masterdata import services as masterdata
from sop_portal.masterdata.models import Product
from sop_portal.organisation.models import Department, Role
from tests.factories import make_family, make_product, make_user

TODAY = date(2026, 10, 7)
YEAR = 2027
FIRST_WEEK = date(2027, 1, 4)
WEEKS = 52


def monday(index: int) -> date:
    return FIRST_WEEK + timedelta(weeks=index)


@pytest.fixture(autouse=True)
def planning_today(monkeypatch: pytest.MonkeyPatch) -> date:
    monkeypatch.setattr(masterdata, "today", lambda: TODAY)
    return TODAY


@pytest.fixture(autouse=True)
def fresh_caches() -> Any:
    """Each test reads its own database: nothing computed by an earlier test may be served from memory."""
    services.forget()
    yield
    services.forget()


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass
class World:
    bev1: Product
    bev2: Product
    snk1: Product
    summer: Campaign
    new_year: Campaign
    bottling: Resource
    packing: Resource
    central: Warehouse
    marketer: Any


def _campaign(owner: Any, name: str, start: date, end: date, status: str, budget: str, **fields: Any) -> Campaign:
    return Campaign.objects.create(
        name=name, owner=owner, owner_department=Department.objects.get(code="marketing"), start_date=start,
        end_date=end, status=status, budget=Decimal(budget), **fields,
    )  # fmt: skip


def _returns(product: Product) -> None:
    reason = ReturnReason.objects.filter(parent__isnull=False).first() or ReturnReason.objects.create(
        code="changed-mind", name="Changed mind"
    )
    batch = ImportBatch.objects.create(kind=ImportBatch.Kind.DEMO, source="budget tests", status="loaded")
    order_week = date(2026, 6, 1)
    ShippedQuantity.objects.create(product=product, channel="retail", week=order_week, quantity=1000)
    for k, (units, disposition) in enumerate([(50, "restock"), (30, "refurbish"), (20, "scrap")], start=1):
        authorisation = ReturnAuthorisation.objects.create(
            number=f"RA-{k}", channel="retail", order_date=order_week, return_date=order_week + timedelta(days=9),
            batch=batch,
        )  # fmt: skip
        ReturnLine.objects.create(
            authorisation=authorisation, product=product, quantity=units, reason=reason, disposition=disposition,
            channel="retail", order_week=order_week, return_week=order_week + timedelta(weeks=1),
        )  # fmt: skip


@pytest.fixture
def world(db: Any) -> World:
    bev = make_family("bev", "Beverages")
    snk = make_family("snk", "Snacks")
    bev1 = make_product("BEV-1", family=bev, unit_price="2.00", unit_cost="1.00")
    bev2 = make_product("BEV-2", family=bev, unit_price="3.00", unit_cost="1.50")
    snk1 = make_product("SNK-1", family=snk, unit_price="1.50", unit_cost="0.50")
    masterdata.set_forecast(bev1, {monday(k): 100 for k in range(-1, WEEKS + 1)})
    masterdata.set_forecast(bev2, {monday(k): 50 for k in range(WEEKS)})
    masterdata.set_forecast(snk1, {monday(k): 20 if k < 26 else 40 for k in range(WEEKS)})

    marketer = make_user("mia", departments={"marketing": Role.PLANNER})
    new_year = _campaign(
        marketer, "New Year push", date(2026, 12, 14), date(2026, 12, 27), CampaignStatus.APPROVED, "3000"
    )
    CampaignProduct.objects.create(campaign=new_year, product=bev2, uplift_value=20, dip_pct=20, dip_weeks=3)
    summer = _campaign(marketer, "Summer Splash", date(2027, 7, 5), date(2027, 7, 25), CampaignStatus.APPROVED, "9000")
    CampaignProduct.objects.create(campaign=summer, product=bev1, uplift_value=50, halo_pct=10)
    autumn = _campaign(marketer, "Autumn 2026", date(2026, 9, 7), date(2026, 11, 29), CampaignStatus.CLOSED, "500")
    CampaignProduct.objects.create(campaign=autumn, product=bev1, uplift_value=10)
    draft = _campaign(marketer, "Draft idea", date(2027, 3, 1), date(2027, 3, 14), CampaignStatus.DRAFT, "100")
    CampaignProduct.objects.create(campaign=draft, product=snk1, uplift_value=30)

    plant = Plant.objects.create(code="north", name="North plant")
    bottling = Resource.objects.create(plant=plant, code="bottling", name="Bottling line", weekly_capacity=100)
    packing = Resource.objects.create(plant=plant, code="packing", name="Packing", weekly_capacity=200)
    ResourceCapacityException.objects.create(resource=bottling, week=monday(9), capacity=50, reason="Maintenance")
    BillOfCapacity.objects.create(product=bev1, resource=bottling, run_hours_per_unit=0.5, setup_hours_per_lot=2)
    BillOfCapacity.objects.create(product=bev2, resource=bottling, run_hours_per_unit=1.0)
    MpsItem.objects.create(product=bev1, plant=plant, safety_stock=10, on_hand=500, lead_time=1)
    MpsItem.objects.create(product=bev2, plant=plant, demand_time_fence=4)

    central = Warehouse.objects.create(
        code="central", name="Central DC", outbound_capacity=1000, storage_capacity=50, labour_capacity=20,
        pick_rate=100, receive_rate=200,
    )  # fmt: skip
    CapacityException.objects.create(warehouse=central, dimension="outbound", week=monday(29), capacity=500)
    Assignment.objects.create(product=bev1, warehouse=central, share_pct=100, units_per_pallet=50)
    Assignment.objects.create(product=snk1, warehouse=central, share_pct=50, units_per_pallet=100)

    _returns(bev1)
    return World(bev1, bev2, snk1, summer, new_year, bottling, packing, central, marketer)


@pytest.fixture
def finance(db: Any) -> Any:
    return make_user("fred", departments={"finance": Role.APPROVER})


@pytest.fixture
def cycle(world: World, finance: Any) -> Any:
    """The 2027 budget in preparation: marketing, operations and finance at the table; bottling's costs set."""
    cycle = services.create_cycle(YEAR, ["marketing", "operations", "finance"], finance, returns_handling_cost="0.50")
    services.set_capacity_cost(
        cycle, world.bottling, finance, overtime_cost_per_hour="30", overtime_limit_pct=20, shift_hours=40,
        shift_cost_per_week="2000", max_extra_shifts=1,
    )  # fmt: skip
    cycle.refresh_from_db()
    return cycle
