"""Issue 7's done-when on real services (PostgreSQL, Redis, a Celery worker process): a returns file with a
spike on a campaign's product is imported by a background job; its pipeline alerts the campaign owner, who
acknowledges and answers while customer service reads the thread; the next MPS revision holds the restocked
returns and names the batch as its cause.

The worked example of test_feedback.py, moved to the real calendar (the worker reads the real date): 'Spring
push' ran 6 and 5 weeks ago on BEV-001, whose campaign sales came back at 12 % against 2 %. The MPS is the
textbook item of tests/production/conftest.py over eight weeks from this week; expected returns are switched
off here (test_plan_supply.py works them out), so the supply is the received returns only:
    27 refurbished units of the campaign's second week, returned last week: back in 3 weeks at 80 %  21.6
    2 restocked units returned last week, 2 returned this week: back 1 week later                 2, 2
    week                    1    2     3     4     5     6     7     8
    returns supply          2    2  21.6     0     0     0     0     0
    gross                  23   20    20    20    30    30    30    30
    projected              24    6   7.6  47.6  17.6  47.6  17.6  47.6
    MPS                     0    0     0    60     0    60     0    60
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from campaigns import services as campaigns
from campaigns.models import Campaign
from production.causes import Cause
from production.models import MpsItem, MpsItemChange, MpsItemPlan, MpsRevision, Plant
from production.services import regenerate_mps
from returns import services
from returns.models import ImportBatch, ReturnAnomaly, ReturnsPolicy
from sop_portal.alerts.models import Alert
from sop_portal.jobs.models import Job
from sop_portal.masterdata import services as masterdata
from sop_portal.masterdata.models import CustomerOrder
from sop_portal.masterdata.weeks import week_start
from sop_portal.organisation.models import Department, Role
from sop_testing.local import wait_until
from tests.factories import make_user

from .conftest import csv_bytes, row, weekly_shipments

pytestmark = [pytest.mark.services, pytest.mark.slow, pytest.mark.django_db(transaction=True)]
WORKER_ENV = {"PLANNING_HORIZON_WEEKS": "8", "JOB_LEASE_SECONDS": "3", "CELERY_VISIBILITY_TIMEOUT": "4"}


@pytest.fixture(autouse=True)
def planning_today(monkeypatch):
    """The real date here: the worker process plans and judges from it too."""
    return timezone.localdate()


@pytest.fixture
def world(settings):
    settings.PLANNING_HORIZON_WEEKS = 8
    services.ensure_taxonomy()
    ReturnsPolicy.objects.filter(pk=1).update(plan_expected_returns=False)
    monday = week_start(timezone.localdate())
    family = masterdata.create_family(code="bev", name="Beverages")
    bev1 = masterdata.create_product(
        sku="BEV-001", name="Cola 1l", family=family, unit_cost=Decimal("0.4"), unit_price=Decimal("1.1")
    )
    bev2 = masterdata.create_product(
        sku="BEV-002", name="Lemonade 1l", family=family, unit_cost=Decimal("0.4"), unit_price=Decimal("1.1")
    )
    masterdata.set_forecast(bev1, {monday + timedelta(weeks=k): q for k, q in enumerate([20] * 4 + [30] * 4)})
    for k, quantity in enumerate([23, 15, 8, 4]):
        CustomerOrder.objects.create(
            number=f"SO-{k}", customer="Shop", product=bev1, quantity=quantity, due_date=monday + timedelta(weeks=k),
            week=monday + timedelta(weeks=k),
        )  # fmt: skip
    plant = Plant.objects.create(code="north", name="North plant")
    item = MpsItem.objects.create(
        product=bev1, plant=plant, on_hand=45, lot_rule="fixed", lot_qty=60, demand_outside_dtf="max"
    )
    regenerate_mps(cause=Cause("initial", "t", "Initial"))

    mia = make_user("mia", first_name="Mia", last_name="Jones", departments={"marketing": Role.PLANNER})
    first, second = monday - timedelta(weeks=6), monday - timedelta(weeks=5)
    campaign = campaigns.create_campaign(
        actor=mia, name="Spring push", owner_department=Department.objects.get(code="marketing"),
        start_date=first, end_date=second + timedelta(days=6),
        lines=[{"product": bev1, "uplift_kind": "percent", "uplift_value": 200}],
    )  # fmt: skip
    campaign = campaigns.transition(campaign, "submit", actor=mia)
    Campaign.objects.filter(pk=campaign.pk).update(status="closed")  # it ran: no demand left to replan
    weeks = [monday - timedelta(weeks=k) for k in range(34, 0, -1)]
    weekly_shipments(bev1, [w for w in weeks if w not in (first, second)], 100)
    weekly_shipments(bev1, [first, second], 300)
    weekly_shipments(bev2, weeks, 100)

    rows = []
    for week in weeks:
        rows.append(row(f"B2-{week}", "BEV-002", week, quantity=2))
        if week not in (first, second):
            rows.append(row(f"B1-{week}", "BEV-001", week, quantity=2))
            continue
        days = 7 if week == first else (monday - timedelta(days=3) - week).days  # the second week's: last Friday
        for i in range(27):
            rows.append(row(f"S-{week}-{i}", "BEV-001", week, days=days, reason="product-defect",
                            sub="broken-or-leaking", comment="Cap cracked and it leaked",
                            disposition="refurbish"))  # fmt: skip
        for i in range(9):
            rows.append(row(f"T-{week}-{i}", "BEV-001", week, days=days, reason="damaged-in-transit",
                            sub="crushed-packaging", comment="Box crushed", disposition="scrap"))  # fmt: skip
    return {"item": item, "campaign": campaign, "mia": mia, "file": csv_bytes(rows)}


def wait_for_job(job_id, timeout: float = 60) -> Job:
    wait_until(lambda: Job.objects.get(pk=job_id).is_finished, timeout, f"job {job_id}")
    return Job.objects.get(pk=job_id)


def test_a_spike_alerts_the_owner_who_answers_and_the_next_revision_restocks_and_names_the_batch(
    world, celery_worker_process
):
    celery_worker_process(include=("returns.tasks", "production.tasks"), **WORKER_ENV)
    sophie = make_user("sophie", first_name="Sophie", departments={"customer-service": Role.PLANNER})
    batch = services.submit_import(world["file"], "spike.csv", actor=sophie)

    assert wait_for_job(batch.import_job_id).status == Job.Status.DONE
    batch = ImportBatch.objects.get(pk=batch.pk)
    assert (batch.status, batch.returns_created) == (ImportBatch.Status.LOADED, 34 + 32 + 72)
    pipeline = wait_for_job(batch.pipeline_job_id)
    assert pipeline.status == Job.Status.DONE, pipeline.error

    # The alert goes to sales, marketing and the owner, naming the reasons and what customers said.
    alert = Alert.objects.get(type=Alert.Type.RETURNS_ANOMALY)
    assert alert.departments == ["marketing", "sales"]
    assert alert.subject_label == "Spring push: BEV-001"
    assert "72 of 600 units returned (12.0%) against a baseline of 2.0%" in alert.message
    assert "Top reasons: Product defect: Broken or leaking 75%, Damaged in transit: Crushed or torn packaging 25%" in (
        alert.message
    )
    assert "“Cap cracked and it leaked”" in alert.message
    assert alert.message.endswith("Mia Jones (Marketing), please acknowledge and answer with the action taken.")
    assert alert.cause["causes"] == [{"type": "returns", "ref": f"returns-batch:{batch.pk}", "label": batch.label}]
    anomaly = ReturnAnomaly.objects.get()

    # The owner acknowledges and answers; customer service reads the thread.
    owner = APIClient()
    owner.force_authenticate(world["mia"])
    url = f"/api/v1/returns/anomalies/{anomaly.pk}/"
    assert owner.post(url + "acknowledge/", {"text": "Checking the cap supplier"}, format="json").status_code == 200
    assert Alert.objects.get().status == Alert.Status.ACKNOWLEDGED
    due = (timezone.localdate() + timedelta(days=14)).isoformat()
    answer = owner.post(url + "answer/", {"action_taken": "Promo packs moved to reinforced caps", "due_date": due},
                        format="json")  # fmt: skip
    assert answer.status_code == 200, answer.json()
    service = APIClient()
    service.force_authenticate(sophie)
    thread = service.get(url).json()
    assert thread["status"] == "answered"
    assert [(r["kind"], r["author"], r["text"], r["due_date"]) for r in thread["responses"]] == [
        ("acknowledgement", "mia", "Checking the cap supplier", None),
        ("answer", "mia", "Promo packs moved to reinforced caps", due),
    ]

    # The next revision: the restocked returns are supply, and the batch is the cause.
    revision = MpsRevision.objects.get(number=pipeline.result["revision"])
    assert revision.number == 2
    label = f"Returns batch {batch.pk} (spike.csv)"
    assert revision.trigger == "returns"
    assert revision.causes == [{"type": "returns", "ref": f"returns-batch:{batch.pk}", "label": label}]
    plan = MpsItemPlan.objects.get(item=world["item"]).values
    assert plan["returns_supply"] == [2, 2, 21.6, 0, 0, 0, 0, 0]
    assert plan["scheduled_receipts"] == [2, 2, 21.6, 0, 0, 0, 0, 0]
    assert plan["projected_available"] == [24, 6, 7.6, 47.6, 17.6, 47.6, 17.6, 47.6]
    assert plan["mps"] == [0, 0, 0, 60, 0, 60, 0, 60]
    assert MpsItemChange.objects.get(revision=revision).causes == revision.causes
