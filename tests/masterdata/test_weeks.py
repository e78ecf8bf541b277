"""The planning calendar: ISO week buckets, including the years with 53 weeks and the turn of the year."""

from datetime import date

import pytest

from sop_portal.masterdata.weeks import horizon, parse_week, week_index, week_label, week_start, weeks_between


@pytest.mark.parametrize(
    ("day", "monday", "label"),
    [
        (date(2027, 4, 7), date(2027, 4, 5), "2027-W14"),
        (date(2027, 1, 1), date(2026, 12, 28), "2026-W53"),  # a Friday in ISO week 53 of 2026
        (date(2024, 12, 30), date(2024, 12, 30), "2025-W01"),  # Monday that belongs to next ISO year
        (date(2027, 1, 3), date(2026, 12, 28), "2026-W53"),  # Sunday closes the week
    ],
)
def test_week_start_and_label(day, monday, label):
    assert week_start(day) == monday
    assert week_label(day) == label
    assert parse_week(label) == monday


@pytest.mark.parametrize(
    ("label", "message"),
    [
        ("2027-14", "'2027-14' is not an ISO week like 2027-W14"),
        ("2027-W54", "'2027-W54': year 2027 has no week 54"),
        ("2027-W53", "'2027-W53': year 2027 has no week 53"),
        ("", "'' is not an ISO week like 2027-W14"),
    ],
)
def test_parse_week_rejects_bad_labels_with_the_reason(label, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_week(label)


def test_horizon_is_consecutive_mondays_across_a_53_week_year():
    weeks = horizon(date(2026, 12, 23), 3)
    assert weeks == [date(2026, 12, 21), date(2026, 12, 28), date(2027, 1, 4)]
    assert [week_label(w) for w in weeks] == ["2026-W52", "2026-W53", "2027-W01"]
    assert len(horizon(date(2026, 11, 25), 104)) == 104


def test_week_index_and_weeks_between():
    first = date(2026, 11, 23)
    assert week_index(first, date(2026, 11, 29)) == 0
    assert week_index(first, date(2026, 11, 30)) == 1
    assert week_index(first, date(2026, 11, 22)) == -1
    assert weeks_between(date(2027, 1, 1), date(2027, 12, 31)) == 53
