"""Issue 5's done-when, in real Chromium: a marketing planner creates and submits a campaign, an operations
approver approves it, and the MPS grid of its product shows the new revision with a diff naming the campaign.

No REDIS_URL: the pipeline runs eagerly in-process when the approval commits, so the revision exists by the
time the approve POST answers.
"""

import pytest

from campaigns.models import Campaign
from production.causes import Cause
from production.models import MpsRevision
from production.services import regenerate_mps
from sop_portal.organisation.models import Role
from tests.factories import PASSWORD, make_user

# serialized_rollback: live_server tests flush the database, and the standard departments come from a data migration.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture(autouse=True)
def _horizon(eight_week_horizon):
    """Eight textbook weeks from 2027-W09 (tests/production/conftest.py)."""


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def log_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")


def log_out(page) -> None:
    page.click("summary[aria-label^='Account menu']")
    page.click("button.menu-link:has-text('Log out')")
    page.wait_for_url("**/accounts/login/**")


def test_planner_creates_and_submits_approver_approves_and_the_mps_diff_names_the_campaign(page, item):
    make_user("mia", departments={"marketing": Role.PLANNER}, first_name="Mia", last_name="Marsh")
    make_user("oscar", departments={"operations": Role.APPROVER}, first_name="Oscar", last_name="Odell")
    regenerate_mps(cause=Cause("initial", "test", "Initial plan"))  # revision 1: the textbook plan
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    # Marketing plans +50 % on BEV-001 in 2027-W10..W12, previews it, saves the draft and submits it.
    log_in(page, "mia")
    page.goto("/campaigns/")
    page.click("text=New campaign")
    page.fill("#id_name", "Spring push")
    page.fill("#id_start_date", "2027-03-08")
    page.fill("#id_end_date", "2027-03-26")
    page.fill("#id_l0-sku", "BEV-001")
    page.fill("#id_l0-uplift_value", "50")
    page.click("#preview-impact")
    page.wait_for_selector("#impact-preview #impact-weekly")
    assert page.locator('#impact-weekly td[data-week="2027-W10"]').inner_text() == "+10"
    page.wait_for_function("window.Chart && Chart.getChart('impact-chart')")
    assert Campaign.objects.count() == 0  # a preview saves nothing
    page.click("text=Save draft")
    page.wait_for_url("**/campaigns/*/")
    campaign = Campaign.objects.get()
    assert page.locator("#campaign-status").inner_text() == "Draft"
    assert page.locator("button[data-action=approve]").count() == 0  # approving is not marketing's
    page.click("button[data-action=submit]")
    page.wait_for_selector("#campaign-status:has-text('Proposed')")
    log_out(page)

    # Operations approves: the pipeline runs on commit, the campaign page shows where it went.
    log_in(page, "oscar")
    page.goto(f"/campaigns/{campaign.pk}/")
    assert page.locator("button[data-action=submit]").count() == 0
    page.click("button[data-action=approve]")
    page.wait_for_selector("#campaign-status:has-text('Approved')")
    page.wait_for_selector('#pipeline[data-status="done"]')
    assert MpsRevision.objects.count() == 2
    assert "MPS revision 2" in page.locator("#pipeline").inner_text()

    # The MPS grid of the product: its latest change is revision 2, and every changed cell names the campaign.
    page.click("#campaign-lines >> text=MPS grid")
    page.wait_for_url(f"**/mps/items/{item.pk}/")
    latest = page.locator("#latest-change")
    assert "revision 2" in latest.locator("h2").inner_text()
    lines = latest.locator(".diffline").all_inner_texts()
    assert "2027-W10 Forecast 20 → 30, cause: Campaign 'Spring push' v3 (approve)" in lines
    assert all(line.endswith("cause: Campaign 'Spring push' v3 (approve)") for line in lines)
    assert page.locator('tr[data-measure="mps"] td').all_inner_texts() == ["0", "60", "0", "60", "0", "60", "0", "60"]

    # And the revision's own page says why it was made.
    page.goto(f"/campaigns/{campaign.pk}/")
    page.click("#pipeline a.revision-link")
    page.wait_for_url("**/mps/revisions/2/")
    assert "Campaign 'Spring push' v3 (approve)" in page.locator(".causes").inner_text()
    assert errors == []
