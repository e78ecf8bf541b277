"""Bulk import of campaigns from CSV and Excel: every bad row reported with its row and column, all or nothing.

Re-importing a file: a campaign with the same name (any case) and the same dates as an existing one is a
duplicate, reported and skipped; so loading the same file twice creates its campaigns once.
"""

import csv
import io
from datetime import date, datetime
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook

from campaigns.imports import COLUMNS, import_campaigns
from campaigns.models import Campaign, CampaignChange, CampaignProduct
from sop_portal.organisation.models import Role
from tests.factories import make_family, make_product, make_user

pytestmark = pytest.mark.django_db

GOOD = [
    COLUMNS,
    ["Summer Splash", "promotion", "retail", "UK", "marketing", "2027-06-28", "2027-08-08", "25,000", "BEV-001",
     "percent", "30", "flat", "10", "2", "5", "2", "0", "0", "", "0"],
    ["Summer Splash", "", "", "", "", "", "", "", "bev-002", "%", "20", "ramp-up", "", "", "", "", "3", "", "", ""],
    ["Tea launch", "Product launch", "", "", "MARKETING", "06/09/2027", "2027-10-31", "40000", "BEV-003", "units",
     "800", "Ramp-up", "0", "0", "0", "0", "0", "0", "BEV-001", "60%"],
]  # fmt: skip


@pytest.fixture
def catalogue(db):
    family = make_family("bev", "Beverages")
    return [make_product(f"BEV-00{k}", family=family) for k in (1, 2, 3)]


@pytest.fixture
def planner(db):
    return make_user("mia", departments={"marketing": Role.PLANNER})


def as_csv(rows, delimiter=",") -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter).writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def as_xlsx(rows) -> bytes:
    book = Workbook()
    sheet = book.worksheets[0]
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def assert_the_good_campaigns(planner):
    summer, tea = Campaign.objects.order_by("name").filter(name__in=["Summer Splash", "Tea launch"])
    assert (summer.status, summer.owner, summer.version) == ("draft", planner, 1)
    assert (summer.type, summer.channel, summer.region, summer.owner_department.code) == (
        "promotion", "retail", "UK", "marketing"
    )  # fmt: skip
    assert (summer.start_date, summer.end_date, summer.budget) == (date(2027, 6, 28), date(2027, 8, 8), Decimal(25000))
    lines = {line.product.sku: line for line in summer.lines.select_related("product")}
    assert (lines["BEV-001"].uplift_value, lines["BEV-001"].prebuy_pct, lines["BEV-001"].dip_weeks) == (30, 10, 2)
    assert (lines["BEV-002"].profile, lines["BEV-002"].halo_pct, lines["BEV-002"].prebuy_pct) == ("ramp_up", 3, 0)
    (launch,) = tea.lines.select_related("product", "predecessor")
    assert (tea.type, tea.start_date, tea.channel) == ("launch", date(2027, 9, 6), "")
    assert (launch.product.sku, launch.uplift_kind, launch.uplift_value) == ("BEV-003", "units", 800)
    assert launch.predecessor is not None
    assert (launch.predecessor.sku, launch.transfer_pct) == ("BEV-001", 60)


def test_a_good_csv_creates_its_campaigns_as_drafts_of_the_importer(catalogue, planner):
    result = import_campaigns(as_csv(GOOD), "campaigns.csv", planner)
    assert (result.created, result.errors, result.duplicates, result.rows) == (2, [], [], 3)
    assert_the_good_campaigns(planner)
    assert CampaignChange.objects.filter(action="create").count() == 2  # through the services: audited


def test_a_semicolon_csv_from_excel_works_too(catalogue, planner):
    assert import_campaigns(as_csv(GOOD, delimiter=";"), "export.csv", planner).created == 2


def test_a_good_xlsx_with_real_dates_and_numbers_creates_the_same(catalogue, planner):
    rows: list[list[object]] = [list(row) for row in GOOD]
    rows[1][5:8] = [datetime(2027, 6, 28), datetime(2027, 8, 8), 25000]
    rows[1][10] = 30
    rows[3][5] = date(2027, 9, 6)
    result = import_campaigns(as_xlsx(rows), "campaigns.xlsx", planner)
    assert (result.created, result.errors) == (2, [])
    assert_the_good_campaigns(planner)


def test_three_bad_rows_write_nothing_and_are_all_reported(catalogue, planner):
    rows = [list(row) for row in GOOD]
    rows[2][8] = "BEV-9999"  # row 3
    rows[3][5] = "next June"  # row 4
    rows.append(["Autumn", "promotion", "", "", "marketing", "2027-09-06", "2027-09-26", "", "BEV-002", "percent",
                 "10", "flat", "150", "1", "", "", "", "", "", ""])  # row 5  # fmt: skip
    result = import_campaigns(as_csv(rows), "campaigns.csv", planner)
    assert [str(error) for error in result.errors] == [
        "row 3, sku: unknown SKU 'BEV-9999'",
        "row 4, start_date: 'next June' is not a date like 2027-06-28",
        "row 5, prebuy_pct: 150 is not between 0 and 100",
    ]
    assert (result.created, result.campaigns) == (0, [])
    assert not Campaign.objects.exists()
    assert not CampaignProduct.objects.exists()


def test_errors_the_services_find_are_reported_and_roll_the_others_back(catalogue, planner):
    rows = [COLUMNS, GOOD[1], ["Two lines one product", "promotion", "", "", "marketing", "2027-01-04", "2027-01-31",
                               "", "BEV-001", "percent", "abc", "", "", "", "", "", "", "", "", ""]]  # fmt: skip
    rows.append(["Name " + "x" * 200, *GOOD[1][1:]])
    result = import_campaigns(as_csv(rows), "c.csv", planner)
    assert [(e.row, e.column) for e in result.errors] == [(3, "uplift_value"), (4, "campaign")]
    assert not Campaign.objects.exists()  # Summer Splash was valid, but the file had errors


def test_rows_of_one_campaign_must_agree_and_not_repeat_a_product(catalogue, planner):
    rows = [COLUMNS, GOOD[1], list(GOOD[2]), list(GOOD[2])]
    rows[2][6] = "2027-08-15"  # another end date on the campaign's second row
    result = import_campaigns(as_csv(rows), "c.csv", planner)
    assert [str(e) for e in result.errors] == [
        "row 3, end_date: differs from row 2 of the same campaign ('2027-08-15')",
        "row 4, sku: BEV-002 is already on row 3 of this campaign",
    ]


def test_a_header_with_missing_or_unknown_columns_is_refused(catalogue, planner):
    header = [c for c in COLUMNS if c != "sku"] + ["notes"]
    result = import_campaigns(as_csv([header, ["x"] * len(header)]), "c.csv", planner)
    assert [(e.row, e.column) for e in result.errors] == [(1, "sku"), (1, "notes")]
    assert "unknown column" in str(result.errors[1])


def test_a_file_that_is_not_a_table_is_refused(planner):
    assert str(import_campaigns(b"PK\x03\x04junk", "c.xlsx", planner).errors[0]).startswith("row 1, file: not a")
    assert str(import_campaigns(b"", "c.csv", planner).errors[0]) == "row 1, file: the file is empty"
    assert str(import_campaigns(b"a,b", "c.pdf", planner).errors[0]) == "row 1, file: upload a .csv or .xlsx file"


def test_importing_the_same_file_again_skips_its_campaigns_as_duplicates(catalogue, planner):
    assert import_campaigns(as_csv(GOOD), "campaigns.csv", planner).created == 2
    again = import_campaigns(as_csv(GOOD), "campaigns.csv", planner)
    assert (again.created, again.errors, again.duplicates) == (0, [], ["Summer Splash", "Tea launch"])
    assert Campaign.objects.count() == 2
    # Same name, other dates: another campaign (next year's).
    rows = [COLUMNS, [*GOOD[1][:5], "2028-06-26", "2028-08-06", *GOOD[1][7:]]]
    assert import_campaigns(as_csv(rows), "campaigns.csv", planner).created == 1


# --- The page ---------------------------------------------------------------------------------------------------


def upload(client, content: bytes, name: str):
    file = io.BytesIO(content)
    file.name = name
    return client.post("/campaigns/import/", {"file": file})


def test_the_import_page_imports_and_lists_the_campaigns(client, catalogue, planner):
    client.force_login(planner)
    assert client.get("/campaigns/import/").status_code == 200
    response = upload(client, as_csv(GOOD), "campaigns.csv")
    assert response.status_code == 200
    html = response.content.decode()
    assert "2 campaigns imported" in html
    assert f'href="/campaigns/{Campaign.objects.get(name="Tea launch").pk}/"' in html


def test_the_import_page_shows_every_bad_row_in_a_table(client, catalogue, planner):
    client.force_login(planner)
    rows = [list(row) for row in GOOD]
    rows[2][8], rows[3][4] = "BEV-9999", "nowhere"
    response = upload(client, as_csv(rows), "bad.csv")
    assert response.status_code == 422
    html = response.content.decode()
    assert "Nothing was imported: 2 problems in bad.csv" in html
    assert '<tr><td class="num">3</td><td class="mono">sku</td><td>unknown SKU &#x27;BEV-9999&#x27;</td></tr>' in html
    assert '<td class="num">4</td><td class="mono">owner_department</td>' in html


def test_templates_download_and_name_every_column(client, catalogue, planner):
    client.force_login(planner)
    csv_template = client.get("/campaigns/import/template.csv")
    assert csv_template["Content-Disposition"] == 'attachment; filename="campaign-import-template.csv"'
    rows = list(csv.reader(io.StringIO(csv_template.content.decode("utf-8-sig"))))
    assert rows[0] == COLUMNS
    book = load_workbook(io.BytesIO(client.get("/campaigns/import/template.xlsx").content))
    assert [cell.value for cell in book["campaigns"][1]] == COLUMNS
    assert book.sheetnames == ["campaigns", "help"]
    # The template's examples use real SKUs: it imports as it is.
    assert import_campaigns(csv_template.content, "template.csv", planner).errors == []
    assert client.get("/campaigns/import/template.pdf").status_code == 404


def test_only_planners_import(client, catalogue):
    client.force_login(make_user("oscar", departments={"operations": Role.APPROVER}))
    assert client.get("/campaigns/import/").status_code == 403
    assert upload(client, as_csv(GOOD), "campaigns.csv").status_code == 403
    assert not Campaign.objects.exists()


def test_the_api_imports_a_file_or_lists_every_bad_row(catalogue, planner):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(planner)
    bad = [GOOD[0], [*GOOD[1][:8], "NOPE-1", *GOOD[1][9:]], [*GOOD[3][:5], "2027-13-40", *GOOD[3][6:]]]
    refused = client.post("/api/v1/campaigns/import/", {"file": SimpleUploadedFile("c.csv", as_csv(bad))})
    assert refused.status_code == 400
    assert [(e["row"], e["column"]) for e in refused.json()["errors"]] == [(2, "sku"), (3, "start_date")]
    assert Campaign.objects.count() == 0
    created = client.post("/api/v1/campaigns/import/", {"file": SimpleUploadedFile("c.xlsx", as_xlsx(GOOD))})
    assert created.status_code == 201
    assert created.json()["created"] == 2
    assert_the_good_campaigns(planner)
    viewer = APIClient()
    viewer.force_authenticate(make_user("vic", departments={"finance": Role.VIEWER}))
    forbidden = viewer.post("/api/v1/campaigns/import/", {"file": SimpleUploadedFile("c.csv", as_csv(GOOD))})
    assert forbidden.status_code == 403
