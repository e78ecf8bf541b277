"""Impact of a campaign, and the preview of an unsaved edit, through the real engines (nothing published)."""

import pytest

from campaigns.impact import campaign_impact, preview_edit
from campaigns.models import Campaign, CampaignChange
from production.causes import Cause
from production.models import MpsRevision
from production.services import regenerate_mps
from sop_portal.jobs.models import Job

pytestmark = pytest.mark.django_db


def test_impact_of_a_draft_counts_it_as_if_approved(campaign, item):
    regenerate_mps(cause=Cause("initial", "t", "Initial"))
    impact = campaign_impact(campaign)
    # +50 % of 20 in weeks 2-4
    assert impact.units_added == [0, 10, 10, 10, 0, 0, 0, 0]
    assert impact.total_units == 30
    assert [(p.sku, p.units_added) for p in impact.products] == [("BEV-001", 30)]
    # MPS receipts 0 0 60 0 60 0 60 0 → 0 60 0 60 0 60 0 60
    assert impact.mps_added == [0, 60, -60, 60, -60, 60, -60, 60]
    [assembly] = impact.resources
    assert (assembly.code, assembly.overloaded_weeks_before, assembly.overloaded_weeks_after) == ("assembly", 3, 4)
    assert assembly.new_overload_weeks == ["2027-W10", "2027-W12", "2027-W14", "2027-W16"]
    assert MpsRevision.objects.count() == 1


def test_preview_of_an_edit_is_rolled_back(campaign, marketer, item):
    regenerate_mps(cause=Cause("initial", "t", "Initial"))
    impact = preview_edit(
        campaign, actor=marketer, fields={"name": "Bigger push"},
        lines=[{"product": item.product, "uplift_kind": "units", "uplift_value": 40}],
    )  # fmt: skip
    assert impact.units_added[:5] == [0, 40, 40, 40, 0]
    campaign.refresh_from_db()
    assert (campaign.name, campaign.version) == ("Spring push", 1)
    assert CampaignChange.objects.count() == 1
    assert Job.objects.count() == 0
    assert Campaign.objects.count() == 1
