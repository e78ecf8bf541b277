"""Issue 4's done-when, in real Chromium: a planner changes the forecast, replans the item from its MPS grid,
watches the progress partial finish and reads the new revision's diff, which names the cause."""

from datetime import timedelta

import pytest

from production import tasks
from production.causes import Cause
from production.services import regenerate_mps
from sop_portal.jobs.models import Job
from sop_portal.masterdata import services as masterdata
from sop_portal.organisation.models import Role
from tests.factories import PASSWORD, make_user
from tests.production.conftest import MONDAY

# serialized_rollback: live_server tests flush the database, and the standard departments come from a data migration.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture(autouse=True)
def _horizon(eight_week_horizon):
    """Eight textbook weeks from 2027-W09."""


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def log_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")


def test_planner_replans_an_item_after_a_forecast_change_and_reads_why_it_changed(page, item, monkeypatch):
    make_user("aisha", departments={"operations": Role.PLANNER})
    regenerate_mps(cause=Cause("initial", "test", "Initial plan"))  # revision 1: the textbook plan
    # Hold the Celery message back (as a busy worker would), so the page has a queued job to poll;
    # the test runs the task itself once the progress partial is showing.
    sent: list[str] = []
    monkeypatch.setattr("sop_portal.jobs.services._send", lambda job_id, kind: sent.append(job_id))
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    log_in(page, "aisha")
    page.goto(f"/mps/items/{item.pk}/")
    page.wait_for_function("window.Chart && Chart.getChart('item-chart')")
    assert page.locator('tr[data-measure="mps"] td').all_inner_texts() == ["0", "0", "60", "0", "60", "0", "60", "0"]

    # Sales raise week 2 from 20 to 40: the receipt of week 3 is now needed a week earlier.
    masterdata.set_forecast(item.product, {MONDAY + timedelta(weeks=1): 40})
    page.click("text=Replan this item")

    page.wait_for_selector('#replan-job[data-status="queued"]')
    assert "Replan of 1 product queued" in page.locator("#replan-job").inner_text()
    assert len(sent) == 1
    tasks.run_replan(sent[0])  # the worker picks it up; the partial polls every second

    page.wait_for_selector('#replan-job[data-status="done"]', timeout=5_000)
    outcome = page.locator("#replan-job").inner_text()
    assert "Revision 2 published." in outcome
    assert Job.objects.get().status == Job.Status.DONE
    # The grid reloaded itself with the new plan.
    page.wait_for_function(
        "document.querySelector('tr[data-measure=\"forecast\"] td:nth-of-type(2)').textContent.trim() === '40'"
    )
    assert page.locator('tr[data-measure="mps"] td').all_inner_texts() == ["0", "60", "0", "0", "60", "0", "60", "0"]

    page.click("text=See what changed for BEV-001")
    page.wait_for_url("**/mps/revisions/2/?sku=BEV-001")
    lines = page.locator(".diffline").all_inner_texts()
    assert "2027-W10 MPS receipts 0 → 60, cause: Replan requested by aisha" in lines
    assert "2027-W11 MPS receipts 60 → 0, cause: Replan requested by aisha" in lines
    assert "2027-W10 Forecast 20 → 40, cause: Replan requested by aisha" in lines
    assert errors == []
