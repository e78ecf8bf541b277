"""After the lock: the live plan measured against the locked 2027 baseline (tests/budgeting/conftest.py's company).

The budget locks with no changes, so the baseline is the live plan of that moment. Then marketing approves
'Winter warmers', which was never budgeted: BEV-2 +30 units a week in 2027-W45..W46 (8-21 Nov 2027), budget 2,000.

    volume        +60 units (BEV-2 has no return history: no returns)
    revenue       +60 x 3.00 = +180; cost of goods +60 x 1.50 = +90
    bottling      102 h a week (BEV-1 100 x 0.5 + 2 h setup, BEV-2 50 x 1) → 132 h in both weeks, on 100 h:
                  before, 2 h overtime (60); now 20 h overtime (the 20 % limit: 600) + one 40 h shift (2,000)
                  covering the other 12 h → +2,540 a week, +5,080 in all; nothing uncovered
    margin        180 - 90 - 2,000 marketing spend - 5,080 capacity cost = -6,990
    peak          132 % in W45 (W46 the same), 102 % without it; the line's peak of the year is the maintenance
                  week W10 (50 h for 102 h, 204 %), which the campaign does not touch
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from campaigns import services as campaigns
from sop_portal.alerts.models import Alert, AlertOccurrence, Severity
from sop_portal.budgeting import services, stages, variance, variance_alerts
from sop_portal.budgeting.models import Phase
from sop_portal.budgeting.planning.variance import CampaignImpact
from sop_portal.jobs.models import Job
from sop_portal.organisation.models import Role
from tests.budgeting.locked_budget import lock, winter_warmers
from tests.factories import make_user


@pytest.fixture(autouse=True)
def fresh_measurements() -> Any:
    variance.forget()
    yield
    variance.forget()


@pytest.fixture
def ops(db: Any) -> Any:
    return make_user("olga", departments={"operations": Role.PLANNER})


@pytest.fixture
def locked(cycle: Any, world: Any, finance: Any) -> Any:
    return lock(cycle, world, finance)


def measure(cycle: Any) -> variance.Variance:
    measured = variance.measure(cycle)
    assert measured is not None
    return measured


def test_nothing_is_measured_before_the_lock_and_the_stage_costs_one_query(cycle, world, django_assert_num_queries):
    winter_warmers(world)

    assert variance.measure(cycle) is None
    with django_assert_num_queries(1):
        assert stages.check_after_revision(Job(), {"revision": 3, "causes": []}) == {"budgets": []}


def test_a_campaign_counted_after_the_lock_is_unbudgeted_with_its_impact_against_the_budget(locked, world):
    campaign = winter_warmers(world)

    [found] = variance.unbudgeted(locked).campaigns

    assert (found.id, found.name, found.owner_department, found.budget) == (campaign.pk, "Winter warmers",
                                                                            "marketing", 2000.0)  # fmt: skip
    assert found.impact == CampaignImpact(
        campaign_id=campaign.pk, volume=60.0, revenue=180.0, margin=-6990.0, marketing_spend=2000.0,
        capacity_cost=5080.0, uncovered_hours=0.0, peak_resource="Bottling line", peak_week="2027-W45",
        peak_with=1.32, peak_without=1.02,
    )  # fmt: skip
    assert found.message(2027) == (
        "Campaign 'Winter warmers' is not in the 2027 budget: +60 units, +€180 revenue, +€5,080 capacity cost, "
        "Bottling line peak 132 %; margin -€6,990."
    )
    # Summer Splash is in the budget; New Year push ends before 2027 (its dip reaching January does not count).
    assert [c["name"] for c in locked.baseline.campaigns] == ["Summer Splash"]


def test_the_alert_goes_to_marketing_finance_and_the_owners_department_and_resolves_when_cancelled(locked, world):
    campaign = winter_warmers(world, department="sales")

    raised = variance_alerts.check_unbudgeted(locked, {"revision": 4, "causes": []}).raised

    [alert] = raised
    assert (alert.key, alert.type, alert.severity) == (f"unbudgeted:2027:campaign:{campaign.pk}",
                                                       "unbudgeted_campaign", Severity.WARNING)  # fmt: skip
    assert alert.get_type_display() == "Campaign not in the budget"
    assert alert.departments == ["marketing", "finance", "sales"]
    assert (alert.subject_type, alert.subject_id, alert.subject_label) == ("campaign", str(campaign.pk),
                                                                           "Winter warmers · budget 2027")  # fmt: skip
    assert alert.message.startswith("Campaign 'Winter warmers' is not in the 2027 budget: +60 units, +€180 revenue")
    assert alert.cause["campaign"] == {"id": campaign.pk, "version": 3, "name": "Winter warmers"}
    assert alert.cause["impact"]["capacity_cost"] == 5080.0
    assert alert.due_at is not None
    assert alert.due_at - alert.created == pytest.approx(timedelta(days=5), abs=timedelta(seconds=5))
    # Seen again by a later revision with nothing new: the same alert, counted, still naming what raised it.
    assert variance_alerts.check_unbudgeted(locked, {"revision": 5, "causes": []}).updated == []
    seen = Alert.objects.get(pk=alert.pk)
    assert (seen.occurrences, seen.cause["revision"]) == (2, 4)

    campaigns.transition(campaign, "cancel", actor=world.marketer)
    outcome = variance_alerts.check_unbudgeted(locked)

    assert [a.pk for a in outcome.resolved] == [alert.pk]
    assert Alert.objects.get(pk=alert.pk).status == Alert.Status.RESOLVED
    assert list(AlertOccurrence.objects.filter(alert=alert).values_list("event", flat=True)) == ["raised", "resolved"]
    assert variance.unbudgeted(locked).campaigns == []


def test_an_overload_nothing_covers_makes_it_critical(locked, world):
    # +100 a week: 202 h on 100 h; 20 h overtime and one 40 h shift leave 42 h a week uncovered.
    winter_warmers(world, units=100)

    [alert] = variance_alerts.check_unbudgeted(locked).raised

    assert alert.severity == Severity.CRITICAL
    assert alert.message == (
        "Campaign 'Winter warmers' is not in the 2027 budget: +200 units, +€600 revenue, +€5,080 capacity cost, "
        "Bottling line peak 202 %, 84 h uncovered; margin -€6,780."
    )
    assert alert.due_at is not None
    assert alert.due_at - alert.created == pytest.approx(timedelta(days=1), abs=timedelta(seconds=5))


def test_the_variance_rows_by_department_and_month_largest_first(locked, world):
    winter_warmers(world)

    measured = measure(locked)

    assert [
        (r.row.department, r.row.label, r.row.month_label, r.row.baseline, r.row.live, r.row.delta, r.row.delta_pct)
        for r in measured.rows
    ] == [
        ("finance", "Margin", "Nov 2027", 549.6, -6440.4, -6990.0, -1271.8),
        ("finance", "Capacity cost", "Nov 2027", 240.0, 5320.0, 5080.0, 2116.7),
        ("marketing", "Winter warmers spend", "Nov 2027", None, 2000.0, 2000.0, None),
        ("marketing", "Marketing spend", "Nov 2027", 0.0, 2000.0, 2000.0, None),
        ("finance", "Marketing spend", "Nov 2027", 0.0, 2000.0, 2000.0, None),
        ("operations", "Bottling line load", "Nov 2027", 408.0, 468.0, 60.0, 14.7),
        ("sales", "Volume Beverages", "Nov 2027", 600.0, 660.0, 60.0, 10.0),
        ("operations", "Production Beverages", "Nov 2027", 600.0, 660.0, 60.0, 10.0),
        ("sales", "Revenue Beverages", "Nov 2027", 1400.0, 1580.0, 180.0, 12.9),
        ("finance", "Revenue", "Nov 2027", 1640.0, 1820.0, 180.0, 11.0),
        ("finance", "Cost of goods", "Nov 2027", 780.0, 870.0, 90.0, 11.5),
        ("operations", "Bottling line extra shifts", "Nov 2027", 0.0, 2.0, 2.0, None),
        ("operations", "Bottling line overtime", "Nov 2027", 8.0, 44.0, 36.0, 450.0),
    ]  # fmt: skip
    assert measured.rows[0].text == "Margin Nov 2027: €550 → -€6,440 (-€6,990, -1,271.8 %)"
    assert [r.row.label for r in measured.filtered("operations", 11)] == [
        "Bottling line load", "Production Beverages", "Bottling line extra shifts", "Bottling line overtime",
    ]  # fmt: skip
    assert measured.filtered(month=10) == []
    assert {k["name"]: (k["baseline"], k["live"], k["delta"]) for k in measured.kpis()}["margin"] == (
        -11999.1, -18989.1, -6990.0
    )  # fmt: skip


def test_budgeted_campaigns_that_moved_or_left_the_plan_are_changed_since_the_budget(locked, world):
    summer = campaigns.update_campaign(
        world.summer, actor=world.marketer, expected_version=1, budget=Decimal("12000"),
        start_date=date(2027, 7, 12), end_date=date(2027, 8, 1),
    )  # fmt: skip

    [changed] = variance.unbudgeted(locked).changed

    assert (changed.id, changed.name, changed.status) == (summer.pk, "Summer Splash", "Approved")
    assert changed.changes == ("budget €9,000 → €12,000 (+33 %)", "weeks 2027-W27..2027-W29 → 2027-W28..2027-W30")

    campaigns.transition(summer, "cancel", actor=world.marketer)

    [changed] = variance.unbudgeted(locked).changed
    assert (changed.status, changed.changes) == ("Cancelled", ("cancelled since the budget",))


def test_a_small_budget_change_is_not_material(locked, world):
    campaigns.update_campaign(world.summer, actor=world.marketer, expected_version=1, budget=Decimal("9400"))

    assert variance.unbudgeted(locked).changed == []


def test_the_pipeline_stage_raises_the_alert_after_the_campaigns_revision(
    locked, world, settings, django_capture_on_commit_callbacks
):
    settings.PLANNING_HORIZON_WEEKS = 8
    with django_capture_on_commit_callbacks(execute=True):
        campaign = winter_warmers(world)

    job = Job.objects.get(kind="campaigns.pipeline")
    alert = Alert.objects.get(type=Alert.Type.UNBUDGETED_CAMPAIGN)
    assert job.status == Job.Status.DONE
    assert job.result["stages"]["budget"] == {
        "budgets": [{"fiscal_year": 2027, "alerts_raised": [alert.pk], "alerts_updated": [], "alerts_resolved": []}]
    }
    assert alert.cause["causes"][0]["ref"] == f"campaign:{campaign.pk}@v3"
    # Before the notifications stage, so an immediate mail can carry the alert.
    assert list(settings.PIPELINE_STAGES) == ["warehouses", "budget", "notifications"]
    assert job.result["stages"]["notifications"] == {"emails_queued": 0}


def test_a_revision_outside_the_budget_year_checks_nothing(locked, world, settings):
    # A horizon of two weeks from 7 Oct 2026 stays in 2026, and the campaign named is in 2026 too.
    settings.PLANNING_HORIZON_WEEKS = 2

    result = stages.check_after_revision(
        Job(), {"causes": [{"type": "campaign", "ref": f"campaign:{world.new_year.pk}@v1"}]}
    )

    assert result == {"budgets": []}


def test_a_campaign_the_session_added_is_budgeted_only_as_a_placeholder(cycle, world, finance, ops):
    services.move_phase(cycle, Phase.SESSION, finance)
    added = services.add_change(cycle.proposal, "add_campaign", {
        "name": "Winter warmers", "start": "2027-11-08", "end": "2027-11-21", "budget": 2000,
        "lines": [{"sku": "BEV-2", "uplift_kind": "units", "uplift_value": 30}],
    }, world.marketer)  # fmt: skip
    for department, user in (("marketing", world.marketer), ("operations", ops), ("finance", finance)):
        services.sign_off(cycle, department, user)
    cycle.refresh_from_db()
    campaign = winter_warmers(world)

    found = variance.unbudgeted(cycle)

    # Budgets match campaigns by id: the live campaign marketing set up later is another campaign to the budget.
    assert [c.id for c in found.campaigns] == [campaign.pk]
    assert [(c.id, c.status, c.changes) for c in found.changed] == [
        (-added.pk, "Not a live campaign",
         ("added in the budget session: no live campaign stands for it, so the live plan does not hold it",)),
    ]  # fmt: skip
    # The live plan holds the same uplift as the budget did: volume and money do not move, only whose spend it is.
    assert {(r.row.label, r.row.delta) for r in measure(cycle).rows} == {
        ("Winter warmers spend", 2000.0),
        ("Winter warmers spend", -2000.0),
    }
