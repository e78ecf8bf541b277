"""The budget pack: one Excel workbook with the figures the session screen shows, and the input sheets the
departments fill in and send back (docs/budgeting.md "Excel pack").

Every figure is written from the very summary dict the screen renders (`services.scenario_summary`, or the
locked baseline's stored summary), as a number, never re-derived: a cell holds exactly the JSON value, and the
formats (thousands separators, % for utilisation) only change how it looks. Year totals are the sum of the
twelve months as written (the highest month for utilisation and for storage, which is a level, not a flow).

Sheets: Summary (cycle, phase, scenario and revision, key figures, money by month), one per department part,
three input sheets (Sales input, Operations input, Marketing input) and a hidden "Pack" sheet that records
where the workbook came from and what each input cell held when it was exported, so `imports` can tell what a
department changed from what moved in the plan since.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
from django.utils import timezone
from django.utils.text import slugify
from openpyxl import Workbook
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from fulfillment.planning.projection import DIMENSIONS, STORAGE
from sop_portal.masterdata.weeks import parse_week, week_index

from . import selectors, services
from .models import BudgetCycle, Scenario
from .planning.fiscal_weeks import fiscal_calendar
from .planning.parts import DIMENSION_UNITS
from .session_display import MONEY_LINES  # the pack's money lines are the screen's, in its order

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PACK_FORMAT = 1

SUMMARY = "Summary"
MARKETING, SALES, OPERATIONS = "Marketing", "Sales", "Operations"
WAREHOUSE, FINANCE, CUSTOMER_SERVICE = "Warehouse", "Finance", "Customer Service"
SALES_INPUT, OPERATIONS_INPUT, MARKETING_INPUT = "Sales input", "Operations input", "Marketing input"
PACK = "Pack"
YEAR = "Year"

# Input sheets: the header row's key columns (the month columns follow on the sales and operations sheets).
SALES_KEYS = ("Family code", "Family")
OPERATIONS_KEYS = ("Resource code", "Resource")
START, BUDGET, MOVE, SCALE = "Start week", "Budget", "Move (weeks)", "Scale factor"
MARKETING_COLUMNS = ("Campaign id", "Campaign", START, "End week", BUDGET, MOVE, SCALE)
INPUT_HEADER_ROW = 3
EXPORTED_HEADER = ("Sheet", "Key", "Column", "Value")

# Number formats: thousands separators everywhere; utilisation is a fraction (1.0 = full) shown as %.
UNITS = "#,##0"
MONEY = "#,##0"
HOURS = "#,##0.0"
PALLETS = "#,##0.0"
SHIFTS = "#,##0"
COUNT = "#,##0"
PERCENT = "0.0%"
PERCENT_NUMBER = '0.0" %"'  # margin_pct is already in percent (23.4 means 23.4 %)
FACTOR = "0.00"
DIMENSION_FORMATS = {"units": UNITS, "pallets": PALLETS, "h": HOURS}

BOLD = Font(bold=True)
TITLE = Font(bold=True, size=14)
NOTE = Font(italic=True, color="555555")
HEADER_FILL = PatternFill("solid", start_color="E8EEF7", end_color="E8EEF7")
INPUT_FILL = PatternFill("solid", start_color="FFF7D6", end_color="FFF7D6")
OVERLOAD_FILL = PatternFill("solid", start_color="F8D7DA", end_color="F8D7DA")
OVERLOAD_FONT = Font(color="9C0006")
WRAP = Alignment(wrap_text=True, vertical="top")

# (key in summary["kpis"], label, number format): the session screen's KPI tiles, in its order.
KPIS = (
    ("volume", "Volume (units)", UNITS),
    ("revenue", "Revenue", MONEY),
    ("margin", "Margin", MONEY),
    ("margin_pct", "Margin %", PERCENT_NUMBER),
    ("marketing_spend", "Marketing spend", MONEY),
    ("capacity_cost", "Capacity cost", MONEY),
    ("returns_cost", "Returns cost", MONEY),
    ("peak_plant_utilisation", "Peak plant utilisation", PERCENT),
    ("peak_warehouse_utilisation", "Peak warehouse utilisation", PERCENT),
    ("overloaded_weeks", "Overloaded weeks", COUNT),
    ("uncovered_hours", "Uncovered hours", HOURS),
)
# (key in a summary resource, label, format, year total): plant lines on the Operations sheet.
RESOURCE_LINES = (
    ("load", "Load (h)", HOURS, "sum"),
    ("capacity", "Capacity (h)", HOURS, "sum"),
    ("peak_utilisation", "Peak utilisation", PERCENT, "max"),
    ("overtime_hours", "Overtime (h)", HOURS, "sum"),
    ("extra_shifts", "Extra shifts (shift-weeks)", SHIFTS, "sum"),
    ("planned_shifts", "Planned shifts (shift-weeks)", SHIFTS, "sum"),
    ("uncovered_hours", "Uncovered (h)", HOURS, "sum"),
    ("cost", "Capacity cost", MONEY, "sum"),
)


# --- what the pack shows ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PackSource:
    """The figures a pack is built from and where they come from."""

    cycle: BudgetCycle
    scenario: Scenario | None  # None: the locked baseline
    scenario_name: str
    revision: int
    summary: dict[str, Any]
    is_baseline: bool
    locked_at: datetime | None = None
    locked_by: str | None = None

    @property
    def figures(self) -> str:
        if self.is_baseline:
            return "baseline"
        return "proposal" if self.scenario is not None and self.scenario.pk == self.cycle.proposal_id else "scenario"


def pack_source(cycle: BudgetCycle, scenario: Scenario | None = None) -> PackSource:
    """The proposal's figures as the screen shows them (or `scenario`'s); once the cycle is locked, the proposal
    is the baseline's stored summary: what was signed, not the live plan recomputed since."""
    if scenario is not None and scenario.cycle_id != cycle.pk:
        raise ValueError(f"scenario {scenario.pk} is not a scenario of {cycle}")
    chosen = scenario or cycle.proposal
    baseline = selectors.baseline(cycle) if not cycle.is_open else None
    if baseline is not None and (chosen is None or chosen.pk == cycle.proposal_id):
        return PackSource(
            cycle=cycle, scenario=None, scenario_name=baseline.scenario_name, revision=baseline.scenario_revision,
            summary=baseline.summary, is_baseline=True, locked_at=baseline.locked_at,
            locked_by=getattr(baseline.locked_by, "username", None),
        )  # fmt: skip
    if chosen is None:
        raise ValueError(f"{cycle} has no proposal yet")
    return PackSource(
        cycle=cycle, scenario=chosen, scenario_name=chosen.name, revision=chosen.revision,
        summary=services.scenario_summary(cycle, chosen), is_baseline=False,
    )  # fmt: skip


def filename(source: PackSource) -> str:
    """budget-2027-proposal-r12.xlsx, budget-2027-baseline-r12.xlsx"""
    name = "baseline" if source.is_baseline else slugify(source.scenario_name) or "scenario"
    return f"budget-{source.cycle.fiscal_year}-{name}-r{source.revision}.xlsx"


def weeks_per_month(cycle: BudgetCycle) -> list[int]:
    """How many of the fiscal year's weeks fall in each month (a week belongs to its Thursday's month)."""
    calendar = fiscal_calendar(cycle.fiscal_year, cycle.weeks)
    return np.bincount(calendar.month_of_week, minlength=12).astype(int).tolist()


def start_index(cycle: BudgetCycle, campaign: dict[str, Any]) -> int:
    """The week a summary's campaign starts, as an index into the fiscal year (negative: before it)."""
    return week_index(cycle.first_week, parse_week(campaign["start_week"]))


def planned_shifts_a_week(resource: dict[str, Any], weeks: Sequence[int]) -> list[float]:
    """The summary's planned shifts (shift-weeks per month) as shifts a week: `add_shift` plans whole months, so
    every week of a month carries the same number."""
    return [
        round(total / count, 2) if count else 0.0
        for total, count in zip(resource["planned_shifts"], weeks, strict=True)
    ]


# --- building the workbook --------------------------------------------------------------------------------------


def build_pack(source: PackSource, *, exported_at: datetime | None = None) -> bytes:
    exported_at = exported_at or timezone.now()
    summary = source.summary
    book = Workbook()
    book.remove(book.worksheets[0])  # the empty default sheet
    _summary_sheet(book.create_sheet(SUMMARY), source, exported_at)
    _marketing_sheet(book.create_sheet(MARKETING), summary)
    _sales_sheet(book.create_sheet(SALES), summary)
    _operations_sheet(book.create_sheet(OPERATIONS), summary)
    _warehouse_sheet(book.create_sheet(WAREHOUSE), summary)
    _finance_sheet(book.create_sheet(FINANCE), summary)
    _customer_service_sheet(book.create_sheet(CUSTOMER_SERVICE), summary)
    exported: list[tuple[str, str, str, float | None]] = []
    weeks = weeks_per_month(source.cycle)
    _sales_input(book.create_sheet(SALES_INPUT), summary, exported)
    _operations_input(book.create_sheet(OPERATIONS_INPUT), summary, weeks, exported)
    _marketing_input(book.create_sheet(MARKETING_INPUT), source.cycle, summary, exported)
    _pack_sheet(book.create_sheet(PACK), source, exported_at, exported)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def year_total(values: Sequence[float | None], how: str = "sum") -> float | None:
    """The Year column, as the screen's: the months as written added up (2 decimals), or the highest ("max") or
    lowest ("min") month for levels; None if no month is known."""
    known = [v for v in values if v is not None]
    if not known:
        return None
    if how == "max":
        return max(known)
    if how == "min":
        return min(known)
    return round(sum(known), 2) + 0.0


class _Sheet:
    """Writes one sheet top to bottom: title, notes, a header row, blocks of rows under a bold block title."""

    def __init__(self, sheet: Worksheet, title: str, note: str = "") -> None:
        self.sheet = sheet
        self.row = 1
        self.opens_table = False
        self.put(1, title, font=TITLE)
        self.row += 1
        if note:
            self.put(1, note, font=NOTE)
            self.row += 1

    def put(self, column: int, value: Any, *, font: Font | None = None, number_format: str = "") -> Any:
        cell = self.sheet.cell(row=self.row, column=column, value=value)
        if font is not None:
            cell.font = font
        if number_format and isinstance(value, int | float):
            cell.number_format = number_format
        return cell

    def header(self, names: Iterable[str]) -> int:
        for column, name in enumerate(names, start=1):
            cell = self.put(column, name, font=BOLD)
            cell.fill = HEADER_FILL
        self.row += 1
        self.opens_table = True
        return self.row - 1

    def block(self, title: str) -> None:
        """A bold title over the rows that follow, a blank row above it unless it opens the table."""
        if not self.opens_table:
            self.row += 1
        self.put(1, title, font=BOLD)
        self.row += 1
        self.opens_table = False

    def line(
        self, keys: Sequence[Any], values: Sequence[float | None], number_format: str, *, total: str | None = "sum",
        bold: bool = False, utilisation: bool = False,
    ) -> None:  # fmt: skip
        """One data row: key cells, the twelve months and (unless total is None) the Year column."""
        self.opens_table = False
        font = BOLD if bold else None
        for column, key in enumerate(keys, start=1):
            self.put(column, key, font=font)
        first = len(keys) + 1
        for k, value in enumerate(values):
            self.put(first + k, value, font=font, number_format=number_format)
        last = first + len(values) - 1
        if total is not None:
            self.put(last + 1, year_total(values, total), font=font, number_format=number_format)
            last += 1
        if utilisation:
            self.overloads(f"{get_column_letter(first)}{self.row}:{get_column_letter(last)}{self.row}")
        self.row += 1

    def overloads(self, cells: str) -> None:
        """Utilisation above 100 % in red: where the plan needs overtime, shifts or more room."""
        rule = CellIsRule(operator="greaterThan", formula=["1"], fill=OVERLOAD_FILL, font=OVERLOAD_FONT)
        self.sheet.conditional_formatting.add(cells, rule)

    def finish(self, freeze: str, widths: Sequence[float], month_width: float = 11.0) -> None:
        self.sheet.freeze_panes = freeze
        for column in range(1, self.sheet.max_column + 1):
            width = widths[column - 1] if column <= len(widths) else month_width
            self.sheet.column_dimensions[get_column_letter(column)].width = width


def _months_header(summary: dict[str, Any], keys: Sequence[str]) -> list[str]:
    return [*keys, *summary["months"], YEAR]


def _summary_sheet(sheet: Worksheet, source: PackSource, exported_at: datetime) -> None:
    cycle, summary = source.cycle, source.summary
    out = _Sheet(sheet, cycle.name)
    if source.is_baseline:
        locked = f"{source.locked_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC" if source.locked_at else ""
        figures = f"Locked baseline, signed by every department (locked {locked} by {source.locked_by or 'system'})"
    else:
        figures = "The proposal as computed now" if source.figures == "proposal" else "A scenario (not the proposal)"
    facts = [
        ("Fiscal year", cycle.fiscal_year),
        ("Phase", cycle.get_phase_display()),
        ("Scenario", source.scenario_name),
        ("Revision", source.revision),
        ("Figures", figures),
        ("Exported", f"{exported_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC"),
    ]
    for label, value in facts:
        out.put(1, label, font=BOLD)
        out.put(2, value)
        out.row += 1
    skipped = summary.get("skipped_changes") or []
    for change in skipped:
        out.put(1, "Left out", font=BOLD)
        out.put(2, f"{change['summary']}: {change['reason']}")
        out.row += 1
    out.block("Key figures")
    kpis = summary["kpis"]
    for key, label, number_format in KPIS:
        out.put(1, label)
        out.put(2, kpis.get(key), number_format=number_format)
        if number_format == PERCENT:
            out.overloads(f"B{out.row}")
        out.row += 1
    out.block("Money by month")
    out.header(_months_header(summary, ["Line"]))
    for key, label in MONEY_LINES:
        out.line([label], summary["money"][key], MONEY, bold=key == "margin")
    out.finish("B1", [28, 34])


def _marketing_sheet(sheet: Worksheet, summary: dict[str, Any]) -> None:
    out = _Sheet(sheet, "Marketing: campaign calendar and spend", "Budgets spread evenly over each campaign's weeks")
    out.header(_months_header(summary, ["Campaign id", "Campaign", "Start week", "End week", BUDGET]))
    out.block("Spend by month")
    for c in summary["campaigns"]:
        out.line([c["id"], c["name"], c["start_week"], c["end_week"], c["budget"]], c["spend"], MONEY)
    out.line(["", "Marketing spend", "", "", None], summary["money"]["marketing_spend"], MONEY, bold=True)
    out.block("Campaign lift by month (units)")
    for c in summary["campaigns"]:
        out.line([c["id"], c["name"], c["start_week"], c["end_week"], None], c["lift_units"], UNITS)
    out.finish("F4", [12, 28, 11, 11, 12])


def _family_blocks(out: _Sheet, summary: dict[str, Any], blocks: Sequence[tuple[str, str, str, str]]) -> None:
    """family x month blocks: (block title, family field, number format, total label)."""
    for title, name, number_format, total_label in blocks:
        out.block(title)
        for family in summary["families"]:
            out.line([family["code"], family["label"]], family[name], number_format)
        totals = [round(sum(f[name][m] for f in summary["families"]), 2) + 0.0 for m in range(len(summary["months"]))]
        out.line(["", total_label], totals, number_format, bold=True)


def _sales_sheet(sheet: Worksheet, summary: dict[str, Any]) -> None:
    out = _Sheet(sheet, "Sales: volume and revenue by family", "Volume is consensus demand: baseline + campaign lift")
    out.header(_months_header(summary, SALES_KEYS))
    _family_blocks(
        out, summary,
        [("Volume (units)", "demand", UNITS, "All families"), ("Revenue", "revenue", MONEY, "All families")],
    )  # fmt: skip
    out.finish("C4", [14, 28])


def _operations_sheet(sheet: Worksheet, summary: dict[str, Any]) -> None:
    out = _Sheet(
        sheet, "Operations: production and plant capacity",
        "Peak utilisation is the month's highest week; extra shifts are the ones the plan adds where overtime is "
        "not enough, planned shifts the ones the budget plans",
    )  # fmt: skip
    out.header(_months_header(summary, ["Code", "Name", "Line"]))
    out.block("Production by family (units)")
    for family in summary["families"]:
        out.line([family["code"], family["label"], "Production (units)"], family["production"], UNITS)
    out.block("Plant resources")
    for resource in summary["resources"]:
        for key, label, number_format, total in RESOURCE_LINES:
            out.line(
                [resource["code"], resource["label"], label], resource[key], number_format, total=total,
                utilisation=key == "peak_utilisation",
            )  # fmt: skip
    out.finish("D4", [14, 24, 28])


def _warehouse_sheet(sheet: Worksheet, summary: dict[str, Any]) -> None:
    out = _Sheet(
        sheet, "Warehouse: load and capacity",
        "Inbound, outbound and labour are the month's total; storage (pallets) is the month's highest week against "
        "its tightest capacity, and its Year the highest month against the tightest; blank: no capacity recorded",
    )  # fmt: skip
    out.header(_months_header(summary, ["Warehouse code", "Warehouse", "Dimension", "Line"]))
    for warehouse in summary["warehouses"]:
        out.block(warehouse["label"])
        for k, dimension in enumerate(DIMENSIONS):
            figures = warehouse["dimensions"][dimension]
            number_format = DIMENSION_FORMATS[DIMENSION_UNITS[dimension]]
            storage = k == STORAGE  # a level: the year's highest load against its tightest capacity
            keys = [warehouse["code"], warehouse["label"], dimension]
            out.line([*keys, "Load"], figures["load"], number_format, total="max" if storage else "sum")
            out.line([*keys, "Capacity"], figures["capacity"], number_format, total="min" if storage else "sum")
            out.line([*keys, "Peak utilisation"], figures["peak_utilisation"], PERCENT, total="max", utilisation=True)
    out.finish("E4", [16, 22, 12, 18])


def _finance_sheet(sheet: Worksheet, summary: dict[str, Any]) -> None:
    out = _Sheet(
        sheet, "Finance: the money", "Margin = revenue - cost of goods - returns cost - marketing spend - capacity cost"
    )
    out.header(_months_header(summary, ["Line"]))
    for key, label in MONEY_LINES:
        out.line([label], summary["money"][key], MONEY, bold=key == "margin")
    out.finish("B4", [28])


def _customer_service_sheet(sheet: Worksheet, summary: dict[str, Any]) -> None:
    out = _Sheet(
        sheet, "Customer Service: expected returns",
        "Returns cost: refund the price, pay the handling, recover restocked units at cost",
    )  # fmt: skip
    out.header(_months_header(summary, SALES_KEYS))
    _family_blocks(
        out, summary,
        [
            ("Expected returns (units)", "returns_units", UNITS, "All families"),
            ("Returns cost", "returns_cost", MONEY, "All families"),
        ],
    )  # fmt: skip
    out.finish("C4", [14, 28])


# --- input sheets -----------------------------------------------------------------------------------------------


def _whole(value: float) -> float | int:
    """Shift counts as whole numbers where they are (a cell showing 1, not 1.0)."""
    return int(value) if float(value).is_integer() else value


def _input_cells(out: _Sheet, first: int, last: int) -> None:
    for column in range(first, last + 1):
        out.sheet.cell(row=out.row, column=column).fill = INPUT_FILL


def _sales_input(sheet: Worksheet, summary: dict[str, Any], exported: list[tuple[str, str, str, Any]]) -> None:
    out = _Sheet(
        sheet, "Sales input: volume targets by family and month",
        "Baseline units before campaign lift (a volume target scales the family's baseline forecast; the campaigns' "
        "lift comes on top). Change the yellow cells, keep the codes, and import the workbook on the budget's import "
        "page. Rows are read down to the first empty row.",
    )  # fmt: skip
    months = summary["months"]
    out.header([*SALES_KEYS, *months])
    for family in summary["families"]:
        _input_cells(out, 3, 2 + len(months))
        out.line([family["code"], family["label"]], family["baseline"], UNITS, total=None)
        exported += [(SALES_INPUT, family["code"], month, family["baseline"][m]) for m, month in enumerate(months)]
    out.row += 1
    out.put(1, "For reference, not read back: consensus demand (baseline + campaign lift)", font=NOTE)
    out.row += 1
    for family in summary["families"]:
        out.line([family["code"], family["label"]], family["demand"], UNITS, total=None)
    out.finish("C4", [14, 28])


def _operations_input(
    sheet: Worksheet, summary: dict[str, Any], weeks: Sequence[int], exported: list[tuple[str, str, str, Any]]
) -> None:
    out = _Sheet(
        sheet, "Operations input: planned extra shifts a week by resource and month",
        "Whole shifts a week on top of normal capacity, for every week of the month. A resource needs shift hours "
        "and a shift cost in the cycle's capacity costs. Rows are read down to the first empty row.",
    )  # fmt: skip
    months = summary["months"]
    out.header([*OPERATIONS_KEYS, *months])
    for resource in summary["resources"]:
        shifts = [_whole(v) for v in planned_shifts_a_week(resource, weeks)]
        _input_cells(out, 3, 2 + len(months))
        out.line([resource["code"], resource["label"]], shifts, SHIFTS, total=None)
        exported += [(OPERATIONS_INPUT, resource["code"], month, shifts[m]) for m, month in enumerate(months)]
    out.finish("C4", [14, 28])


def _marketing_input(
    sheet: Worksheet, cycle: BudgetCycle, summary: dict[str, Any], exported: list[tuple[str, str, str, Any]]
) -> None:
    out = _Sheet(
        sheet, "Marketing input: campaign budgets, moves and scale",
        "A new budget scales the whole campaign (its lift too: the plan has no budget-only change); Move shifts it "
        "by whole weeks (+ later, - earlier) from where it starts in this pack; Scale factor multiplies its lift "
        "and the budget shown. New campaigns need products and uplift: add them in the session.",
    )  # fmt: skip
    out.header(MARKETING_COLUMNS)
    for c in summary["campaigns"]:
        _input_cells(out, 5, 7)
        for column, value in enumerate([c["id"], c["name"], c["start_week"], c["end_week"]], start=1):
            out.put(column, value)
        out.put(5, c["budget"], number_format=MONEY)
        out.put(6, 0, number_format=COUNT)
        out.put(7, 1, number_format=FACTOR)
        out.row += 1
        # Moves and scaling are relative: the import measures them from where the campaign was when exported, so
        # importing the same workbook twice moves it once.
        key = str(c["id"])
        exported += [(MARKETING_INPUT, key, START, start_index(cycle, c)), (MARKETING_INPUT, key, BUDGET, c["budget"])]
        exported += [(MARKETING_INPUT, key, MOVE, 0), (MARKETING_INPUT, key, SCALE, 1)]
    out.finish("C4", [12, 28, 11, 11, 12, 13, 12])


# --- where the workbook came from -------------------------------------------------------------------------------

META_KEYS = ("format", "fiscal_year", "cycle_id", "scenario_id", "scenario", "revision", "figures", "exported_at")


def _pack_sheet(
    sheet: Worksheet, source: PackSource, exported_at: datetime, exported: list[tuple[str, str, str, Any]]
) -> None:
    """Hidden: the cycle and scenario the workbook was exported from, and every input cell as exported (by code,
    not by position, so sorted or re-ordered rows still match)."""
    sheet.sheet_state = "hidden"
    meta: dict[str, Any] = {
        "format": PACK_FORMAT,
        "fiscal_year": source.cycle.fiscal_year,
        "cycle_id": source.cycle.pk,
        "scenario_id": source.scenario.pk if source.scenario is not None else None,
        "scenario": source.scenario_name,
        "revision": source.revision,
        "figures": source.figures,
        "exported_at": exported_at.isoformat(),
    }
    sheet.append(["The portal reads the input sheets back with this sheet: do not change it."])
    for key in META_KEYS:
        sheet.append([key, meta[key]])
    sheet.append([])
    sheet.append(list(EXPORTED_HEADER))
    for row in exported:
        sheet.append(list(row))
