from datetime import date, timedelta

import pytest

from sop_portal.masterdata.models import BaselineForecast
from sop_portal.organisation.models import Role
from tests.factories import make_product, make_user

from .conftest import THIS_MONDAY

HTMX = {"HX-Request": "true"}


def stored(product) -> dict[date, float]:
    return dict(BaselineForecast.objects.filter(product=product).values_list("week", "quantity"))


@pytest.fixture
def planner_client(client, db):
    client.force_login(make_user("sally", departments={"sales": Role.PLANNER}))
    return client


@pytest.mark.django_db
def test_grid_saves_changed_weeks_through_htmx(planner_client):
    product = make_product("B1", unit_price="2.00")
    BaselineForecast.objects.create(product=product, week=THIS_MONDAY, quantity=10)
    BaselineForecast.objects.create(product=product, week=THIS_MONDAY + timedelta(weeks=2), quantity=4)

    response = planner_client.post(
        "/products/B1/forecast/",
        {"w-2027-W14": "10", "w-2027-W15": "1,250.5", "w-2027-W16": "", "w-2027-W17": "", "w-2027-W18": "0"},
        headers=HTMX,
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert 'id="forecast-grid"' in html
    # W14 unchanged, W15 new, W16 cleared to 0; W17 and W18 blank / 0 with nothing stored: not written.
    assert "Forecast saved: 2 weeks changed." in html
    assert stored(product) == {
        THIS_MONDAY: 10,
        THIS_MONDAY + timedelta(weeks=1): 1250.5,
        THIS_MONDAY + timedelta(weeks=2): 0,
    }
    assert 'id="product-chart-data"' in html  # the chart redraws from the new numbers


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("-5", "week 2027-W15: -5 is negative; enter 0 or more"),
        ("abc", "week 2027-W15: &#x27;abc&#x27; is not a number"),
        ("1e400", "week 2027-W15: &#x27;1e400&#x27; is not a number"),
        ("nan", "week 2027-W15: &#x27;nan&#x27; is not a number"),
        ("1,5", "week 2027-W15: &#x27;1,5&#x27; is not a number"),
    ],
)
def test_bad_cell_names_the_week_and_nothing_is_written(planner_client, value, message):
    product = make_product("B1")
    BaselineForecast.objects.create(product=product, week=THIS_MONDAY, quantity=10)

    response = planner_client.post("/products/B1/forecast/", {"w-2027-W14": "99", "w-2027-W15": value}, headers=HTMX)

    assert response.status_code == 422
    html = response.content.decode()
    assert "Nothing was saved" in html
    assert message in html
    assert f'value="{value}"' in html  # what the planner typed stays in the cell to be corrected
    assert 'aria-invalid="true"' in html
    assert stored(product) == {THIS_MONDAY: 10}  # the valid W14 edit was not written either


@pytest.mark.django_db
def test_grid_without_htmx_redirects_or_shows_the_page_with_errors(planner_client):
    make_product("B1")
    ok = planner_client.post("/products/B1/forecast/", {"w-2027-W14": "3"})
    assert ok.status_code == 302
    assert ok["Location"] == "/products/B1/"
    bad = planner_client.post("/products/B1/forecast/", {"w-2027-W14": "x"})
    assert bad.status_code == 422
    assert "<h1>" in bad.content.decode()
    assert "week 2027-W14" in bad.content.decode()


@pytest.mark.django_db
def test_cells_outside_the_26_week_grid_are_ignored(planner_client):
    product = make_product("B1")
    response = planner_client.post(
        "/products/B1/forecast/", {"w-2027-W13": "5", "w-2027-W40": "5", "w-2027-W39": "1"}, headers=HTMX
    )
    assert response.status_code == 200
    assert stored(product) == {THIS_MONDAY + timedelta(weeks=25): 1}


@pytest.mark.django_db
def test_forecast_edit_needs_the_capability(client):
    make_product("B1")
    # Finance planners may edit products but not the forecast.
    client.force_login(make_user("fin", departments={"finance": Role.PLANNER}))
    assert client.post("/products/B1/forecast/", {"w-2027-W14": "5"}, headers=HTMX).status_code == 403
    assert client.get("/products/B1/forecast/").status_code in (403, 405)
    assert not BaselineForecast.objects.exists()
