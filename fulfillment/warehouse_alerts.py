"""Turn a warehouse projection into alert conditions that say when, how far ahead, and which campaign.

One condition per warehouse and dimension above its warning threshold ("Outbound at North DC 128% in 2027-W14,
six weeks ahead; 70% of the excess from campaign 'Summer push'"), and one per warehouse whose projected order
fill falls below FILL_RATE_TARGET. Keys are stable across checks, so alerts.services.reconcile keeps one open
alert per condition, adds to its history while it lasts and resolves it when a check no longer finds it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from sop_portal.alerts.models import Alert, Severity
from sop_portal.alerts.services import Condition
from sop_portal.organisation import departments

from .models import UNITS, Dimension, Warehouse
from .planning.projection import DIMENSIONS, LABOUR, OUTBOUND
from .planning.thresholds import CRITICAL, Crossing, crossings, excess_shares
from .stored import Stored

# Below this share of the week's demand shipped on time, order fill is at risk; below the critical one, badly.
FILL_RATE_TARGET = 0.95
FILL_RATE_CRITICAL = 0.8
NUMBER_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
                "twelve")  # fmt: skip


def overload_key(warehouse_id: int, dimension: str) -> str:
    return f"warehouse:{warehouse_id}:{dimension}"


def fill_key(warehouse_id: int) -> str:
    return f"fill-rate:warehouse:{warehouse_id}"


def scope(warehouse: Warehouse, *, fill: bool = True) -> list[str]:
    keys = [overload_key(warehouse.pk, d) for d in DIMENSIONS]
    return [*keys, fill_key(warehouse.pk)] if fill else keys


def ahead(weeks: int) -> str:
    """0 → 'this week', 1 → 'next week', 6 → 'six weeks ahead', 20 → '20 weeks ahead'."""
    if weeks <= 0:
        return "this week"
    if weeks == 1:
        return "next week"
    return f"{NUMBER_WORDS[weeks] if weeks < len(NUMBER_WORDS) else weeks} weeks ahead"


def _cause_text(causes: Sequence[dict[str, Any]]) -> str:
    return "; ".join(c.get("label") or c.get("ref", "") for c in causes)


def _amount(value: float, dimension: str) -> str:
    return f"{value:,.1f}" if dimension == Dimension.LABOUR else f"{value:,.0f}"


def campaign_shares(view: Stored, crossing: Crossing) -> list[dict[str, Any]]:
    """The campaigns behind an outbound or labour crossing, largest share of the excess first."""
    if crossing.dimension not in (OUTBOUND, LABOUR) or not view.campaigns:
        return []
    k = crossing.worst_week
    loads = np.array([c.outbound[k] for c in view.campaigns])
    if crossing.dimension == LABOUR:
        pick_rate = view.projection.warehouse.pick_rate
        loads = loads / pick_rate if pick_rate else np.zeros_like(loads)
    shares = excess_shares(loads, crossing.excess)
    found = [
        {"id": c.id, "name": c.name, "share": round(float(share), 4)}
        for c, share in zip(view.campaigns, shares, strict=True)
        if share > 0.005
    ]
    return sorted(found, key=lambda c: (-c["share"], c["name"]))


def overload(view: Stored, crossing: Crossing, cause: dict[str, Any]) -> Condition:
    warehouse = view.projection.warehouse
    dimension = DIMENSIONS[crossing.dimension]
    label = Dimension(dimension).label
    week = view.label(crossing.worst_week)
    peak = f"{crossing.peak:.0%}" if np.isfinite(crossing.peak) else "loaded on a closed week"
    campaigns = campaign_shares(view, crossing)
    message = f"{label} at {warehouse.name} {peak} in {week}, {ahead(crossing.worst_week)}"
    if campaigns:
        message += f"; {campaigns[0]['share']:.0%} of the excess from campaign '{campaigns[0]['name']}'"
        message += "".join(f", {c['share']:.0%} from '{c['name']}'" for c in campaigns[1:3])
    units = UNITS[Dimension(dimension)]
    message += (
        f". Above {warehouse.warning_threshold:.0%} in {crossing.weeks_above} week(s) from "
        f"{view.label(crossing.first_week)}; worst {_amount(crossing.load, dimension)} against "
        f"{_amount(crossing.capacity, dimension)} {units}."
    )
    if cause.get("causes"):
        message += f" Cause: {_cause_text(cause['causes'])}."
    return Condition(
        key=overload_key(warehouse.pk, dimension),
        type=Alert.Type.WAREHOUSE_OVERLOAD,
        severity=Severity.CRITICAL if crossing.level == CRITICAL else Severity.WARNING,
        subject_type="warehouse",
        subject_id=warehouse.code,
        subject_label=f"{warehouse.name} · {label.lower()}",
        message=message,
        cause={
            **cause,
            "dimension": dimension,
            "week": week,
            "weeks_ahead": crossing.worst_week,
            "utilisation": round(crossing.peak, 4) if np.isfinite(crossing.peak) else None,
            "campaigns": campaigns,
        },
        departments=(departments.WAREHOUSE, departments.MARKETING) if campaigns else (departments.WAREHOUSE,),
    )


def overloads(view: Stored, cause: dict[str, Any]) -> list[Condition]:
    warehouse = view.projection.warehouse
    found = crossings(
        view.load[None],
        view.capacity[None],
        view.utilisation[None],
        np.array([warehouse.warning_threshold]),
        np.array([warehouse.critical_threshold]),
    )
    return [overload(view, crossing, cause) for crossing in found]


def fill_at_risk(view: Stored, cause: dict[str, Any]) -> Condition | None:
    """The weeks whose demand through this warehouse ships less than FILL_RATE_TARGET on time."""
    fill = view.projection.fill
    if not fill:
        return None
    demand = np.asarray(fill["demand"], dtype=float)
    on_time = np.asarray(fill["on_time"], dtype=float)
    backorder = np.asarray(fill["backorder"], dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(demand > 0, on_time / demand, 1.0)
    low = np.flatnonzero(rate < FILL_RATE_TARGET - 1e-9)
    if not low.size:
        return None
    k = int(low[np.argmin(rate[low])])
    warehouse = view.projection.warehouse
    campaigns = sorted(
        (
            {"id": c["id"], "name": c["name"], "share": round(float(c["backorder"][k] / backorder[k]), 4)}
            for c in fill.get("campaigns", [])
            if backorder[k] > 0 and c["backorder"][k] / backorder[k] > 0.005
        ),
        key=lambda c: (-c["share"], c["name"]),
    )
    lines = view.projection.late_order_lines
    message = (
        f"Order fill from {warehouse.name} {rate[k]:.0%} in {view.label(k)}, {ahead(k)}: "
        f"{backorder[k]:,.0f} units on backorder"
    )
    if campaigns:
        message += f"; {campaigns[0]['share']:.0%} of the backorder from campaign '{campaigns[0]['name']}'"
    message += (
        f". Below {FILL_RATE_TARGET:.0%} in {low.size} week(s) from {view.label(int(low[0]))}; "
        f"{lines} open order line{'s' if lines != 1 else ''} late or short."
    )
    if cause.get("causes"):
        message += f" Cause: {_cause_text(cause['causes'])}."
    return Condition(
        key=fill_key(warehouse.pk),
        type=Alert.Type.FILL_RATE,
        severity=Severity.CRITICAL if rate[k] < FILL_RATE_CRITICAL else Severity.WARNING,
        subject_type="warehouse",
        subject_id=warehouse.code,
        subject_label=f"{warehouse.name} · order fill",
        message=message,
        cause={**cause, "week": view.label(k), "weeks_ahead": k, "fill_rate": round(float(rate[k]), 4),
               "campaigns": campaigns},
        departments=(departments.WAREHOUSE, departments.CUSTOMER_SERVICE, departments.SALES),
    )  # fmt: skip
