"""Restockable returns in the MPS: received returns come back after their recovery lag at their yield, expected
returns follow the demand; a loaded batch's pipeline publishes one revision that names the batch.

The textbook item of tests/production/conftest.py (BEV-001, on hand 45, fixed lot 60), planned over the eight
weeks from 2027-W09 (Monday 1 March). Policy: back in stock 1 week after a restock at 100 %, 3 weeks after a
refurbishment at 80 %; returns come 2 weeks after the sale.

Returns of BEV-001 (orders in W05-W08; 150 units shipped a week then: 600):
    R1  returned W08  10  restock     back in W09 (week 1)            10
    R2  returned W09   6  refurbish   back in W12 (week 4)            6 x 0.8 = 4.8
    R3  returned W07   8  restock     back in W08: in stock already
    R4  returned W09   6  scrap       never
History: 30 of 600 units returned (5 %): 60 % restocked, 20 % refurbished, 20 % scrapped. Expected returns of
the forecast (20 x 4, 30 x 4): 5 % of week t's demand comes back in t + 2; restocked share back in t + 3:
0.05 x 0.6 = 3 % of demand; refurbished in t + 5: 0.05 x 0.2 x 0.8 = 0.8 %.
    week                    1    2    3     4     5     6     7     8
    received               10    0    0   4.8     0     0     0     0
    expected restock        0    0    0   0.6   0.6   0.6   0.6   0.9
    expected refurbished    0    0    0     0     0  0.16  0.16  0.16
    returns supply         10    0    0   5.4   0.6  0.76  0.76  1.06
    gross                  23   20   20    20    30    30    30    30
    projected              32   12   52  37.4     8 38.76  9.52 40.58
    MPS                     0    0   60     0     0    60     0    60
"""

import csv
import io
from datetime import date, timedelta

import pytest

from production.causes import Cause
from production.models import MpsItemChange, MpsItemPlan, MpsRevision
from production.plan_inputs import build_batch
from production.services import planning_window, regenerate_mps
from returns import services
from returns.models import ImportBatch
from sop_portal.jobs.models import Job
from sop_portal.masterdata import services as masterdata
from tests.production.conftest import MONDAY, eight_week_horizon, item  # noqa: F401  (fixtures)

from .conftest import csv_bytes, row, weekly_shipments

RETURNS_SUPPLY = [10, 0, 0, 5.4, 0.6, 0.76, 0.76, 1.06]


@pytest.fixture(autouse=True)
def planning_today(monkeypatch, eight_week_horizon):  # noqa: F811
    """The returns' 'today' is the MPS's: Wednesday of 2027-W09."""
    monkeypatch.setattr(masterdata, "today", lambda: MONDAY + timedelta(days=2))


def returns_file() -> bytes:
    return csv_bytes([
        row("R1", "BEV-001", date(2027, 2, 10), quantity=10, days=14, disposition="restock"),
        row("R2", "BEV-001", date(2027, 2, 24), quantity=6, days=7, disposition="refurbish"),
        row("R3", "BEV-001", date(2027, 2, 3), quantity=8, days=14, disposition="restock"),
        row("R4", "BEV-001", date(2027, 2, 24), quantity=6, days=7, disposition="scrap"),
    ])  # fmt: skip


@pytest.fixture
def history(item):  # noqa: F811
    weekly_shipments(item.product, [MONDAY - timedelta(weeks=k) for k in (1, 2, 3, 4)], 150)
    return item


def test_received_and_expected_returns_are_supply_in_the_engine_input(history):
    regenerate_mps(cause=Cause("initial", "t", "Initial"))
    batch = services.submit_import(returns_file(), "march.csv", actor=None)
    services.run_import(Job.objects.get(pk=str(batch.import_job_id)))

    plan_input = build_batch([history], planning_window())
    assert plan_input.returns_supply[0].round(4).tolist() == RETURNS_SUPPLY
    assert plan_input.scheduled_receipts[0].round(4).tolist() == RETURNS_SUPPLY  # no open orders: only returns


def test_without_expected_returns_only_received_ones_count(history):
    services.update_policy(actor=None, expected_version=None, plan_expected_returns=False)
    services.import_rows(csv.DictReader(io.StringIO(returns_file().decode())), source="march.csv", actor=None)
    supply = build_batch([history], planning_window()).returns_supply[0]
    assert supply.tolist() == pytest.approx([10, 0, 0, 4.8, 0, 0, 0, 0])


def test_the_batch_pipeline_publishes_one_revision_naming_the_batch(history, django_capture_on_commit_callbacks):
    regenerate_mps(cause=Cause("initial", "t", "Initial"))
    with django_capture_on_commit_callbacks(execute=True):
        batch = services.submit_import(returns_file(), "march.csv", actor=None)
    batch = ImportBatch.objects.get(pk=batch.pk)

    assert batch.status == ImportBatch.Status.LOADED
    job = batch.pipeline_job
    assert job is not None
    assert (job.status, job.result["revision"]) == (Job.Status.DONE, 2)
    revision = MpsRevision.objects.get(number=2)
    label = f"Returns batch {batch.pk} (march.csv)"
    assert (revision.trigger, revision.causes) == (
        "returns", [{"type": "returns", "ref": f"returns-batch:{batch.pk}", "label": label}],
    )  # fmt: skip
    plan = MpsItemPlan.objects.get(item=history).values
    assert plan["returns_supply"] == RETURNS_SUPPLY
    assert plan["scheduled_receipts"] == RETURNS_SUPPLY
    assert plan["projected_available"] == [32, 12, 52, 37.4, 8, 38.76, 9.52, 40.58]
    assert plan["mps"] == [0, 0, 60, 0, 0, 60, 0, 60]
    change = MpsItemChange.objects.get(revision=revision)
    assert change.causes == revision.causes
    assert change.cells["returns_supply"] == {"weeks": [0, 3, 4, 5, 6, 7], "old": [0.0] * 6,
                                              "new": [10, 5.4, 0.6, 0.76, 0.76, 1.06]}  # fmt: skip
    assert job.message == "Revision 2: 1 items changed"

    # Running the job again (a re-delivered message) publishes nothing more.
    from returns.pipeline import run_pipeline

    run_pipeline(Job.objects.get(pk=job.pk))
    assert MpsRevision.objects.count() == 2
