"""The accountability review's figures, worked by hand from ten alerts with known timestamps.

Now is Wednesday 2027-04-07 12:00 in London, in ISO week 2027-W14 (weeks start Monday 00:00 London time).

  alert  departments   severity  raised            acknowledged    resolved (by)             due            owner
  A1     ops           critical  W14 Mon 04-05 09  04-05 11 (2 h)  -                         04-06 09       mia
  A2     ops           warning   W13 Mon 03-29 08  03-29 12 (4 h)  03-30 08 mia (24 h)       04-01 08       mia
  A3     ops, wh       critical  W12 Mon 03-22 10  -               03-22 19 ola (9 h)        03-23 10       -
  A4     wh            info      W13 Tue 03-30 10  -               -                         04-06 10       -
  A5     wh            warning   W14 Tue 04-06 08  -               -                         04-09 08       ola
  A6     ops           warning   W05 Mon 02-01 10  -               02-10 10 check (216 h)    02-04 10       -
  A7     ops           critical  W09 Mon 03-01 09  03-01 15 (6 h)  -                         03-02 09       mia
  A8     ops           info      2026-12-01 10     -               -                         2026-12-08 10  -
  A9     ops           warning   2026-06-01 10     -               2026-06-05 10 check (96 h)  2026-06-02 10  -
  A10    ops, wh       warning   W13 Thu 04-01 10  -               -                         04-04 10       ola

(ops: operations, wh: warehouse.)

A3 was resolved by a person without being acknowledged first: that answers it, so it counts as acknowledged after
9 h. A6 and A9 were resolved by the check (the condition went away): resolved, but never acknowledged.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from sop_portal.alerts import accountability
from sop_portal.alerts.accountability import Scope
from sop_portal.alerts.models import Alert, Severity
from sop_portal.alerts.planning.response_times import RaisedAlert, ResponseTimes, response_times, review_weeks
from sop_portal.organisation.models import Role
from tests.factories import make_user

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2027, 4, 7, 12, tzinfo=LONDON)
CRITICAL, WARNING, INFO = Severity.CRITICAL, Severity.WARNING, Severity.INFO
OPS, WH = ("operations",), ("warehouse",)
BOTH = ("operations", "warehouse")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=LONDON)


@pytest.fixture(autouse=True)
def london(settings):
    settings.TIME_ZONE = "Europe/London"


@pytest.fixture
def people(db):
    both = {"operations": Role.PLANNER, "warehouse": Role.PLANNER}
    return {"mia": make_user("mia", departments=both), "ola": make_user("ola", departments=both)}


@pytest.fixture
def alerts(raise_alert, people) -> dict[str, Alert]:
    mia, ola = people["mia"], people["ola"]
    rows = [
        # name, departments, severity, raised, acknowledged, resolved, resolved by, due, owner
        ("A1", OPS, CRITICAL, "2027-04-05 09:00", "2027-04-05 11:00", None, None, "2027-04-06 09:00", mia),
        ("A2", OPS, WARNING, "2027-03-29 08:00", "2027-03-29 12:00", "2027-03-30 08:00", mia, "2027-04-01 08:00", mia),
        ("A3", BOTH, CRITICAL, "2027-03-22 10:00", None, "2027-03-22 19:00", ola, "2027-03-23 10:00", None),
        ("A4", WH, INFO, "2027-03-30 10:00", None, None, None, "2027-04-06 10:00", None),
        ("A5", WH, WARNING, "2027-04-06 08:00", None, None, None, "2027-04-09 08:00", ola),
        ("A6", OPS, WARNING, "2027-02-01 10:00", None, "2027-02-10 10:00", None, "2027-02-04 10:00", None),
        ("A7", OPS, CRITICAL, "2027-03-01 09:00", "2027-03-01 15:00", None, None, "2027-03-02 09:00", mia),
        ("A8", OPS, INFO, "2026-12-01 10:00", None, None, None, "2026-12-08 10:00", None),
        ("A9", OPS, WARNING, "2026-06-01 10:00", None, "2026-06-05 10:00", None, "2026-06-02 10:00", None),
        ("A10", BOTH, WARNING, "2027-04-01 10:00", None, None, None, "2027-04-04 10:00", ola),
    ]
    made = {}
    for name, departments, severity, raised, acknowledged, resolved, resolved_by, due, owner in rows:
        alert = raise_alert(f"test:{name}", severity=severity, departments=departments, label=name)
        status = "resolved" if resolved else "acknowledged" if acknowledged else "open"
        Alert.objects.filter(pk=alert.pk).update(
            status=status, created=at(raised), due_at=at(due), owner=owner,
            acknowledged_at=at(acknowledged) if acknowledged else None, acknowledged_by=owner if acknowledged else None,
            resolved_at=at(resolved) if resolved else None, resolved_by=resolved_by,
        )  # fmt: skip
        made[name] = Alert.objects.get(pk=alert.pk)
    return made


def times(raised, acknowledged, to_acknowledge, resolved, to_resolve, waiting) -> ResponseTimes:
    return ResponseTimes(raised, acknowledged, to_acknowledge, resolved, to_resolve, waiting)


def test_unresolved_alerts_by_department_and_severity(alerts):
    report = accountability.report(Scope(), NOW)
    rows, total = report.open_alerts, report.open_total
    by_code = {r.department: (r.critical, r.warning, r.info, r.total, r.acknowledged, r.overdue) for r in rows}

    assert by_code["operations"] == (2, 1, 1, 4, 2, 4)  # A1 A7 | A10 | A8; A1 A7 acknowledged; all four overdue
    assert by_code["warehouse"] == (0, 2, 1, 3, 0, 2)  # A5 A10 | A4; A4 and A10 overdue
    assert by_code["sales"] == by_code["finance"] == (0, 0, 0, 0, 0, 0)
    # Each alert once: A10 is in both departments.
    overall = (total.critical, total.warning, total.info, total.total, total.acknowledged, total.overdue)
    assert overall == (2, 2, 2, 6, 2, 5)


@pytest.mark.parametrize(
    ("weeks", "operations", "warehouse", "overall"),
    [
        # Raised since W11 (Mon 2027-03-15): A1 A2 A3 A4 A5 A10.
        (4, times(4, 3, 4.0, 2, 16.5, 1), times(4, 1, 9.0, 1, 9.0, 3), times(6, 3, 4.0, 2, 16.5, 3)),
        # Since W02 (Mon 2027-01-11) A6 and A7 too: acknowledged after 2, 4, 6 and 9 h; resolved after 9, 24, 216 h.
        (13, times(6, 4, 5.0, 3, 24.0, 1), times(4, 1, 9.0, 1, 9.0, 3), times(8, 4, 5.0, 3, 24.0, 3)),
        # Since 2026-W16 A8 (waiting) and A9 (resolved by the check after 96 h) too.
        (52, times(8, 4, 5.0, 4, 60.0, 2), times(4, 1, 9.0, 1, 9.0, 3), times(10, 4, 5.0, 4, 60.0, 4)),
    ],
)
def test_median_hours_to_acknowledge_and_to_resolve_per_department(alerts, weeks, operations, warehouse, overall):
    report = accountability.report(Scope(weeks=weeks), NOW)
    by_code = {r.department: r.times for r in report.response}

    assert by_code["operations"] == operations
    assert by_code["warehouse"] == warehouse
    assert by_code["sales"] == times(0, 0, None, 0, None, 0)
    assert report.response_total == overall


def test_the_period_starts_on_the_monday_of_its_first_iso_week(alerts):
    assert accountability.report(Scope(weeks=4), NOW).period_start == at("2027-03-15 00:00")
    assert accountability.report(Scope(weeks=13), NOW).period_first_week == "2027-W02"
    assert accountability.report(Scope(weeks=52), NOW).period_start == at("2026-04-13 00:00")


def test_overdue_alerts_by_owner_per_department_with_the_unowned_as_unassigned(alerts):
    rows = accountability.report(Scope(), NOW).overdue
    shown = [(r.department, r.owner, r.overdue, r.oldest_due, [a.subject_label for a in r.alerts]) for r in rows]

    assert shown == [
        ("operations", "mia", 2, at("2027-03-02 09:00"), ["A7", "A1"]),
        ("operations", "Unassigned", 1, at("2026-12-08 10:00"), ["A8"]),
        ("operations", "ola", 1, at("2027-04-04 10:00"), ["A10"]),
        ("warehouse", "ola", 1, at("2027-04-04 10:00"), ["A10"]),
        ("warehouse", "Unassigned", 1, at("2027-04-06 10:00"), ["A4"]),
    ]
    assert [r.owner_id for r in rows][:2] == [alerts["A1"].owner_id, None]


def test_overdue_for_one_department(alerts):
    rows = accountability.report(Scope(department="warehouse"), NOW).overdue
    shown = [(r.department, r.owner, r.overdue) for r in rows]
    assert shown == [("warehouse", "ola", 1), ("warehouse", "Unassigned", 1)]


def test_weekly_trend_of_the_last_13_iso_weeks(alerts):
    weeks = accountability.report(Scope(), NOW).trend

    def column(name: str) -> dict[str, int]:
        return {w.week[-3:]: getattr(w, name) for w in weeks if getattr(w, name)}

    assert [w.week for w in weeks] == [f"2027-W{n:02d}" for n in range(2, 15)]
    assert (weeks[0].start, weeks[-1].end) == (at("2027-01-11 00:00"), at("2027-04-12 00:00"))
    assert column("raised") == {"W05": 1, "W09": 1, "W12": 1, "W13": 3, "W14": 2}
    # A7 acknowledged in W09, A3 resolved by ola unacknowledged in W12, A2 in W13, A1 in W14.
    assert column("acknowledged") == {"W09": 1, "W12": 1, "W13": 1, "W14": 1}
    assert column("resolved") == {"W06": 1, "W12": 1, "W13": 1}  # A6 by the check, A3, A2; A9 long before
    # A8 is open throughout; A6 over the end of W05; A7 from W09; A4 and A10 from W13; A1 and A5 in W14 (now).
    assert [w.open_at_end for w in weeks] == [1, 1, 1, 2, 1, 1, 1, 2, 2, 2, 2, 4, 6]
    # A4 falls due on Tuesday of W14 and A1 the same day; A10 on Sunday of W13.
    assert [w.overdue_at_end for w in weeks] == [1, 1, 1, 2, 1, 1, 1, 2, 2, 2, 2, 3, 5]


def test_weekly_trend_of_one_department(alerts):
    weeks = accountability.report(Scope(department="warehouse"), NOW).trend
    figures = {w.week[-3:]: (w.raised, w.acknowledged, w.resolved, w.open_at_end, w.overdue_at_end) for w in weeks}

    assert {week: row for week, row in figures.items() if any(row)} == {
        "W12": (1, 1, 1, 0, 0),  # A3 raised, answered and resolved the same day
        "W13": (2, 0, 0, 2, 1),  # A4 and A10 raised; A10 overdue since Sunday
        "W14": (1, 0, 0, 3, 2),  # A5 raised; A4 overdue since Tuesday
    }


def test_the_report_as_json_and_for_the_chart(alerts):
    report = accountability.report(Scope(weeks=4), NOW)
    data = report.as_json()

    assert data["scope"] == {"weeks": 4, "department": ""}
    assert data["response_total"]["median_hours_to_resolve"] == 16.5
    assert data["open_total"]["overdue"] == 5
    assert data["overdue"][0]["alerts"][0]["subject_label"] == "A7"
    chart = report.chart()
    assert chart["labels"][-1] == "2027-W14"
    assert chart["open_at_end"][-2:] == [4, 6]


def test_the_figures_cost_one_query_each(alerts, django_assert_num_queries):
    # The departments, the open counts, the response times, the overdue counts and their links, the trend.
    with django_assert_num_queries(6):
        accountability.report(Scope(), NOW)


def test_review_weeks_cross_the_year_and_end_with_the_running_week():
    weeks = review_weeks(date(2027, 1, 6), 3)
    assert [(w.label, w.start, w.end) for w in weeks] == [
        ("2026-W52", date(2026, 12, 21), date(2026, 12, 28)),
        ("2026-W53", date(2026, 12, 28), date(2027, 1, 4)),
        ("2027-W01", date(2027, 1, 4), date(2027, 1, 11)),
    ]


def test_response_times_of_nothing_have_no_median():
    by_code, total = response_times([], ["sales"])
    assert by_code["sales"] == total == ResponseTimes(0, 0, None, 0, None, 0)


def test_an_alert_of_two_departments_counts_in_both_and_once_overall():
    raised = datetime(2027, 4, 5, 9, tzinfo=LONDON)
    alerts = [
        RaisedAlert(["operations", "warehouse"], raised, at("2027-04-05 10:00"), at("2027-04-05 12:00")),
        RaisedAlert(["warehouse"], raised, at("2027-04-05 12:00"), None),
    ]
    by_code, total = response_times(alerts, ["operations", "warehouse"])
    assert by_code["operations"] == ResponseTimes(1, 1, 1.0, 1, 3.0, 0)
    assert by_code["warehouse"] == ResponseTimes(2, 2, 2.0, 1, 3.0, 0)
    assert total == by_code["warehouse"]
