"""Department inputs read back from the budget pack (`pack.py`) into scenario deltas (docs/budgeting.md
"Excel pack").

The input sheets a department fills in:

- Sales input: a family's baseline volume per month → `volume_target`;
- Operations input: planned extra shifts a week per resource and month → `add_shift` (months in a row with the
  same increase make one change);
- Marketing input: a campaign's budget, move (weeks) and scale factor → `move_campaign`, `scale_campaign` (a new
  budget scales the whole campaign: the plan has no budget-only change). Moves and factors count from where the
  campaign stood when the pack was exported, so importing a workbook twice moves or scales a campaign once.

A cell is a department's input when it differs from what the workbook held when it was exported (the hidden
"Pack" sheet records it); a change is made only where that input also differs from the scenario's figure now.
So a pack filled in over a week does not undo what moved in the plan meanwhile (a colleague's change, a
forecast edit): only the cells the department typed become deltas, into the scenario the pack was exported from.

All or nothing: every bad cell is reported as "Sheet 'Sales input', row 7, column Mar 2027: 'abc' is not a
number", and a workbook with any error writes nothing (the changes are made in one transaction, rolled back if
any is refused). A sheet with changes needs its department: a Sales planner imports Sales input, an Operations
planner Operations input, a Marketing planner Marketing input; whoever runs the budget (`budget.manage`) may
import them all. A locked cycle refuses every import (BudgetLocked).
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied

from sop_portal.errors import InputError, StaleEdit
from sop_portal.organisation.departments import MARKETING, OPERATIONS, SALES
from sop_portal.organisation.models import Department
from sop_portal.organisation.permissions import can, can_in

from . import deltas, pack, services
from .base_inputs import base_inputs
from .deltas import MOST_SHIFTS, MOST_WEEKS_MOVED, DeltaValidationError
from .errors import BudgetLocked
from .models import BudgetCycle, ChangeKind, Scenario, ScenarioChange

# Figures are stored to 2 decimals: a cell within half a cent of another holds the same figure.
SAME = 0.005
# The header row is looked for in the first rows (a planner may add a line above it).
HEADER_SEARCH_ROWS = 20
NUMBER = re.compile(r"^[+-]?(\d+|\d{1,3}(,\d{3})+)(\.\d+)?$")
SHEET_DEPARTMENTS = {pack.SALES_INPUT: SALES, pack.OPERATIONS_INPUT: OPERATIONS, pack.MARKETING_INPUT: MARKETING}
SHEET_KEYS = {pack.SALES_INPUT: pack.SALES_KEYS, pack.OPERATIONS_INPUT: pack.OPERATIONS_KEYS}


@dataclass(frozen=True)
class CellError:
    """A problem with one cell (or a whole sheet or the workbook when row and column are not known)."""

    sheet: str
    row: int | None
    column: str
    message: str

    def __str__(self) -> str:
        where = [f"Sheet '{self.sheet}'"] if self.sheet else []
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column {self.column}")
        return f"{', '.join(where)}: {self.message}" if where else self.message

    def as_json(self) -> dict[str, Any]:
        return {"sheet": self.sheet, "row": self.row, "column": self.column, "message": self.message}


@dataclass(frozen=True)
class Planned:
    """A delta the workbook asks for, with the cell it came from (errors from the services point back at it)."""

    kind: str
    payload: dict[str, Any]
    department: str
    sheet: str
    row: int
    column: str


@dataclass(frozen=True)
class Created:
    change: ScenarioChange
    sheet: str
    row: int
    column: str

    def as_json(self) -> dict[str, Any]:
        change = self.change
        return {
            "id": change.pk, "kind": change.kind, "payload": change.payload, "summary": change.summary,
            "department": getattr(change.department, "code", None), "sheet": self.sheet, "row": self.row,
            "column": self.column,
        }  # fmt: skip


@dataclass
class ImportResult:
    errors: list[CellError] = field(default_factory=list)
    created: list[Created] = field(default_factory=list)
    scenario: Scenario | None = None
    sheets: list[str] = field(default_factory=list)  # input sheets read

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "scenario": self.scenario.pk if self.scenario is not None else None,
            "scenario_name": self.scenario.name if self.scenario is not None else None,
            "sheets": self.sheets,
            "created": [c.as_json() for c in self.created],
            "errors": [e.as_json() | {"text": str(e)} for e in self.errors],
        }


class _Bad(ValueError):
    pass


# --- reading cells ----------------------------------------------------------------------------------------------


def _text(cell: Any) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()


def _number(cell: Any) -> float:
    """A cell's number: typed numbers as they are, text like "1,200" or " 600 " read; blank or anything else
    is _Bad."""
    if isinstance(cell, int | float) and not isinstance(cell, bool):
        if not math.isfinite(cell):
            raise _Bad("not a number")
        return float(cell)
    text = _text(cell)
    if not text:
        raise _Bad("is empty")
    if not NUMBER.match(text):
        raise _Bad(f"'{text}' is not a number")
    return float(text.replace(",", ""))


def _whole(cell: Any, low: int, high: int, what: str) -> int:
    value = _number(cell)
    if not value.is_integer():
        raise _Bad(f"{value:g} is not a whole number of {what}")
    if not low <= value <= high:
        raise _Bad(f"{value:g} is not between {low} and {high} {what}")
    return int(value)


def _amount(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


# --- the workbook -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Pack:
    """What the hidden Pack sheet says: where the workbook came from and each input cell as exported."""

    meta: dict[str, Any]
    exported: dict[tuple[str, str, str], float]


def _read_book(file_bytes: bytes, filename: str) -> dict[str, list[list[Any]]]:
    """Every sheet's cell values by row (row 1 first)."""
    if not filename.lower().endswith((".xlsx", ".xlsm")):
        raise _Bad("upload the budget pack as an Excel workbook (.xlsx)")
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(file_bytes), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several types for a file that is not a workbook
        raise _Bad("not a readable Excel workbook: save it from Excel as .xlsx and upload it again") from exc
    try:
        return {sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)] for sheet in book.worksheets}
    finally:
        book.close()


def _read_pack(sheets: dict[str, list[list[Any]]], cycle: BudgetCycle, errors: list[CellError]) -> _Pack | None:
    rows = sheets.get(pack.PACK)
    if rows is None:
        errors.append(
            CellError(
                pack.PACK, None, "",
                "is missing: this is not a budget pack exported from the portal (download the pack, fill in its "
                "input sheets and upload that workbook)",
            )
        )  # fmt: skip
        return None
    meta: dict[str, Any] = {}
    exported: dict[tuple[str, str, str], float] = {}
    table = False
    for row in rows:
        cells = [*row, None, None, None, None][:4]
        if not table and _text(cells[0]) in pack.META_KEYS:
            meta[_text(cells[0])] = cells[1]
        elif [_text(c) for c in cells] == list(pack.EXPORTED_HEADER):
            table = True
        elif table and isinstance(cells[3], int | float) and not isinstance(cells[3], bool):
            exported[(_text(cells[0]), _text(cells[1]), _text(cells[2]))] = float(cells[3])
    if meta.get("cycle_id") != cycle.pk or meta.get("fiscal_year") != cycle.fiscal_year:
        year = meta.get("fiscal_year") or "another"
        errors.append(
            CellError(pack.PACK, None, "", f"this workbook is the pack of the {year} budget, not of {cycle.name}")
        )
        return None
    return _Pack(meta, exported)


def _find_header(rows: list[list[Any]], keys: Sequence[str]) -> int | None:
    """Index into rows of the header row: the first whose leading cells are `keys` (case and spaces ignored)."""
    wanted = [key.lower() for key in keys]
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        if [_text(c).lower() for c in row[: len(keys)]] == wanted:
            return index
    return None


def _columns(
    sheet: str, rows: list[list[Any]], keys: Sequence[str], wanted: Sequence[str], errors: list[CellError]
) -> tuple[int, dict[str, int]] | None:
    """(header index, column name → index) for the `wanted` columns, or None with the errors noted."""
    header = _find_header(rows, keys)
    if header is None:
        errors.append(CellError(sheet, None, "", f"no header row starting with '{keys[0]}': keep the rows as exported"))
        return None
    names = {_text(c).lower(): i for i, c in reversed(list(enumerate(rows[header])))}
    columns = {}
    for name in wanted:
        if name.lower() in names:
            columns[name] = names[name.lower()]
        else:
            errors.append(
                CellError(sheet, header + 1, name, "is missing from the header: keep the columns as exported")
            )
    return (header, columns) if len(columns) == len(wanted) else None


def _data_rows(rows: list[list[Any]], header: int) -> Iterator[tuple[int, list[Any]]]:
    """(spreadsheet row number, cells) from under the header down to the first empty row."""
    for index in range(header + 1, len(rows)):
        row = rows[index]
        if not any(_text(c) for c in row):
            return
        yield index + 1, row


def _cell(row: list[Any], column: int) -> Any:
    return row[column] if column < len(row) else None


def _changed(value: float, exported: float | None) -> bool:
    """Did the department type this cell? A cell the workbook did not hold when exported counts as typed."""
    return exported is None or abs(value - exported) > SAME


# --- the input sheets -------------------------------------------------------------------------------------------


def _code_rows(
    sheet: str, rows: list[list[Any]], header: int, known: dict[str, Any], what: str, errors: list[CellError]
) -> Iterator[tuple[int, list[Any], str | None]]:
    """Every data row with its code, or None where the code is missing, unknown or repeated (an error is noted;
    the row's cells are still checked, so that every bad cell is listed at once)."""
    key_column = SHEET_KEYS[sheet][0]
    seen: dict[str, int] = {}
    for number, row in _data_rows(rows, header):
        code: str | None = _text(_cell(row, 0))
        if not code:
            errors.append(CellError(sheet, number, key_column, "is empty"))
            code = None
        elif code not in known:
            errors.append(CellError(sheet, number, key_column, f"no {what} '{code}' in the plan"))
            code = None
        elif code in seen:
            errors.append(CellError(sheet, number, key_column, f"'{code}' is also on row {seen[code]}"))
            code = None
        else:
            seen[code] = number
        yield number, row, code


def _sales(rows: list[list[Any]], summary: dict, exported: _Pack, errors: list[CellError]) -> list[Planned]:
    sheet, months = pack.SALES_INPUT, summary["months"]
    found = _columns(sheet, rows, pack.SALES_KEYS, months, errors)
    if found is None:
        return []
    header, columns = found
    families = {f["code"]: f for f in summary["families"]}
    planned = []
    for number, row, code in _code_rows(sheet, rows, header, families, "product family", errors):
        for m, month in enumerate(months):
            try:
                units = _number(_cell(row, columns[month]))
                if units < 0:
                    raise _Bad(f"{units:g} is negative: a volume is 0 or more")
            except _Bad as exc:
                errors.append(CellError(sheet, number, month, str(exc)))
                continue
            if code is None:
                continue
            now = families[code]["baseline"][m]
            if _changed(units, exported.exported.get((sheet, code, month))) and abs(units - now) > SAME:
                payload = {"family": code, "month": m + 1, "units": units}
                planned.append(Planned(ChangeKind.VOLUME_TARGET, payload, SALES, sheet, number, month))
    return planned


def _operations(
    rows: list[list[Any]], summary: dict, weeks: Sequence[int], exported: _Pack, errors: list[CellError]
) -> list[Planned]:
    sheet, months = pack.OPERATIONS_INPUT, summary["months"]
    found = _columns(sheet, rows, pack.OPERATIONS_KEYS, months, errors)
    if found is None:
        return []
    header, columns = found
    resources = {r["code"]: r for r in summary["resources"]}
    planned = []
    for number, row, code in _code_rows(sheet, rows, header, resources, "resource", errors):
        now = pack.planned_shifts_a_week(resources[code], weeks) if code is not None else [0.0] * len(months)
        added: list[int] = []
        for m, month in enumerate(months):
            try:
                shifts = _whole(_cell(row, columns[month]), 0, MOST_SHIFTS, "shifts a week")
            except _Bad as exc:
                errors.append(CellError(sheet, number, month, str(exc)))
                added.append(0)
                continue
            more = 0
            if code is not None and _changed(shifts, exported.exported.get((sheet, code, month))):
                more = round(shifts - now[m])
                if more < 0:
                    errors.append(
                        CellError(
                            sheet, number, month,
                            f"{shifts} is fewer than the {now[m]:g} shifts a week the plan holds now: take shifts out "
                            "by withdrawing their change in the session",
                        )
                    )  # fmt: skip
                    more = 0
            added.append(more)
        # Months in a row with the same increase are one change ("Add 1 shift a week on Bottling line Jun-Aug").
        m = 0 if code is not None else len(months)
        while m < len(months):
            if added[m] <= 0:
                m += 1
                continue
            last = m
            while last + 1 < len(months) and added[last + 1] == added[m]:
                last += 1
            payload = {"resource": code, "from_month": m + 1, "to_month": last + 1, "shifts": added[m]}
            planned.append(Planned(ChangeKind.ADD_SHIFT, payload, OPERATIONS, sheet, number, months[m]))
            m = last + 1
    return planned


def _marketing(
    rows: list[list[Any]], cycle: BudgetCycle, summary: dict, exported: _Pack, errors: list[CellError]
) -> list[Planned]:
    sheet = pack.MARKETING_INPUT
    key_column = pack.MARKETING_COLUMNS[0]
    found = _columns(sheet, rows, [key_column], [key_column, pack.BUDGET, pack.MOVE, pack.SCALE], errors)
    if found is None:
        return []
    header, columns = found
    campaigns = {str(c["id"]): c for c in summary["campaigns"]}
    seen: dict[str, int] = {}
    planned = []
    for number, row in _data_rows(rows, header):

        def bad(column: str, message: str, number: int = number) -> None:
            errors.append(CellError(sheet, number, column, message))

        key = _text(_cell(row, columns[key_column]))
        campaign = campaigns.get(key)
        if not key:
            bad(key_column, "is empty: new campaigns need products and uplift, add them in the session")
        elif campaign is None:
            bad(key_column, f"no campaign {key} in this plan")
        elif key in seen:
            bad(key_column, f"campaign {key} is also on row {seen[key]}")
            campaign = None
        else:
            seen[key] = number
        typed = _campaign_cells(row, columns, bad)
        if campaign is None or typed is None:
            continue
        budget, weeks, factor = typed
        if weeks:
            # The week the department wants it to start: where it started when exported, moved as typed.
            wanted = exported.exported.get((sheet, key, pack.START))
            start = pack.start_index(cycle, campaign)
            weeks = int(wanted) + weeks - start if wanted is not None else weeks
        if weeks and -MOST_WEEKS_MOVED <= weeks <= MOST_WEEKS_MOVED:
            payload = {"campaign": campaign["id"], "weeks": weeks}
            planned.append(Planned(ChangeKind.MOVE_CAMPAIGN, payload, MARKETING, sheet, number, pack.MOVE))
        elif weeks:
            bad(pack.MOVE, f"moves the campaign {weeks:+d} weeks from where it is now: at most {MOST_WEEKS_MOVED}")
        scale = _scale(campaign, budget, factor, exported.exported.get((sheet, key, pack.BUDGET)), bad)
        if scale is not None:
            factor, column = scale
            payload = {"campaign": campaign["id"], "factor": factor}
            planned.append(Planned(ChangeKind.SCALE_CAMPAIGN, payload, MARKETING, sheet, number, column))
    return planned


def _campaign_cells(row: list[Any], columns: dict[str, int], bad: Any) -> tuple[float, int, float] | None:
    """(budget, move, scale factor) typed on a Marketing input row; blank move and factor: no move, no scaling."""
    budget: float | None = None
    weeks, factor, ok = 0, 1.0, True
    try:
        budget = _number(_cell(row, columns[pack.BUDGET]))
        if budget < 0:
            raise _Bad(f"{budget:g} is negative: a budget is 0 or more")
    except _Bad as exc:
        bad(pack.BUDGET, str(exc))
        ok = False
    move_cell, scale_cell = _cell(row, columns[pack.MOVE]), _cell(row, columns[pack.SCALE])
    try:
        weeks = _whole(move_cell, -MOST_WEEKS_MOVED, MOST_WEEKS_MOVED, "weeks") if _text(move_cell) else 0
    except _Bad as exc:
        bad(pack.MOVE, str(exc))
        ok = False
    try:
        factor = _number(scale_cell) if _text(scale_cell) else 1.0
        if factor < 0:
            raise _Bad(f"{factor:g} is negative: a scale factor is 0 or more")
    except _Bad as exc:
        bad(pack.SCALE, str(exc))
        ok = False
    return (budget, weeks, factor) if ok and budget is not None else None


def _scale(
    campaign: dict[str, Any], budget: float, factor: float, exported: float | None, bad: Any
) -> tuple[float, str] | None:
    """The scale factor that brings the campaign's budget to what the row asks for, and the column that asked:
    the budget when exported x the factor typed, or a budget typed (both at once must agree). Measured from the
    budget now, so importing the same workbook twice scales the campaign once."""
    now = campaign["budget"] or 0.0
    was = exported if exported is not None else now
    new_budget = _changed(budget, exported)
    if factor != 1.0:
        wanted, column = was * factor, pack.SCALE
        if new_budget and abs(budget - wanted) > SAME:
            bad(
                pack.BUDGET,
                f"{_amount(budget)} disagrees with the scale factor ({factor:g} x {_amount(was)} = "
                f"{_amount(wanted)}): fill in one of them",
            )
            return None
        if was <= 0:  # nothing to measure the scaling by: it applies as typed
            return factor, pack.SCALE
    elif new_budget:
        wanted, column = budget, pack.BUDGET
    else:
        return None
    if abs(wanted - now) <= SAME:
        return None
    if now <= 0:
        bad(pack.BUDGET, "the campaign has no budget now to scale: change it on the campaign, or scale it by a factor")
        return None
    return wanted / now, column


# --- importing --------------------------------------------------------------------------------------------------


def _may_import(by: Any, department: str) -> bool:
    return can_in(by, "budget.plan", department) or can(by, "budget.manage")


def _check_departments(planned: list[Planned], by: Any, errors: list[CellError]) -> None:
    """A sheet with changes needs a planner of its department (or whoever runs the budget)."""
    names = dict(Department.objects.values_list("code", "name"))
    for sheet, department in SHEET_DEPARTMENTS.items():
        mine = [p for p in planned if p.sheet == sheet]
        if mine and not _may_import(by, department):
            name = names.get(department, department)
            errors.append(
                CellError(
                    sheet, mine[0].row, mine[0].column,
                    f"{len(mine)} change{'s' if len(mine) != 1 else ''} on this sheet, but you do not plan for {name}: "
                    f"{'an' if name[:1].lower() in 'aeiou' else 'a'} {name} planner (or finance, who runs the budget) "
                    "imports it",
                )
            )  # fmt: skip


def _check_changes(cycle: BudgetCycle, scenario: Scenario, planned: list[Planned], errors: list[CellError]) -> None:
    """What the services will check (a family or resource in the plan, shift hours set, a campaign the scenario
    holds), asked before writing so that those problems come in the same list as the cells that are not numbers."""
    earlier = list(scenario.changes.filter(withdrawn__isnull=True).order_by("pk"))
    base = base_inputs(cycle)
    for item in planned:
        try:
            deltas.validate(cycle, item.kind, item.payload, earlier, inputs=base)
        except DeltaValidationError as exc:
            errors += [CellError(item.sheet, item.row, item.column, message) for message in exc.errors.values()]


def _write(scenario: Scenario, planned: list[Planned], by: Any, filename: str, result: ImportResult) -> None:
    """Every change through `services.add_changes`: stored all or none, and the year computed once (one change at
    a time would compute the whole year per changed cell)."""
    batch = [
        {
            # The department the change is booked to: the sheet's, for its planners; finance acts as itself.
            "kind": item.kind, "payload": item.payload,
            "department": item.department if can_in(by, "budget.plan", item.department) else None,
            "note": f"Imported from {filename}, sheet '{item.sheet}' row {item.row}",
        }
        for item in planned
    ]  # fmt: skip
    try:
        changes = services.add_changes(scenario, batch, by, what=f"Import of {filename}")
    except DeltaValidationError as exc:
        index = getattr(exc, "index", None)
        item = planned[index] if index is not None and 0 <= index < len(planned) else None
        for message in exc.errors.values():
            result.errors.append(
                CellError(item.sheet, item.row, item.column, message) if item else CellError("", None, "", message)
            )
        return
    except (InputError, StaleEdit, PermissionDenied) as exc:
        result.errors.append(CellError("", None, "", str(exc)))
        return
    result.created = [
        Created(change, item.sheet, item.row, item.column) for change, item in zip(changes, planned, strict=True)
    ]


def import_inputs(cycle: BudgetCycle, file_bytes: bytes, filename: str, by: Any) -> ImportResult:
    """Read the input sheets of a budget pack and add their changes to the scenario it was exported from: all of
    them, or with any error none. BudgetLocked once the cycle's plan is final."""
    if not cycle.is_open:
        raise BudgetLocked(cycle, "Imported inputs")
    result = ImportResult()
    try:
        sheets = _read_book(file_bytes, filename)
    except _Bad as exc:
        result.errors.append(CellError("", None, "", str(exc)))
        return result
    exported = _read_pack(sheets, cycle, result.errors)
    if exported is None:
        return result
    scenario_id = exported.meta.get("scenario_id")
    result.scenario = Scenario.objects.filter(pk=scenario_id, cycle=cycle).first() if scenario_id else None
    if result.scenario is None:
        name = exported.meta.get("scenario") or "?"
        result.errors.append(
            CellError(pack.PACK, None, "", f"the scenario '{name}' this pack was exported from is not in the budget")
        )
        return result
    summary = services.scenario_summary(cycle, result.scenario)
    planned: list[Planned] = []
    if pack.MARKETING_INPUT in sheets:
        planned += _marketing(sheets[pack.MARKETING_INPUT], cycle, summary, exported, result.errors)
    if pack.SALES_INPUT in sheets:
        planned += _sales(sheets[pack.SALES_INPUT], summary, exported, result.errors)
    if pack.OPERATIONS_INPUT in sheets:
        weeks = pack.weeks_per_month(cycle)
        planned += _operations(sheets[pack.OPERATIONS_INPUT], summary, weeks, exported, result.errors)
    result.sheets = [name for name in SHEET_DEPARTMENTS if name in sheets]
    if not result.sheets:
        result.errors.append(CellError("", None, "", "the workbook has none of the input sheets"))
    _check_departments(planned, by, result.errors)
    _check_changes(cycle, result.scenario, planned, result.errors)
    if not result.errors and planned:
        _write(result.scenario, planned, by, filename, result)
    return result
