"""Issue 8's done-when in real Chromium: a user changes their mail preferences, previews the digest, and
acknowledges an alert from the notification centre; and the accountability review draws its trend and swaps it
when a filter changes.

Mia plans in operations and follows the warehouse. Two alerts are open: "Dock 3" (warehouse, critical, warehouse
overload) and "Assembly" (operations, warning, capacity overload). She narrows her mail to the warehouse's
critical alerts, weekly, so the preview lists Dock 3 and not Assembly.
"""

from __future__ import annotations

import pytest

from sop_portal.alerts.models import Alert, AlertOccurrence, Severity, Subscription
from sop_portal.organisation.models import Role
from tests.factories import PASSWORD, make_user

# serialized_rollback: live_server tests flush the database, and the standard departments come from a data migration.
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


@pytest.fixture
def mia(db):
    return make_user("mia", departments={"operations": Role.PLANNER, "warehouse": Role.VIEWER})


@pytest.fixture
def dock(raise_alert) -> Alert:
    return raise_alert("warehouse:dock-3", severity=Severity.CRITICAL, departments=("warehouse",),
                       type="warehouse_overload", label="Dock 3")  # fmt: skip


@pytest.fixture
def assembly(raise_alert) -> Alert:
    return raise_alert("overload:resource:7", severity=Severity.WARNING, departments=("operations",), label="Assembly")


def checked(page, name: str) -> list[str]:
    return page.eval_on_selector_all(f"input[name={name}]:checked", "nodes => nodes.map(n => n.value)")


def test_preferences_digest_preview_and_acknowledge_from_the_notification_centre(page, mia, dock, assembly):
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(page, "mia")

    # (a) Preferences: her departments' defaults, then warehouse only, critical, weekly; saved and shown again.
    page.goto("/alerts/preferences/")
    assert checked(page, "departments") == ["operations", "warehouse"]
    assert page.input_value("select[name=frequency]") == "daily"  # a planner's default
    page.uncheck("input[name=departments][value=operations]")
    page.select_option("select[name=min_severity]", str(Severity.CRITICAL.value))
    page.select_option("select[name=frequency]", "weekly")
    page.click("text=Save preferences")
    page.wait_for_url("**/alerts/preferences/")
    assert "Your alert preferences are saved." in page.inner_text(".messages")
    page.reload()
    assert checked(page, "departments") == ["warehouse"]
    assert page.input_value("select[name=min_severity]") == "30"
    assert page.input_value("select[name=frequency]") == "weekly"
    subscription = Subscription.objects.get(user=mia)
    assert (subscription.departments, subscription.min_severity, subscription.frequency) == (
        ["warehouse"], Severity.CRITICAL, "weekly"
    )  # fmt: skip

    # (b) The digest preview: the weekly mail would list Dock 3, and not Assembly (operations, warning).
    page.goto("/alerts/digest/preview/")
    assert page.inner_text("#digest-subject").startswith("Weekly S&OP alerts: 1 new, 0 worse, 0 resolved")
    text = page.text_content("pre.digest-text")
    assert "Dock 3" in text
    assert "Assembly" not in text
    # The HTML mail, as the sandboxed frame shows it: Dock 3 links into the portal.
    link = page.frame_locator("iframe.digest-frame").locator("a", has_text="Dock 3")
    link.wait_for()
    assert link.get_attribute("href").endswith(f"/alerts/?status=all#alert-{dock.pk}")

    # (c) The notification centre: the bell counts both alerts until she opens it; she acknowledges Dock 3 there.
    assert page.inner_text(".bell-count") == "2"
    page.click("a.bell")
    page.wait_for_url("**/alerts/")
    assert "2 new since your last visit" in page.inner_text(".page-head")
    assert page.get_attribute("a.bell", "aria-label") == "Alerts: 0 new"
    page.evaluate("window.__same_document = true")  # survives an htmx swap, not a page load
    row = page.locator(f"#alert-{dock.pk}")
    assert row.locator(".alert-status").inner_text() == "Open"
    row.locator("button", has_text="Acknowledge").click()
    page.wait_for_function(
        f"document.querySelector('#alert-{dock.pk} .alert-status').textContent.trim() === 'Acknowledged'"
    )
    row = page.locator(f"#alert-{dock.pk}")
    assert "acknowledged by mia" in row.inner_text()
    assert row.locator("button", has_text="Acknowledge").count() == 0
    assert page.locator(f"#alert-{assembly.pk} .alert-status").inner_text() == "Open"
    assert page.evaluate("window.__same_document") is True
    dock.refresh_from_db()
    assert (dock.status, dock.acknowledged_by, dock.owner) == ("acknowledged", mia, mia)
    assert list(
        AlertOccurrence.objects.filter(alert=dock, event="acknowledged").values_list("actor__username", flat=True)
    ) == ["mia"]
    page.reload()
    assert "0 new since your last visit" in page.inner_text(".page-head")
    assert errors == []


def test_the_accountability_review_draws_the_trend_and_swaps_it_with_the_filters(page, mia, dock, assembly):
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(page, "mia")
    page.goto("/alerts/")
    page.click("text=Accountability review")
    page.wait_for_url("**/alerts/accountability/")
    page.wait_for_function("window.Chart && Chart.getChart('accountability-trend')")

    datasets = page.evaluate(
        "() => Chart.getChart('accountability-trend').data.datasets.map(d => [d.label, d.data.at(-1)])"
    )
    assert datasets == [["Raised", 2], ["Acknowledged", 0], ["Resolved", 0], ["Open at week end", 2],
                        ["Overdue at week end", 0]]  # fmt: skip
    assert page.evaluate("Chart.getChart('accountability-trend').data.labels.length") == 13

    page.evaluate("window.__same_document = true")
    page.select_option("select[name=department]", "warehouse")
    page.wait_for_url("**/alerts/accountability/?department=warehouse&weeks=13")
    page.wait_for_function("document.querySelector('#accountability-report').dataset.department === 'warehouse'")
    page.wait_for_function("Chart.getChart('accountability-trend')")
    assert page.evaluate("Chart.getChart('accountability-trend').data.datasets[0].data.at(-1)") == 1
    assert page.locator("#open-by-department tbody tr").count() == 1
    assert page.evaluate("window.__same_document") is True
    assert errors == []
