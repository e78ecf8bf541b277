"""Master-data writers against a real database: validation, optimistic concurrency, forecast upserts."""

from datetime import date
from decimal import Decimal

import numpy as np
import pytest
from django.core.exceptions import ValidationError

from sop_portal.errors import InputError, StaleEdit
from sop_portal.masterdata import series, services
from sop_portal.masterdata.models import BaselineForecast, Product

pytestmark = pytest.mark.django_db


@pytest.fixture
def product() -> Product:
    family = services.create_family(code="bev", name="Beverages")
    return services.create_product(
        sku="BEV-001", name="Cola 1l", family=family, unit_cost=Decimal("0.40"), unit_price=Decimal("1.10")
    )


def test_update_bumps_version_and_refuses_a_stale_one(product):
    updated = services.update_product(product, expected_version=1, unit_price=Decimal("1.20"))
    assert (updated.version, updated.unit_price) == (2, Decimal("1.20"))
    with pytest.raises(StaleEdit) as stale:
        services.update_product(product, expected_version=1, unit_price=Decimal("9.99"))
    assert stale.value.current_version == 2
    assert Product.objects.get(pk=product.pk).unit_price == Decimal("1.20")


def test_update_validates_dates_and_writes_nothing_on_error(product):
    with pytest.raises(ValidationError) as error:
        services.update_product(
            product, expected_version=None, launch_date=date(2027, 5, 1), end_date=date(2027, 1, 1)
        )
    assert "end_date" in str(error.value) or "product_ends_after_launch" in str(error.value)
    assert Product.objects.get(pk=product.pk).version == 1


def test_set_forecast_upserts_and_rejects_non_mondays_and_negatives(product):
    assert services.set_forecast(product, {date(2027, 3, 8): 100, date(2027, 3, 15): 50}) == 2
    assert services.set_forecast(product, {date(2027, 3, 8): 120}) == 1
    assert dict(BaselineForecast.objects.values_list("week", "quantity")) == {
        date(2027, 3, 8): 120.0,
        date(2027, 3, 15): 50.0,
    }
    with pytest.raises(InputError, match="week 2027-03-09: must be the Monday of an ISO week"):
        services.set_forecast(product, {date(2027, 3, 9): 5})
    with pytest.raises(InputError, match="week 2027-W11: quantity must be zero or more"):
        services.set_forecast(product, {date(2027, 3, 22): 1, date(2027, 3, 22 - 7): -1})
    assert BaselineForecast.objects.count() == 2


def test_forecast_matrix_is_products_by_weeks_with_zeros_for_gaps(product):
    other = services.create_product(
        sku="BEV-002", name="Lemonade", family=product.family, unit_cost=Decimal(1), unit_price=Decimal(2)
    )
    services.set_forecast(product, {date(2027, 3, 8): 10, date(2027, 3, 22): 30})
    services.set_forecast(other, {date(2027, 3, 15): 7, date(2027, 4, 26): 99})  # outside the window
    matrix = series.baseline_forecast([other.pk, product.pk], date(2027, 3, 8), 3)
    np.testing.assert_array_equal(matrix, [[0, 7, 0], [10, 0, 30]])
