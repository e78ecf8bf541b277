"""Return-rate anomalies on a worked example: the campaign's sales come back six times as often as the product's
other sales, for one reason; the alert names the reasons and what customers said, and goes to the campaign
owner's department with sales and marketing; the owner acknowledges and answers, customer service follows up.

TODAY 2027-04-07 (W14). Policy defaults: recent order weeks W06-W13, baseline the 26 weeks before (W32 of 2026
to W05); the current week is left out. 'Spring push' (marketing, owner mia) ran 8-21 March 2027: W10 and W11.

BEV-001, retail only:
    shipped     100 a week, 300 in W10 and W11 (the campaign)      34 weeks: 3,200 outside + 600 in the campaign
    returned    2 a week outside the campaign ("Changed mind")      64 of 3,200 = 2 %
                36 a week in W10 and W11, one unit per return       72 of 600   = 12 %
                  27 a week "Product defect: Broken or leaking"     54 units, 75 %
                   9 a week "Damaged in transit: Crushed or torn"   18 units, 25 %
BEV-002 (same family): 100 a week, 2 a week returned: 2 %. The family's rate over the baseline weeks is 2 %, so
BEV-001's baseline, (64 + 500 x 2 %) / (3,200 + 500) = 74 / 3,700, is 2 % exactly.

Campaign sales: 72 of 600 = 12.0 %, 6.0 times the 2.0 % baseline, p = P(X >= 72 | 600, 0.02) = 3e-37: an
anomaly (a critical one: more than three times the baseline and p below alpha / 100). BEV-001 outside the
campaign: 12 of 600 in W06-W13 against 52 of 2,600 before (2 %): nothing to report.
"""

from datetime import date, timedelta
from fractions import Fraction
from math import comb

import pytest

from campaigns.models import Campaign
from returns import services
from returns.models import AnomalyResponse, ReturnAnomaly
from sop_portal.alerts.models import Alert, Severity
from sop_portal.errors import InputError
from sop_portal.organisation.models import Department, Role
from tests.factories import make_user

from .conftest import CRUSHED, DEFECT, FIRST, THIS_MONDAY, W10, W11, mondays, row, weekly_shipments


def p_value() -> float:
    p = Fraction(1, 50)
    return float(1 - sum(comb(600, i) * p**i * (1 - p) ** (600 - i) for i in range(72)))


def test_a_spike_on_a_campaign_product_alerts_the_owner_with_reasons_and_comments(spike):
    outcome = services.raise_anomalies([spike["bev1"].pk], batch=spike["batch"])

    key = f"returns:campaign:{spike['campaign'].pk}:product:{spike['bev1'].pk}"
    assert [a.key for a in outcome.raised] == [key]
    anomaly = outcome.raised[0]
    assert (anomaly.returned, anomaly.shipped) == (72, 600)
    assert anomaly.rate == pytest.approx(0.12)
    assert anomaly.baseline_rate == pytest.approx(0.02)
    assert anomaly.p_value == pytest.approx(p_value(), rel=1e-6)
    assert (anomaly.first_week, anomaly.last_week) == (W10, W11)
    assert [(r["reason"], r["units"], r["share"]) for r in anomaly.top_reasons] == [
        ("Product defect: Broken or leaking", 54, 0.75),
        ("Damaged in transit: Crushed or torn packaging", 18, 0.25),
    ]
    assert anomaly.comments == [DEFECT[0], DEFECT[1], CRUSHED]
    assert anomaly.status == ReturnAnomaly.Status.OPEN

    alert = Alert.objects.get(type=Alert.Type.RETURNS_ANOMALY)
    assert anomaly.alert == alert
    assert alert.owner == spike["mia"]  # the campaign owner answers for it
    assert alert.departments == ["marketing", "sales"]
    assert alert.severity == Severity.CRITICAL
    assert (alert.subject_type, alert.subject_id, alert.subject_label) == (
        "campaign", str(spike["campaign"].pk), "Spring push: BEV-001",
    )  # fmt: skip
    assert alert.message == (
        "Return rate of BEV-001 Cola 1l sold in campaign 'Spring push', orders 2027-W10 to 2027-W11: 72 of 600 "
        f"units returned (12.0%) against a baseline of 2.0% — 6.0 times the baseline, p = {p_value():.1g}. "
        "Top reasons: Product defect: Broken or leaking 75%, Damaged in transit: Crushed or torn packaging 25%. "
        f"Customers say: “{DEFECT[0]}”; “{DEFECT[1]}”; “{CRUSHED}”. "
        "Mia Jones (Marketing), please acknowledge and answer with the action taken."
    )
    batch = spike["batch"]
    assert alert.cause == {
        "batch": batch.pk,
        "causes": [
            {"type": "returns", "ref": f"returns-batch:{batch.pk}", "label": f"Returns batch {batch.pk} (spike.csv)"}
        ],
    }


def test_the_owner_department_joins_sales_and_marketing(spike):
    Campaign.objects.filter(pk=spike["campaign"].pk).update(
        owner_department=Department.objects.get_or_create(code="finance", defaults={"name": "Finance"})[0]
    )
    services.raise_anomalies([spike["bev1"].pk], batch=spike["batch"])
    assert Alert.objects.get().departments == ["marketing", "sales", "finance"]


def test_checking_again_updates_the_same_alert_and_resolves_it_when_the_rate_is_back(spike):
    services.raise_anomalies([spike["bev1"].pk], batch=spike["batch"])
    again = services.raise_anomalies([spike["bev1"].pk], batch=spike["batch"])
    assert (len(again.raised), len(again.updated), len(again.resolved)) == (0, 1, 0)
    assert Alert.objects.get().occurrences == 2

    # Shipments were under-reported: 2,400 a week in the campaign makes 72 of 4,800 = 1.5 %, below the baseline.
    weekly_shipments(spike["bev1"], [W10, W11], 2400)
    done = services.raise_anomalies([spike["bev1"].pk])
    assert [a.status for a in done.resolved] == [ReturnAnomaly.Status.RESOLVED]
    assert Alert.objects.get().status == Alert.Status.RESOLVED


def test_the_owner_acknowledges_and_answers_and_customer_service_sees_the_thread(spike):
    anomaly = services.raise_anomalies([spike["bev1"].pk], batch=spike["batch"]).raised[0]
    mia = spike["mia"]
    sophie = make_user("sophie", departments={"customer-service": Role.PLANNER})

    services.acknowledge_anomaly(anomaly, actor=mia, note="Looking into the bottle supplier")
    anomaly.refresh_from_db()
    assert (anomaly.status, anomaly.acknowledged_by) == (ReturnAnomaly.Status.ACKNOWLEDGED, mia)
    alert = Alert.objects.get()
    assert (alert.status, alert.acknowledged_by) == (Alert.Status.ACKNOWLEDGED, mia)
    with pytest.raises(InputError, match="status: is already acknowledged"):
        services.acknowledge_anomaly(anomaly, actor=mia)

    with pytest.raises(InputError, match="due_date: is in the past"):
        services.answer_anomaly(anomaly, actor=mia, action_taken="x", due_date=date(2027, 4, 6))
    with pytest.raises(InputError, match="action_taken"):
        services.answer_anomaly(anomaly, actor=mia, action_taken="  ", due_date=date(2027, 4, 30))
    services.answer_anomaly(
        anomaly, actor=mia, action_taken="Promo packs moved to the reinforced cap; bad lot recalled",
        due_date=date(2027, 4, 30),
    )  # fmt: skip
    services.add_note(anomaly, actor=sophie, text="Customers with the old lot get a refund without a return")

    anomaly.refresh_from_db()
    assert anomaly.status == ReturnAnomaly.Status.ANSWERED
    assert [(r.kind, r.author.username, r.department, r.text, r.due_date) for r in anomaly.responses.all()] == [
        (AnomalyResponse.Kind.ACKNOWLEDGEMENT, "mia", "marketing", "Looking into the bottle supplier", None),
        (AnomalyResponse.Kind.ANSWER, "mia", "marketing", "Promo packs moved to the reinforced cap; bad lot recalled",
         date(2027, 4, 30)),
        (AnomalyResponse.Kind.NOTE, "sophie", "customer-service",
         "Customers with the old lot get a refund without a return", None),
    ]  # fmt: skip


def test_one_return_on_ten_sales_raises_nothing(products):
    bev2 = products["BEV-002"]
    weekly_shipments(bev2, mondays(FIRST, THIS_MONDAY - timedelta(weeks=1)), 10)
    services.import_rows([row("ONE-1", "BEV-002", date(2027, 3, 15))], source="one.csv", actor=None)
    outcome = services.raise_anomalies([bev2.pk])
    assert outcome.raised == []
    assert not Alert.objects.exists()
