"""The budget pack in Excel: read back with openpyxl it holds the very figures of the summary the session screen
shows (the baseline's once locked), formatted; its input sheets, filled in by a department and uploaded, become
exactly the changes typed (all or none, every bad cell named by sheet, row and column, by the right department).
"""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.test import Client
from openpyxl import Workbook, load_workbook
from rest_framework.test import APIClient

from sop_portal.budgeting import pack, services
from sop_portal.budgeting.models import BudgetBaseline, ChangeKind, Phase, Scenario, ScenarioChange
from sop_portal.masterdata import services as masterdata
from sop_portal.organisation.models import Role
from tests.factories import make_user

from .conftest import WEEKS, monday

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MONTHS = [f"{m} 2027" for m in ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")]
# ISO weeks of 2027 by the month of their Thursday
WEEKS_IN = [4, 4, 4, 5, 4, 4, 5, 4, 5, 4, 4, 5]


@pytest.fixture
def viewer(db: Any) -> Any:
    return make_user("vera", departments={"customer-service": Role.VIEWER})


@pytest.fixture
def ops(db: Any) -> Any:
    return make_user("olga", departments={"operations": Role.PLANNER})


@pytest.fixture
def planner(db: Any) -> Any:
    """Plans for sales and operations: may import both sheets."""
    return make_user("sol", departments={"sales": Role.PLANNER, "operations": Role.PLANNER})


def logged_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def download(user: Any, query: str = "") -> tuple[Any, bytes]:
    response = logged_in(user).get(f"/budget/2027/pack.xlsx{query}")
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == XLSX
    return response, response.content


def workbook(content: bytes) -> Workbook:
    return load_workbook(io.BytesIO(content), data_only=True)


def year(values: list[Any], how: str = "sum") -> Any:
    known = [v for v in values if v is not None]
    if not known:
        return None
    return {"max": max, "min": min}[how](known) if how in ("max", "min") else round(sum(known), 2)


def table(sheet: Any) -> dict[tuple[Any, ...], tuple[list[Any], Any]]:
    """A department sheet's rows under its header (row 3): (block title, key cells...) → (12 months, Year)."""
    header = [c.value for c in sheet[3]]
    assert header[header.index("Jan 2027") : header.index("Jan 2027") + 12] == MONTHS
    first = header.index("Jan 2027")
    rows: dict[tuple[Any, ...], tuple[list[Any], Any]] = {}
    block = None
    for row in sheet.iter_rows(min_row=4, values_only=True):
        if all(v is None for v in row):
            continue
        if row[0] is not None and all(v is None for v in row[1:]):
            block = row[0]
            continue
        key = (block, *row[:first])
        assert key not in rows, key
        rows[key] = (list(row[first : first + 12]), row[first + 12] if len(row) > first + 12 else None)
    return rows


def line(values: list[Any], how: str = "sum") -> tuple[list[Any], Any]:
    return list(values), year(values, how)


def expected_sheets(summary: dict[str, Any]) -> dict[str, dict[tuple[Any, ...], tuple[list[Any], Any]]]:
    """Every figure each department sheet must hold, straight from the summary JSON."""
    families, money = summary["families"], summary["money"]

    def family_block(title: str, name: str) -> dict[tuple[Any, ...], tuple[list[Any], Any]]:
        rows = {(title, f["code"], f["label"]): line(f[name]) for f in families}
        totals = [round(sum(f[name][m] for f in families), 2) for m in range(12)]
        return rows | {(title, None, "All families"): line(totals)}

    marketing: dict[tuple[Any, ...], tuple[list[Any], Any]] = {}
    for c in summary["campaigns"]:
        keys = (c["id"], c["name"], c["start_week"], c["end_week"])
        marketing[("Spend by month", *keys, c["budget"])] = line(c["spend"])
        marketing[("Campaign lift by month (units)", *keys, None)] = line(c["lift_units"])
    marketing[("Spend by month", None, "Marketing spend", None, None, None)] = line(money["marketing_spend"])
    operations = {
        ("Production by family (units)", f["code"], f["label"], "Production (units)"): line(f["production"])
        for f in families
    }
    for r in summary["resources"]:
        for key, label, _, how in pack.RESOURCE_LINES:
            operations[("Plant resources", r["code"], r["label"], label)] = line(r[key], how)
    warehouse = {}
    for w in summary["warehouses"]:
        for dimension, figures in w["dimensions"].items():
            storage = dimension == "storage"  # a level: the highest load against the tightest capacity
            keys = (w["label"], w["code"], w["label"], dimension)
            warehouse[(*keys, "Load")] = line(figures["load"], "max" if storage else "sum")
            warehouse[(*keys, "Capacity")] = line(figures["capacity"], "min" if storage else "sum")
            warehouse[(*keys, "Peak utilisation")] = line(figures["peak_utilisation"], "max")
    return {
        "Marketing": marketing,
        "Sales": family_block("Volume (units)", "demand") | family_block("Revenue", "revenue"),
        "Operations": operations,
        "Warehouse": warehouse,
        "Finance": {(None, label): line(money[key]) for key, label in pack.MONEY_LINES},
        "Customer Service": family_block("Expected returns (units)", "returns_units")
        | family_block("Returns cost", "returns_cost"),
    }


def summary_sheet(sheet: Any) -> tuple[dict[str, Any], dict[str, Any], dict[str, tuple[list[Any], Any]]]:
    """(facts, key figures, money lines) of the Summary sheet."""
    facts: dict[str, Any] = {}
    kpis: dict[str, Any] = {}
    money: dict[str, tuple[list[Any], Any]] = {}
    part = facts
    for row in sheet.iter_rows(min_row=2, values_only=True):
        if row[0] == "Key figures":
            part = kpis
        elif row[0] == "Line":
            assert [*row[1:13], row[13]] == [*MONTHS, "Year"]
            part = money
        elif row[0] is None or row[0] == "Money by month":
            continue
        elif part is money:
            money[row[0]] = (list(row[1:13]), row[13])
        else:
            part[row[0]] = row[1]
    return facts, kpis, money


def assert_pack_holds(book: Workbook, summary: dict[str, Any]) -> None:
    _, kpis, money = summary_sheet(book["Summary"])
    assert kpis == {label: summary["kpis"][key] for key, label, _ in pack.KPIS}
    assert money == {label: line(summary["money"][key]) for key, label in pack.MONEY_LINES}
    for name, rows in expected_sheets(summary).items():
        assert table(book[name]) == rows, name


def test_the_pack_holds_every_figure_of_the_summary_the_screen_shows(cycle, world, viewer):
    services.add_change(cycle.proposal, "move_campaign", {"campaign": world.summer.pk, "weeks": 2}, world.marketer)
    shifts = {"resource": "bottling", "from_month": 3, "to_month": 4, "shifts": 2}
    services.add_change(cycle.proposal, "add_shift", shifts, None)
    summary = services.scenario_summary(cycle, Scenario.objects.get(pk=cycle.proposal_id))

    response, content = download(viewer)

    assert response["Content-Disposition"] == 'attachment; filename="budget-2027-proposal-r2.xlsx"'
    book = workbook(content)
    assert book.sheetnames == [
        "Summary", "Marketing", "Sales", "Operations", "Warehouse", "Finance", "Customer Service", "Sales input",
        "Operations input", "Marketing input", "Pack",
    ]  # fmt: skip
    facts, _, _ = summary_sheet(book["Summary"])
    assert {k: facts[k] for k in ("Fiscal year", "Phase", "Scenario", "Revision", "Figures")} == {
        "Fiscal year": 2027, "Phase": "Preparation", "Scenario": "Proposal", "Revision": 2,
        "Figures": "The proposal as computed now",
    }  # fmt: skip
    assert_pack_holds(book, summary)
    # spot checks worked out by hand (conftest): Summer Splash moved to W29-W31, two weeks in July, one in August
    summer = ("Spend by month", world.summer.pk, "Summer Splash", "2027-W29", "2027-W31", 9000.0)
    assert table(book["Marketing"])[summer] == ([0] * 6 + [6000, 3000] + [0] * 4, 9000)
    planned = table(book["Operations"])[
        ("Plant resources", "bottling", "Bottling line", "Planned shifts (shift-weeks)")
    ]
    assert planned[0][2:4] == [8, 10]  # 2 shifts a week over March's 4 weeks and April's 5
    # the input sheets are prefilled with the plan as it stands
    assert [c.value for c in book["Sales input"][4]] == ["bev", "Beverages", *summary["families"][0]["baseline"]]
    assert [c.value for c in book["Operations input"][4]] == ["bottling", "Bottling line", 0, 0, 2, 2, *[0] * 8]
    assert [c.value for c in book["Marketing input"][5]] == [
        world.summer.pk, "Summer Splash", "2027-W29", "2027-W31", 9000, 0, 1,
    ]  # fmt: skip
    assert book["Pack"].sheet_state == "hidden"


def test_the_pack_is_formatted_for_reading(cycle, world, viewer):
    _, content = download(viewer)
    book = load_workbook(io.BytesIO(content))

    operations = book["Operations"]
    assert operations.freeze_panes == "D4"
    assert all(cell.font.bold for cell in operations[3] if cell.value is not None)
    peak = next(row for row in operations.iter_rows(min_row=4) if row[2].value == "Peak utilisation")
    load = next(row for row in operations.iter_rows(min_row=4) if row[2].value == "Load (h)")
    assert (peak[3].number_format, load[3].number_format) == ("0.0%", "#,##0.0")
    rules = {
        (str(ranges.sqref), rule.operator, tuple(rule.formula))
        for ranges in operations.conditional_formatting
        for rule in ranges.rules
    }
    assert (f"D{peak[0].row}:P{peak[0].row}", "greaterThan", ("1",)) in rules
    assert operations.column_dimensions["C"].width == 28
    sales = book["Sales"]
    assert sales.freeze_panes == "C4"
    revenue = next(row for row in sales.iter_rows(min_row=4) if row[0].value == "bev")
    assert revenue[2].number_format == "#,##0"
    assert book["Summary"]["B17"].number_format == "0.0%"  # peak plant utilisation: 204 %
    assert book["Summary"]["A17"].value == "Peak plant utilisation"


def test_the_session_screen_and_the_summary_sheet_show_the_same_key_figures(cycle, world, viewer):
    services.add_change(cycle.proposal, "move_campaign", {"campaign": world.summer.pk, "weeks": 2}, world.marketer)
    client = logged_in(viewer)
    assert client.get("/budget/2027/session/figures/").status_code == 200  # what a screen fetches when computing
    page = client.get("/budget/2027/session/")
    assert page.status_code == 200
    tiles = {
        key: (float(value), text.replace("\u2212", "-"))
        for key, value, text in re.findall(
            r'data-cell="kpi:(\w+)"[^>]*data-value="([^"]*)"[^>]*>\s*([^<]+?)\s*<', page.content.decode()
        )
    }
    _, content = download(viewer)
    _, kpis, _ = summary_sheet(workbook(content)["Summary"])
    sheet = {key: kpis[label] for key, label, _ in pack.KPIS}

    assert len(tiles) >= 8
    assert {key: value for key, (value, _) in tiles.items()} == {key: sheet[key] for key in tiles}
    assert tiles["revenue"][1] == f"{sheet['revenue']:,.0f}" == "20,825"
    assert tiles["marketing_spend"][1] == f"{sheet['marketing_spend']:,.0f}" == "9,000"
    assert tiles["margin"][1] == f"{sheet['margin']:,.0f}"
    assert tiles["peak_plant_utilisation"][1] == f"{sheet['peak_plant_utilisation'] * 100:,.0f} %" == "204 %"


def lock(cycle: Any, world: Any, finance: Any, ops: Any) -> Any:
    services.move_phase(cycle, Phase.SESSION, finance)
    services.sign_off(cycle, "marketing", world.marketer)
    services.sign_off(cycle, "operations", ops)
    services.sign_off(cycle, "finance", finance)
    cycle.refresh_from_db()
    assert cycle.phase == Phase.LOCKED
    return cycle


def test_a_locked_cycle_exports_the_baseline_as_signed_and_refuses_imports(cycle, world, finance, ops, viewer):
    services.add_change(cycle.proposal, "move_campaign", {"campaign": world.summer.pk, "weeks": 1}, world.marketer)
    _, before_lock = download(finance)
    lock(cycle, world, finance, ops)
    baseline = BudgetBaseline.objects.get(cycle=cycle)
    # the live data moves after the lock: the proposal recomputed now is no longer what was signed
    masterdata.set_forecast(world.snk1, {monday(k): 90 for k in range(WEEKS)})
    live = services.scenario_summary(cycle, Scenario.objects.get(pk=cycle.proposal_id))
    assert live["kpis"]["volume"] != baseline.summary["kpis"]["volume"]

    response, content = download(viewer)

    assert response["Content-Disposition"] == 'attachment; filename="budget-2027-baseline-r1.xlsx"'
    book = workbook(content)
    facts, _, _ = summary_sheet(book["Summary"])
    assert (facts["Phase"], facts["Scenario"], facts["Revision"]) == ("Locked", "Proposal", 1)
    assert facts["Figures"].startswith("Locked baseline, signed by every department")
    assert_pack_holds(book, baseline.summary)

    refused = logged_in(world.marketer).post("/budget/2027/import/", {"file": upload(before_lock)})
    assert refused.status_code == 409
    assert "cannot change: the 2027 budget is locked" in refused.content.decode()
    assert ScenarioChange.objects.count() == 1


# --- import -----------------------------------------------------------------------------------------------------


def upload(content: bytes, name: str = "budget-2027-proposal.xlsx") -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type=XLSX)


def filled_in(content: bytes, cells: dict[tuple[str, str, str], Any]) -> bytes:
    """The workbook with {(sheet, row key in column A, column header): value} typed in, as Excel would save it."""
    book = load_workbook(io.BytesIO(content))
    for (name, key, column), value in cells.items():
        sheet = book[name]
        header = [c.value for c in sheet[3]]
        row = next(r for r in sheet.iter_rows(min_row=4) if str(r[0].value) == key)
        row[header.index(column)].value = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def imported(user: Any, content: bytes) -> Any:
    return logged_in(user).post("/budget/2027/import/", {"file": upload(content)})


def active_changes(cycle: Any) -> list[tuple[str, dict[str, Any], str | None]]:
    changes = ScenarioChange.objects.filter(scenario_id=cycle.proposal_id, withdrawn__isnull=True).order_by("pk")
    return [(c.kind, c.payload, getattr(c.department, "code", None)) for c in changes]


def proposal_summary(cycle: Any) -> dict[str, Any]:
    return services.scenario_summary(cycle, Scenario.objects.get(pk=cycle.proposal_id))


def test_two_sales_cells_and_one_operations_cell_become_exactly_three_changes(cycle, world, planner):
    _, content = download(planner)
    before = proposal_summary(cycle)
    filled = filled_in(
        content,
        {
            ("Sales input", "bev", "Mar 2027"): 700,
            ("Sales input", "snk", "Oct 2027"): 250,
            ("Operations input", "bottling", "Jul 2027"): 1,
        },
    )

    response = imported(planner, filled)

    assert response.status_code == 200, response.content.decode()[:2000]
    assert active_changes(cycle) == [
        (ChangeKind.VOLUME_TARGET, {"family": "bev", "month": 3, "units": 700.0}, "sales"),
        (ChangeKind.VOLUME_TARGET, {"family": "snk", "month": 10, "units": 250.0}, "sales"),
        (ChangeKind.ADD_SHIFT, {"resource": "bottling", "from_month": 7, "to_month": 7, "shifts": 1}, "operations"),
    ]
    html = response.content.decode()
    assert "3 changes added to Proposal" in html
    assert "Add 1 shift a week on Bottling line Jul" in html
    after = proposal_summary(cycle)
    bev, snk = after["families"]
    assert (bev["baseline"][2], snk["baseline"][9]) == (700.0, 250.0)
    assert (
        bev["baseline"][:2] + bev["baseline"][3:]
        == before["families"][0]["baseline"][:2] + before["families"][0]["baseline"][3:]
    )
    bottling = after["resources"][0]
    assert bottling["planned_shifts"][6] == 1 * WEEKS_IN[6]
    assert bottling["capacity"][6] == before["resources"][0]["capacity"][6] + 40 * WEEKS_IN[6]
    assert after["kpis"]["volume"] == before["kpis"]["volume"] + 100 + 90

    again = imported(planner, filled)  # the same workbook twice: the plan already holds it

    assert "Nothing to change" in again.content.decode()
    assert len(active_changes(cycle)) == 3


def test_a_new_budget_scales_the_campaign_and_a_move_moves_it(cycle, world):
    _, content = download(world.marketer)
    key = str(world.summer.pk)
    filled = filled_in(
        content, {("Marketing input", key, "Budget"): 13500, ("Marketing input", key, "Move (weeks)"): 2}
    )

    response = imported(world.marketer, filled)

    assert response.status_code == 200, response.content.decode()[:2000]
    assert active_changes(cycle) == [
        (ChangeKind.MOVE_CAMPAIGN, {"campaign": world.summer.pk, "weeks": 2}, "marketing"),
        (ChangeKind.SCALE_CAMPAIGN, {"campaign": world.summer.pk, "factor": 1.5}, "marketing"),
    ]
    summer = next(c for c in proposal_summary(cycle)["campaigns"] if c["id"] == world.summer.pk)
    assert (summer["budget"], summer["start_week"]) == (13500.0, "2027-W29")
    # moves and factors count from where the campaign stood at the export: the same workbook again changes nothing
    assert "Nothing to change" in imported(world.marketer, filled).content.decode()
    assert len(active_changes(cycle)) == 2


def test_a_change_made_in_the_plan_after_the_export_is_not_undone_by_the_import(cycle, world, planner):
    _, content = download(planner)
    services.add_change(cycle.proposal, "volume_target", {"family": "bev", "month": 3, "units": 800}, planner)

    imported(planner, filled_in(content, {("Sales input", "snk", "Jan 2027"): 100}))

    assert [payload for _, payload, _ in active_changes(cycle)] == [
        {"family": "bev", "month": 3, "units": 800.0},
        {"family": "snk", "month": 1, "units": 100.0},
    ]
    assert proposal_summary(cycle)["families"][0]["baseline"][2] == 800.0


def test_a_move_typed_in_the_pack_is_where_the_campaign_should_start_whatever_moved_since(cycle, world):
    _, content = download(world.marketer)
    services.add_change(cycle.proposal, "move_campaign", {"campaign": world.summer.pk, "weeks": 1}, world.marketer)

    imported(world.marketer, filled_in(content, {("Marketing input", str(world.summer.pk), "Move (weeks)"): 2}))

    assert [payload["weeks"] for _, payload, _ in active_changes(cycle)] == [1, 1]
    summer = next(c for c in proposal_summary(cycle)["campaigns"] if c["id"] == world.summer.pk)
    assert summer["start_week"] == "2027-W29"  # exported at W27, +2


def test_a_bad_workbook_lists_every_bad_cell_and_changes_nothing(cycle, world, planner, finance):
    _, content = download(finance)
    bad = filled_in(
        content,
        {
            ("Sales input", "bev", "Mar 2027"): "abc",
            ("Sales input", "bev", "May 2027"): 650,  # good, but not alone
            ("Sales input", "snk", "Apr 2027"): -5,
            ("Sales input", "snk", "Family code"): "zzz",
            ("Operations input", "bottling", "May 2027"): 1.5,
            ("Operations input", "packing", "Jun 2027"): 2,
            ("Marketing input", str(world.summer.pk), "Scale factor"): "x2",
            ("Marketing input", str(world.new_year.pk), "Campaign id"): 999,
        },
    )

    response = imported(finance, bad)

    assert response.status_code == 422
    rows = re.findall(
        r"<tr><td>([^<]*)</td><td class=\"num\">([^<]*)</td><td class=\"mono\">([^<]*)</td><td>([^<]*)</td></tr>",
        response.content.decode(),
    )
    assert [", ".join(row) for row in rows] == [
        "Marketing input, 4, Campaign id, no campaign 999 in this plan",
        "Marketing input, 5, Scale factor, &#x27;x2&#x27; is not a number",
        "Sales input, 4, Mar 2027, &#x27;abc&#x27; is not a number",
        "Sales input, 5, Family code, no product family &#x27;zzz&#x27; in the plan",
        "Sales input, 5, Apr 2027, -5 is negative: a volume is 0 or more",
        "Operations input, 4, May 2027, 1.5 is not a whole number of shifts a week",
        "Operations input, 5, Jun 2027, Packing has no shift hours in this cycle&#x27;s capacity costs: set them first",
    ]
    assert "Nothing was imported: 7 problems" in response.content.decode()
    assert not ScenarioChange.objects.exists()
    assert Scenario.objects.get(pk=cycle.proposal_id).revision == 0


def test_the_errors_name_sheet_row_and_column(cycle, world, finance):
    from sop_portal.budgeting import imports

    _, content = download(finance)
    result = imports.import_inputs(
        cycle, filled_in(content, {("Sales input", "snk", "Mar 2027"): "lots"}), "pack.xlsx", finance
    )

    assert [str(error) for error in result.errors] == [
        "Sheet 'Sales input', row 5, column Mar 2027: 'lots' is not a number"
    ]


def test_a_sheet_is_imported_by_its_own_department(cycle, world, ops, finance):
    _, content = download(ops)
    sales_changed = filled_in(content, {("Sales input", "bev", "Feb 2027"): 640})

    refused = imported(ops, sales_changed)

    assert refused.status_code == 422
    assert (
        "1 change on this sheet, but you do not plan for Sales: a Sales planner (or finance, who runs the budget) "
        "imports it" in refused.content.decode()
    )
    assert not ScenarioChange.objects.exists()
    # the other departments' sheets, left as exported, are no obstacle to importing one's own
    mine = filled_in(
        sales_changed, {("Sales input", "bev", "Feb 2027"): 600, ("Operations input", "bottling", "Feb 2027"): 1}
    )
    assert imported(ops, mine).status_code == 200
    assert active_changes(cycle) == [
        (ChangeKind.ADD_SHIFT, {"resource": "bottling", "from_month": 2, "to_month": 2, "shifts": 1}, "operations")
    ]
    # finance runs the budget and may import every sheet (the change is booked to finance)
    assert imported(finance, sales_changed).status_code == 200
    target = {"family": "bev", "month": 2, "units": 640.0}
    assert active_changes(cycle)[-1] == (ChangeKind.VOLUME_TARGET, target, "finance")


def test_a_workbook_that_is_not_the_pack_is_refused(cycle, finance):
    book = Workbook()
    book.create_sheet("Sales input").append(["Family code", "Family", *MONTHS])
    out = io.BytesIO()
    book.save(out)

    response = imported(finance, out.getvalue())

    assert response.status_code == 422
    assert "is not a budget pack exported from the portal" in response.content.decode()
    assert imported(finance, b"not a workbook").status_code == 422


def test_the_import_page_offers_the_pack_and_answers_htmx_with_the_result_alone(cycle, world):
    client = logged_in(world.marketer)
    page = client.get("/budget/2027/import/")
    assert page.status_code == 200
    assert 'href="/budget/2027/pack.xlsx"' in page.content.decode()
    assert f'href="/budget/2027/pack.xlsx?scenario={cycle.proposal_id}"' in page.content.decode()
    _, content = download(world.marketer)
    filled = filled_in(content, {("Marketing input", str(world.summer.pk), "Scale factor"): 0.5})

    partial = client.post("/budget/2027/import/", {"file": upload(filled)}, HTTP_HX_REQUEST="true")

    html = partial.content.decode()
    assert partial.status_code == 200
    assert "<html" not in html
    assert 'id="import-created"' in html
    assert "Scale Summer Splash x0.5" in html


def test_the_import_page_needs_a_planner(cycle, viewer):
    assert logged_in(viewer).get("/budget/2027/import/").status_code == 403
    assert logged_in(viewer).get("/budget/2027/pack.xlsx?scenario=999").status_code == 404


# --- API --------------------------------------------------------------------------------------------------------


def api(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_api_exports_the_pack_and_imports_it(cycle, world, viewer, planner):
    exported = api(viewer).get(f"/api/v1/budget/cycles/{cycle.pk}/pack/", HTTP_ACCEPT=XLSX)
    assert exported.status_code == 200
    assert exported["Content-Disposition"] == 'attachment; filename="budget-2027-proposal-r0.xlsx"'
    assert_pack_holds(workbook(exported.content), proposal_summary(cycle))
    url = f"/api/v1/budget/cycles/{cycle.pk}/import/"
    filled = filled_in(exported.content, {("Sales input", "bev", "Jun 2027"): 660})

    assert api(viewer).post(url, {"file": upload(filled)}, format="multipart").status_code == 403
    created = api(planner).post(url, {"file": upload(filled)}, format="multipart")

    assert created.status_code == 201, created.json()
    body = created.json()
    assert [(c["summary"], c["sheet"], c["row"], c["column"]) for c in body["created"]] == [
        ("Volume target Beverages Jun: 660 units", "Sales input", 4, "Jun 2027")
    ]
    bad = api(planner).post(
        url, {"file": upload(filled_in(exported.content, {("Sales input", "bev", "Jul 2027"): None}))},
        format="multipart",
    )  # fmt: skip
    assert bad.status_code == 400
    assert [e["text"] for e in bad.json()["errors"]] == ["Sheet 'Sales input', row 4, column Jul 2027: is empty"]
    missing = api(planner).post(url, {}, format="multipart")
    assert (missing.status_code, missing.json()["errors"]) == (
        400,
        {"file": "attach the budget pack (.xlsx) as 'file'"},
    )
