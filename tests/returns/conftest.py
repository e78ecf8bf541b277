"""Returns test worlds: products, shipped units per channel and week, a campaign, and files of returns.

TODAY is Wednesday 7 April 2027 (ISO week 2027-W14, Monday 5 April): the planning 'today' of these tests.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import Any

import pytest

from campaigns import services as campaigns
from campaigns.models import Campaign
from returns import services
from sop_portal.masterdata import services as masterdata
from sop_portal.organisation.models import Department, Role
from tests.factories import make_family, make_product, make_user

TODAY = date(2027, 4, 7)
THIS_MONDAY = date(2027, 4, 5)
HEADER = [
    "return_number", "order_reference", "customer", "channel", "sku", "quantity", "order_date", "return_date",
    "reason", "sub_reason", "comment", "condition", "disposition",
]  # fmt: skip


@pytest.fixture(autouse=True)
def planning_today(monkeypatch: pytest.MonkeyPatch) -> date:
    monkeypatch.setattr(masterdata, "today", lambda: TODAY)
    return TODAY


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def csv_bytes(rows: Iterable[Mapping[str, Any]], header: list[str] = HEADER) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if v is None else v for k, v in row.items()})
    return out.getvalue().encode()


def row(number: str, sku: str, order: date, *, quantity: int = 1, channel: str = "retail", days: int = 7,
        reason: str = "changed-mind", sub: str = "", comment: str = "", disposition: str = "restock",
        condition: str = "opened", customer: str = "Shop") -> dict[str, Any]:  # fmt: skip
    return {
        "return_number": number, "order_reference": f"SO-{number}", "customer": customer, "channel": channel,
        "sku": sku, "quantity": quantity, "order_date": order.isoformat(),
        "return_date": (order + timedelta(days=days)).isoformat(), "reason": reason, "sub_reason": sub,
        "comment": comment, "condition": condition, "disposition": disposition,
    }  # fmt: skip


@pytest.fixture
def taxonomy(db) -> None:
    """The reasons and policy of the data migration (a transactional test before this one flushed them)."""
    services.ensure_taxonomy()


@pytest.fixture
def products(taxonomy):
    family = make_family("bev", "Beverages")
    return {
        "BEV-001": make_product("BEV-001", family=family, name="Cola 1l"),
        "BEV-002": make_product("BEV-002", family=family, name="Lemonade 1l"),
    }


def weekly_shipments(product, weeks: Iterable[date], quantity: float, channel: str = "retail") -> None:
    services.record_shipments((product.pk, channel, week, quantity) for week in weeks)


def mondays(first: date, last: date) -> list[date]:
    """Mondays from the week of `first` to the week of `last`, inclusive."""
    start = first - timedelta(days=first.weekday())
    return [start + timedelta(weeks=k) for k in range((last - start).days // 7 + 1)]


# The worked example of test_feedback.py's docstring: 'Spring push' (W10-W11) sold BEV-001 that came back at 12 %.
FIRST = THIS_MONDAY - timedelta(weeks=34)  # W32 of 2026
W10, W11 = date(2027, 3, 8), date(2027, 3, 15)
DEFECT = ["Cap cracked and it leaked all over the bag", "Bottle split along the seam"]
CRUSHED = "Box crushed, two bottles dented"


@pytest.fixture
def spike(products):
    bev1, bev2 = products["BEV-001"], products["BEV-002"]
    mia = make_user("mia", first_name="Mia", last_name="Jones", departments={"marketing": Role.PLANNER})
    campaign = campaigns.create_campaign(
        actor=mia, name="Spring push", owner_department=Department.objects.get(code="marketing"),
        start_date=W10, end_date=W11 + timedelta(days=6),
        lines=[{"product": bev1, "uplift_kind": "percent", "uplift_value": 200}],
    )  # fmt: skip
    campaigns.transition(campaign, "submit", actor=mia)
    campaigns.transition(Campaign.objects.get(pk=campaign.pk), "approve", actor=make_user("oscar"))
    weeks = mondays(FIRST, THIS_MONDAY - timedelta(weeks=1))
    weekly_shipments(bev1, [w for w in weeks if w not in (W10, W11)], 100)
    weekly_shipments(bev1, [W10, W11], 300)
    weekly_shipments(bev2, weeks, 100)
    rows = []
    for week in weeks:
        rows.append(row(f"B2-{week}", "BEV-002", week, quantity=2))
        if week not in (W10, W11):
            rows.append(row(f"B1-{week}", "BEV-001", week, quantity=2))
            continue
        for i in range(27):
            comment = DEFECT[1] if (week, i) == (W10, 0) else DEFECT[0]
            rows.append(row(f"S-{week}-{i}", "BEV-001", week, reason="product-defect",
                            sub="broken-or-leaking", comment=comment, disposition="refurbish"))  # fmt: skip
        for i in range(9):
            rows.append(row(f"T-{week}-{i}", "BEV-001", week, reason="damaged-in-transit",
                            sub="crushed-packaging", comment=CRUSHED, disposition="scrap"))  # fmt: skip
    batch = services.import_rows(rows, source="spike.csv", actor=None)
    assert batch.status == "loaded", batch.errors[:3]
    return {"batch": batch, "campaign": Campaign.objects.get(pk=campaign.pk), "mia": mia, "bev1": bev1}
