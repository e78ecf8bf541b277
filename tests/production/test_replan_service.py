"""regenerate_mps against a real database: revisions store only changed cells, rebuild and diff exactly,
rough-cut load follows the plan, and shortages / overloads become alerts that resolve when fixed.

The item is the MPS example of Vollmann, Berry, Whybark & Jacobs, "Manufacturing Planning and Control for
Supply Chain Management", 5th ed., ch. 6 (on hand 45, fixed lot 60), planned with gross requirements =
max(forecast, orders) in every week:
    week            1   2   3   4   5   6   7   8
    forecast       20  20  20  20  30  30  30  30
    orders         23  15   8   4   0   0   0   0
    gross          23  20  20  20  30  30  30  30
    projected      22   2  42  22  52  22  52  22
    MPS             0   0  60   0  60   0  60   0
    ATP             7   0  48   0  60   0  60   0   (week 1: 45 - 23 - 15; week 3: 60 - 8 - 4)
"""

from datetime import timedelta
from decimal import Decimal

import pytest

from production import revisions
from production.causes import Cause
from production.models import (
    BillOfCapacity,
    FirmPlannedOrder,
    MpsItem,
    MpsItemPlan,
    MpsRevision,
    Resource,
    ResourceLoad,
)
from production.services import regenerate_mps
from sop_portal.alerts.models import Alert, Severity
from sop_portal.masterdata import services as masterdata
from tests.production.conftest import MONDAY, WEEKS

pytestmark = pytest.mark.django_db

MANUAL = Cause("manual", "test", "Replan requested in a test")


@pytest.fixture(autouse=True)
def _horizon(eight_week_horizon):
    """Every test here plans the eight weeks of the textbook example."""


def test_first_replan_publishes_the_textbook_plan_and_its_overload(item):
    outcome = regenerate_mps(cause=MANUAL)
    assert outcome.revision is not None
    assert outcome.revision.number == 1
    plan = MpsItemPlan.objects.get(item=item).values
    assert plan["gross_requirements"] == [23, 20, 20, 20, 30, 30, 30, 30]
    assert plan["projected_available"] == [22, 2, 42, 22, 52, 22, 52, 22]
    assert plan["mps"] == [0, 0, 60, 0, 60, 0, 60, 0]
    assert plan["atp"] == [7, 0, 48, 0, 60, 0, 60, 0]
    assert plan["cumulative_atp"] == [7, 7, 55, 55, 115, 115, 175, 175]
    # The first revision stores only the non-zero cells of the plan.
    nonzero = sum(1 for values in plan.values() for v in values if v)
    assert outcome.cells_changed == nonzero == outcome.revision.cells_changed

    load = ResourceLoad.objects.get(resource__code="assembly")
    assert load.load == [0, 0, 32, 0, 32, 0, 32, 0]  # 60 x 0.5 h + 2 h setup per lot
    assert (load.overloaded_weeks, round(load.peak_utilisation, 4)) == (3, round(32 / 30, 4))
    alert = Alert.objects.get(type="overload")
    assert alert.severity == Severity.WARNING
    assert alert.message == (
        "Assembly at North plant: overloaded in 3 week(s) from 2027-W11; worst 2027-W11 at 107% "
        "(32.0 h of 30.0 h). Cause: Replan requested in a test."
    )
    assert not Alert.objects.filter(type="shortage").exists()


def test_an_unchanged_plan_publishes_no_revision(item):
    regenerate_mps(cause=MANUAL)
    again = regenerate_mps(cause=MANUAL)
    assert again.revision is None
    assert again.items_planned == 1
    assert MpsRevision.objects.count() == 1
    assert Alert.objects.get(type="overload").occurrences == 1


def test_a_forecast_change_stores_only_the_changed_cells_and_diffs_with_its_cause(item):
    regenerate_mps(cause=MANUAL)
    first = revisions.rebuild(1)
    masterdata.set_forecast(item.product, {MONDAY + timedelta(weeks=1): 40})
    change = Cause("campaign", "campaign:7@v2", "Campaign 'Spring push' v2")
    outcome = regenerate_mps([item.product], cause=change)
    assert outcome.revision is not None
    assert outcome.revision.number == 2
    plan = MpsItemPlan.objects.get(item=item).values
    assert plan["projected_available"] == [22, 42, 22, 2, 32, 2, 32, 2]
    assert plan["mps"] == [0, 60, 0, 0, 60, 0, 60, 0]

    changes = revisions.diff(1, 2)
    moved = {(c.measure, c.week): (c.old, c.new) for c in changes}
    assert moved[("forecast", WEEKS[1])] == (20, 40)
    assert moved[("mps", WEEKS[1])] == (0, 60)
    assert moved[("mps", WEEKS[2])] == (60, 0)
    assert ("mps", WEEKS[4]) not in moved  # the receipt in week 5 stays
    assert {c.causes for c in changes} == {(("campaign:7@v2", "Campaign 'Spring push' v2"),)}
    assert outcome.cells_changed == len(changes)

    # Both revisions rebuild exactly; the latest equals the stored plan.
    assert revisions.rebuild(1) == first
    latest = revisions.rebuild(2)
    expected = {
        (item.pk, measure, WEEKS[k]): value
        for measure, values in plan.items()
        for k, value in enumerate(values)
        if value
    }
    assert latest == expected


def test_shortage_inside_the_planning_fence_is_critical_and_resolves_when_firmed(item):
    MpsItem.objects.filter(pk=item.pk).update(on_hand=10, planning_time_fence=3)
    regenerate_mps(cause=MANUAL)
    plan = MpsItemPlan.objects.get(item=item)
    assert plan.values["projected_available"][:3] == [-13, -33, -53]
    assert (plan.shortage, plan.first_shortage_week) == (True, MONDAY)
    alert = Alert.objects.get(type="shortage")
    assert alert.severity == Severity.CRITICAL
    assert alert.message.startswith(
        "BEV-001 Cola 1l at North plant: projected available -13 in 2027-W09, short in 3 week(s), worst -53 in "
        "2027-W11 — inside the frozen zone, expedite or re-promise."
    )
    FirmPlannedOrder.objects.create(item=item, week=MONDAY, quantity=60)
    outcome = regenerate_mps([item.product_id], cause=Cause("parameters", "fpo", "Firm planned order added"))
    assert [a.key for a in outcome.alerts.resolved] == [f"shortage:item:{item.pk}"]
    assert Alert.objects.get(type="shortage").status == Alert.Status.RESOLVED
    assert MpsItemPlan.objects.get(item=item).shortage is False


def test_partial_replan_keeps_the_resource_load_equal_to_a_full_recompute(item):
    other_product = masterdata.create_product(
        sku="BEV-002", name="Lemonade", family=item.product.family, unit_cost=Decimal(1), unit_price=Decimal(2)
    )
    masterdata.set_forecast(other_product, {MONDAY + timedelta(weeks=k): 10 for k in range(8)})
    BillOfCapacity.objects.create(
        product=other_product, resource=Resource.objects.get(code="assembly"), run_hours_per_unit=1
    )
    MpsItem.objects.create(product=other_product, plant=item.plant)
    regenerate_mps(cause=MANUAL)
    masterdata.set_forecast(other_product, {MONDAY + timedelta(weeks=2): 25})
    regenerate_mps([other_product], cause=MANUAL)
    incremental = ResourceLoad.objects.get(resource__code="assembly").load
    ResourceLoad.objects.all().delete()
    masterdata.set_forecast(other_product, {MONDAY + timedelta(weeks=2): 25})
    MpsItemPlan.objects.all().delete()
    regenerate_mps(cause=MANUAL)
    full = ResourceLoad.objects.get(resource__code="assembly").load
    assert incremental == full
    # lemonade lot-for-lot 10 a week (25 in week 3) at 1 h, plus cola's lots of 60 at 0.5 h + 2 h setup
    assert full == [10, 10, 25 + 32, 10, 10 + 32, 10, 10 + 32, 10]


def test_requested_replan_runs_as_a_job_and_records_its_outcome(item, django_capture_on_commit_callbacks):
    from production.services import request_replan
    from sop_portal.jobs.models import Job

    with django_capture_on_commit_callbacks(execute=True):
        job = request_replan([item.product])
    job = Job.objects.get(pk=job.pk)
    assert job.status == Job.Status.DONE
    assert job.result == {
        "revision": 1, "items_planned": 1, "items_changed": 1, "cells_changed": MpsRevision.objects.get().cells_changed,
        "alerts_raised": 1, "alerts_resolved": 0, "products": [item.product_id],
        "causes": [{"type": "manual", "ref": "user:", "label": "Replan requested by the system"}],
        "stages": {"warehouses": {"warehouses": [], "alerts_raised": [], "alerts_updated": [], "alerts_resolved": []},
                   "budget": {"budgets": []}, "notifications": {"emails_queued": 0}},
    }  # fmt: skip
    assert job.message.startswith("Revision 1: 1 item, ")
    with django_capture_on_commit_callbacks(execute=True):
        again = request_replan([item.product])
    assert Job.objects.get(pk=again.pk).message == "No change: 1 item planned, the published plan stands"


def test_every_resource_gets_its_own_load_row(item):
    packing = Resource.objects.create(plant=item.plant, code="packing", name="Packing", weekly_capacity=100)
    BillOfCapacity.objects.create(product=item.product, resource=packing, run_hours_per_unit=0.1)
    regenerate_mps(cause=MANUAL)
    loads = {row.resource.code: row.load for row in ResourceLoad.objects.select_related("resource")}
    assert loads == {
        "assembly": [0, 0, 32, 0, 32, 0, 32, 0],
        "packing": [0, 0, 6, 0, 6, 0, 6, 0],
    }


def test_an_unchanged_shortage_keeps_the_cause_that_raised_it(item):
    MpsItem.objects.filter(pk=item.pk).update(on_hand=10, planning_time_fence=3)
    regenerate_mps(cause=MANUAL)
    # A later revision that re-plans the item without moving its shortage must not claim it.
    masterdata.set_forecast(item.product, {MONDAY + timedelta(weeks=6): 31})
    regenerate_mps([item.product], cause=Cause("campaign", "campaign:9@v1", "Campaign 'Late summer' v1"))
    alert = Alert.objects.get(type="shortage")
    assert alert.cause["causes"][0]["label"] == "Replan requested in a test"
    assert alert.occurrences == 2
    # A change that moves the shortage does name the new cause.
    masterdata.set_forecast(item.product, {MONDAY: 25})
    regenerate_mps([item.product], cause=Cause("campaign", "campaign:9@v2", "Campaign 'Late summer' v2"))
    alert.refresh_from_db()
    assert alert.cause["causes"][0]["label"] == "Campaign 'Late summer' v2"
