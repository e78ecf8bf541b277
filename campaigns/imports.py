"""Bulk import of campaigns with their product lines from CSV or Excel: one row per campaign line.

Rows with the same campaign name make one campaign. The campaign columns (type, channel, region, owner
department, dates, budget) may be left blank on a campaign's later rows; where filled they must agree with its
first row. Every bad cell is reported with its row (the header is row 1) and column, and a file with any error
writes nothing. Imported campaigns are drafts owned by the person importing.

Re-importing: a campaign whose name (ignoring case) and dates match one that already exists is reported as a
duplicate and skipped, so loading the same file twice creates its campaigns once.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models.functions import Upper

from sop_portal.errors import InputError
from sop_portal.masterdata.models import Channel, Product
from sop_portal.organisation.models import Department

from . import services
from .models import Campaign, CampaignType, ProfileChoice, UpliftKindChoice

COLUMNS = [
    "campaign", "type", "channel", "region", "owner_department", "start_date", "end_date", "budget", "sku",
    "uplift_kind", "uplift_value", "profile", "prebuy_pct", "prebuy_weeks", "dip_pct", "dip_weeks", "halo_pct",
    "cannibalisation_pct", "predecessor_sku", "transfer_pct",
]  # fmt: skip
REQUIRED_COLUMNS = ("campaign", "sku", "uplift_value", "type", "owner_department", "start_date", "end_date")
CAMPAIGN_COLUMNS = ("type", "channel", "region", "owner_department", "start_date", "end_date", "budget")
REQUIRED_ON_FIRST_ROW = ("type", "owner_department", "start_date", "end_date")
MAX_ROWS = 20_000
# Service field → file column, for errors the services raise.
COLUMN_OF = {"name": "campaign", "product": "sku", "predecessor": "predecessor_sku", "lines": "sku"}
NUMBER = re.compile(r"^-?(\d+|\d{1,3}(,\d{3})+)(\.\d+)?$")
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%d %b %Y", "%d %B %Y")


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"row {self.row}, {self.column}: {self.message}"


@dataclass
class ImportResult:
    created: int = 0
    errors: list[RowError] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)  # campaign names skipped: already there
    campaigns: list[Campaign] = field(default_factory=list)
    rows: int = 0  # data rows read

    @property
    def ok(self) -> bool:
        return not self.errors


class _Bad(ValueError):
    pass


def _key(text: str) -> str:
    return re.sub(r"[\s\-]+", "_", text.strip().lower())


def _choice(choices: Iterable[tuple[str, str]], aliases: Mapping[str, str] | None = None) -> Callable[[Any], str]:
    """A cell → the stored value, accepting the value or the label in any case ("Price change", "price_change")."""
    known = {_key(value): value for value, _ in choices} | {_key(label): value for value, label in choices}
    known |= {_key(alias): value for alias, value in (aliases or {}).items()}
    allowed = ", ".join(value for value, _ in choices)

    def parse(cell: Any) -> str:
        text = _text(cell)
        if _key(text) not in known:
            raise _Bad(f"'{text}' is not one of {allowed}")
        return known[_key(text)]

    return parse


def _text(cell: Any) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()


def _number(cell: Any) -> float:
    if isinstance(cell, int | float) and not isinstance(cell, bool):
        return float(cell)
    text = _text(cell).lstrip("£€$").rstrip("%").strip()
    if not NUMBER.match(text):
        raise _Bad(f"'{_text(cell)}' is not a number")
    return float(text.replace(",", ""))


def _percent(cell: Any) -> float:
    value = _number(cell)
    if not 0 <= value <= 100:
        raise _Bad(f"{value:g} is not between 0 and 100")
    return value


def _weeks(cell: Any) -> int:
    value = _number(cell)
    if not value.is_integer() or not 0 <= value <= 26:
        raise _Bad(f"'{_text(cell)}' is not a whole number of weeks from 0 to 26")
    return int(value)


def _money(cell: Any) -> Decimal:
    value = _number(cell)
    if value < 0:
        raise _Bad("must not be negative")
    try:
        return Decimal(str(round(value, 2)))
    except InvalidOperation as exc:  # pragma: no cover - _number already refused it
        raise _Bad(f"'{_text(cell)}' is not an amount") from exc


def _date(cell: Any) -> date:
    if isinstance(cell, datetime):
        return cell.date()
    if isinstance(cell, date):
        return cell
    text = _text(cell)
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise _Bad(f"'{text}' is not a date like 2027-06-28")


def _profile(cell: Any) -> str:
    value = _choice(ProfileChoice.choices, {"peak": "peak_and_decay", "ramp": "ramp_up"})(cell)
    if value == ProfileChoice.CUSTOM:
        raise _Bad("custom profiles need a factor per week: import as flat, then set the factors on the edit page")
    return value


PARSERS: dict[str, Callable[[Any], Any]] = {
    "type": _choice(CampaignType.choices, {"launch": "launch", "price": "price_change", "advert": "advertising"}),
    "channel": _choice(Channel.choices),
    "region": _text,
    "start_date": _date,
    "end_date": _date,
    "budget": _money,
    "uplift_kind": _choice(UpliftKindChoice.choices, {"%": "percent", "percent": "percent", "units": "units"}),
    "uplift_value": _number,
    "profile": _profile,
    "prebuy_pct": _percent,
    "prebuy_weeks": _weeks,
    "dip_pct": _percent,
    "dip_weeks": _weeks,
    "halo_pct": _percent,
    "cannibalisation_pct": _percent,
    "transfer_pct": _percent,
}
DEFAULTS: dict[str, Any] = {
    "channel": "", "region": "", "budget": Decimal(0), "uplift_kind": "percent", "profile": "flat", "prebuy_pct": 0.0,
    "prebuy_weeks": 0, "dip_pct": 0.0, "dip_weeks": 0, "halo_pct": 0.0, "cannibalisation_pct": 0.0,
    "transfer_pct": 0.0,
}  # fmt: skip
DEFAULTS_CAMPAIGN: dict[str, Any] = {"channel": "", "region": "", "budget": Decimal(0)}


# --- Reading the file ---------------------------------------------------------------------------------------


def read_table(file_bytes: bytes, filename: str) -> list[list[Any]]:
    """All rows of the file (the header first), cells as read: text from CSV, typed values from Excel."""
    if filename.lower().endswith((".xlsx", ".xlsm")):
        return _read_xlsx(file_bytes)
    if filename.lower().endswith((".csv", ".txt")):
        return _read_csv(file_bytes)
    raise _Bad("upload a .csv or .xlsx file")


def _read_csv(file_bytes: bytes) -> list[list[Any]]:
    try:
        text = file_bytes.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = file_bytes.decode("cp1252", errors="replace")  # Excel's "CSV" on Windows
    try:
        dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return list(csv.reader(io.StringIO(text), dialect))


def _read_xlsx(file_bytes: bytes) -> list[list[Any]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(file_bytes), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several types for a file that is not a workbook
        raise _Bad(f"not a readable Excel workbook ({type(exc).__name__})") from exc
    sheet = book["campaigns"] if "campaigns" in book.sheetnames else book.worksheets[0]
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    book.close()
    return rows


# --- Validating ---------------------------------------------------------------------------------------------


@dataclass
class _Group:
    name: str
    first_row: int
    fields: dict[str, Any] = field(default_factory=dict)  # campaign columns, from the first row that has them
    field_rows: dict[str, int] = field(default_factory=dict)
    lines: list[dict[str, Any]] = field(default_factory=list)
    line_rows: list[int] = field(default_factory=list)
    skus: dict[int, int] = field(default_factory=dict)  # product id → row
    bad: bool = False


def _header(row: list[Any], errors: list[RowError]) -> dict[str, int]:
    names = [_key(_text(cell)) for cell in row]
    index = {}
    for i, name in enumerate(names):
        if not name:
            continue
        if name not in COLUMNS:
            errors.append(RowError(1, name, f"unknown column (the columns are: {', '.join(COLUMNS)})"))
        elif name in index:
            errors.append(RowError(1, name, "appears twice in the header"))
        else:
            index[name] = i
    for name in REQUIRED_COLUMNS:
        if name not in index:
            errors.append(RowError(1, name, "missing column"))
    return index


class _Lookups:
    def __init__(self, rows: list[dict[str, Any]]) -> None:
        skus = {_text(r.get(c)).upper() for r in rows for c in ("sku", "predecessor_sku")} - {""}
        # One query, whatever case the SKUs were typed in.
        found = Product.objects.annotate(upper_sku=Upper("sku")).filter(upper_sku__in=skus)
        self.products = {p.sku.upper(): p for p in found}
        self.departments = {d.code.lower(): d for d in Department.objects.all()}
        self.departments |= {d.name.lower(): d for d in self.departments.values()}

    def product(self, cell: Any) -> Product:
        sku = _text(cell)
        found = self.products.get(sku.upper())
        if found is None:
            raise _Bad(f"unknown SKU '{sku}'")
        return found

    def department(self, cell: Any) -> Department:
        code = _text(cell)
        found = self.departments.get(code.lower())
        if found is None:
            codes = ", ".join(sorted({d.code for d in self.departments.values()}))
            raise _Bad(f"unknown department '{code}' (codes: {codes})")
        return found


def _validate(table: list[list[Any]], result: ImportResult) -> list[_Group]:
    index = _header(table[0], result.errors)
    if result.errors:
        return []
    data = [
        (number, {name: row[i] if i < len(row) else None for name, i in index.items()})
        for number, row in enumerate(table[1:], start=2)
        if any(_text(cell) for cell in row)
    ]
    result.rows = len(data)
    if not data:
        result.errors.append(RowError(2, "campaign", "the file has a header but no rows"))
        return []
    if len(data) > MAX_ROWS:
        result.errors.append(RowError(MAX_ROWS + 2, "campaign", f"more than {MAX_ROWS:,} rows; split the file"))
        return []
    lookups = _Lookups([row for _, row in data])
    groups: dict[str, _Group] = {}
    for number, row in data:
        _validate_row(number, row, groups, lookups, result.errors)
    for group in groups.values():
        for column in REQUIRED_ON_FIRST_ROW:
            if column not in group.fields and not group.bad:
                result.errors.append(RowError(group.first_row, column, "is required (on the campaign's first row)"))
                group.bad = True
        start, end = group.fields.get("start_date"), group.fields.get("end_date")
        if start and end and end < start:
            result.errors.append(RowError(group.field_rows["end_date"], "end_date", "is before the start date"))
            group.bad = True
    return list(groups.values())


def _validate_row(
    number: int, row: dict[str, Any], groups: dict[str, _Group], lookups: _Lookups, errors: list[RowError]
) -> None:
    def bad(column: str, message: str) -> None:
        errors.append(RowError(number, column, message))
        group.bad = True

    name = _text(row.get("campaign"))
    group = groups.setdefault(name.lower(), _Group(name, number))
    if not name:
        bad("campaign", "is required")
    elif len(name) > 160:
        bad("campaign", "is longer than 160 characters")
    for column in CAMPAIGN_COLUMNS:
        cell = row.get(column)
        if not _text(cell) and not isinstance(cell, date):
            continue
        try:
            value = lookups.department(cell) if column == "owner_department" else PARSERS[column](cell)
        except _Bad as exc:
            bad(column, str(exc))
            continue
        if column not in group.fields:
            group.fields[column], group.field_rows[column] = value, number
        elif group.fields[column] != value:
            bad(column, f"differs from row {group.field_rows[column]} of the same campaign ('{_text(cell)}')")
    line: dict[str, Any] = {}
    for column, parse in PARSERS.items():
        if column in CAMPAIGN_COLUMNS:
            continue
        cell = row.get(column)
        if not _text(cell):
            if column == "uplift_value":
                bad(column, "is required")
            line[column] = DEFAULTS.get(column)
            continue
        try:
            line[column] = parse(cell)
        except _Bad as exc:
            bad(column, str(exc))
    try:
        product = lookups.product(row.get("sku")) if _text(row.get("sku")) else None
        if product is None:
            bad("sku", "is required")
    except _Bad as exc:
        product = None
        bad("sku", str(exc))
    if product is not None:
        if product.pk in group.skus:
            bad("sku", f"{product.sku} is already on row {group.skus[product.pk]} of this campaign")
        group.skus.setdefault(product.pk, number)
    predecessor = None
    if _text(row.get("predecessor_sku")):
        try:
            predecessor = lookups.product(row.get("predecessor_sku"))
        except _Bad as exc:
            bad("predecessor_sku", str(exc))
        else:
            if product is not None and predecessor.pk == product.pk:
                bad("predecessor_sku", "must be another product than the line's own")
    if line.get("transfer_pct") and predecessor is None and not _text(row.get("predecessor_sku")):
        bad("transfer_pct", "needs a predecessor_sku to take the volume from")
    value = line.get("uplift_value")
    if line.get("uplift_kind") == "percent" and isinstance(value, float) and value < -100:
        bad("uplift_value", "cannot take away more than 100 % of the baseline")
    line.update(product=product, predecessor=predecessor)
    group.lines.append(line)
    group.line_rows.append(number)


# --- Writing ------------------------------------------------------------------------------------------------


def _duplicate(group: _Group) -> bool:
    return Campaign.objects.filter(
        name__iexact=group.name, start_date=group.fields["start_date"], end_date=group.fields["end_date"]
    ).exists()


def _service_error(group: _Group, exc: InputError) -> RowError:
    row = group.line_rows[exc.row - 1] if exc.row and exc.row <= len(group.line_rows) else group.first_row
    if exc.row is None and exc.field in group.field_rows:
        row = group.field_rows[exc.field]
    return RowError(row, COLUMN_OF.get(exc.field, exc.field), exc.message)


def import_campaigns(file_bytes: bytes, filename: str, actor: Any) -> ImportResult:
    """Validate every row, then create the campaigns as drafts of `actor`: all of them, or with any error none."""
    result = ImportResult()
    try:
        table = read_table(file_bytes, filename)
    except _Bad as exc:
        result.errors.append(RowError(1, "file", str(exc)))
        return result
    if not table:
        result.errors.append(RowError(1, "file", "the file is empty"))
        return result
    groups = _validate(table, result)
    with transaction.atomic():
        for group in groups:
            if group.bad:
                continue
            if _duplicate(group):
                result.duplicates.append(group.name)
                continue
            fields = {"name": group.name, **DEFAULTS_CAMPAIGN, **group.fields}
            try:
                with transaction.atomic():
                    campaign = services.create_campaign(actor=actor, lines=group.lines, **fields)
            except InputError as exc:
                result.errors.append(_service_error(group, exc))
                continue
            result.campaigns.append(campaign)
        if result.errors:
            transaction.set_rollback(True)
            result.campaigns = []
    result.errors.sort(key=lambda e: (e.row, COLUMNS.index(e.column) if e.column in COLUMNS else len(COLUMNS)))
    result.created = len(result.campaigns)
    return result


# --- The template to fill in --------------------------------------------------------------------------------


def template_rows() -> list[list[Any]]:
    """The header and example rows: a two-product promotion and a launch, on real SKUs where there are some."""
    skus = list(Product.objects.filter(status="active").order_by("sku").values_list("sku", flat=True)[:3])
    while len(skus) < 3:  # an empty catalogue still gets a readable example
        skus.append(f"BEV-{len(skus) + 1:04d}")
    planned = Product.objects.filter(status="planned").order_by("sku").values_list("sku", flat=True).first()
    launch = planned or skus[2]
    return [
        COLUMNS,
        ["Summer Splash", "promotion", "retail", "UK", "marketing", "2027-06-28", "2027-08-08", 25000, skus[0],
         "percent", 30, "flat", 10, 2, 5, 2, 0, 0, "", 0],
        ["Summer Splash", "", "", "", "", "", "", "", skus[1], "percent", 20, "ramp_up", 0, 0, 0, 0, 5, 0, "", 0],
        ["Autumn launch", "launch", "", "UK", "marketing", "2027-09-06", "2027-10-31", 40000, launch, "units", 800,
         "ramp_up", 0, 0, 0, 0, 0, 0, skus[0], 60],
    ]  # fmt: skip


HELP = [
    ("campaign", "Campaign name; rows with the same name make one campaign"),
    ("type", "promotion, launch, price_change, event or advertising"),
    ("channel", "retail, online or wholesale; blank for every channel"),
    ("region", "Free text, e.g. UK"),
    ("owner_department", "Department code: marketing, sales, operations, ..."),
    ("start_date, end_date", "Dates as 2027-06-28 (or 28/06/2027)"),
    ("budget", "Amount, 0 or more"),
    ("sku", "The product the line lifts"),
    ("uplift_kind", "percent (of baseline) or units (per week); blank is percent"),
    ("uplift_value", "The uplift at full rate"),
    ("profile", "flat, ramp_up or peak_and_decay; blank is flat"),
    ("prebuy_pct, prebuy_weeks", "Share of the lift bought in the weeks before the start"),
    ("dip_pct, dip_weeks", "Fall in demand after the end, % of baseline"),
    ("halo_pct, cannibalisation_pct", "Lift / loss on the other products of the family, % of their baseline"),
    ("predecessor_sku, transfer_pct", "Launch: the product replaced and the % of volume taken from it"),
    ("", "Campaign columns may be blank on a campaign's later rows. A campaign with the same name and dates "
         "as an existing one is skipped as a duplicate."),
]  # fmt: skip


def template_csv() -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(template_rows())
    return out.getvalue().encode("utf-8-sig")


def template_xlsx() -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.create_sheet("campaigns", 0)
    book.remove(book.worksheets[1])  # the empty default sheet
    for row in template_rows():
        sheet.append(row)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for letter, width in zip("ABCDEFGHIJKLMNOPQRST", [18, 12, 10, 8, 18, 12, 12, 10, 12], strict=False):
        sheet.column_dimensions[letter].width = width
    notes = book.create_sheet("help")
    notes.append(["column", "what to enter"])
    for column, text in HELP:
        notes.append([column, text])
    notes.column_dimensions["A"].width = 32
    notes.column_dimensions["B"].width = 100
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
