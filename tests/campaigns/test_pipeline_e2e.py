"""The campaign pipeline end to end on real services: PostgreSQL, Redis and a Celery worker process.

The textbook item of tests/production/conftest.py, planned from the current week over eight weeks (the worker
reads the real date, so these tests do too). 'Spring push' lifts weeks 2-4 by 50 %: one lot a week at most,
no overload. Raised to 300 % (forecast 80 in weeks 2-4):
    gross       23  80  80  80  30  30  30  30
    projected   22   2  42  22  52  22  52  22
    MPS          0  60 120  60  60   0  60   0     week 3 needs two lots: 62 h on a 32 h line
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from campaigns import services
from campaigns.models import Campaign, PipelineEvent
from production.causes import Cause
from production.models import BillOfCapacity, MpsItem, MpsItemPlan, MpsRevision, Plant, Resource
from production.services import regenerate_mps
from sop_portal.alerts.models import Alert
from sop_portal.jobs import services as jobs
from sop_portal.jobs.models import Job
from sop_portal.masterdata import services as masterdata
from sop_portal.masterdata.models import CustomerOrder
from sop_portal.masterdata.weeks import week_start
from sop_portal.organisation.models import Department, Role
from sop_testing.local import wait_until
from tests.factories import make_user

pytestmark = [pytest.mark.services, pytest.mark.slow, pytest.mark.django_db(transaction=True)]
WORKER_ENV = {"PLANNING_HORIZON_WEEKS": "8", "JOB_LEASE_SECONDS": "3", "CELERY_VISIBILITY_TIMEOUT": "4"}


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
    # 32 h: one lot of 60 a week (30 h + 2 h setup) fits; a week that needs two lots (62 h) does not.
    assembly = Resource.objects.create(plant=plant, code="assembly", name="Assembly", weekly_capacity=32)
    BillOfCapacity.objects.create(product=product, resource=assembly, run_hours_per_unit=0.5, setup_hours_per_lot=2)
    item = MpsItem.objects.create(
        product=product, plant=plant, on_hand=45, lot_rule="fixed", lot_qty=60, demand_outside_dtf="max"
    )
    regenerate_mps(cause=Cause("initial", "t", "Initial"))
    marketer = make_user("mia", departments={"marketing": Role.PLANNER})
    approver = make_user("oscar", departments={"operations": Role.APPROVER})
    campaign = services.create_campaign(
        actor=marketer, name="Spring push", owner_department=Department.objects.get(code="marketing"),
        start_date=monday + timedelta(weeks=1), end_date=monday + timedelta(weeks=3, days=4),
        lines=[{"product": product, "uplift_kind": "percent", "uplift_value": 50}],
    )  # fmt: skip
    campaign = services.transition(campaign, "submit", actor=marketer)
    return {"item": item, "campaign": campaign, "marketer": marketer, "approver": approver}


def wait_for_job(job_id, timeout: float = 30) -> Job:
    wait_until(lambda: Job.objects.get(pk=job_id).is_finished, timeout, f"pipeline job {job_id}")
    return Job.objects.get(pk=job_id)


def test_an_edit_over_http_yields_one_revision_with_its_quantities_and_an_alert_naming_it(world, celery_worker_process):
    celery_worker_process(include=("campaigns.tasks", "production.tasks"), **WORKER_ENV)
    campaign = services.transition(world["campaign"], "approve", actor=world["approver"])
    wait_for_job(PipelineEvent.objects.get(version=3).job_id)
    assert MpsRevision.objects.count() == 2
    assert not Alert.objects.filter(type="overload").exists()

    client = APIClient()
    client.force_authenticate(world["marketer"])
    response = client.patch(
        f"/api/v1/campaigns/{campaign.pk}/",
        {"lines": [{"sku": "BEV-001", "uplift_kind": "percent", "uplift_value": 300}]},
        format="json",
        HTTP_IF_MATCH='"3"',
    )
    assert response.status_code == 200, response.json()
    job = wait_for_job(PipelineEvent.objects.get(version=4).job_id)

    assert job.result["revision"] == 3
    assert MpsRevision.objects.count() == 3
    plan = MpsItemPlan.objects.get(item=world["item"]).values
    assert plan["forecast"] == [20, 80, 80, 80, 30, 30, 30, 30]
    assert plan["mps"] == [0, 60, 120, 60, 60, 0, 60, 0]
    overload = Alert.objects.get(type="overload", status="open")
    assert "Campaign 'Spring push' v4 (edit)" in overload.message


def test_sigkill_mid_pipeline_then_restart_yields_one_revision_and_no_lost_alert(
    world, celery_worker_process, tmp_path
):
    env = {**WORKER_ENV, "SOP_TEST_PAUSE_FILE": str(tmp_path / "paused")}
    include = ("campaigns.tasks", "production.tasks", "tests.campaigns.pipeline_hooks")
    worker = celery_worker_process(include=include, **env)
    services.update_campaign(
        world["campaign"], actor=world["marketer"], expected_version=2,
        lines=[{"product": world["item"].product, "uplift_kind": "percent", "uplift_value": 300}],
    )  # fmt: skip
    campaign = services.transition(Campaign.objects.get(), "approve", actor=world["approver"])
    job_id = str(PipelineEvent.objects.get(version=campaign.version).job_id)

    wait_until((tmp_path / "paused").exists, 30, "the worker to reach the pause stage")
    assert MpsRevision.objects.count() == 2  # the revision committed before the crash
    worker.kill()
    assert Job.objects.get(pk=job_id).status == Job.Status.RUNNING

    celery_worker_process(include=include, **env)

    def finished() -> bool:
        jobs.sweep()  # what beat does every 30 s: re-send work whose worker died
        return Job.objects.get(pk=job_id).is_finished

    wait_until(finished, 60, "the pipeline to finish after the restart")
    job = Job.objects.get(pk=job_id)
    assert job.status == Job.Status.DONE
    assert job.attempts == 2
    assert job.result["stages"]["test-pause"] == {"paused": True}
    assert MpsRevision.objects.count() == 2
    assert "Campaign 'Spring push' v4 (approve)" in Alert.objects.get(type="overload", status="open").message


def test_a_duplicated_message_yields_one_revision(world, celery_worker_process):
    from campaigns.tasks import run_pipeline

    celery_worker_process(include=("campaigns.tasks", "production.tasks"), **WORKER_ENV)
    campaign = services.transition(world["campaign"], "approve", actor=world["approver"])
    job_id = str(PipelineEvent.objects.get(version=campaign.version).job_id)
    run_pipeline.delay(job_id)  # the same message again, as a broker re-delivery would
    run_pipeline.delay(job_id)
    wait_for_job(job_id)
    wait_until(lambda: not _queued_messages(), 15, "the duplicates to be consumed")
    assert MpsRevision.objects.count() == 2
    assert Job.objects.get(pk=job_id).attempts == 1


def _queued_messages() -> int:
    import redis
    from django.conf import settings

    return redis.Redis.from_url(settings.CELERY_BROKER_URL).llen("celery")
