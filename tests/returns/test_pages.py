"""The returns pages: the dashboard shows the spike and its reason, the drill-down lists the lines and comments,
the import page loads a file or lists every bad row, the owner answers on the anomaly page, and the campaign
page shows its returns."""

import html
import re
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from returns import services
from returns.models import AnomalyResponse, ImportBatch, ReturnAnomaly, ReturnLine
from sop_portal.organisation.models import Role
from tests.factories import make_user

from .conftest import CRUSHED, DEFECT, csv_bytes, row


@pytest.fixture
def viewer(client, db):
    client.force_login(make_user("vic", departments={"sales": Role.VIEWER}))
    return client


def text(response) -> str:
    return text_of(response.content.decode())


def test_the_dashboard_shows_the_campaign_spike_and_its_top_reason(spike, viewer):
    services.raise_anomalies([spike["bev1"].pk], batch=spike["batch"])
    response = viewer.get("/returns/", {"weeks": 13})
    assert response.status_code == 200
    page = text(response)
    campaigns = re.search(r'<table class="data" id="by-campaign">.*?</table>', response.content.decode(), re.S)
    assert campaigns is not None
    cells = text_of(campaigns.group(0))
    assert "Spring push" in cells
    assert "12.0 % 6.0\N{MULTIPLICATION SIGN}" in cells  # rate and its ratio to the 2.0 % baseline
    assert "Product defect: Broken or leaking 75 %" in cells
    assert "Returns of BEV-001" not in page  # the alarms table names the product by SKU
    assert "Awaiting acknowledgement" in page
    assert response.context["board"].kpis["awaiting"] == 1


def text_of(markup: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", markup)).strip())


def test_lines_drill_down_to_the_campaign_and_reason_with_comments(spike, viewer):
    response = viewer.get("/returns/lines/", {"campaign": spike["campaign"].pk, "comments": "on"})
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 72  # every campaign line has a comment
    page = text(response)
    assert DEFECT[0] in page
    assert CRUSHED in page
    assert "campaign 'Spring push' · with a comment" in page
    group = ReturnLine.objects.filter(campaign=spike["campaign"]).select_related("reason__parent")[0].reason.parent
    assert group is not None
    only = viewer.get("/returns/lines/", {"campaign": spike["campaign"].pk, "reason": group.pk})
    assert only.context["page"].paginator.count == (54 if group.code == "product-defect" else 18)


def test_the_import_page_loads_a_file_and_shows_the_batch(products, client, django_capture_on_commit_callbacks):
    client.force_login(make_user("sophie", departments={"customer-service": Role.PLANNER}))
    upload = SimpleUploadedFile("march.csv", csv_bytes([row("P-1", "BEV-001", date(2027, 3, 1), quantity=4)]))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/returns/import/", {"file": upload})
    batch = ImportBatch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/returns/import/{batch.pk}/"
    page = text(client.get(response["Location"]))
    assert "Loaded 1 return with 1 line from 1 row." in page
    assert "Revision" not in page or "See what changed in the MPS" in page


def test_a_bad_file_lists_every_bad_row_on_its_batch_page(products, client, django_capture_on_commit_callbacks):
    client.force_login(make_user("sophie", departments={"customer-service": Role.PLANNER}))
    rows = [row("P-1", "BEV-001", date(2027, 3, 1), quantity=0), row("P-2", "NOPE", date(2027, 3, 1))]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/returns/import/", {"file": SimpleUploadedFile("bad.csv", csv_bytes(rows))})
    page = client.get(response["Location"])
    body = page.content.decode()
    assert 'data-status="rejected"' in body
    found = re.search(r'<table class="data" id="import-errors">.*?</table>', body, re.S)
    assert found is not None
    table = found.group(0)
    assert re.findall(r"<tr><td class=\"num\">(\d+)</td><td class=\"mono\">(\w+)</td><td>([^<]+)</td></tr>", table) == [
        ("2", "quantity", "must be more than zero"),
        ("3", "sku", "&#x27;NOPE&#x27; is not a known SKU"),
    ]
    report = client.get(f"/returns/import/{ImportBatch.objects.get().pk}/errors.csv").content.decode()
    assert report.splitlines() == ["row,column,problem", "2,quantity,must be more than zero",
                                   "3,sku,'NOPE' is not a known SKU"]  # fmt: skip
    assert not ReturnLine.objects.exists()


def test_only_customer_service_planners_may_upload(products, viewer):
    page = viewer.get("/returns/import/")
    assert page.status_code == 200
    assert 'id="import-form"' not in page.content.decode()
    upload = SimpleUploadedFile("x.csv", csv_bytes([row("P-1", "BEV-001", date(2027, 3, 1))]))
    assert viewer.post("/returns/import/", {"file": upload}).status_code == 403


def test_the_owner_acknowledges_and_answers_on_the_anomaly_page(spike, client):
    anomaly = services.raise_anomalies([spike["bev1"].pk], batch=spike["batch"]).raised[0]
    url = f"/returns/anomalies/{anomaly.pk}/"
    client.force_login(make_user("sam", departments={"sales": Role.PLANNER}))
    assert 'id="answer-form"' not in client.get(url).content.decode()  # sales planner, marketing's campaign
    assert client.post(url + "answer/", {"action_taken": "x", "due_date": "2027-05-01"}).status_code == 403

    client.force_login(spike["mia"])
    page = client.get(url).content.decode()
    assert 'id="acknowledge-form"' in page
    assert 'id="answer-form"' in page
    assert client.post(url + "acknowledge/", {"note": "Checking the caps"}).status_code == 302
    refused = client.post(url + "answer/", {"action_taken": "", "due_date": "2027-01-01"})
    assert refused.status_code == 422
    assert "is in the past" in refused.content.decode()
    done = client.post(url + "answer/", {"action_taken": "Reinforced caps on promo packs", "due_date": "2027-04-30"})
    assert done.status_code == 302
    anomaly.refresh_from_db()
    assert anomaly.status == ReturnAnomaly.Status.ANSWERED
    thread = text(client.get(url))
    assert "Mia Jones · Marketing Answer" in thread
    assert "Reinforced caps on promo packs Takes effect by 30 Apr 2027" in thread

    client.force_login(make_user("sophie", departments={"customer-service": Role.PLANNER}))
    assert client.post(url + "note/", {"text": "Refunds sent"}).status_code == 302
    assert AnomalyResponse.objects.filter(kind="note", author__username="sophie").exists()


def test_the_campaign_page_shows_its_returns_panel(spike, viewer):
    services.raise_anomalies([spike["bev1"].pk], batch=spike["batch"])
    page = viewer.get(f"/campaigns/{spike['campaign'].pk}/")
    panel = re.search(r'<section class="card section-gap returns-panel".*?</section>', page.content.decode(), re.S)
    assert panel is not None
    body = text_of(panel.group(0))
    assert "72 of 600 units this campaign sold came back (12.0 %)" in body
    alarm = "BEV-001 : 12.0 % returned against 2.0 % (6.0\N{MULTIPLICATION SIGN}), mostly Product defect: Broken or "
    alarm += "leaking"
    assert alarm in body
    assert f"“{DEFECT[0]}”" in body
