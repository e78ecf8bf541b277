"""How one item's MPS grid is shown: 26-week pages, fence markers, projected-available colours, chart series.

Pure functions over `selectors.Grid`, so the page, its htmx partials and the tests read the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .models import Measure
from .selectors import Grid

BLOCK_WEEKS = 26
# Projected available below this counts as below safety stock (the tolerance services.py flags exceptions with).
EPSILON = 1e-9


@dataclass(frozen=True)
class Week:
    index: int
    label: str  # 2027-W14
    short: str  # W14
    monday: Any
    dtf: bool  # the last week inside the demand time fence
    ptf: bool  # the last week inside the planning time fence

    @property
    def fence_class(self) -> str:
        return " ".join(name for name, on in (("fence-dtf", self.dtf), ("fence-ptf", self.ptf)) if on)


def block_start(grid: Grid, week: str | None) -> int:
    """Index of the first week of the 26-week page that holds `week` (a label like 2027-W40); 0 if unknown."""
    if week and week in grid.weeks:
        return grid.weeks.index(week) // BLOCK_WEEKS * BLOCK_WEEKS
    return 0


def pab_class(value: float, safety_stock: float) -> str:
    """Red below zero, orange below safety stock, green otherwise: the colours of an Odoo or SAP MPS screen."""
    if value < -EPSILON:
        return "cell-short"
    if value < safety_stock - EPSILON:
        return "cell-warn"
    return "cell-ok"


def _fence_week(fence: int, weeks: int) -> int | None:
    return fence - 1 if 0 < fence <= weeks else None


def block(grid: Grid, start: int) -> dict[str, Any]:
    """The weeks start .. start+25 of the grid, ready for the template."""
    total = len(grid.weeks)
    stop = min(start + BLOCK_WEEKS, total)
    dtf = _fence_week(grid.demand_time_fence, total)
    ptf = _fence_week(grid.planning_time_fence, total)
    weeks = [
        Week(k, grid.weeks[k], grid.weeks[k][5:], grid.week_starts[k], k == dtf, k == ptf) for k in range(start, stop)
    ]
    rows = []
    for measure, label, values in grid.rows:
        cells = []
        for week in weeks:
            value = values[week.index]
            classes = [week.fence_class]
            if measure == Measure.PROJECTED_AVAILABLE:
                classes.append(pab_class(value, grid.safety_stock))
            elif abs(value) < EPSILON:
                classes.append("zero")
            cells.append({"value": value, "cls": " ".join(c for c in classes if c)})
        rows.append({"measure": measure, "label": label, "cells": cells})
    return {
        "weeks": weeks,
        "rows": rows,
        "first": grid.weeks[start] if weeks else "",
        "last": grid.weeks[stop - 1] if weeks else "",
        "first_number": start + 1,
        "last_number": stop,
        "block_number": start // BLOCK_WEEKS + 1,
        "block_count": max((total + BLOCK_WEEKS - 1) // BLOCK_WEEKS, 1),
        "previous": grid.weeks[start - BLOCK_WEEKS] if start >= BLOCK_WEEKS else None,
        "next": grid.weeks[start + BLOCK_WEEKS] if start + BLOCK_WEEKS < total else None,
        "total_weeks": total,
        "dtf_label": grid.weeks[dtf] if dtf is not None else None,
        "ptf_label": grid.weeks[ptf] if ptf is not None else None,
    }


def chart(grid: Grid) -> dict[str, Any]:
    """Projected available against safety stock, with MPS receipts as bars, over the whole horizon."""
    total = len(grid.weeks)
    dtf = _fence_week(grid.demand_time_fence, total)
    ptf = _fence_week(grid.planning_time_fence, total)
    return {
        "labels": grid.weeks,
        "projected": grid.row(Measure.PROJECTED_AVAILABLE),
        "mps": grid.row(Measure.MPS),
        "safety_stock": [grid.safety_stock] * total,
        "fences": [{"label": name, "week": grid.weeks[k]} for name, k in (("DTF", dtf), ("PTF", ptf)) if k is not None],
    }
