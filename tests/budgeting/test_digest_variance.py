"""The "Budget variance" section of the e-mail digests: after the 2027 budget locked and 'Winter warmers' was approved
unbudgeted (figures in test_variance.py), finance, marketing and operations read the top variances of their parts
and the unbudgeted campaign; the budget is measured once per digest run, whatever the number of readers."""

from __future__ import annotations

from datetime import time, timedelta
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sop_portal.alerts import digests
from sop_portal.alerts.models import OutboundEmail, Severity, Subscription
from sop_portal.alerts.services import Condition, reconcile
from sop_portal.alerts.subscriptions import subscription_for, update_subscription
from sop_portal.budgeting import variance, variance_alerts
from sop_portal.organisation.models import Role
from tests.budgeting.locked_budget import lock, winter_warmers
from tests.factories import make_user

BASE = "http://127.0.0.1:8000"


@pytest.fixture(autouse=True)
def fresh_measurements(settings: Any) -> Any:
    settings.PORTAL_BASE_URL = BASE
    variance.forget()
    yield
    variance.forget()


def daily(user: Any, frequency: str = "daily") -> Any:
    subscription_for(user)
    update_subscription(user, frequency=frequency, time_of_day=time(0, 0), time_zone="UTC", alert_types=[],
                        min_severity=Severity.INFO)  # fmt: skip
    Subscription.objects.filter(user=user).update(last_digest_at=timezone.now() - timedelta(days=1))
    return user


@pytest.fixture
def unbudgeted(cycle: Any, world: Any, finance: Any) -> Any:
    """The budget locked, Winter warmers approved and flagged, and an overload alert for operations and sales, so
    that every reader below has news and gets a digest."""
    locked = lock(cycle, world, finance)
    world.winter = winter_warmers(world)
    variance_alerts.check_unbudgeted(locked)
    reconcile([], [Condition(
        key="overload:resource:1", type="overload", severity=Severity.WARNING, subject_type="resource",
        subject_id="1", subject_label="Bottling line", message="Bottling line 132 % in 2027-W45",
        departments=("operations", "sales"),
    )])  # fmt: skip
    # Nobody gets mail unless a test says so (the scheduler would give everyone their default digest).
    for user in get_user_model().objects.all():
        subscription_for(user)
    Subscription.objects.update(frequency="off")
    return locked


def body(username: str) -> str:
    return OutboundEmail.objects.get(recipient=f"{username}@example.com").text_body


def test_finance_marketing_and_operations_read_their_top_variances_and_the_unbudgeted_campaign(
    unbudgeted, world, finance
):
    users = get_user_model().objects
    for username in ("fred", "mia", "olga"):
        daily(users.get(username=username))
    daily(make_user("sam", departments={"sales": Role.VIEWER}))

    assert digests.queue_due_digests() == 4

    campaign = f"{BASE}/campaigns/{world.winter.pk}/"
    winter = (
        "Campaigns not in the budget:\n"
        "Winter warmers: +60 units, +€180 revenue, +€5,080 capacity cost, Bottling line peak 132 %; margin -€6,990\n"
        f"          {campaign}\n"
        f"Variance report: {BASE}/budget/2027/variance/\n"
    )
    assert (
        "== Budget variance 2027 ==\n"
        "The live plan against the locked budget, largest first:\n"
        "Finance · Margin Nov 2027: €550 → -€6,440 (-€6,990, -1,271.8 %)\n"
        "Finance · Capacity cost Nov 2027: €240 → €5,320 (+€5,080, +2,116.7 %)\n"
        "Finance · Marketing spend Nov 2027: €0 → €2,000 (+€2,000, new)\n"
        "Finance · Revenue Nov 2027: €1,640 → €1,820 (+€180, +11.0 %)\n"
        "Finance · Cost of goods Nov 2027: €780 → €870 (+€90, +11.5 %)\n" + winter
    ) in body("fred")
    assert (
        "== Budget variance 2027 ==\n"
        "The live plan against the locked budget, largest first:\n"
        "Marketing · Winter warmers spend Nov 2027: — → €2,000 (+€2,000, new)\n"
        "Marketing · Marketing spend Nov 2027: €0 → €2,000 (+€2,000, new)\n" + winter
    ) in body("mia")
    assert (
        "== Budget variance 2027 ==\n"
        "The live plan against the locked budget, largest first:\n"
        "Operations · Bottling line load Nov 2027: 408 h → 468 h (+60 h, +14.7 %)\n"
        "Operations · Production Beverages Nov 2027: 600 units → 660 units (+60 units, +10.0 %)\n"
        "Operations · Bottling line extra shifts Nov 2027: 0 shifts → 2 shifts (+2 shifts, new)\n"
        "Operations · Bottling line overtime Nov 2027: 8 h → 44 h (+36 h, +450.0 %)\n" + winter
    ) in body("olga")
    assert "Budget variance" not in body("sam")
    html = OutboundEmail.objects.get(recipient="fred@example.com").html_body
    assert (
        '<h2 style="font-size: 16px; border-bottom: 1px solid #e5e7eb;" class="digest-budget">Budget variance 2027'
        in html
    )
    assert f'<li class="digest-unbudgeted"><a href="{campaign}">Winter warmers</a>: +60 units, +€180 revenue' in html
    assert html.count('class="digest-budget-row"') == 5


def test_the_budget_is_measured_once_per_run_and_the_queries_do_not_grow_with_the_readers(unbudgeted, monkeypatch):
    calls: list[int] = []
    measure = variance.measure

    def counted(cycle: Any) -> Any:
        calls.append(cycle.pk)
        return measure(cycle)

    monkeypatch.setattr(variance, "measure", counted)
    variance.measure(unbudgeted)  # the live plan's snapshot stored, as any page view or earlier run leaves it
    calls.clear()

    def run(prefix: str, readers: int) -> int:
        users = [daily(make_user(f"{prefix}{i}", departments={"finance": Role.PLANNER})) for i in range(readers)]
        variance.forget()
        with CaptureQueriesContext(connection) as captured:
            assert digests.queue_due_digests() == readers
        Subscription.objects.filter(user__in=users).update(frequency="off")
        return len(captured)

    assert run("few", 2) == run("many", 6)
    assert calls == [unbudgeted.pk, unbudgeted.pk]
    assert all("Finance · Margin Nov 2027" in e.text_body for e in OutboundEmail.objects.all())


def test_immediate_mails_do_not_carry_it_nor_measure_it(unbudgeted, finance, monkeypatch):
    monkeypatch.setattr(variance, "measure", lambda cycle: pytest.fail("measured for an immediate mail"))
    daily(finance, frequency="immediate")

    assert digests.queue_due_digests() == 1
    assert "Budget variance" not in body("fred")
