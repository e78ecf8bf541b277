"""Reading and checking a returns file (CSV or Excel): one row per return line, header on row 1.

Pure pandas, no database: the service passes in what the database knows (SKUs, reasons) and gets back either
typed columns ready to write or every problem as (row, column, message) — all of them, so a planner fixes the
file in one go. Checks run per column over the whole file; parsing looks at each distinct value once (a file
of 100,000 lines has a few hundred distinct dates and SKUs), which keeps a large file to a fraction of a second.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd

COLUMNS = [
    "return_number", "line", "order_reference", "customer", "channel", "sku", "quantity", "order_date",
    "return_date", "reason", "sub_reason", "comment", "condition", "disposition",
]  # fmt: skip
REQUIRED = ("return_number", "channel", "sku", "quantity", "order_date", "return_date", "reason", "disposition")
# Columns that belong to the authorisation: every line of one return number must agree on them.
AUTHORISATION_COLUMNS = ("order_reference", "customer", "channel", "order_date", "return_date")
HEADER_ALIASES = {
    "rma": "return_number", "rma_number": "return_number", "return_no": "return_number", "return": "return_number",
    "line_number": "line", "order": "order_reference", "order_number": "order_reference",
    "order_ref": "order_reference",
    "product": "sku", "qty": "quantity", "units": "quantity", "reason_group": "reason", "return_reason": "reason",
    "subreason": "sub_reason", "reason_detail": "sub_reason", "comments": "comment", "notes": "comment",
    "item_condition": "condition",
}  # fmt: skip
MAX_LENGTH = {"return_number": 40, "order_reference": 60, "customer": 120, "comment": 2000}
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%d %b %Y", "%d %B %Y", "%Y/%m/%d")
MAX_ERRORS_KEPT = 1000


class FileProblem(ValueError):
    """The file as a whole cannot be read (not a CSV or Excel file, no header, missing columns)."""


@dataclass(frozen=True)
class RowError:
    row: int  # spreadsheet row: the header is row 1
    column: str
    message: str

    def __str__(self) -> str:
        return f"row {self.row}, {self.column}: {self.message}"

    def as_json(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass(frozen=True)
class Lookups:
    """What the database knows, as plain dictionaries."""

    products: Mapping[str, int]  # SKU → product id
    reason_groups: Mapping[str, int]  # normalised code or name → group id
    reason_names: Mapping[int, str]  # group id → name (for messages)
    sub_reasons: Mapping[tuple[int, str], int]  # (group id, normalised code or name) → reason id
    channels: Mapping[str, str]  # normalised value or label → value
    dispositions: Mapping[str, str]
    conditions: Mapping[str, str]
    reason_codes: tuple[str, ...]  # the group codes, listed in messages
    today: date


@dataclass(frozen=True)
class Checked:
    lines: pd.DataFrame  # typed columns, one row per good line (empty when there are errors)
    errors: list[RowError]
    rows: int  # data rows read


def key(text: object) -> str:
    """How choices are matched: case, spaces, hyphens and slashes do not matter ("Return to vendor" is
    return_to_vendor)."""
    return re.sub(r"[\s\-/]+", "_", str(text).strip().lower()).strip("_")


def choices(pairs: Iterable[tuple[str, str]], aliases: Mapping[str, str] | None = None) -> dict[str, str]:
    known = {key(value): value for value, _ in pairs} | {key(label): value for value, label in pairs}
    return known | {key(alias): value for alias, value in (aliases or {}).items()}


# --- Reading -----------------------------------------------------------------------------------------------


def read_table(content: bytes, filename: str) -> pd.DataFrame:
    """The file's data rows as text columns named like COLUMNS (extra columns dropped), blanks as ""."""
    name = filename.lower()
    if name.endswith((".xlsx", ".xlsm")):
        frame = _read_xlsx(content)
    elif name.endswith((".csv", ".txt")):
        frame = _read_csv(content)
    else:
        raise FileProblem("upload a .csv or .xlsx file")
    frame.columns = [column_name(c) for c in frame.columns]
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise FileProblem(f"row 1: the header lacks the column{'s' if len(missing) > 1 else ''} {', '.join(missing)}")
    for column in COLUMNS:
        if column not in frame.columns:
            frame[column] = ""
    frame = frame.loc[:, ~frame.columns.duplicated()][COLUMNS]
    # Trailing rows a spreadsheet leaves empty are not data.
    return frame[(frame != "").any(axis=1)]


def column_name(header: object) -> str:
    name = key(header)
    return HEADER_ALIASES.get(name, name)


def _read_csv(content: bytes) -> pd.DataFrame:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = content.decode("cp1252", errors="replace")  # Excel's "CSV" on Windows
    first = text.split("\n", 1)[0]
    if not first.strip():
        raise FileProblem("row 1: the file has no header row")
    separator = max([",", ";", "\t"], key=first.count)
    try:
        frame = pd.read_csv(
            io.StringIO(text), sep=separator, dtype=str, keep_default_na=False, na_filter=False,
            skipinitialspace=True, quoting=csv.QUOTE_MINIMAL,
        )  # fmt: skip
    except (pd.errors.ParserError, ValueError) as exc:
        raise FileProblem(f"the file is not a readable CSV file ({exc})") from exc
    return frame


def _read_xlsx(content: bytes) -> pd.DataFrame:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several types for a damaged file
        raise FileProblem(f"the file is not a readable Excel workbook ({type(exc).__name__})") from exc
    try:
        rows = workbook.active.iter_rows(values_only=True) if workbook.active is not None else iter(())
        header = next(rows, None)
        if not header:
            raise FileProblem("row 1: the sheet has no header row")
        data = [[cell_text(v) for v in row] for row in rows]
    finally:
        workbook.close()
    width = len(header)
    data = [(row + [""] * width)[:width] for row in data]
    return pd.DataFrame(data, columns=[str(h or "") for h in header], dtype=str)


def cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


# --- Checking ----------------------------------------------------------------------------------------------


class _Errors:
    def __init__(self, rows: np.ndarray) -> None:
        self.rows = rows
        self.found: list[pd.DataFrame] = []

    def add(self, bad: np.ndarray | pd.Series, column: str, message: str | Callable[[], pd.Series]) -> None:
        """`message` is text, or a function that builds one per row (called only when some row is bad)."""
        mask = np.asarray(bad, dtype=bool)
        if not mask.any():
            return
        text = message if isinstance(message, str) else message().to_numpy()[mask]
        self.found.append(pd.DataFrame({"row": self.rows[mask], "column": column, "message": text}))

    def sorted(self) -> list[RowError]:
        if not self.found:
            return []
        order = {c: i for i, c in enumerate(COLUMNS)}
        table = pd.concat(self.found, ignore_index=True)
        table["at"] = table["column"].map(order).fillna(len(order))
        table = table.sort_values(["row", "at"], kind="stable")
        found = zip(table["row"], table["column"], table["message"], strict=True)
        return [RowError(int(r), str(c), str(m)) for r, c, m in found]


def _distinct_map(values: pd.Series, parse: Any) -> pd.Series:
    """`parse` applied to each distinct value once, mapped back onto every row."""
    uniques = pd.unique(values.to_numpy())
    parsed = {u: parse(u) for u in uniques}
    return values.map(parsed)


def _stripped(values: pd.Series) -> pd.Series:
    """Without surrounding spaces; a column of few distinct values is stripped once per value."""
    distinct = pd.unique(values.to_numpy())
    if len(distinct) * 4 < len(values):
        return values.map({v: v.strip() for v in distinct})
    return values.str.strip()


def _date(text: str) -> Any:
    for fmt in DATE_FORMATS:
        try:
            return np.datetime64(datetime.strptime(text, fmt).date(), "D")
        except ValueError:
            continue
    return np.datetime64("NaT")


def _number(text: str) -> float:
    try:
        return float(text.replace(",", "")) if text else np.nan
    except ValueError:
        return np.nan


def _quoted(values: pd.Series) -> pd.Series:
    return "'" + values.astype(str) + "'"


def _not_a_date(values: pd.Series) -> Callable[[], pd.Series]:
    return lambda: _quoted(values) + " is not a date like 2027-04-05"


def check(frame: pd.DataFrame, lookups: Lookups) -> Checked:
    """Every problem of every row, or the typed lines when there are none."""
    n = len(frame)
    rows = np.arange(2, n + 2)
    errors = _Errors(rows)
    text = {c: _stripped(frame[c].astype(str).reset_index(drop=True)) for c in COLUMNS}
    blank = {c: (text[c] == "").to_numpy() for c in COLUMNS}

    for column in REQUIRED:
        errors.add(blank[column], column, "is required")
    for column, limit in MAX_LENGTH.items():
        errors.add(text[column].str.len().to_numpy() > limit, column, f"is longer than {limit} characters")

    def choice(column: str, known: Mapping[str, str], allowed: str) -> pd.Series:
        values = _distinct_map(text[column], lambda t: known.get(key(t), "") if t else "")
        unknown = ~blank[column] & (values == "").to_numpy()
        errors.add(unknown, column, lambda: _quoted(text[column]) + f" is not one of {allowed}")
        return values

    channel = choice("channel", lookups.channels, "retail, online, wholesale")
    disposition = choice("disposition", lookups.dispositions, "restock, refurbish, scrap, return_to_vendor")
    condition = choice("condition", lookups.conditions, "unopened, opened, damaged, defective")

    product = text["sku"].map(lookups.products)
    errors.add(~blank["sku"] & product.isna().to_numpy(), "sku", lambda: _quoted(text["sku"]) + " is not a known SKU")

    quantity = _distinct_map(text["quantity"], _number).astype(float)
    q = quantity.to_numpy()
    not_number = ~blank["quantity"] & np.isnan(q)
    errors.add(not_number, "quantity", lambda: _quoted(text["quantity"]) + " is not a number")
    with np.errstate(invalid="ignore"):
        errors.add(~np.isnan(q) & (q <= 0), "quantity", "must be more than zero")
        errors.add(~np.isnan(q) & (q > 0) & (q != np.floor(q)), "quantity", "must be a whole number of units")

    line = _distinct_map(text["line"], _number).astype(float).to_numpy()
    with np.errstate(invalid="ignore"):
        bad_line = ~blank["line"] & (np.isnan(line) | (line < 1) | (line != np.floor(line)) | (line > 32767))
    errors.add(bad_line, "line", lambda: _quoted(text["line"]) + " is not a line number from 1")

    dates: dict[str, np.ndarray] = {}
    for column in ("order_date", "return_date"):
        parsed = _distinct_map(text[column], lambda t: _date(t) if t else np.datetime64("NaT"))
        dates[column] = parsed.to_numpy(dtype="datetime64[D]")
        errors.add(~blank[column] & np.isnat(dates[column]), column, _not_a_date(text[column]))
    both = ~np.isnat(dates["order_date"]) & ~np.isnat(dates["return_date"])
    errors.add(both & (dates["return_date"] < dates["order_date"]), "return_date", "is before the order date")
    errors.add(dates["return_date"] > np.datetime64(lookups.today, "D"), "return_date", "is in the future")

    group_names = ", ".join(lookups.reason_codes)
    group = _distinct_map(text["reason"], lambda t: lookups.reason_groups.get(key(t), 0) if t else 0).astype(np.int64)
    unknown_group = ~blank["reason"] & (group == 0).to_numpy()
    errors.add(unknown_group, "reason", lambda: _quoted(text["reason"]) + f" is not a reason: {group_names}")
    pairs = pd.DataFrame({"group": group.to_numpy(), "sub": _distinct_map(text["sub_reason"], key).to_numpy()})
    known_pairs = pairs.drop_duplicates()
    found = zip(known_pairs["group"], known_pairs["sub"], strict=True)
    known_pairs = known_pairs.assign(id=[lookups.sub_reasons.get((int(g), s), 0) for g, s in found])
    sub = pairs.merge(known_pairs, on=["group", "sub"], how="left")["id"].astype(np.int64)
    known_group = (group != 0).to_numpy()
    bad_sub = ~blank["sub_reason"] & known_group & (sub == 0).to_numpy()
    errors.add(
        bad_sub, "sub_reason",
        lambda: _quoted(text["sub_reason"]) + " is not a sub-reason of " + group.map(lookups.reason_names).astype(str),
    )  # fmt: skip

    number = text["return_number"]
    # Line numbers default to the row's position within its return number.
    position = number.groupby(number, sort=False).cumcount().to_numpy() + 1
    line_no = np.where(blank["line"] | bad_line, position, np.nan_to_num(line)).astype(np.int64)
    _check_authorisations(errors, number, text, dates, channel, blank["return_number"])
    duplicate = pd.DataFrame({"n": number, "l": line_no}).duplicated(keep="first").to_numpy() & ~blank["return_number"]
    lines_text = pd.Series(line_no).astype(str)
    errors.add(duplicate, "line", lambda: "return " + number + " has line " + lines_text + " twice in this file")

    problems = errors.sorted()
    if problems:
        return Checked(pd.DataFrame(), problems, n)
    lines = pd.DataFrame(
        {
            "row": rows,
            "return_number": number,
            "line": line_no,
            "order_reference": text["order_reference"],
            "customer": text["customer"],
            "channel": channel,
            "product_id": product.astype(np.int64),
            "quantity": q,
            "order_date": dates["order_date"],
            "return_date": dates["return_date"],
            "reason_group_id": group.to_numpy(),
            "reason_id": np.where(sub.to_numpy() > 0, sub.to_numpy(), group.to_numpy()),
            "comment": text["comment"],
            "condition": condition,
            "disposition": disposition,
        }
    )
    return Checked(lines, [], n)


def _check_authorisations(
    errors: _Errors, number: pd.Series, text: Mapping[str, pd.Series], dates: Mapping[str, np.ndarray],
    channel: pd.Series, no_number: np.ndarray,
) -> None:  # fmt: skip
    """The lines of one return number must agree on the authorisation's own columns."""
    first_row = pd.Series(errors.rows).groupby(number.to_numpy(), sort=False).transform("first").to_numpy()
    values = {
        "order_reference": text["order_reference"], "customer": text["customer"], "channel": channel,
        "order_date": pd.Series(dates["order_date"]), "return_date": pd.Series(dates["return_date"]),
    }  # fmt: skip
    for column in AUTHORISATION_COLUMNS:
        series = values[column].reset_index(drop=True)
        first = series.groupby(number.to_numpy(), sort=False).transform("first")
        differs = ~(series.eq(first) | (series.isna() & first.isna())).to_numpy() & ~no_number
        errors.add(
            differs, column, lambda: "differs from row " + pd.Series(first_row).astype(str) + " of return " + number
        )
