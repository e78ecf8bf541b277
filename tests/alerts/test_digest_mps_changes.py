"""The top MPS changes in a digest, over real SMTP: the lines the revisions since the last digest moved most, with
their cause and links into the portal; operations get every change, a campaign's department the ones it caused."""

from datetime import date, time, timedelta

import pytest
from django.utils import timezone

from campaigns.models import Campaign
from production.causes import Cause
from production.models import MpsItem, MpsItemChange, MpsRevision, Plant
from sop_portal.alerts import digests, mps_changes, outbox
from sop_portal.alerts.models import Severity, Subscription
from sop_portal.alerts.subscriptions import subscription_for, update_subscription
from sop_portal.organisation.models import Department, Role
from tests.factories import make_product, make_user

pytestmark = pytest.mark.django_db

FIRST_WEEK = date(2027, 3, 1)  # 2027-W09: offset 1 is W10, 2 is W11 …


def daily(user, frequency: str = "daily") -> None:
    """A daily digest at midnight UTC, the last one a day ago: due now, covering the last 24 hours."""
    subscription_for(user)
    update_subscription(user, frequency=frequency, time_of_day=time(0, 0), time_zone="UTC")
    Subscription.objects.filter(user=user).update(last_digest_at=timezone.now() - timedelta(days=1))


def publish(number: int, cause: Cause, hours_ago: float, lines: dict[MpsItem, dict]) -> MpsRevision:
    """A revision as `regenerate_mps` stores it: per changed item its cells and causes, published `hours_ago`."""
    revision = MpsRevision.objects.create(
        number=number, trigger=cause.type, causes=[cause.as_json()], first_week=FIRST_WEEK, items_changed=len(lines)
    )
    MpsItemChange.objects.bulk_create(
        MpsItemChange(revision=revision, item=item, cells=cells, causes=[cause.as_json()],
                      cell_count=sum(len(c["weeks"]) for c in cells.values()))
        for item, cells in lines.items()
    )  # fmt: skip
    MpsRevision.objects.filter(pk=revision.pk).update(created=timezone.now() - timedelta(hours=hours_ago))
    return revision


def mps(weeks: list[int], old: list[float], new: list[float]) -> dict:
    return {"mps": {"weeks": weeks, "old": old, "new": new}}


@pytest.fixture
def world(settings):
    settings.PORTAL_BASE_URL = "https://sop.example.com"
    olga = make_user("olga", departments={"operations": Role.PLANNER})
    mo = make_user("mo", departments={"marketing": Role.PLANNER})
    sam = make_user("sam", departments={"sales": Role.PLANNER})
    for user in (olga, mo, sam):
        daily(user)
    plant = Plant.objects.create(code="avonmouth", name="Avonmouth Drinks Plant")
    cola, lemon, tea = (
        MpsItem.objects.create(product=make_product(sku, name=name), plant=plant)
        for sku, name in (("BEV-001", "Fizzwell Cola 330ml"), ("BEV-002", "Fizzwell Lemon 330ml"),
                          ("BEV-003", "Brightwater Iced Tea 500ml"))
    )  # fmt: skip
    summer = Campaign.objects.create(
        name="Summer push", owner=mo, owner_department=Department.objects.get(code="marketing"),
        start_date=date(2027, 3, 15), end_date=date(2027, 3, 28), version=3,
    )  # fmt: skip
    publish(1, Cause("initial", "seed", "Initial plan"), 30, {cola: mps([0], [0], [5000])})  # before the window
    publish(
        2,
        Cause("campaign", f"campaign:{summer.pk}@v3", "Campaign 'Summer push' v3 (approve)"),
        5,
        {cola: {**mps([2, 3], [0, 0], [600, 600]), "forecast": {"weeks": [2], "old": [900], "new": [2100]}}},
    )
    publish(
        3,
        Cause("returns", "returns-batch:7", "Returns batch 7 (returns-march.csv)"),
        3,
        {
            lemon: mps([1], [500], [200]),
            cola: {"forecast": {"weeks": [5], "old": [100], "new": [90]}},  # the schedule did not move: not listed
        },
    )
    publish(4, Cause("manual", "user:olga", "Replan requested by olga"), 1, {tea: mps([4, 6], [100, 0], [0, 100])})
    return {"olga": olga, "mo": mo, "sam": sam, "cola": cola, "lemon": lemon, "tea": tea}  # fmt: skip


def mps_section(mail) -> str:
    text = mail.message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    start = text.index("== Top MPS changes")
    return text[start : text.index("\nAll alerts:", start)].strip()


def test_operations_get_the_changes_that_moved_the_mps_most_with_their_cause_and_links(world, smtp_mailbox):
    assert digests.queue_due_digests() == 2  # sales sees no MPS change and has no alert: nothing to send
    assert outbox.deliver_due() == 2
    mail = {m.rcpt_tos[0]: m for m in smtp_mailbox}
    assert set(mail) == {"olga@example.com", "mo@example.com"}
    olga = mail["olga@example.com"]
    assert olga.message["Subject"] == "Daily S&OP alerts: 0 new, 0 worse, 0 resolved; 3 MPS changes"
    cola, lemon, tea = world["cola"].pk, world["lemon"].pk, world["tea"].pk
    assert mps_section(olga) == (
        "== Top MPS changes · 3 of 3 lines moved ==\n"
        "BEV-001 Fizzwell Cola 330ml @ Avonmouth Drinks Plant: MPS receipts net +1,200, moved 1,200 in 2 weeks: "
        "2027-W11 +600, 2027-W12 +600\n"
        "          Why: Campaign 'Summer push' v3 (approve)\n"
        "          Revision 2: https://sop.example.com/mps/revisions/2/?sku=BEV-001&measure=mps\n"
        f"          Item plan: https://sop.example.com/mps/items/{cola}/\n"
        "BEV-002 Fizzwell Lemon 330ml @ Avonmouth Drinks Plant: MPS receipts net -300, moved 300 in 1 week: "
        "2027-W10 -300\n"
        "          Why: Returns batch 7 (returns-march.csv)\n"
        "          Revision 3: https://sop.example.com/mps/revisions/3/?sku=BEV-002&measure=mps\n"
        f"          Item plan: https://sop.example.com/mps/items/{lemon}/\n"
        "BEV-003 Brightwater Iced Tea 500ml @ Avonmouth Drinks Plant: MPS receipts net +0, moved 200 in 2 weeks: "
        "2027-W13 -100, 2027-W15 +100\n"
        "          Why: Replan requested by olga\n"
        "          Revision 4: https://sop.example.com/mps/revisions/4/?sku=BEV-003&measure=mps\n"
        f"          Item plan: https://sop.example.com/mps/items/{tea}/"
    )
    html = olga.message.get_body(("html",)).get_content()
    assert html.count('class="digest-mps-change"') == 3
    assert '<a href="https://sop.example.com/mps/revisions/2/?sku=BEV-001&amp;measure=mps">Revision 2</a>' in html
    assert f'<a href="https://sop.example.com/mps/items/{cola}/">BEV-001 Fizzwell Cola 330ml</a>' in html
    assert "Why: Campaign &#x27;Summer push&#x27; v3 (approve)" in html


def test_the_campaign_owners_department_gets_the_changes_its_campaign_caused(world, smtp_mailbox):
    digests.queue_due_digests()
    outbox.deliver_due()
    [mo] = [m for m in smtp_mailbox if m.rcpt_tos == ["mo@example.com"]]
    assert mo.message["Subject"] == "Daily S&OP alerts: 0 new, 0 worse, 0 resolved; 1 MPS change"
    assert mps_section(mo).splitlines()[:3] == [
        "== Top MPS changes · 1 of 1 lines moved ==",
        "BEV-001 Fizzwell Cola 330ml @ Avonmouth Drinks Plant: MPS receipts net +1,200, moved 1,200 in 2 weeks: "
        "2027-W11 +600, 2027-W12 +600",
        "          Why: Campaign 'Summer push' v3 (approve)",
    ]


def test_only_the_top_changes_are_listed_and_the_next_digest_has_only_what_came_after(world, monkeypatch):
    monkeypatch.setattr(mps_changes, "TOP", 2)
    now = timezone.now()
    digests.queue_due_digests(now)
    first = digests.build_digest(Subscription.objects.get(user=world["olga"]), now - timedelta(days=1), now)
    assert [(c.revision, c.sku) for c in first.mps_changes] == [(2, "BEV-001"), (3, "BEV-002")]
    assert first.mps_total == 3
    later = publish(5, Cause("manual", "user:olga", "Replan requested by olga"), -1,
                    {world["lemon"]: mps([1], [200], [260])})  # fmt: skip
    tomorrow = now + timedelta(days=1)
    digests.queue_due_digests(tomorrow)
    olga = Subscription.objects.get(user=world["olga"])
    assert olga.last_digest_at == tomorrow
    second = digests.build_digest(olga, now, tomorrow)
    assert [(c.revision, c.summary) for c in second.mps_changes] == [
        (later.number, "MPS receipts net +60, moved 60 in 1 week: 2027-W10 +60")
    ]


def test_mps_changes_ride_along_an_immediate_mail_but_do_not_send_one(world, raise_alert, smtp_mailbox):
    daily(world["olga"], frequency="immediate")
    assert digests.notify_after_revision(None, {}) == {"emails_queued": 0}  # replans alone would mail every time
    Subscription.objects.filter(user=world["olga"]).update(last_digest_at=timezone.now() - timedelta(days=1))
    raise_alert("a", severity=Severity.CRITICAL, label="Assembly")
    assert digests.notify_after_revision(None, {}) == {"emails_queued": 1}
    outbox.deliver_due()
    [mail] = smtp_mailbox
    assert mail.message["Subject"] == "New S&OP alerts: 1 new, 0 worse, 0 resolved; 3 MPS changes"
    assert mps_section(mail).splitlines()[0] == "== Top MPS changes · 3 of 3 lines moved =="
