"""The textbook MPS item (tests/production/conftest.py) shipped through two warehouses, and a campaign on it.

BEV-001 ships 75 % through North DC (10 units a pallet) and 25 % through South DC (5 a pallet). Its item gets a
lead time of one week and a planning time fence of two, so nothing new can arrive before week 2 (2027-W11).

    North DC capacity: inbound 100, outbound 27 units / week (12 in 2027-W11: Easter Monday and a short shift),
                       storage 10 pallets, labour 11 h (5 units picked, 10 received an hour); thresholds 85 / 100 %
    South DC capacity: outbound 20 units / week, nothing else recorded

'Spring push' lifts BEV-001 by 100 % in weeks 1-3 (2027-W10..W12): forecast 20 40 40 40 30 30 30 30.
"""

from datetime import date

import pytest

from campaigns import services as campaign_services
from campaigns.models import Campaign
from fulfillment import services
from fulfillment.models import Warehouse
from production.causes import Cause
from production.models import MpsItem
from production.services import regenerate_mps
from sop_portal.organisation.models import Department, Role
from tests.factories import make_user
from tests.production.conftest import MONDAY, eight_week_horizon, item  # noqa: F401  (fixtures)

HOLIDAY = date(2027, 3, 15)  # 2027-W11


@pytest.fixture
def shortage_item(item: MpsItem) -> MpsItem:  # noqa: F811
    item.lead_time, item.planning_time_fence = 1, 2
    item.save()
    return item


@pytest.fixture
def network(shortage_item, eight_week_horizon):  # noqa: F811
    north = Warehouse.objects.create(code="north-dc", name="North DC", location="Doncaster")
    south = Warehouse.objects.create(code="south-dc", name="South DC", location="Southampton")
    services.update_capacity(
        north, expected_version=1, inbound_capacity=100, outbound_capacity=27, storage_capacity=10,
        labour_capacity=11, pick_rate=5, receive_rate=10,
    )  # fmt: skip
    north = Warehouse.objects.get(code="north-dc")
    services.set_capacity_exception(
        north, expected_version=2, dimension="outbound", week=HOLIDAY, capacity=12, reason="Easter Monday"
    )
    services.update_capacity(south, expected_version=1, outbound_capacity=20)
    regenerate_mps(cause=Cause("initial", "test", "Initial plan"))
    product = shortage_item.product
    services.set_assignments(
        [
            {"product": product, "warehouse": north, "share_pct": 75, "units_per_case": 5, "units_per_pallet": 10},
            {"product": product, "warehouse": south, "share_pct": 25, "units_per_case": 5, "units_per_pallet": 5},
        ]
    )
    return {"north": Warehouse.objects.get(code="north-dc"), "south": Warehouse.objects.get(code="south-dc")}


@pytest.fixture
def marketer(db):
    return make_user("mia", departments={"marketing": Role.PLANNER})


@pytest.fixture
def spring_push(shortage_item, marketer) -> Campaign:
    """+100 % on BEV-001 in 2027-W10..W12, proposed."""
    campaign = campaign_services.create_campaign(
        actor=marketer,
        name="Spring push",
        owner_department=Department.objects.get(code="marketing"),
        start_date=date(2027, 3, 8),
        end_date=date(2027, 3, 26),
        lines=[{"product": shortage_item.product, "uplift_kind": "percent", "uplift_value": 100}],
    )
    return campaign_services.transition(campaign, "submit", actor=marketer)
