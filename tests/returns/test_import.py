"""Importing returns: all or nothing, every bad row named by row and column, idempotent by return number,
attributed to the campaign that drove the sale."""

from datetime import date
from io import BytesIO

import pytest
from openpyxl import Workbook

from campaigns import services as campaigns
from campaigns.models import Campaign
from returns import services
from returns.models import ImportBatch, ReturnAuthorisation, ReturnLine
from sop_portal.jobs.models import Job
from sop_portal.organisation.models import Department, Role
from tests.factories import make_user

from .conftest import HEADER, csv_bytes, row


def load_file(content: bytes, name: str = "returns.csv", *, actor=None) -> ImportBatch:
    """The import job's work, run here (the job row is queued, its task not sent in a non-transactional test)."""
    batch = services.submit_import(content, name, actor=actor)
    services.run_import(Job.objects.get(pk=str(batch.import_job_id)))
    batch.refresh_from_db()
    return batch


@pytest.fixture
def spring_push(products):
    """Approved, all channels, orders 8-26 March 2027 on BEV-001."""
    marketer = make_user("mia", departments={"marketing": Role.PLANNER})
    campaign = campaigns.create_campaign(
        actor=marketer, name="Spring push", owner_department=Department.objects.get(code="marketing"),
        start_date=date(2027, 3, 8), end_date=date(2027, 3, 26),
        lines=[{"product": products["BEV-001"], "uplift_kind": "percent", "uplift_value": 50}],
    )  # fmt: skip
    campaigns.transition(campaign, "submit", actor=marketer)
    return campaigns.transition(Campaign.objects.get(pk=campaign.pk), "approve", actor=make_user("oscar"))


def good_rows():
    return [
        row("RMA-1", "BEV-001", date(2027, 3, 10), quantity=2, channel="online", reason="product-defect",
            sub="broken-or-leaking", comment="Cap cracked", disposition="refurbish"),
        row("RMA-1", "BEV-002", date(2027, 3, 10), channel="online", reason="Changed mind"),
        row("RMA-2", "BEV-001", date(2027, 3, 1), quantity=3, reason="late-delivery", disposition="scrap"),
        row("RMA-3", "BEV-001", date(2027, 3, 26), channel="wholesale", quantity=24, reason="Size / fit",
            sub="Pack size not as expected", disposition="Return to vendor", condition="Unopened"),
    ]  # fmt: skip


def test_a_good_file_loads_every_line_attributed_to_its_campaign(spring_push, products):
    batch = load_file(csv_bytes(good_rows()))

    assert batch.status == ImportBatch.Status.LOADED
    assert (batch.rows, batch.returns_created, batch.lines_created, batch.rows_skipped) == (4, 3, 4, 0)
    assert batch.units == 30
    assert batch.products == sorted(p.pk for p in products.values())
    lines = {(line.authorisation_id, line.line): line for line in ReturnLine.objects.select_related("reason__parent")}
    assert sorted(lines) == [("RMA-1", 1), ("RMA-1", 2), ("RMA-2", 1), ("RMA-3", 1)]
    first = lines["RMA-1", 1]
    assert first.reason.parent is not None
    assert (str(first.reason), first.reason.parent.code, first.disposition) == (
        "Product defect: Broken or leaking", "product-defect", "refurbish",
    )  # fmt: skip
    assert (first.channel, first.order_week, first.return_week) == ("online", date(2027, 3, 8), date(2027, 3, 15))
    assert str(lines["RMA-1", 2].reason) == "Changed mind"  # no sub-reason: the group itself
    assert str(lines["RMA-3", 1].reason) == "Size / fit: Pack size not as expected"
    assert (lines["RMA-3", 1].condition, lines["RMA-3", 1].disposition) == ("unopened", "return_to_vendor")
    # The campaign drove the sale of BEV-001 ordered 8-26 March in any channel; not BEV-002, not 1 March.
    assert {key: line.campaign_id for key, line in lines.items()} == {
        ("RMA-1", 1): spring_push.pk, ("RMA-1", 2): None, ("RMA-2", 1): None, ("RMA-3", 1): spring_push.pk,
    }  # fmt: skip
    rma = ReturnAuthorisation.objects.get(number="RMA-1")
    assert (rma.order_reference, rma.customer, rma.channel, rma.order_date, rma.return_date) == (
        "SO-RMA-1", "Shop", "online", date(2027, 3, 10), date(2027, 3, 17),
    )  # fmt: skip
    # Its outbox row: one pipeline job for this batch, written with the lines.
    assert batch.pipeline_job is not None
    assert (batch.pipeline_job.kind, batch.pipeline_job.payload) == ("returns.pipeline", {"batch": batch.pk})
    assert Job.objects.get(pk=str(batch.import_job_id)).status == Job.Status.DONE


def test_a_file_with_bad_rows_writes_nothing_and_lists_every_bad_row(products):
    rows = [
        *good_rows(),
        row("RMA-4", "NOPE-9", date(2027, 3, 1)),
        row("RMA-5", "BEV-001", date(2027, 3, 1), quantity=0, reason="broken", disposition="burn"),
        {**row("RMA-6", "BEV-001", date(2027, 3, 1)), "order_date": "31/02/2027", "quantity": "two"},
        row("RMA-7", "BEV-002", date(2027, 4, 5), days=3, reason="size-fit", sub="too-tight", channel="shop"),
        {**row("RMA-8", "BEV-002", date(2027, 3, 9)), "return_date": "2027-03-02", "return_number": ""},
        row("RMA-1", "BEV-001", date(2027, 3, 10), quantity=2, channel="retail"),
    ]
    batch = load_file(csv_bytes(rows))

    assert batch.status == ImportBatch.Status.REJECTED
    assert [(e["row"], e["column"], e["message"]) for e in batch.errors] == [
        (6, "sku", "'NOPE-9' is not a known SKU"),
        (7, "quantity", "must be more than zero"),
        (7, "reason", "'broken' is not a reason: product-defect, damaged-in-transit, not-as-described, wrong-item, "
                      "late-delivery, changed-mind, size-fit"),
        (7, "disposition", "'burn' is not one of restock, refurbish, scrap, return_to_vendor"),
        (8, "quantity", "'two' is not a number"),
        (8, "order_date", "'31/02/2027' is not a date like 2027-04-05"),
        (9, "channel", "'shop' is not one of retail, online, wholesale"),
        (9, "return_date", "is in the future"),
        (9, "sub_reason", "'too-tight' is not a sub-reason of Size / fit"),
        (10, "return_number", "is required"),
        (10, "return_date", "is before the order date"),
        (11, "channel", "differs from row 2 of return RMA-1"),
    ]  # fmt: skip
    assert batch.error_count == 12
    assert ReturnAuthorisation.objects.count() == 0
    assert ReturnLine.objects.count() == 0
    assert batch.pipeline_job is None
    assert not Job.objects.filter(kind="returns.pipeline").exists()


def test_the_same_file_imported_twice_adds_nothing(products):
    content = csv_bytes(good_rows())
    first = load_file(content)
    second = load_file(content, "returns (copy).csv")

    assert (first.returns_created, first.lines_created) == (3, 4)
    assert second.status == ImportBatch.Status.LOADED
    assert (second.rows, second.returns_created, second.lines_created, second.rows_skipped) == (4, 0, 0, 4)
    assert second.pipeline_job is None  # nothing new: nothing to replan
    assert ReturnAuthorisation.objects.count() == 3
    assert ReturnLine.objects.count() == 4


def test_a_file_mixing_known_and_new_return_numbers_adds_only_the_new(products):
    load_file(csv_bytes(good_rows()[:2]))
    batch = load_file(csv_bytes(good_rows()))
    assert (batch.returns_created, batch.lines_created, batch.rows_skipped) == (2, 2, 2)
    assert sorted(ReturnAuthorisation.objects.values_list("number", flat=True)) == ["RMA-1", "RMA-2", "RMA-3"]


def test_an_excel_file_loads_like_a_csv(products):
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Return number", "SKU", "Qty", "Channel", "Order date", "Return date", "Reason", "Sub reason",
                  "Comment", "Disposition"])  # fmt: skip
    sheet.append(["X-1", "BEV-001", 2, "Online", date(2027, 3, 1), date(2027, 3, 9), "Product defect",
                  "Does not work", "Flat on opening", "Restock"])  # fmt: skip
    sheet.append(["X-2", "BEV-002", 1.0, "retail", "2027-03-02", "05/03/2027", "wrong-item", "", "", "scrap"])
    buffer = BytesIO()
    book.save(buffer)

    batch = load_file(buffer.getvalue(), "returns.xlsx")

    assert batch.status == ImportBatch.Status.LOADED, batch.errors
    assert sorted(ReturnLine.objects.values_list("authorisation_id", "quantity", "reason__code", "return_week")) == [
        ("X-1", 2.0, "product-defect.does-not-work", date(2027, 3, 8)),
        ("X-2", 1.0, "wrong-item", date(2027, 3, 1)),
    ]


def test_a_file_without_the_required_columns_is_refused_on_row_1(products):
    batch = load_file(b"return_number,sku\nR-1,BEV-001\n")
    assert batch.status == ImportBatch.Status.REJECTED
    assert batch.errors == [
        {"row": 1, "column": "file", "message": "row 1: the header lacks the columns channel, quantity, order_date, "
                                                "return_date, reason, disposition"}
    ]  # fmt: skip


def test_a_file_without_data_rows_is_refused(products):
    batch = load_file(",".join(HEADER).encode() + b"\n")
    assert batch.status == "rejected"
    assert batch.errors == [{"row": 2, "column": "file", "message": "there are no returns in it"}]


def test_rows_from_the_api_load_the_same_way(products):
    batch = services.import_rows(good_rows(), source="API", actor=None)
    assert (batch.kind, batch.status, batch.lines_created) == ("api", "loaded", 4)
    assert HEADER[0] == "return_number"
