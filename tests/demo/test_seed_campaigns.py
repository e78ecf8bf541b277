"""seed_demo's campaign calendar: every type and status, made through the services, and already in the MPS."""

from collections import Counter
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command

from campaigns.models import Campaign, CampaignChange, PipelineEvent
from production.models import MpsRevision
from sop_portal.alerts.models import Alert
from sop_portal.jobs.models import Job
from sop_portal.masterdata import services

TODAY = date(2027, 3, 10)  # a Wednesday in 2027-W10


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", "--skus", "60", "--quiet", stdout=out)
    return out.getvalue()


@pytest.fixture
def seeded(db, monkeypatch) -> str:
    monkeypatch.setattr(services, "today", lambda: TODAY)
    monkeypatch.setattr("production.services.today", lambda: TODAY)
    return seed()


def test_a_year_of_campaigns_in_every_type_and_status(seeded):
    campaigns = Campaign.objects.all()
    assert campaigns.count() == 12
    assert Counter(campaigns.values_list("status", flat=True)) == {
        "draft": 3, "proposed": 3, "approved": 3, "live": 1, "closed": 1, "cancelled": 1,
    }  # fmt: skip
    assert set(campaigns.values_list("type", flat=True)) == {"promotion", "launch", "price_change", "event",
                                                              "advertising"}  # fmt: skip
    assert set(campaigns.values_list("owner__username", flat=True)) == {"marketing.planner", "sales.planner"}
    assert all(c.lines.exists() for c in campaigns)
    summer = Campaign.objects.get(name="Summer Splash")
    assert (summer.start_date, summer.end_date, summer.status) == (date(2027, 6, 28), date(2027, 8, 8), "approved")
    christmas = Campaign.objects.get(name="Christmas Snack Fest")
    assert christmas.start_date == date(2027, 11, 29)  # the next one
    launch = Campaign.objects.get(type="launch").lines.get()
    assert (launch.predecessor is not None, launch.product.status) == (True, "planned")
    live = Campaign.objects.get(status="live")
    assert live.start_date <= TODAY <= live.end_date
    # Through the services: each step of each campaign is in its audit trail, approvals by an approver.
    approvals = CampaignChange.objects.filter(action="approve")
    assert set(approvals.values_list("changed_by__username", flat=True)) <= {"ops.approver", "sales.approver"}


def test_the_mps_already_plans_for_the_counted_campaigns(seeded):
    # The initial plan, the calendar, then the summer promotion on its own (later steps add their own causes).
    assert MpsRevision.objects.filter(trigger__in=["initial", "campaign"]).count() == 3
    summer = MpsRevision.objects.get(number=3)
    assert [c["label"] for c in summer.causes] == ["Campaign 'Summer Splash' v3 (approve)"]
    calendar = {c["label"] for c in MpsRevision.objects.get(number=2).causes}
    assert "Campaign 'Fizzwell TV spot' v3 (approve)" in calendar
    assert not Job.objects.filter(kind="campaigns.pipeline").exclude(status=Job.Status.DONE).exists()
    assert set(PipelineEvent.objects.values_list("job__result__revision", flat=True)) == {2, 3}
    overload = Alert.objects.get(type="overload", subject_id="bottling", status="open")
    # Raised by the summer promotion's revision; a later revision that moves the line's load (the demo's returns
    # batch, seeded after the campaigns) restates it with its own cause.
    later = MpsRevision.objects.filter(number__gt=3).values_list("causes", flat=True)
    causes = ["Campaign 'Summer Splash' v3 (approve)", *(c[0]["label"] for c in later)]
    assert any(overload.message.endswith(f"Cause: {cause}.") for cause in causes)


def test_seeding_again_creates_no_campaign_and_no_revision(seeded):
    before = (Campaign.objects.count(), CampaignChange.objects.count(), MpsRevision.objects.count())
    output = seed()
    assert (Campaign.objects.count(), CampaignChange.objects.count(), MpsRevision.objects.count()) == before
    assert "campaigns                           0 created         12 found" in output
