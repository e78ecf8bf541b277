"""Campaign services and the change pipeline (eager mode) against a real database.

Textbook item (tests/production/conftest.py): forecast 20 20 20 20 30 30 30 30, orders 23 15 8 4, on hand 45,
fixed lot 60, Assembly 30 h a week at 0.5 h a unit + 2 h a lot. 'Spring push' adds 50 % in weeks 2-4:
forecast 20 30 30 30 30 30 30 30 → gross (max of forecast and orders) 23 30 30 30 30 30 30 30.
    projected  22 -8→52 22 -8→52 22 -8→52 22 ...  i.e. 22 52 22 52 22 52 22 52 with receipts of 60 in weeks 2, 4, 6, 8.
"""

from datetime import date

import pytest

from campaigns import services
from campaigns.models import CampaignChange, CampaignStatus, PipelineEvent
from production import revisions
from production.causes import Cause
from production.models import MpsItemPlan, MpsRevision
from production.services import regenerate_mps
from sop_portal.alerts.models import Alert
from sop_portal.errors import InputError, StaleEdit
from sop_portal.jobs.models import Job

pytestmark = pytest.mark.django_db


def approve(campaign, marketer, approver, capture):
    with capture(execute=True):
        campaign = services.transition(campaign, "submit", actor=marketer)
        return services.transition(campaign, "approve", actor=approver)


def test_draft_and_proposed_campaigns_do_not_move_the_plan(campaign, marketer, django_capture_on_commit_callbacks):
    regenerate_mps(cause=Cause("initial", "t", "Initial"))
    with django_capture_on_commit_callbacks(execute=True):
        services.transition(campaign, "submit", actor=marketer)
    assert PipelineEvent.objects.count() == 0
    assert MpsRevision.objects.count() == 1


def test_approval_runs_the_pipeline_to_a_revision_naming_the_campaign(
    campaign, marketer, approver, item, django_capture_on_commit_callbacks
):
    regenerate_mps(cause=Cause("initial", "t", "Initial"))
    approved = approve(campaign, marketer, approver, django_capture_on_commit_callbacks)
    assert (approved.status, approved.version) == (CampaignStatus.APPROVED, 3)
    plan = MpsItemPlan.objects.get(item=item).values
    assert plan["forecast"] == [20, 30, 30, 30, 30, 30, 30, 30]
    assert plan["mps"] == [0, 60, 0, 60, 0, 60, 0, 60]
    revision = MpsRevision.objects.get(number=2)
    assert revision.causes == [
        {"type": "campaign", "ref": f"campaign:{campaign.pk}@v3", "label": "Campaign 'Spring push' v3 (approve)"}
    ]
    changed = {(c.measure, c.week): (c.old, c.new, c.causes) for c in revisions.diff(1, 2)}
    assert changed[("forecast", "2027-03-08")] == (
        20,
        30,
        ((f"campaign:{campaign.pk}@v3", "Campaign 'Spring push' v3 (approve)"),),
    )
    job = PipelineEvent.objects.get().job
    assert job is not None
    assert (job.status, job.result["revision"]) == (Job.Status.DONE, 2)
    overload = Alert.objects.get(type="overload")
    assert "Campaign 'Spring push' v3 (approve)" in overload.message


def test_a_burst_of_edits_becomes_one_revision_naming_every_version(
    campaign, marketer, approver, item, django_capture_on_commit_callbacks
):
    regenerate_mps(cause=Cause("initial", "t", "Initial"))
    campaign = approve(campaign, marketer, approver, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        for uplift in range(10, 110, 10):  # ten quick edits: 10 %, 20 %, ... 100 %
            campaign = services.update_campaign(
                campaign, actor=marketer, expected_version=campaign.version,
                lines=[{"product": item.product, "uplift_kind": "percent", "uplift_value": uplift}],
            )  # fmt: skip
    assert campaign.version == 13
    assert MpsRevision.objects.count() == 3  # initial, approval, the whole burst
    burst = MpsRevision.objects.get(number=3)
    assert [c["ref"] for c in burst.causes] == [f"campaign:{campaign.pk}@v{v}" for v in range(4, 14)]
    assert MpsItemPlan.objects.get(item=item).values["forecast"][1:4] == [40, 40, 40]
    assert Job.objects.filter(kind="campaigns.pipeline").count() == 2


def test_stale_edit_is_refused_and_writes_nothing(campaign, marketer, item):
    services.update_campaign(campaign, actor=marketer, expected_version=1, name="Spring push 2027")
    with pytest.raises(StaleEdit) as stale:
        services.update_campaign(campaign, actor=marketer, expected_version=1, name="Overwritten")
    assert stale.value.current_version == 2
    campaign.refresh_from_db()
    assert (campaign.name, campaign.version) == ("Spring push 2027", 2)


def test_audit_trail_records_field_and_line_changes(campaign, marketer, item):
    services.update_campaign(
        campaign, actor=marketer, expected_version=1, budget=25000,
        lines=[{"product": item.product, "uplift_kind": "units", "uplift_value": 15}],
    )  # fmt: skip
    change = CampaignChange.objects.get(version=2)
    assert change.action == "edit"
    assert change.changed_by == marketer
    assert change.changes["fields"] == {"budget": ["0.00", "25000"]}
    assert change.changes["lines"]["changed"]["BEV-001"] == {"uplift_kind": ["percent", "units"],
                                                            "uplift_value": [50.0, 15]}  # fmt: skip
    assert list(campaign.changes.values_list("version", "action")) == [(2, "edit"), (1, "create")]


@pytest.mark.parametrize(
    ("action", "message"),
    [("approve", "cannot approve a draft campaign"), ("close", "cannot close a draft campaign")],
)
def test_transitions_only_from_the_statuses_that_allow_them(campaign, marketer, action, message):
    with pytest.raises(InputError, match=message):
        services.transition(campaign, action, actor=marketer)


def test_bad_lines_name_the_row_and_field(campaign, marketer, item):
    with pytest.raises(InputError, match=r"row 2, product: BEV-001 is in the campaign twice"):
        services.update_campaign(
            campaign, actor=marketer, expected_version=1,
            lines=[{"product": item.product, "uplift_value": 5}, {"product": item.product, "uplift_value": 6}],
        )  # fmt: skip
    with pytest.raises(InputError, match=r"row 1, prebuy_pct: "):
        services.update_campaign(
            campaign, actor=marketer, expected_version=1,
            lines=[{"product": item.product, "uplift_value": 5, "prebuy_pct": 150}],
        )  # fmt: skip
    with pytest.raises(InputError, match="end_date: must be on or after the start date"):
        services.update_campaign(campaign, actor=marketer, expected_version=1, end_date=date(2027, 1, 1))
    campaign.refresh_from_db()
    assert campaign.version == 1


def test_cancelling_an_approved_campaign_takes_its_uplift_out_and_resolves_its_alert(
    campaign, marketer, approver, item, django_capture_on_commit_callbacks
):
    regenerate_mps(cause=Cause("initial", "t", "Initial"))
    Alert.objects.all().delete()
    item.plant.resources.update(weekly_capacity=32)  # the textbook plan fits; the campaign's lots do not
    regenerate_mps([item.product], cause=Cause("parameters", "t", "capacity"))
    campaign = approve(campaign, marketer, approver, django_capture_on_commit_callbacks)
    assert not Alert.objects.filter(type="overload", status="open").exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.transition(campaign, "cancel", actor=approver)
    assert MpsItemPlan.objects.get(item=item).values["forecast"] == [20, 20, 20, 20, 30, 30, 30, 30]
    cancel = MpsRevision.objects.order_by("-number").first()
    assert cancel is not None
    assert cancel.causes[0]["label"] == "Campaign 'Spring push' v4 (cancel)"


def test_a_second_delivery_of_the_same_job_publishes_nothing(
    campaign, marketer, approver, django_capture_on_commit_callbacks
):
    from campaigns.tasks import run_pipeline

    regenerate_mps(cause=Cause("initial", "t", "Initial"))
    approve(campaign, marketer, approver, django_capture_on_commit_callbacks)
    job = PipelineEvent.objects.get().job
    assert job is not None
    assert run_pipeline.apply(args=(str(job.pk),)).get() is None
    assert MpsRevision.objects.count() == 2


def test_an_unchanged_amount_in_another_spelling_is_no_change(campaign, marketer):
    services.update_campaign(campaign, actor=marketer, expected_version=1, budget="120000")
    unchanged = services.update_campaign(campaign, actor=marketer, expected_version=2, budget="120000.00")
    assert unchanged.version == 2
    assert CampaignChange.objects.filter(campaign=campaign).count() == 2
