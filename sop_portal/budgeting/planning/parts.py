"""Each department's part of the summary (docs/budgeting.md "Department parts and sign-off"), its fingerprint and
the largest figure that moved between two summaries (no Django).

A part is a list of monthly figures, each with a stable key (ids and codes, so renaming a label does not look
like a move), a label a planner reads and a unit. Fingerprints hash the figures rounded to whole units, hours and
money, so float noise never re-opens a sign-off; marketing's fingerprint also covers the campaign calendar
(which campaigns, their weeks and budgets), which can move without moving a monthly figure.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from fulfillment.planning.projection import DIMENSIONS
from sop_portal.organisation.departments import (
    CUSTOMER_SERVICE,
    FINANCE,
    MARKETING,
    OPERATIONS,
    SALES,
    WAREHOUSE,
)

DEPARTMENTS = (MARKETING, SALES, OPERATIONS, WAREHOUSE, FINANCE, CUSTOMER_SERVICE)
MONEY, UNITS, HOURS, SHIFTS, PALLETS = "", "units", "h", "shifts", "pallets"
DIMENSION_UNITS = {"inbound": UNITS, "outbound": UNITS, "storage": PALLETS, "labour": HOURS}


@dataclass(frozen=True)
class Figure:
    key: str  # stable identity, e.g. "resource:BOT:load"
    label: str  # what the screen and the pack show, e.g. "Bottling line load"
    values: Sequence[float | None]  # 12 monthly values (None: not recorded)
    unit: str  # "" for money
    # The plan's own volumes, loads and money; capacity and how an overload is covered (overtime, shifts,
    # uncovered hours) follow from them and are named only when nothing of the first kind moved.
    headline: bool = True
    # A total of other figures of the same part: on a tie the figure it adds up is the one worth naming.
    total: bool = False


def figures(summary: dict[str, Any]) -> dict[str, list[Figure]]:
    """department code → its figures, in the order the screen and the pack show them."""
    families, resources = summary["families"], summary["resources"]
    money = summary["money"]
    return {
        MARKETING: [
            *(
                Figure(f"campaign:{c['id']}:spend", f"{c['name']} spend", c["spend"], MONEY)
                for c in summary["campaigns"]
            ),
            Figure("marketing_spend", "Marketing spend", money["marketing_spend"], MONEY, total=True),
        ],
        SALES: [
            figure
            for f in families
            for figure in (
                Figure(f"family:{f['code']}:demand", f"Volume {f['label']}", f["demand"], UNITS),
                Figure(f"family:{f['code']}:revenue", f"Revenue {f['label']}", f["revenue"], MONEY),
            )
        ],
        OPERATIONS: [
            *(
                Figure(f"family:{f['code']}:production", f"Production {f['label']}", f["production"], UNITS)
                for f in families
            ),
            *(figure for r in resources for figure in _resource_figures(r)),
        ],
        WAREHOUSE: [
            figure
            for w in summary["warehouses"]
            for dimension in DIMENSIONS
            for figure in (
                Figure(
                    f"warehouse:{w['code']}:{dimension}:load",
                    f"{w['label']} {dimension} load",
                    w["dimensions"][dimension]["load"],
                    DIMENSION_UNITS[dimension],
                ),
                Figure(
                    f"warehouse:{w['code']}:{dimension}:capacity",
                    f"{w['label']} {dimension} capacity",
                    w["dimensions"][dimension]["capacity"],
                    DIMENSION_UNITS[dimension],
                    headline=False,
                ),
            )
        ],
        FINANCE: [
            Figure("revenue", "Revenue", money["revenue"], MONEY),
            Figure("cogs", "Cost of goods", money["cogs"], MONEY),
            Figure("returns_cost", "Returns cost", money["returns_cost"], MONEY),
            Figure("marketing_spend", "Marketing spend", money["marketing_spend"], MONEY),
            Figure("capacity_cost", "Capacity cost", money["capacity_cost"], MONEY),
            Figure("margin", "Margin", money["margin"], MONEY),
        ],
        CUSTOMER_SERVICE: [
            figure
            for f in families
            for figure in (
                Figure(f"family:{f['code']}:returns_units", f"Returns {f['label']}", f["returns_units"], UNITS),
                Figure(f"family:{f['code']}:returns_cost", f"Returns cost {f['label']}", f["returns_cost"], MONEY),
            )
        ],
    }


def _resource_figures(resource: dict[str, Any]) -> list[Figure]:
    key, label = f"resource:{resource['code']}", resource["label"]
    coverage = [
        ("capacity", "capacity", "capacity", HOURS),
        ("overtime", "overtime", "overtime_hours", HOURS),
        ("extra_shifts", "extra shifts", "extra_shifts", SHIFTS),
        ("planned_shifts", "planned shifts", "planned_shifts", SHIFTS),
        ("uncovered", "uncovered", "uncovered_hours", HOURS),
    ]
    return [
        Figure(f"{key}:load", f"{label} load", resource["load"], HOURS),
        *(
            Figure(f"{key}:{name}", f"{label} {text}", resource[field], unit, headline=False)
            for name, text, field, unit in coverage
        ),
    ]


def part_figures(summary: dict[str, Any]) -> dict[str, list[tuple[str, list[float | None]]]]:
    """department code → [(label, 12 monthly values)] of the part it signs."""
    return {
        department: [(figure.label, list(figure.values)) for figure in part]
        for department, part in figures(summary).items()
    }


def _whole(value: float | None) -> int | None:
    return None if value is None else round(value)


def _calendar(summary: dict[str, Any]) -> list[list[Any]]:
    """The campaign calendar as marketing signs it: which campaigns, their weeks, their whole budgets."""
    return sorted(
        [c["id"], c["name"], c["start_week"], c["end_week"], _whole(c["budget"])] for c in summary["campaigns"]
    )


def fingerprints(summary: dict[str, Any]) -> dict[str, str]:
    """department code → sha256 hex of its part, rounded to whole units, hours and money."""
    out = {}
    for department, part in figures(summary).items():
        content: dict[str, Any] = {figure.key: [_whole(v) for v in figure.values] for figure in part}
        if department == MARKETING:
            content["calendar"] = _calendar(summary)
        text = json.dumps(content, sort_keys=True, separators=(",", ":"))
        out[department] = hashlib.sha256(text.encode()).hexdigest()
    return out


def _amount(delta: int, unit: str) -> str:
    if unit == SHIFTS and abs(delta) == 1:
        unit = "shift"
    return f"{delta:+,d}" + (f" {unit}" if unit else "")


def largest_move(old_summary: dict[str, Any], new_summary: dict[str, Any], department: str) -> str | None:
    """The figure of the department's part that moved most, e.g. "Bottling line load Jul 2027 +340 h" or
    "Revenue Snacks Mar 2027 -12,400"; None when nothing moved (at whole units).

    Moves are compared in whole units, as fingerprints are. Volumes, loads and money come first; capacity and
    how an overload is covered (overtime, shifts, uncovered hours) are named only when none of those moved.
    Within one unit the biggest change wins; across units (hours against units against money) each change is
    measured against the largest figure of its unit in the part, so a +340 h load change on lines of 4,000 h
    a month outranks +5,000 units on families of 800,000. Ties go to the detail rather than the total (a
    campaign's own spend before the marketing total), then to the figure shown first. A campaign calendar
    change that moves no monthly figure (a move within a month, a budget outside the year) is named as such.
    """
    months = new_summary["months"]
    old_part = {figure.key: figure for figure in figures(old_summary)[department]}
    new_part = figures(new_summary)[department]
    new_keys = {figure.key for figure in new_part}
    absent: list[float | None] = [None] * len(months)
    pairs = [
        (figure, old_part[figure.key].values if figure.key in old_part else absent, figure.values)
        for figure in new_part
    ]
    pairs += [(figure, figure.values, absent) for key, figure in old_part.items() if key not in new_keys]
    scale: dict[str, float] = {}
    moves = []
    for figure, before, after in pairs:
        old_values = [_whole(v) or 0 for v in before]
        new_values = [_whole(v) or 0 for v in after]
        scale[figure.unit] = max(scale.get(figure.unit, 1.0), *map(abs, old_values), *map(abs, new_values))
        moves += [(figure, m, b - a) for m, (a, b) in enumerate(zip(old_values, new_values, strict=True)) if a != b]
    if moves:
        figure, month, delta = max(
            moves, key=lambda move: (move[0].headline, abs(move[2]) / scale[move[0].unit], not move[0].total)
        )
        return f"{figure.label} {months[month]} {_amount(delta, figure.unit)}"
    if department == MARKETING:
        return _calendar_move(old_summary, new_summary)
    return None


def _calendar_move(old_summary: dict[str, Any], new_summary: dict[str, Any]) -> str | None:
    old = {c["id"]: c for c in old_summary["campaigns"]}
    new = {c["id"]: c for c in new_summary["campaigns"]}
    for cid, campaign in new.items():
        before = old.get(cid)
        if before is None:
            return f"{campaign['name']} added ({campaign['start_week']}..{campaign['end_week']})"
        if (before["start_week"], before["end_week"]) != (campaign["start_week"], campaign["end_week"]):
            return (
                f"{campaign['name']} {before['start_week']}..{before['end_week']}"
                f" → {campaign['start_week']}..{campaign['end_week']}"
            )
        delta = (_whole(campaign["budget"]) or 0) - (_whole(before["budget"]) or 0)
        if delta:
            return f"{campaign['name']} budget {_amount(delta, MONEY)}"
    for cid, campaign in old.items():
        if cid not in new:
            return f"{campaign['name']} dropped"
    return None
