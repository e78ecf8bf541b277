"""services.bulk_load_weekly: the fast writer for whole weekly series (seed_demo, benchmarks)."""

from datetime import date
from decimal import Decimal

import numpy as np
import pytest
from django.db import IntegrityError

from sop_portal.errors import InputError
from sop_portal.masterdata import series, services
from sop_portal.masterdata.models import BaselineForecast, SalesHistory

pytestmark = pytest.mark.django_db
MONDAY = date(2027, 3, 8)


@pytest.fixture
def product_ids() -> list[int]:
    family = services.create_family(code="bev", name="Beverages")
    products = services.create_products(
        {"sku": f"BEV-{i}", "name": f"Cola {i}", "family": family, "unit_cost": "0.40", "unit_price": "1.10"}
        for i in range(2)
    )
    return [p.pk for p in products]


def test_writes_the_matrix_row_per_product_and_column_per_week(product_ids):
    quantities = np.array([[1.0, 2.0, 3.0], [0.0, 5.0, 6.0]])
    assert services.bulk_load_weekly(BaselineForecast, product_ids, MONDAY, quantities) == 6
    assert np.array_equal(series.baseline_forecast(product_ids, MONDAY, 3), quantities)
    assert SalesHistory.objects.count() == 0


def test_refuses_bad_input_before_writing(product_ids):
    with pytest.raises(InputError, match="Monday"):
        services.bulk_load_weekly(SalesHistory, product_ids, date(2027, 3, 9), np.ones((2, 3)))
    with pytest.raises(InputError, match="zero or more"):
        services.bulk_load_weekly(SalesHistory, product_ids, MONDAY, np.array([[1, -1, 0], [0, 0, 0]]))
    with pytest.raises(InputError, match="2 products"):
        services.bulk_load_weekly(SalesHistory, product_ids, MONDAY, np.ones((3, 3)))
    assert SalesHistory.objects.count() == 0


def test_a_week_that_is_already_there_is_refused_and_nothing_is_written(product_ids):
    services.bulk_load_weekly(SalesHistory, product_ids[:1], MONDAY, np.ones((1, 1)))
    with pytest.raises(IntegrityError):
        services.bulk_load_weekly(SalesHistory, product_ids, MONDAY, np.full((2, 2), 7.0))
    assert list(SalesHistory.objects.values_list("quantity", flat=True)) == [1.0]


def test_create_products_refuses_a_taken_sku_with_its_row(product_ids):
    family = services.create_family(code="snk", name="Snacks")
    rows = [
        {"sku": "SNK-1", "name": "Crisps", "family": family, "unit_cost": Decimal("1"), "unit_price": Decimal("2")},
        {"sku": "BEV-1", "name": "Cola", "family": family, "unit_cost": Decimal("1"), "unit_price": Decimal("2")},
    ]
    with pytest.raises(InputError) as error:
        services.create_products(rows)
    assert (error.value.row, error.value.field) == (3, "sku")
    assert not family.products.exists()
