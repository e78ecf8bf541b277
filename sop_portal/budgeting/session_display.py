"""The summary JSON (docs/budgeting.md "The summary") laid out for the budget pages: KPI tiles, the plan grid by
family and month, plant and warehouse tables, the campaign calendar and the chart data. Plain functions over the
stored summary: nothing here computes a plan or reads the database.

Every line has a key (the `Comment.line` a remark on it is stored under, e.g. "family:bev:demand") and a label,
so a comment, the grid row and the side panel name the same line.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sop_portal.masterdata.weeks import parse_week, week_index

from .planning.fiscal_weeks import MONTH_NAMES
from .templatetags.budget import figure  # the grid's number format, in the words too

MONEY, UNITS, HOURS, SHIFTS, PERCENT = "money", "units", "h", "shifts", "percent"
# Peak utilisation at or above this is worth a look before it is an overload.
WATCH = 0.85
# Below this a figure is rounding noise, not a change or an overload.
NOISE = 0.005
FAMILY_MEASURES = (
    ("baseline", "Baseline", UNITS),
    ("campaign_lift", "Campaign lift", UNITS),
    ("demand", "Demand", UNITS),
    ("production", "Production", UNITS),
    ("revenue", "Revenue", MONEY),
    ("contribution", "Contribution", MONEY),
)
MONEY_LINES = (
    ("revenue", "Revenue"),
    ("cogs", "Cost of goods"),
    ("returns_cost", "Returns cost"),
    ("marketing_spend", "Marketing spend"),
    ("capacity_cost", "Capacity cost"),
    ("margin", "Margin"),
)
RESOURCE_MEASURES = (
    ("load", "Load", HOURS),
    ("capacity", "Capacity", HOURS),
    ("peak_utilisation", "Peak utilisation", PERCENT),
    ("overtime_hours", "Overtime", HOURS),
    ("extra_shifts", "Extra shifts", SHIFTS),
    ("planned_shifts", "Planned shifts", SHIFTS),
    ("uncovered_hours", "Uncovered", HOURS),
    ("cost", "Capacity cost", MONEY),
)
DIMENSION_LABELS = {"inbound": "Inbound", "outbound": "Outbound", "storage": "Storage", "labour": "Labour"}
DIMENSION_UNITS = {"inbound": UNITS, "outbound": UNITS, "storage": "pallets", "labour": HOURS}
UNIT_WORDS = {UNITS: "units", HOURS: "h"}
# Levels, not flows: their year is the highest month, not the sum.
PEAK_MEASURES = frozenset({"peak_utilisation"})


def level(utilisation: float | None, uncovered: float | None = None) -> str:
    """How a cell is coloured: none (not checked), ok, watch, over (covered by overtime or shifts, or a warehouse
    above capacity), short (hours no overtime or shift covers)."""
    if uncovered is not None and uncovered > NOISE:
        return "short"
    if utilisation is None:
        return "none"
    if utilisation > 1 + NOISE / 100:
        return "over"
    return "watch" if utilisation >= WATCH else "ok"


def _total(values: Sequence[float | None], peak: bool = False) -> float | None:
    known = [v for v in values if v is not None]
    if not known:
        return None
    return max(known) if peak else round(sum(known), 2)


@dataclass
class Cell:
    value: float | None
    level: str = ""


@dataclass
class Line:
    key: str  # the comment line, e.g. "family:bev:demand"
    label: str
    unit: str
    cells: list[Cell]
    total: Cell
    measure: str = ""
    strong: bool = False
    short: str = ""  # the row's own label under its group's heading ("Demand")

    @property
    def values(self) -> list[float | None]:
        return [cell.value for cell in self.cells]


def _line(key: str, label: str, unit: str, values: Sequence[float | None], measure: str = "", **kw: Any) -> Line:
    peak = measure in PEAK_MEASURES
    kw.setdefault("short", label)
    return Line(key, label, unit, [Cell(v) for v in values], Cell(_total(values, peak)), measure, **kw)


@dataclass
class Group:
    """A block of lines under one heading: a family, a resource, a warehouse, the totals, the money."""

    key: str
    title: str
    lines: list[Line]
    code: str = ""  # a family's code: its drill-down
    note: str = ""
    level: str = ""


def months(summary: dict[str, Any]) -> list[str]:
    """Column heads: "Jan" … "Dec" (the summary's labels carry the year, the page says it once)."""
    return [label.split(" ")[0] for label in summary["months"]]


def _contribution(family: dict[str, Any]) -> list[float]:
    return [
        round(revenue - cogs - returns, 2)
        for revenue, cogs, returns in zip(family["revenue"], family["cogs"], family["returns_cost"], strict=True)
    ]


def _family_lines(key: str, label: str, figures: dict[str, Any]) -> list[Line]:
    return [
        _line(
            f"{key}:{name}", f"{label} {title.lower()}", unit, figures[name], name, strong=name == "demand", short=title
        )
        for name, title, unit in FAMILY_MEASURES
    ]


def plan_grid(summary: dict[str, Any]) -> list[Group]:
    """Family x month: baseline, campaign lift, demand, production, revenue and contribution (revenue - cost of
    goods - returns cost), then all families, then the money down to the margin."""
    groups = []
    totals: dict[str, list[float]] = {name: [0.0] * len(summary["months"]) for name, _, _ in FAMILY_MEASURES}
    for family in summary["families"]:
        figures = {**family, "contribution": _contribution(family)}
        for name in totals:
            totals[name] = [a + (b or 0.0) for a, b in zip(totals[name], figures[name], strict=True)]
        groups.append(
            Group(
                f"family:{family['code']}",
                family["label"],
                _family_lines(f"family:{family['code']}", family["label"], figures),
                code=family["code"],
            )
        )
    rounded = {name: [round(v, 2) for v in values] for name, values in totals.items()}
    groups.append(Group("families", "All families", _family_lines("families", "All families", rounded)))
    money = summary["money"]
    lines = [
        _line(f"money:{name}", label, MONEY, money[name], name, strong=name == "margin") for name, label in MONEY_LINES
    ]
    groups.append(Group("money", "Money", lines))
    return groups


def resources(summary: dict[str, Any]) -> list[Group]:
    """Plant resources x month, cells coloured by the month's peak utilisation (uncovered hours: short)."""
    groups = []
    for resource in summary["resources"]:
        key = f"resource:{resource['code']}"
        lines = []
        for name, title, unit in RESOURCE_MEASURES:
            label = f"{resource['label']} {title.lower()}"
            line = _line(f"{key}:{name}", label, unit, resource[name], name, short=title)
            if name in ("load", "peak_utilisation"):
                for cell, peak, uncovered in zip(
                    line.cells, resource["peak_utilisation"], resource["uncovered_hours"], strict=True
                ):
                    cell.level = level(peak, uncovered)
                line.total.level = level(line.total.value if name == "peak_utilisation" else None)
            elif name == "uncovered_hours":
                for cell in line.cells:
                    cell.level = "short" if (cell.value or 0) > NOISE else ""
            line.strong = name in ("load", "uncovered_hours")
            lines.append(line)
        peak = _total(resource["peak_utilisation"], peak=True)
        uncovered = _total(resource["uncovered_hours"]) or 0.0
        groups.append(Group(key, resource["label"], lines, note=resource["code"], level=level(peak, uncovered)))
    return groups


def warehouses(summary: dict[str, Any]) -> list[Group]:
    """Warehouses x month: load, capacity and peak utilisation per dimension that has a load or a capacity."""
    groups = []
    for warehouse in summary["warehouses"]:
        key = f"warehouse:{warehouse['code']}"
        lines = []
        worst: float | None = None
        for dimension, figures in warehouse["dimensions"].items():
            if not any(figures["load"]) and all(v is None for v in figures["capacity"]):
                continue
            name = DIMENSION_LABELS.get(dimension, dimension)
            unit = DIMENSION_UNITS.get(dimension, UNITS)
            storage = dimension == "storage"
            load = _line(f"{key}:{dimension}:load", f"{warehouse['label']} {name.lower()} load", unit, figures["load"])
            capacity = _line(
                f"{key}:{dimension}:capacity", f"{warehouse['label']} {name.lower()} capacity", unit,
                figures["capacity"],
            )  # fmt: skip
            if storage:  # a level: the year's figure is its highest (load) and tightest (capacity) month
                load.total = Cell(_total(figures["load"], peak=True))
                known = [v for v in figures["capacity"] if v is not None]
                capacity.total = Cell(min(known) if known else None)
            peak = _line(
                f"{key}:{dimension}:peak_utilisation", f"{warehouse['label']} {name.lower()} peak utilisation",
                PERCENT, figures["peak_utilisation"], "peak_utilisation",
            )  # fmt: skip
            for cell, line_cell in zip(peak.cells, load.cells, strict=True):
                cell.level = line_cell.level = level(cell.value)
            peak.total.level = level(peak.total.value)
            # The unit once, on the load row: units, pallets and hours sit in one table.
            load.short, capacity.short = f"{name} load ({UNIT_WORDS.get(unit, unit)})", f"{name} capacity"
            peak.short = f"{name} peak utilisation"
            load.strong = True
            lines += [load, capacity, peak]
            if peak.total.value is not None:
                worst = max(worst or 0.0, peak.total.value)
        groups.append(Group(key, warehouse["label"], lines, note=warehouse["code"], level=level(worst)))
    return groups


@dataclass(frozen=True)
class Tile:
    key: str
    label: str
    value: float | None
    unit: str
    vs_base: float | None = None
    note: str = ""
    alarm: bool = False
    # Whether a rise is good news (volume, revenue, margin) or bad (costs, utilisation, overloads).
    higher_is_better: bool = False

    @property
    def better(self) -> bool | None:
        if self.vs_base is None or abs(self.vs_base) <= NOISE:
            return None
        return (self.vs_base > 0) == self.higher_is_better


def _delta(kpis: dict[str, Any], base: dict[str, Any] | None, name: str) -> float | None:
    if base is None or kpis.get(name) is None or base.get(name) is None:
        return None
    return round(kpis[name] - base[name], 4)


def tiles(summary: dict[str, Any], base: dict[str, Any] | None = None) -> list[Tile]:
    """The session screen's KPI tiles, each with its change against the base plan (the live plan without the
    scenario's changes) when there is one."""
    kpis = summary["kpis"]
    base_kpis = base["kpis"] if base is not None else None

    def tile(key: str, label: str, unit: str, better_up: bool = False, **kw: Any) -> Tile:
        return Tile(key, label, kpis.get(key), unit, _delta(kpis, base_kpis, key), higher_is_better=better_up, **kw)

    peak_plant, peak_warehouse = kpis.get("peak_plant_utilisation"), kpis.get("peak_warehouse_utilisation")
    uncovered = kpis.get("uncovered_hours") or 0.0
    overloaded = kpis.get("overloaded_weeks") or 0
    return [
        tile("volume", "Volume", UNITS, True, note="consensus demand, units"),
        tile("revenue", "Revenue", MONEY, True),
        tile(
            "margin",
            "Margin",
            MONEY,
            True,
            note=f"{kpis.get('margin_pct', 0):.1f} % of revenue",
            alarm=(kpis.get("margin") or 0) < 0,
        ),
        tile("marketing_spend", "Marketing spend", MONEY),
        tile("capacity_cost", "Capacity cost", MONEY, note="overtime and extra shifts"),
        tile("returns_cost", "Returns cost", MONEY),
        tile("peak_plant_utilisation", "Peak plant utilisation", PERCENT, alarm=(peak_plant or 0) > 1 + NOISE / 100),
        tile(
            "peak_warehouse_utilisation",
            "Peak warehouse utilisation",
            PERCENT,
            alarm=(peak_warehouse or 0) > 1 + NOISE / 100,
        ),
        tile(
            "uncovered_hours",
            "Uncovered overload",
            HOURS,
            alarm=uncovered > NOISE,
            note=f"{overloaded} overloaded week{'s' if overloaded != 1 else ''}",
        ),
    ]


@dataclass
class CalendarRow:
    id: int
    name: str
    budget: float | None
    spend: float | None
    lift: float | None
    first_week: str
    last_week: str
    start: int  # 1-based grid column of the first week shown
    span: int
    clipped_before: bool
    clipped_after: bool
    added: bool  # added by the scenario (negative id)

    @property
    def key(self) -> str:
        """The comment line of the campaign."""
        return f"campaign:{self.id}"


@dataclass
class Calendar:
    weeks: int
    month_spans: list[tuple[str, int, int]]  # (label, first column, span)
    rows: list[CalendarRow] = field(default_factory=list)


def campaign_calendar(summary: dict[str, Any], first_week: date, weeks: int) -> Calendar:
    """The campaigns of the plan on the fiscal year's weeks (clipped to the year), with budget and spend."""
    spans: list[tuple[str, int, int]] = []
    for k in range(weeks):
        label = (first_week + timedelta(weeks=k, days=3)).strftime("%m")
        name = months(summary)[int(label) - 1]
        if spans and spans[-1][0] == name:
            spans[-1] = (name, spans[-1][1], spans[-1][2] + 1)
        else:
            spans.append((name, k + 1, 1))
    rows = []
    for campaign in summary["campaigns"]:
        start = week_index(first_week, parse_week(campaign["start_week"]))
        end = week_index(first_week, parse_week(campaign["end_week"]))
        first, last = max(start, 0), min(end, weeks - 1)
        rows.append(
            CalendarRow(
                id=campaign["id"], name=campaign["name"], budget=campaign["budget"],
                spend=_total(campaign["spend"]), lift=_total(campaign["lift_units"]),
                first_week=campaign["start_week"], last_week=campaign["end_week"],
                start=first + 1, span=max(last - first + 1, 0), clipped_before=start < 0,
                clipped_after=end >= weeks, added=campaign["id"] < 0,
            )
        )  # fmt: skip
    rows.sort(key=lambda row: (row.start if row.span else weeks + 1, row.name))
    return Calendar(weeks, spans, rows)


def week_month_spans(week_labels: Sequence[str]) -> list[tuple[str, int]]:
    """A heading row over 52 week columns: (month, how many of the weeks fall in it), a week in the month of its
    Thursday, as the summary's months."""
    spans: list[tuple[str, int]] = []
    for label in week_labels:
        month = MONTH_NAMES[(parse_week(label) + timedelta(days=3)).month - 1]
        if spans and spans[-1][0] == month:
            spans[-1] = (month, spans[-1][1] + 1)
        else:
            spans.append((month, 1))
    return spans


def chart_data(summary: dict[str, Any]) -> dict[str, Any]:
    """What static/js/budget.js draws: plant peak utilisation by month (%) against the 100 % line, and the money
    by month."""
    money = summary["money"]
    costs = ("cogs", "returns_cost", "marketing_spend", "capacity_cost")
    return {
        "months": months(summary),
        "utilisation": [
            {
                "label": r["label"],
                "values": [None if v is None else round(v * 100, 1) for v in r["peak_utilisation"]],
            }
            for r in summary["resources"]
            if any(r["load"])
        ],
        "money": {
            "revenue": money["revenue"],
            "costs": [round(sum(money[name][m] for name in costs), 2) for m in range(len(summary["months"]))],
            "margin": money["margin"],
        },
    }


def line_labels(summary: dict[str, Any]) -> dict[str, str]:
    """Comment line key → what the side panel calls it ("Beverages demand")."""
    labels = {"": "Whole plan"}
    for group in [*plan_grid(summary), *resources(summary)]:
        labels.update((line.key, line.label) for line in group.lines)
    for group in warehouses(summary):
        labels.update((line.key, line.label) for line in group.lines)
    labels.update((f"campaign:{c['id']}", c["name"]) for c in summary["campaigns"])
    return labels


def campaign_choices(summary: dict[str, Any]) -> list[tuple[int, str]]:
    """The campaigns a move, scale or drop can name: those in this scenario's plan."""
    return [(c["id"], f"{c['name']} ({c['start_week']} to {c['end_week']})") for c in summary["campaigns"]]


def overloads(summary: dict[str, Any]) -> list[dict[str, Any]]:
    """Resource-months above capacity: how much overtime and how many shifts cover them, and what is left."""
    out = []
    labels = months(summary)
    for r in summary["resources"]:
        for m, label in enumerate(labels):
            overtime, shifts, uncovered = r["overtime_hours"][m], r["extra_shifts"][m], r["uncovered_hours"][m]
            if (overtime or 0) > NOISE or (shifts or 0) > NOISE or (uncovered or 0) > NOISE:
                out.append(
                    {"resource": r["label"], "code": r["code"], "month": label, "overtime": overtime,
                     "shifts": shifts, "uncovered": uncovered, "cost": r["cost"][m],
                     "covered_by": _covered_by(overtime, shifts), "short": (uncovered or 0) > NOISE}
                )  # fmt: skip
    return out


def _covered_by(overtime: float | None, shifts: float | None) -> list[str]:
    """What covers an overload, in words: "64 h overtime", "3 extra shifts" (nothing when it is none: a resource
    without capacity costs is all uncovered, not "0 h overtime")."""
    parts = []
    if (overtime or 0) > NOISE:
        parts.append(f"{figure(overtime)} h overtime")
    if (shifts or 0) > NOISE:
        parts.append(f"{figure(shifts)} extra shift{'' if shifts == 1 else 's'}")
    return parts


def overload_totals(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The overload list in one line: how many resource-months, the overtime and extra shifts that cover them, how
    many are left with uncovered hours. (Their cost is not the capacity cost tile's: that has the planned shifts.)"""
    short = [row for row in rows if (row["uncovered"] or 0) > NOISE]
    overtime = round(sum(row["overtime"] or 0.0 for row in rows), 2)
    shifts = round(sum(row["shifts"] or 0.0 for row in rows), 2)
    return {
        "months": len(rows),
        "short_months": len(short),
        "overtime": overtime,
        "shifts": shifts,
        "covered_by": _covered_by(overtime, shifts),
        "uncovered": round(sum(row["uncovered"] or 0.0 for row in short), 2),
    }


def keys(groups: Iterable[Group]) -> list[str]:
    return [line.key for group in groups for line in group.lines]
