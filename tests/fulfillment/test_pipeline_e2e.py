"""Warehouse capacity inside the campaign pipeline, on real services: PostgreSQL, Redis and a Celery worker process.

The textbook item of tests/production/conftest.py, planned from the current week over eight weeks (the worker reads
the real date, so this test does too), ships entirely through North DC, which ships 50 units a week. Its forecast
is 20 20 20 20 30 30 30 30: 60 % at most. 'Spring push' lifts weeks 1-3 by 300 % to 80 a week: 160 %, all of the
30 units over capacity from the campaign (it ships 60 more). Cancelling it brings the load back under 85 %.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from campaigns import services as campaigns
from campaigns.models import PipelineEvent
from fulfillment import services
from fulfillment.models import Warehouse, WarehouseProjection
from production.causes import Cause
from production.models import MpsItem, Plant
from production.services import regenerate_mps
from sop_portal.alerts.models import Alert
from sop_portal.masterdata import services as masterdata
from sop_portal.masterdata.models import CustomerOrder
from sop_portal.masterdata.weeks import week_label, week_start
from sop_portal.organisation.models import Department, Role
from tests.campaigns.test_pipeline_e2e import WORKER_ENV, wait_for_job
from tests.factories import make_user

pytestmark = [pytest.mark.services, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(settings):
    settings.PLANNING_HORIZON_WEEKS = 8
    monday = week_start(timezone.localdate())
    family = masterdata.create_family(code="bev", name="Beverages")
    product = masterdata.create_product(
        sku="BEV-001", name="Cola 1l", family=family, unit_cost=Decimal("0.4"), unit_price=Decimal("1.1")
    )
    masterdata.set_forecast(product, {monday + timedelta(weeks=k): q for k, q in enumerate([20] * 4 + [30] * 4)})
    for k, quantity in enumerate([23, 15, 8, 4]):
        CustomerOrder.objects.create(
            number=f"SO-{k}", customer="Shop", product=product, quantity=quantity, due_date=monday + timedelta(weeks=k),
            week=monday + timedelta(weeks=k),
        )  # fmt: skip
    plant = Plant.objects.create(code="north", name="North plant")
    MpsItem.objects.create(product=product, plant=plant, on_hand=45, lot_rule="fixed", lot_qty=60)
    regenerate_mps(cause=Cause("initial", "t", "Initial"))
    north = Warehouse.objects.create(code="north-dc", name="North DC")
    services.update_capacity(north, expected_version=1, outbound_capacity=50)
    services.set_assignments(
        [{"product": product, "warehouse": north, "share_pct": 100, "units_per_case": 6, "units_per_pallet": 60}]
    )
    marketer = make_user("mia", departments={"marketing": Role.PLANNER})
    campaign = campaigns.create_campaign(
        actor=marketer, name="Spring push", owner_department=Department.objects.get(code="marketing"),
        start_date=monday + timedelta(weeks=1), end_date=monday + timedelta(weeks=3, days=4),
        lines=[{"product": product, "uplift_kind": "percent", "uplift_value": 300}],
    )  # fmt: skip
    return {
        "monday": monday,
        "north": north,
        "marketer": marketer,
        "approver": make_user("oscar", departments={"operations": Role.APPROVER}),
        "campaign": campaigns.transition(campaign, "submit", actor=marketer),
    }


def test_approving_a_spike_raises_a_warehouse_alert_naming_the_campaign_and_cancelling_resolves_it(
    world, celery_worker_process
):
    celery_worker_process(include=("campaigns.tasks", "production.tasks"), **WORKER_ENV)
    assert not Alert.objects.filter(type="warehouse_overload").exists()

    campaign = campaigns.transition(world["campaign"], "approve", actor=world["approver"])
    job = wait_for_job(PipelineEvent.objects.get(version=campaign.version).job_id)

    assert job.result["stages"]["warehouses"]["warehouses"] == ["north-dc"]
    projection = WarehouseProjection.objects.get(warehouse=world["north"])
    assert projection.load["outbound"] == [20, 80, 80, 80, 30, 30, 30, 30]
    assert projection.revision is not None
    assert projection.revision.number == job.result["revision"] == 2
    alert = Alert.objects.get(type="warehouse_overload", status="open")
    assert alert.message.startswith(
        f"Outbound at North DC 160% in {week_label(world['monday'] + timedelta(weeks=1))}, next week; "
        "100% of the excess from campaign 'Spring push'. Above 85% in 3 week(s)"
    )
    assert alert.message.endswith("Cause: Campaign 'Spring push' v3 (approve).")
    assert job.result["stages"]["warehouses"]["alerts_raised"] == [alert.pk]

    campaign = campaigns.transition(campaign, "cancel", actor=world["marketer"])
    job = wait_for_job(PipelineEvent.objects.get(version=campaign.version).job_id)

    alert.refresh_from_db()
    assert alert.status == "resolved"
    assert job.result["stages"]["warehouses"]["alerts_resolved"] == [alert.pk]
    assert WarehouseProjection.objects.get(warehouse=world["north"]).load["outbound"] == [20, 20, 20, 20] + [30] * 4
    assert list(alert.history.values_list("event", flat=True)) == ["raised", "resolved"]
