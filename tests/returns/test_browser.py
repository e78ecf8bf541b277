"""Issue 7's done-when in real Chromium: the returns dashboard shows the campaign's spike — in the weekly trend,
the campaign table and the alarms — and its top reason, and drills down to the lines and what customers said.

The data is the worked example of test_feedback.py: over the 13 order weeks W01-W13 of 2027, 120 units came
back: 72 from 'Spring push' (54 "Product defect: Broken or leaking", 18 crushed in transit) and 48 changed
minds. The top reason is product defect with 54 of 120 units, 45 %; the campaign's weeks W10 and W11 came
back at (36 + 2) / (300 + 100) = 9.5 % against about 2 % in the other weeks.
"""

import pytest

from returns import services
from sop_portal.organisation.models import Role
from tests.factories import PASSWORD, make_user

from .conftest import DEFECT

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def log_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")


def test_the_dashboard_shows_the_spike_and_its_top_reason(page, spike):
    services.raise_anomalies([spike["bev1"].pk], batch=spike["batch"])
    make_user("vic", departments={"sales": Role.VIEWER})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    log_in(page, "vic")
    page.click("nav.mainnav >> text=Returns")
    page.wait_for_url("**/returns/")
    page.select_option("select[name=weeks]", "13")
    page.click("text=Show")
    page.wait_for_function("window.Chart && Chart.getChart('returns-trend') && Chart.getChart('returns-pareto')")

    # The trend: the campaign's two weeks stand out.
    trend = page.evaluate(
        "() => { const c = Chart.getChart('returns-trend'); return [c.data.labels, c.data.datasets[0].data]; }"
    )
    rates = dict(zip(*trend, strict=True))
    assert (rates["2027-W10"], rates["2027-W11"]) == (9.5, 9.5)
    assert rates["2027-W09"] == 2.0
    # The Pareto and its top reason.
    pareto = page.evaluate("() => Chart.getChart('returns-pareto').data.labels")
    assert pareto[0] == "Product defect"
    assert page.inner_text("#top-reason") == "Top reason: Product defect, 45 % of returned units."
    # The campaign and its alarm.
    campaign_row = page.locator("#by-campaign tbody tr").first
    assert "Spring push" in campaign_row.inner_text()
    assert "6.0\N{MULTIPLICATION SIGN}" in campaign_row.inner_text()
    assert "Product defect: Broken or leaking" in campaign_row.inner_text()
    alarm = page.locator("#anomaly-table tbody tr").first.inner_text()
    assert "BEV-001" in alarm
    assert "Spring push" in alarm
    assert "Awaiting acknowledgement" in alarm

    # Drill down: the campaign's returned units → its lines with what customers said.
    campaign_row.locator("td.num a").click()
    page.wait_for_url("**/returns/lines/?campaign=*")
    assert page.inner_text("#result-count") == "1\N{EN DASH}50 of 72 lines"
    assert DEFECT[0] in page.inner_text("#return-lines")
    assert errors == []
