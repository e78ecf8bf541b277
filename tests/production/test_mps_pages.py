"""The MPS pages: items exceptions first, the grid of the textbook item, revisions and diffs, capacity, replans.

The item is the textbook example of tests/production/conftest.py (on hand 45, fixed lot 60, eight weeks from
2027-W09); test_replan_service.py has its plan in full.
"""

import html
import re
from datetime import timedelta

import pytest

from production.causes import Cause
from production.models import BillOfCapacity, MpsItem, Plant, Resource
from production.services import regenerate_mps
from sop_portal.jobs.models import Job
from sop_portal.masterdata import services as masterdata
from sop_portal.organisation.models import Role
from tests.factories import make_user
from tests.production.conftest import MONDAY

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
INITIAL = Cause("initial", "test", "Initial plan")


@pytest.fixture(autouse=True)
def _horizon(eight_week_horizon):
    """Eight textbook weeks."""


@pytest.fixture
def planner(client):
    user = make_user("ops", departments={"operations": Role.PLANNER})
    client.force_login(user)
    return user


@pytest.fixture
def viewer(client):
    user = make_user("viewer", departments={"sales": Role.VIEWER})
    client.force_login(user)
    return user


def text(fragment: str) -> str:
    """What a reader sees, blocks and cells apart."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def inline_text(fragment: str) -> str:
    """The text content of inline markup (a diff line is spans within one line)."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", fragment)).split())


def rows(page: str, table_id: str) -> list[list[str]]:
    """The body rows of one table as cell texts."""
    table = re.search(rf'<table[^>]*id="{table_id}".*?</table>', page, re.S)
    assert table, f"no table #{table_id}"
    body = re.search(r"<tbody>(.*?)</tbody>", table.group(0), re.S)
    assert body is not None
    return [
        [text(cell) for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body.group(1), re.S)
    ]


def grid_row(page: str, measure: str) -> list[str]:
    row = re.search(rf'<tr data-measure="{measure}">(.*?)</tr>', page, re.S)
    assert row, f"no grid row {measure}"
    return [text(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)]


def grid_classes(page: str, measure: str) -> list[str]:
    row = re.search(rf'<tr data-measure="{measure}">(.*?)</tr>', page, re.S)
    assert row is not None
    return re.findall(r'<td(?: class="([^"]*)")?>', row.group(1))


def diff_lines(page: str) -> list[str]:
    return [inline_text(line) for line in re.findall(r'<li class="diffline[^"]*"[^>]*>(.*?)</li>', page, re.S)]


def skus(response) -> list[str]:
    return re.findall(r'<tr data-sku="([^"]+)">', response.content.decode())


@pytest.fixture
def three_items(item):
    """BEV-001 (loads the overloaded Assembly line), AAA-001 (calm) and SNK-001 (short from the first week)."""
    calm = masterdata.create_product(
        sku="AAA-001", name="Calm water", family=item.product.family, unit_cost=1, unit_price=2
    )
    MpsItem.objects.create(product=calm, plant=item.plant, on_hand=1000)
    snacks = masterdata.create_family(code="snk", name="Snacks")
    crisps = masterdata.create_product(sku="SNK-001", name="Crisps", family=snacks, unit_cost=1, unit_price=2)
    masterdata.set_forecast(crisps, {MONDAY + timedelta(weeks=k): 50 for k in range(8)})
    south = Plant.objects.create(code="south", name="South plant")
    # Nothing may be planned inside the three-week planning time fence: on hand 10 runs out in the first week.
    MpsItem.objects.create(product=crisps, plant=south, on_hand=10, planning_time_fence=3)
    regenerate_mps(cause=INITIAL)
    return item


# --- Items, exceptions first --------------------------------------------------------------------------------


def test_list_puts_shortages_then_overloads_then_the_rest(client, viewer, three_items):
    response = client.get("/mps/")
    assert response.status_code == 200
    page = response.content.decode()
    assert rows(page, "mps-items") == [
        ["SNK-001", "Crisps", "south", "Lot for lot", "10", "0", "2027-W09", "Shortage Below SS", "1"],
        ["BEV-001", "Cola 1l", "north", "Fixed lot 60", "45", "0", "—", "Overload", "1"],
        ["AAA-001", "Calm water", "north", "Lot for lot", "1,000", "0", "—", "OK", "1"],
    ]
    assert '<a href="/mps/revisions/1/?sku=SNK-001">1</a>' in page


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("exception=shortage", ["SNK-001"]),
        ("exception=overload", ["BEV-001"]),
        ("exception=below_safety_stock", ["SNK-001"]),
        ("plant=north", ["BEV-001", "AAA-001"]),
        ("family=snk", ["SNK-001"]),
        ("q=calm", ["AAA-001"]),
        ("q=bev-0", ["BEV-001"]),
        ("resource=assembly", ["BEV-001"]),
        ("plant=north&exception=overload", ["BEV-001"]),
    ],
)
def test_list_filters(client, viewer, three_items, query, expected):
    assert skus(client.get(f"/mps/?{query}")) == expected


def test_an_unknown_filter_value_is_ignored_and_said_so(client, viewer, three_items):
    response = client.get("/mps/?plant=nowhere")
    assert skus(response) == ["SNK-001", "BEV-001", "AAA-001"]
    assert "Some filters were ignored" in response.content.decode()


def test_list_pages_by_50(client, viewer, item):
    for k in range(55):
        product = masterdata.create_product(
            sku=f"X-{k:03d}", name=f"Extra {k}", family=item.product.family, unit_cost=1, unit_price=2
        )
        MpsItem.objects.create(product=product, plant=item.plant)
    first = client.get("/mps/")
    assert len(skus(first)) == 50
    assert "1\N{EN DASH}50 of 56 items" in first.content.decode()
    assert len(skus(client.get("/mps/?page=2"))) == 6


def test_htmx_partial_returns_only_the_table(client, viewer, three_items):
    response = client.get("/mps/?exception=shortage", headers={**HTMX, "HX-Target": "mps-table"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in page
    assert page.lstrip().startswith('<div id="mps-table"')
    assert 'id="mps-kpis"' not in page
    assert 'id="mps-filters"' not in page
    assert skus(response) == ["SNK-001"]
    assert "HX-Request" in response["Vary"]


def test_kpi_tiles_count_the_exceptions_and_name_the_latest_revision(client, viewer, three_items):
    page = client.get("/mps/").content.decode()
    tiles = {
        key: text(body)
        for key, body in re.findall(r'<a class="card kpi[^"]*" data-kpi="([^"]+)"[^>]*>(.*?)</a>', page, re.S)
    }
    assert tiles["items-short"] == "Items short 1 projected available below 0, of 3 items"
    assert tiles["items-below-ss"] == "Items below safety stock 1 in at least one week of the horizon"
    assert tiles["resources-overloaded"] == "Overloaded resources 1 of 1 with a rough-cut load"
    assert tiles["latest-revision"].startswith("Latest revision 1 ")
    assert tiles["latest-revision"].endswith("Initial plan")
    assert 'href="/mps/revisions/1/"' in page


# --- One item's grid ----------------------------------------------------------------------------------------


def test_grid_shows_the_textbook_plan(client, viewer, item):
    regenerate_mps(cause=INITIAL)
    page = client.get(f"/mps/items/{item.pk}/").content.decode()
    assert re.findall(r'<tr data-measure="([a-z_]+)">', page) == [
        "forecast", "customer_orders", "gross_requirements", "scheduled_receipts", "returns_supply",
        "projected_available", "mps", "mps_release", "atp", "cumulative_atp",
    ]  # fmt: skip
    assert re.findall(r'<th scope="col" data-week="([^"]+)"', page) == [f"2027-W{w:02d}" for w in range(9, 17)]
    assert grid_row(page, "forecast") == ["20", "20", "20", "20", "30", "30", "30", "30"]
    assert grid_row(page, "customer_orders") == ["23", "15", "8", "4", "0", "0", "0", "0"]
    assert grid_row(page, "gross_requirements") == ["23", "20", "20", "20", "30", "30", "30", "30"]
    assert grid_row(page, "projected_available") == ["22", "2", "42", "22", "52", "22", "52", "22"]
    assert grid_row(page, "mps") == ["0", "0", "60", "0", "60", "0", "60", "0"]
    assert grid_row(page, "atp") == ["7", "0", "48", "0", "60", "0", "60", "0"]
    assert grid_row(page, "cumulative_atp") == ["7", "7", "55", "55", "115", "115", "175", "175"]
    assert grid_classes(page, "projected_available") == ["cell-ok"] * 8  # no safety stock, never below 0
    assert "fence-mark" not in page  # no fences on this item
    assert 'id="item-chart-data"' in page
    assert "Replan this item" not in page  # a viewer


def test_grid_marks_the_fences_and_colours_shortage_and_safety_stock(client, viewer, item):
    # Inside the planning time fence nothing new may be planned: the stock runs below safety stock, then out.
    MpsItem.objects.filter(pk=item.pk).update(demand_time_fence=2, planning_time_fence=3, safety_stock=30)
    regenerate_mps(cause=INITIAL)
    page = client.get(f"/mps/items/{item.pk}/").content.decode()
    assert grid_row(page, "projected_available") == ["22", "7", "-13", "87", "57", "87", "57", "87"]
    assert (
        grid_classes(page, "projected_available")
        == ["cell-warn", "fence-dtf cell-warn", "fence-ptf cell-short"] + ["cell-ok"] * 5
    )
    assert grid_classes(page, "customer_orders")[1:3] == ["fence-dtf", "fence-ptf"]
    header = {
        week: text(cell)
        for week, cell in re.findall(r'<th scope="col" data-week="([^"]+)"[^>]*>(.*?)</th>', page, re.S)
    }
    assert header["2027-W10"] == "W10 8 Mar DTF"
    assert header["2027-W11"] == "W11 15 Mar PTF"
    assert header["2027-W12"] == "W12 22 Mar"
    assert "Shortage from 2027-W11" in page


def test_grid_pages_by_26_weeks(client, viewer, item, settings):
    settings.PLANNING_HORIZON_WEEKS = 60
    first = client.get(f"/mps/items/{item.pk}/").content.decode()
    assert len(re.findall(r'<th scope="col" data-week=', first)) == 26
    assert "weeks 1\N{EN DASH}26 of 60" in first
    assert 'href="?from=2027-W35"' in first  # the next page starts 26 weeks on

    # Any week of a page opens that page; htmx gets the grid alone.
    response = client.get(f"/mps/items/{item.pk}/?from=2027-W40", headers={**HTMX, "HX-Target": "mps-grid"})
    page = response.content.decode()
    assert page.lstrip().startswith('<div id="mps-grid"')
    assert "<html" not in page
    weeks = re.findall(r'<th scope="col" data-week="([^"]+)"', page)
    assert (weeks[0], weeks[-1], len(weeks)) == ("2027-W35", "2028-W08", 26)
    assert "weeks 27\N{EN DASH}52 of 60" in page
    last = client.get(f"/mps/items/{item.pk}/?from=2028-W10").content.decode()
    assert "weeks 53\N{EN DASH}60 of 60" in last
    assert client.get(f"/mps/items/{item.pk}/?from=nonsense").status_code == 200  # falls back to the first page


def test_item_page_shows_parameters_history_latest_change_and_resources(client, viewer, item):
    regenerate_mps(cause=INITIAL)
    masterdata.set_forecast(item.product, {MONDAY + timedelta(weeks=1): 40})
    regenerate_mps([item.product], cause=Cause("campaign", "campaign:7@v2", "Campaign 'Spring push' v2"))
    page = client.get(f"/mps/items/{item.pk}/").content.decode()

    facts = re.search(r'<dl class="facts" id="item-parameters">(.*?)</dl>', page, re.S)
    assert facts is not None
    assert text(facts.group(1)).startswith("Lot rule Fixed lot, 60 Lead time 0 weeks Demand time fence none")
    assert "Safety stock 0 On hand 45 at the start of this week" in text(facts.group(1))

    assert [row[:3] for row in rows(page, "history-table")] == [
        ["Revision 2", row_when(page, 2), "Campaign 'Spring push' v2"],
        ["Revision 1", row_when(page, 1), "Initial plan"],
    ]
    latest = re.search(r'id="latest-change".*?</section>', page, re.S)
    assert latest is not None
    # MPS receipts first, then projected available, then the inputs that moved them.
    assert diff_lines(latest.group(0))[:3] == [
        "2027-W10 MPS receipts 0 → 60, cause: Campaign 'Spring push' v2",
        "2027-W11 MPS receipts 60 → 0, cause: Campaign 'Spring push' v2",
        "2027-W10 Projected available 2 → 42, cause: Campaign 'Spring push' v2",
    ]
    assert "2027-W10 Forecast 20 → 40, cause: Campaign 'Spring push' v2" in diff_lines(latest.group(0))

    assert rows(page, "resource-table") == [
        ["Assembly assembly", "0.5", "2", "30", "0%", "107%", "3", "Items loading it"]
    ]
    assert 'href="/mps/?resource=assembly"' in page
    assert 'href="/mps/capacity/#resource-assembly"' in page


def row_when(page: str, number: int) -> str:
    match = re.search(rf'<tr data-revision="{number}">.*?<td class="nowrap muted">(.*?)</td>', page, re.S)
    assert match is not None
    return text(match.group(1))


def test_an_item_never_planned_shows_zeros_and_says_why(client, viewer, item):
    page = client.get(f"/mps/items/{item.pk}/").content.decode()
    assert grid_row(page, "mps") == ["0"] * 8
    assert "This item has not been planned yet" in page
    assert "No revision has planned this item yet" in page
    assert client.get("/mps/items/999999/").status_code == 404


# --- Revisions ----------------------------------------------------------------------------------------------


@pytest.fixture
def two_revisions(item):
    regenerate_mps(cause=INITIAL)
    masterdata.set_forecast(item.product, {MONDAY + timedelta(weeks=1): 40})
    regenerate_mps([item.product], cause=Cause("campaign", "campaign:7@v2", "Campaign 'Spring push' v2"))
    return item


def test_revision_list(client, viewer, two_revisions):
    page = client.get("/mps/revisions/").content.decode()
    table = rows(page, "revisions")
    assert [(r[0], r[2], r[3], r[4], r[5]) for r in table] == [
        ("2", "Campaign change", "Campaign 'Spring push' v2", "system", "1"),
        ("1", "Initial plan", "Initial plan", "system", "1"),
    ]
    assert [r[0] for r in rows(client.get("/mps/revisions/?trigger=campaign").content.decode(), "revisions")] == ["2"]


def test_revision_diff_shows_each_line_with_its_cause(client, viewer, two_revisions):
    response = client.get("/mps/revisions/2/?measure=mps")
    assert response.status_code == 200
    page = response.content.decode()
    assert diff_lines(page) == [
        "2027-W10 MPS receipts 0 → 60, cause: Campaign 'Spring push' v2",
        "2027-W11 MPS receipts 60 → 0, cause: Campaign 'Spring push' v2",
    ]
    assert "Changes from revision 1 to revision 2" in text(page)
    whole = client.get("/mps/revisions/2/").content.decode()
    assert "2027-W10 Forecast 20 → 40, cause: Campaign 'Spring push' v2" in diff_lines(whole)
    assert re.findall(r'<section class="diff-group" data-sku="([^"]+)">', whole) == ["BEV-001"]


def test_revision_diff_against_an_older_revision_and_by_sku(client, viewer, two_revisions):
    against_empty = diff_lines(client.get("/mps/revisions/2/?against=0&measure=mps&sku=bev-001").content.decode())
    assert against_empty == [
        "2027-W10 MPS receipts 0 → 60, cause: Campaign 'Spring push' v2",
        "2027-W13 MPS receipts 0 → 60, cause: Initial plan",
        "2027-W15 MPS receipts 0 → 60, cause: Initial plan",
    ]
    page = client.get("/mps/revisions/2/?sku=NOPE").content.decode()
    assert "Revision 2 did not change NOPE" in text(page)
    partial = client.get("/mps/revisions/2/?measure=mps", headers={**HTMX, "HX-Target": "revision-diff"})
    assert partial.content.decode().lstrip().startswith('<div id="revision-diff"')


@pytest.mark.parametrize(
    ("against", "message"),
    [
        ("x", "“x” is not a revision number. Compare revision 2 with an earlier one, 0 (the empty plan) to 1."),
        ("2", "Revision 2 can only be compared with an earlier revision, 0 (the empty plan) to 1; 2 is not one."),
        ("-1", "Revision 2 can only be compared with an earlier revision, 0 (the empty plan) to 1; -1 is not one."),
    ],
)
def test_a_bad_against_is_a_400_with_a_clear_message(client, viewer, two_revisions, against, message):
    response = client.get(f"/mps/revisions/2/?against={against}")
    assert response.status_code == 400
    alert = re.search(
        r'<div class="alert alert-error" role="alert" id="against-error">(.*?)</div>', response.content.decode(), re.S
    )
    assert alert is not None
    assert text(alert.group(1)) == message
    assert diff_lines(response.content.decode()) == []


def test_an_unknown_revision_is_a_404(client, viewer, two_revisions):
    assert client.get("/mps/revisions/3/").status_code == 404


# --- Rough-cut capacity -------------------------------------------------------------------------------------


def test_capacity_page_shows_the_overloaded_weeks(client, viewer, item):
    add_packing_line(item)
    regenerate_mps(cause=INITIAL)
    page = client.get("/mps/capacity/").content.decode()
    # Most overloaded first: Assembly (3 weeks over) before Packing (none).
    assert [row[0] for row in rows(page, "resource-summary")] == ["Assembly assembly", "Packing packing"]
    assert rows(page, "resource-summary")[0] == [
        "Assembly assembly", "North plant", "30", "3", "2027-W11", "107%", "1 item",
    ]  # fmt: skip
    card = re.search(r'<section class="card section-gap resource-card" id="resource-assembly".*?</section>', page, re.S)
    assert card is not None
    assert rows(card.group(0), "overloaded-assembly") == [
        ["2027-W11", "32.0", "30.0", "2.0", "107%"],
        ["2027-W13", "32.0", "30.0", "2.0", "107%"],
        ["2027-W15", "32.0", "30.0", "2.0", "107%"],
    ]
    assert 'href="/mps/?resource=assembly"' in card.group(0)
    assert "No overloaded week</strong>Peak 10% of capacity." in page
    assert '"id": "load-assembly"' in page
    assert '"overloaded": [false, false, true, false, true, false, true, false]' in page


def add_packing_line(item) -> None:
    """A second line at the same plant that the item loads lightly: 0.1 h a unit of 60 h a week, peak 10%."""
    packing = Resource.objects.create(plant=item.plant, code="packing", name="Packing", weekly_capacity=60)
    BillOfCapacity.objects.create(product=item.product, resource=packing, run_hours_per_unit=0.1)


# --- Replanning ---------------------------------------------------------------------------------------------


def test_replan_by_an_operations_planner_queues_a_job_that_the_partial_polls(
    client, planner, item, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/mps/items/{item.pk}/replan/", headers={**HTMX, "HX-Target": "replan-status"})
        # The request's transaction has not committed yet: the job is queued and the partial polls it.
        page = response.content.decode()
        job = Job.objects.get()
        assert response.status_code == 200
        assert 'data-status="queued"' in page
        assert f'hx-get="/mps/jobs/{job.pk}/?item={item.pk}" hx-trigger="every 1s"' in page
        assert "Replan of 1 product queued" in text(page)
    assert (job.kind, job.payload["products"], job.requested_by) == ("production.replan", [item.product_id], planner)

    done = client.get(f"/mps/jobs/{job.pk}/?item={item.pk}", headers={**HTMX, "HX-Target": "replan-job"})
    page = done.content.decode()
    assert 'data-status="done"' in page
    assert "every 1s" not in page  # finished: polling stops
    assert done["HX-Trigger"] == "mps-replanned"  # the grid and the exceptions reload
    assert "Revision 1 published." in text(page)
    assert 'href="/mps/revisions/1/?sku=BEV-001"' in page
    assert diff_lines(page)[0] == "2027-W11 MPS receipts 0 → 60, cause: Replan requested by ops"


@pytest.mark.django_db(transaction=True)
def test_an_eager_replan_answers_with_the_outcome_at_once(client, item):
    # Without Redis the task runs when the job row commits, before the POST answers: nothing to poll.
    client.force_login(make_user("ops", departments={"operations": Role.PLANNER}))
    response = client.post(f"/mps/items/{item.pk}/replan/", headers={**HTMX, "HX-Target": "replan-status"})
    page = response.content.decode()
    assert 'data-status="done"' in page
    assert "every 1s" not in page
    assert response["HX-Trigger"] == "mps-replanned"
    assert "Revision 1 published. Revision 1: 1 item, 46 cells changed." in text(page)


@pytest.mark.django_db(transaction=True)
def test_a_failing_eager_replan_shows_the_error_instead_of_a_server_error(client, item, monkeypatch):
    def explode(*args, **kwargs):
        raise RuntimeError("the engine ran out of coffee")

    monkeypatch.setattr("production.services.regenerate_mps", explode)
    client.force_login(make_user("ops", departments={"operations": Role.PLANNER}))
    response = client.post("/mps/replan/", headers={**HTMX, "HX-Target": "replan-status"})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-status="failed"' in page
    assert "The replan of all items failed; nothing was published." in text(page)
    assert "RuntimeError: the engine ran out of coffee" in text(page)
    assert not response.has_header("HX-Trigger")


def test_replan_all_without_javascript_goes_to_the_job_page(client, planner, item, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/mps/replan/")
    job = Job.objects.get()
    assert job.payload["products"] is None
    assert response.status_code == 302
    assert response["Location"] == f"/mps/jobs/{job.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "<h1>Replan all items</h1>" in page
    assert "Revision 1 published." in text(page)
    assert 'href="/mps/revisions/1/"' in page


def test_operations_planner_sees_the_replan_buttons(client, planner, item):
    assert "Replan this item" in client.get(f"/mps/items/{item.pk}/").content.decode()
    assert "Replan all" in client.get("/mps/").content.decode()


def test_viewer_gets_403_on_replan_and_sees_no_button(client, viewer, item):
    regenerate_mps(cause=INITIAL)
    assert "Replan this item" not in client.get(f"/mps/items/{item.pk}/").content.decode()
    assert "Replan all" not in client.get("/mps/").content.decode()
    assert client.post(f"/mps/items/{item.pk}/replan/", headers=HTMX).status_code == 403
    assert client.post("/mps/replan/").status_code == 403
    assert not Job.objects.exists()


def test_every_page_needs_portal_view(client, item):
    regenerate_mps(cause=INITIAL)
    job = Job.objects.create(kind="production.replan")
    urls = [
        "/mps/", f"/mps/items/{item.pk}/", "/mps/revisions/", "/mps/revisions/1/", "/mps/capacity/",
        f"/mps/jobs/{job.pk}/",
    ]  # fmt: skip
    assert [client.get(url).status_code for url in urls] == [302] * 6  # anonymous: to the login page
    client.force_login(make_user("nobody", departments={}))
    assert [client.get(url).status_code for url in urls] == [403] * 6
    client.force_login(make_user("seller", departments={"sales": Role.VIEWER}))
    assert [client.get(url).status_code for url in urls] == [200] * 6


def test_job_page_shows_only_replans(client, viewer):
    other = Job.objects.create(kind="imports.products")
    assert client.get(f"/mps/jobs/{other.pk}/").status_code == 404
