"""Fixtures for the MPS services, API and pages: the textbook item of test_replan_service's docstring."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from production.models import BillOfCapacity, MpsItem, Plant, Resource
from sop_portal.masterdata import services as masterdata
from sop_portal.masterdata.models import CustomerOrder

MONDAY = date(2027, 3, 1)
WEEKS = [(MONDAY + timedelta(weeks=k)).isoformat() for k in range(8)]


@pytest.fixture
def eight_week_horizon(settings, monkeypatch):
    """Plan eight weeks from the Monday of 2027-W09, whatever today is."""
    settings.PLANNING_HORIZON_WEEKS = 8
    monkeypatch.setattr("production.services.today", lambda: MONDAY + timedelta(days=2))


@pytest.fixture
def item(db) -> MpsItem:
    family = masterdata.create_family(code="bev", name="Beverages")
    product = masterdata.create_product(
        sku="BEV-001", name="Cola 1l", family=family, unit_cost=Decimal("0.4"), unit_price=Decimal("1.1")
    )
    masterdata.set_forecast(product, {MONDAY + timedelta(weeks=k): q for k, q in enumerate([20] * 4 + [30] * 4)})
    for k, quantity in enumerate([23, 15, 8, 4]):
        CustomerOrder.objects.create(
            number=f"SO-{k}", customer="Shop", product=product, quantity=quantity,
            due_date=MONDAY + timedelta(weeks=k, days=1), week=MONDAY + timedelta(weeks=k),
        )  # fmt: skip
    plant = Plant.objects.create(code="north", name="North plant")
    assembly = Resource.objects.create(plant=plant, code="assembly", name="Assembly", weekly_capacity=30)
    BillOfCapacity.objects.create(product=product, resource=assembly, run_hours_per_unit=0.5, setup_hours_per_lot=2)
    return MpsItem.objects.create(
        product=product, plant=plant, on_hand=45, lot_rule="fixed", lot_qty=60, demand_outside_dtf="max"
    )
