"""Errors the budgeting services raise beyond the portal's own (sop_portal.errors: InputError, StaleEdit)."""

from __future__ import annotations


class BudgetLocked(Exception):
    """The cycle's plan is locked (HTTP 409): deltas, comments on the plan and sign-offs are refused, because
    the locked baseline is what later changes are measured against."""

    def __init__(self, cycle: object, what: str = "The plan") -> None:
        year = getattr(cycle, "fiscal_year", "")
        phase = getattr(cycle, "get_phase_display", lambda: "locked")()
        super().__init__(
            f"{what} cannot change: the {year} budget is {phase.lower()} and its baseline is final; "
            "later changes are measured against it"
        )
