"""The warehouse pages on the network of conftest.py: the heatmap, a cell's breakdown, the warehouse page and
capacity editing (warehouse planners only, 409 on a stale version)."""

import html
import re

import pytest

from fulfillment.models import CapacityException, Warehouse
from sop_portal.alerts.models import Alert
from sop_portal.organisation.models import Role
from tests.factories import make_user
from tests.fulfillment.test_services import approve

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true", "HX-Target": "breakdown"}


def text(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


@pytest.fixture
def viewer(client):
    user = make_user("sam", departments={"sales": Role.VIEWER})
    client.force_login(user)
    return user


@pytest.fixture
def warehouse_planner(client):
    user = make_user("dan", departments={"warehouse": Role.PLANNER})
    client.force_login(user)
    return user


def part(pattern: str, page: str, group: int = 0) -> str:
    found = re.search(pattern, page, re.S)
    assert found, pattern
    return text(found.group(group))


def cells(page: str, warehouse: str) -> dict[str, str]:
    row = re.search(rf'<tr data-warehouse="{warehouse}">.*?</tr>', page, re.S)
    assert row, warehouse
    return dict(re.findall(r'<td class="heat-[a-z]+" data-week="([^"]+)" data-level="([a-z]+)"', row.group(0)))


def test_the_heatmap_colours_each_week_by_its_worst_dimension(
    client, viewer, network, spring_push, marketer, django_capture_on_commit_callbacks
):
    approve(spring_push, marketer, django_capture_on_commit_callbacks)
    page = client.get("/warehouses/").content.decode()

    # North: 15/27, 30/27, 30/12 (the holiday), 30/27, then 22.5/27 = 83 %; labour peaks at 95 % in W11-W12.
    assert cells(page, "north-dc") == {
        "2027-W09": "mid", "2027-W10": "critical", "2027-W11": "severe", "2027-W12": "critical",
        "2027-W13": "high", "2027-W14": "high", "2027-W15": "high", "2027-W16": "high",
    }  # fmt: skip
    # South checks outbound only: 5 of 20, then 10 in the campaign weeks, then 7.5.
    assert cells(page, "south-dc") == {
        "2027-W09": "low", "2027-W10": "mid", "2027-W11": "mid", "2027-W12": "mid",
        "2027-W13": "low", "2027-W14": "low", "2027-W15": "low", "2027-W16": "low",
    }  # fmt: skip
    assert ">250</button>" in page
    assert 'hx-get="/warehouses/north-dc/weeks/2027-W11/"' in page
    assert 'data-kpi="overloaded"' in page


def test_a_cell_breaks_down_by_dimension_campaign_and_product(
    client, viewer, network, spring_push, marketer, django_capture_on_commit_callbacks
):
    approve(spring_push, marketer, django_capture_on_commit_callbacks)
    response = client.get("/warehouses/north-dc/weeks/2027-W11/", headers=HTMX)

    assert response.status_code == 200
    body = response.content.decode()
    assert "<html" not in body
    outbound = part(r'<tr data-dimension="outbound">.*?</tr>', body)
    assert outbound == "Outbound units / week 30 12 250% Spring push 15 · 50%"
    labour = part(r'<tr data-dimension="labour">.*?</tr>', body)
    assert labour == "Labour hours / week 10.5 11 95% Spring push 3.0 h · 29%"
    products = part(r'<div class="breakdown-list" data-dimension="outbound">.*?</ol>', body)
    assert products == "Outbound: most load BEV-001 30 100% Cola 1l"


def test_a_cell_without_htmx_is_a_page_and_an_unknown_week_is_404(client, viewer, network):
    assert "<html" in client.get("/warehouses/north-dc/weeks/2027-W09/").content.decode()
    assert client.get("/warehouses/north-dc/weeks/2030-W09/").status_code == 404
    assert client.get("/warehouses/north-dc/weeks/soon/").status_code == 404


def test_the_warehouse_page_shows_load_fill_and_alerts_read_only_for_a_viewer(
    client, viewer, network, spring_push, marketer, django_capture_on_commit_callbacks
):
    approve(spring_push, marketer, django_capture_on_commit_callbacks)
    page = client.get("/warehouses/north-dc/").content.decode()

    assert "Outbound at North DC 250% in 2027-W11, two weeks ahead; 83% of the excess from campaign" in html.unescape(
        page
    )
    assert 'id="chart-outbound"' in page
    assert 'id="fill-chart"' in page
    assert 'id="warehouse-charts"' in page
    assert "Save capacity" not in page
    assert "Easter Monday" in page
    kpi = part(r'data-kpi="fill">(.*?)</div>\s*</div>', page, group=1)
    assert kpi == "Lowest fill rate 55% in 2027-W10, of demand shipped on time"


def test_viewers_may_not_change_capacity(client, viewer, network):
    north = network["north"]
    response = client.post(
        "/warehouses/north-dc/capacity/", {"capacity-outbound_capacity": 10, "capacity-version": north.version}
    )
    assert response.status_code == 403
    assert Warehouse.objects.get(pk=north.pk).outbound_capacity == 27


def form(warehouse: Warehouse, **changes) -> dict:
    data = {
        "capacity-inbound_capacity": warehouse.inbound_capacity or "",
        "capacity-outbound_capacity": warehouse.outbound_capacity or "",
        "capacity-storage_capacity": warehouse.storage_capacity or "",
        "capacity-labour_capacity": warehouse.labour_capacity or "",
        "capacity-pick_rate": warehouse.pick_rate or "",
        "capacity-receive_rate": warehouse.receive_rate or "",
        "capacity-warning_pct": warehouse.warning_threshold * 100,
        "capacity-critical_pct": warehouse.critical_threshold * 100,
        "capacity-version": warehouse.version,
    }
    data.update({f"capacity-{k}": v for k, v in changes.items()})
    return data


def test_a_warehouse_planner_changes_capacity_and_the_alert_follows(client, warehouse_planner, network):
    north = network["north"]
    assert client.get("/warehouses/north-dc/").content.decode().count("Save capacity") == 1

    response = client.post("/warehouses/north-dc/capacity/", form(north, outbound_capacity=20), headers=HTMX)

    assert response.status_code == 204
    assert response["HX-Redirect"] == "/warehouses/north-dc/"
    saved = Warehouse.objects.get(pk=north.pk)
    assert (saved.outbound_capacity, saved.version) == (20, north.version + 1)
    alert = Alert.objects.get(key=f"warehouse:{north.pk}:outbound", status="open")
    assert alert.message.endswith("Cause: Capacity of North DC changed by dan (outbound capacity).")


def test_a_stale_capacity_edit_is_409_and_saves_nothing(client, warehouse_planner, network):
    north = network["north"]
    response = client.post(
        "/warehouses/north-dc/capacity/", form(north, outbound_capacity=20, version=north.version - 1), headers=HTMX
    )
    assert response.status_code == 409
    assert "was changed by someone else (now version 3); reload and redo your edit" in html.unescape(
        response.content.decode()
    )
    assert Warehouse.objects.get(pk=north.pk).outbound_capacity == 27


def test_bad_capacity_is_400_with_the_field_named(client, warehouse_planner, network):
    north = network["north"]
    response = client.post("/warehouses/north-dc/capacity/", form(north, warning_pct=120), headers=HTMX)
    assert response.status_code == 400
    assert "Critical above (%): must be above the warning threshold" in html.unescape(response.content.decode())
    assert Warehouse.objects.get(pk=north.pk).version == north.version


def test_a_warehouse_planner_adds_and_removes_an_exception(client, warehouse_planner, network):
    south = network["south"]
    response = client.post(
        "/warehouses/south-dc/exceptions/",
        {"exception-dimension": "outbound", "exception-week": "2027-W10", "exception-capacity": 4,
         "exception-reason": "Stocktake", "exception-version": south.version},
    )  # fmt: skip
    assert response.status_code == 302
    exception = CapacityException.objects.get(warehouse=south)
    assert (exception.week.isoformat(), exception.capacity) == ("2027-03-08", 4)
    assert Alert.objects.get(key=f"warehouse:{south.pk}:outbound", status="open").severity == 30  # 5 on 4

    bad = client.post(
        "/warehouses/south-dc/exceptions/",
        {"exception-dimension": "outbound", "exception-week": "2027-14", "exception-capacity": 5,
         "exception-version": south.version + 1},
        headers=HTMX,
    )  # fmt: skip
    assert bad.status_code == 400
    assert "&#x27;2027-14&#x27; is not an ISO week like 2027-W14" in bad.content.decode()

    removed = client.post(
        f"/warehouses/south-dc/exceptions/{exception.pk}/remove/", {"version": south.version + 1}
    )
    assert removed.status_code == 302
    assert not CapacityException.objects.filter(warehouse=south).exists()
    assert Alert.objects.get(key=f"warehouse:{south.pk}:outbound").status == "resolved"


def test_the_nav_links_to_the_warehouses(client, viewer, network):
    page = client.get("/warehouses/").content.decode()
    assert '<a href="/warehouses/" aria-current="page">Warehouses</a>' in page


def test_the_heatmap_pages_through_the_horizon_and_keeps_the_whole_of_it_in_view(
    network, spring_push, marketer, django_capture_on_commit_callbacks
):
    from datetime import date

    from fulfillment import selectors

    approve(spring_push, marketer, django_capture_on_commit_callbacks)
    block = selectors.heatmap(date(2027, 3, 8), weeks=3)  # 2027-W10

    assert block.weeks == ["2027-W10", "2027-W11", "2027-W12"]
    assert (block.previous, block.next) == ("2027-W09", "2027-W13")
    north = next(row for row in block.rows if row.warehouse.code == "north-dc")
    assert [c.level for c in north.cells] == ["critical", "severe", "critical"]
    assert [shown for _, shown in north.strip] == [False, True, True, True, False, False, False, False]
    assert [c.level for c, _ in north.strip][:2] == ["mid", "critical"]
    # A block past the end of the horizon stops at its last week.
    assert selectors.heatmap(date(2027, 4, 26), weeks=3).weeks == ["2027-W14", "2027-W15", "2027-W16"]
