"""Stored weekly series moved onto the rolling planning window."""

from datetime import date

import pytest

from production.plan_inputs import PlanningWindow, on_window

WINDOW = PlanningWindow(date(2027, 3, 15), 4)


@pytest.mark.parametrize(
    ("stored_from", "values", "expected"),
    [
        (date(2027, 3, 15), [1, 2, 3, 4, 5], [1, 2, 3, 4]),  # same start: cut at the horizon
        (date(2027, 3, 1), [1, 2, 3, 4, 5], [3, 4, 5, 0]),  # rolled two weeks: the last week is not stored yet
        (date(2027, 3, 22), [7, 8], [0, 7, 8, 0]),  # stored a week later than the window starts
        (date(2027, 3, 15), [], [0, 0, 0, 0]),  # a measure the stored plan does not have
        (date(2026, 1, 5), [1, 2], [0, 0, 0, 0]),  # all in the past
    ],
)
def test_on_window(stored_from, values, expected):
    assert on_window(values, stored_from, WINDOW).tolist() == expected
