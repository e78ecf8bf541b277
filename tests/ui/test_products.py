from datetime import timedelta
from decimal import Decimal

import pytest

from sop_portal.masterdata import services
from sop_portal.masterdata.models import BaselineForecast, Product, ProductStatus
from sop_portal.organisation.models import Role
from tests.factories import make_family, make_product, make_user

from .conftest import THIS_MONDAY

EDITOR = {"operations": Role.PLANNER}  # products.edit and forecast.edit
VIEWER = {"operations": Role.VIEWER}


@pytest.fixture
def catalogue(db):
    bev, snk = make_family("bev", "Beverages"), make_family("snk", "Snacks")
    products = [make_product(f"BEV-{i:03d}", family=bev, name=f"Cola {i}") for i in range(55)]
    products += [make_product(f"SNK-{i:03d}", family=snk, name=f"Crisps {i}") for i in range(5)]
    make_product("SNK-OLD", family=snk, name="Old crisps", status=ProductStatus.DISCONTINUED)
    return products


def skus(response) -> list[str]:
    return [p.sku for p in response.context["page"].object_list]


@pytest.mark.django_db
def test_list_pages_by_50(client, catalogue):
    client.force_login(make_user("alice", departments=VIEWER))
    first = client.get("/products/")
    assert first.status_code == 200
    assert len(skus(first)) == 50
    assert first.context["page"].paginator.count == 61
    assert "1\N{EN DASH}50 of 61 products" in first.content.decode()
    second = client.get("/products/?page=2")
    assert len(skus(second)) == 11
    # A page number that is not one falls back instead of failing.
    assert client.get("/products/?page=abc").status_code == 200
    assert client.get("/products/?page=999").context["page"].number == 2


@pytest.mark.django_db
def test_list_filters_by_family_status_and_search(client, catalogue):
    client.force_login(make_user("alice", departments=VIEWER))
    assert skus(client.get("/products/?family=snk&status=active")) == [f"SNK-{i:03d}" for i in range(5)]
    assert skus(client.get("/products/?status=discontinued")) == ["SNK-OLD"]
    assert skus(client.get("/products/?q=COLA 54")) == ["BEV-054"]  # by name, case-insensitive
    assert skus(client.get("/products/?q=bev-05")) == [f"BEV-05{i}" for i in range(5)]  # by SKU


@pytest.mark.django_db
def test_bad_filter_is_reported_by_name_and_ignored(client, catalogue):
    client.force_login(make_user("alice", departments=VIEWER))
    response = client.get("/products/?family=nope&status=active")
    assert response.status_code == 200
    assert "Family: Select a valid choice" in response.content.decode()
    assert response.context["page"].paginator.count == 60  # the valid status filter still applies


@pytest.mark.django_db
def test_list_shows_margin_and_13_week_forecast_and_sorts_by_them(client, catalogue, django_assert_max_num_queries):
    make_product("ZZ-LOSS", family=catalogue[0].family, unit_cost="3.00", unit_price="2.00")
    make_product("ZZ-FREE", family=catalogue[0].family, unit_cost="1.00", unit_price="0.00")
    for offset, quantity in [(0, 100), (12, 50), (13, 999), (-1, 999)]:
        BaselineForecast.objects.create(
            product=catalogue[3], week=THIS_MONDAY + timedelta(weeks=offset), quantity=quantity
        )
    client.force_login(make_user("alice", departments=VIEWER))

    with django_assert_max_num_queries(12):
        response = client.get("/products/?sort=-forecast")
    first = response.context["page"].object_list[0]
    assert first.sku == catalogue[3].sku
    assert first.forecast_units == 150
    assert first.margin_pct == pytest.approx(50.0)  # (2 - 1) / 2

    by_margin = client.get("/products/?sort=margin&q=ZZ-").context["page"].object_list
    assert [p.sku for p in by_margin] == ["ZZ-LOSS", "ZZ-FREE"]  # -50 %, then no price: no margin, last
    assert by_margin[0].margin_pct == pytest.approx(-50.0)
    assert by_margin[1].margin_pct is None


@pytest.mark.django_db
def test_htmx_request_gets_only_the_table(client, catalogue):
    client.force_login(make_user("alice", departments=VIEWER))
    partial = client.get("/products/?family=snk", headers={"HX-Request": "true"})
    html = partial.content.decode()
    assert partial.status_code == 200
    assert "<html" not in html
    assert "<h1>" not in html
    assert 'id="product-table"' in html
    assert "SNK-000" in html
    assert "BEV-000" not in html
    assert "HX-Request" in partial["Vary"]

    full = client.get("/products/?family=snk")
    assert "<html" in full.content.decode()
    assert 'id="product-filters"' in full.content.decode()
    # Going back in the browser asks for the whole page again.
    restore = client.get("/products/", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert "<html" in restore.content.decode()


@pytest.mark.django_db
def test_filter_form_drives_the_table_through_htmx(client, catalogue):
    client.force_login(make_user("alice", departments=VIEWER))
    html = client.get("/products/").content.decode()
    assert 'hx-get="/products/"' in html
    assert 'hx-target="#product-table"' in html
    assert 'hx-push-url="true"' in html


@pytest.mark.django_db
def test_detail_shows_master_data_chart_and_forecast_grid(client, catalogue):
    product = catalogue[0]
    BaselineForecast.objects.create(product=product, week=THIS_MONDAY, quantity=12)
    client.force_login(make_user("alice", departments=EDITOR))
    response = client.get(f"/products/{product.sku}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert product.name in html
    assert 'id="product-chart-data"' in html
    assert 'name="w-2027-W14" id="id_w-2027-W14" value="12"' in html
    assert 'name="w-2027-W39"' in html  # 26 weeks: W14 .. W39
    assert 'name="w-2027-W40"' not in html
    assert client.get("/products/NOPE/").status_code == 404


@pytest.mark.django_db
def test_viewer_sees_a_read_only_grid_and_cannot_edit(client, catalogue):
    product = catalogue[0]
    client.force_login(make_user("victor", departments=VIEWER))
    html = client.get(f"/products/{product.sku}/").content.decode()
    assert 'name="w-2027-W14"' not in html
    assert "Edit product" not in html
    assert client.get(f"/products/{product.sku}/edit/").status_code == 403
    assert client.post(f"/products/{product.sku}/edit/", {"name": "x"}).status_code == 403
    assert client.get("/products/new/").status_code == 403
    assert client.post(f"/products/{product.sku}/forecast/", {"w-2027-W14": "5"}).status_code == 403
    assert not BaselineForecast.objects.exists()


def edit_data(product: Product, **changes) -> dict:
    data = {
        "sku": product.sku,
        "name": product.name,
        "family": product.family_id,
        "unit": product.unit,
        "unit_cost": str(product.unit_cost),
        "unit_price": str(product.unit_price),
        "status": product.status,
        "launch_date": "",
        "end_date": "",
        "version": product.version,
    }
    data.update(changes)
    return data


@pytest.mark.django_db
def test_edit_product_saves_and_bumps_the_version(client, catalogue):
    product = catalogue[0]
    client.force_login(make_user("alice", departments=EDITOR))
    form = client.get(f"/products/{product.sku}/edit/")
    assert 'name="version" value="1"' in form.content.decode()
    response = client.post(f"/products/{product.sku}/edit/", edit_data(product, name="Cola Zero", unit_price="2.50"))
    assert response.status_code == 302
    product.refresh_from_db()
    assert (product.name, product.unit_price, product.version) == ("Cola Zero", Decimal("2.50"), 2)


@pytest.mark.django_db
def test_stale_edit_answers_409_and_overwrites_nothing(client, catalogue):
    product = catalogue[0]
    loaded = edit_data(product)  # the editor opened the form at version 1 ...
    services.update_product(product, expected_version=1, name="Saved by Bob")  # ... Bob saved meanwhile
    client.force_login(make_user("alice", departments=EDITOR))

    response = client.post(f"/products/{product.sku}/edit/", {**loaded, "name": "Alice's name", "unit_price": "9"})

    assert response.status_code == 409
    assert "was changed by someone else (now version 2)" in response.content.decode()
    product.refresh_from_db()
    assert (product.name, product.unit_price, product.version) == ("Saved by Bob", Decimal("2.00"), 2)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"unit_price": "-1"}, "Unit price: Ensure this value is greater than or equal to 0"),
        ({"unit_cost": "abc"}, "Unit cost: Enter a number."),
        ({"name": ""}, "Name: This field is required."),
        ({"family": "999999"}, "Family: Select a valid choice"),
        ({"launch_date": "2027-05-01", "end_date": "2027-04-01"}, "End date: The end date must not be before"),
        ({"launch_date": "not a date"}, "Launch date: Enter a valid date."),
        ({"version": "x"}, "Version: Enter a whole number."),
        ({"sku": "BEV-001"}, "SKU: Product with this SKU already exists."),
        ({"sku": "A/B"}, "SKU: A SKU must not contain"),
    ],
)
def test_bad_product_input_names_the_field(client, catalogue, changes, message):
    product = catalogue[0]
    client.force_login(make_user("alice", departments=EDITOR))
    response = client.post(f"/products/{product.sku}/edit/", edit_data(product, **changes))
    assert response.status_code == 422
    assert message in response.content.decode()
    product.refresh_from_db()
    assert product.version == 1


@pytest.mark.django_db
def test_create_product(client, catalogue):
    client.force_login(make_user("alice", departments=EDITOR))
    assert client.get("/products/new/").status_code == 200
    data = {
        "sku": "NEW-1",
        "name": "New cola",
        "family": catalogue[0].family_id,
        "unit": "each",
        "unit_cost": "1.10",
        "unit_price": "1.90",
        "status": "planned",
        "launch_date": "2027-06-01",
        "end_date": "",
    }
    response = client.post("/products/new/", data)
    assert response.status_code == 302
    assert response["Location"] == "/products/NEW-1/"
    assert Product.objects.get(sku="NEW-1").unit_price == Decimal("1.90")

    again = client.post("/products/new/", data)
    assert again.status_code == 422
    assert "SKU: Product with this SKU already exists." in again.content.decode()
