"""`manage.py seed_demo` against the test database: what it creates, that it is safe to run again, and that
the stored series are exactly the generator's."""

from datetime import date, timedelta
from io import StringIO

import numpy as np
import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Model

from fulfillment.models import Warehouse
from production.models import Plant
from sop_portal.demo.demand import demo_demand
from sop_portal.demo.people import DEMO_PASSWORD
from sop_portal.masterdata import series, services
from sop_portal.masterdata.models import BaselineForecast, Product, ProductFamily, ProductStatus, SalesHistory
from sop_portal.masterdata.weeks import week_start
from sop_portal.organisation.models import Department, Membership, Role

TODAY = date(2027, 3, 10)  # a Wednesday
THIS_WEEK = date(2027, 3, 8)
SKUS = 30


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", "--skus", str(SKUS), *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def seeded(db, monkeypatch) -> str:
    monkeypatch.setattr(services, "today", lambda: TODAY)
    return seed()


def counts() -> dict[str, int]:
    models: list[type[Model]] = [ProductFamily, Product, Plant, Warehouse, SalesHistory, BaselineForecast, Membership]
    models.append(get_user_model())
    return {model.__name__: model._default_manager.count() for model in models}


def test_creates_the_company_with_history_and_a_full_horizon_of_forecast(seeded):
    horizon = settings.PLANNING_HORIZON_WEEKS
    assert counts() == {
        "ProductFamily": 3,
        "Product": SKUS,
        "Plant": 2,
        "Warehouse": 3,
        "SalesHistory": SKUS * 52,
        "BaselineForecast": SKUS * horizon,
        "Membership": 6 + 12 + 6,
        "User": 14,
    }
    assert set(Warehouse.objects.values_list("name", flat=True)) == {"North DC", "Central DC", "South DC"}
    weeks = BaselineForecast.objects.order_by("week").values_list("week", flat=True)
    assert (weeks.first(), weeks.last()) == (THIS_WEEK, THIS_WEEK + timedelta(weeks=horizon - 1))
    history = SalesHistory.objects.order_by("week").values_list("week", flat=True)
    assert (history.first(), history.last()) == (THIS_WEEK - timedelta(weeks=52), THIS_WEEK - timedelta(weeks=1))


def test_every_department_has_a_planner_and_an_approver_and_everyone_can_log_in(seeded):
    for department in Department.objects.all():
        roles = set(department.memberships.values_list("role", flat=True))
        assert {Role.VIEWER, Role.PLANNER, Role.APPROVER, Role.ADMIN} <= roles, department.code
    users = get_user_model().objects.all()
    assert all(user.email.endswith("@example.com") and user.first_name and user.last_name for user in users)
    assert [user.username for user in users if user.is_superuser] == ["admin"]
    assert get_user_model().objects.get(username="ops.planner").check_password(DEMO_PASSWORD)


def test_prints_the_logins_unless_quiet(seeded, monkeypatch):
    for username in ["admin", "marketing.planner", "service.approver", "viewer"]:
        assert username in seeded
    assert DEMO_PASSWORD in seeded
    assert "Customer Service: Approver" in seeded
    quiet = seed("--quiet")
    assert "marketing.planner" not in quiet
    assert DEMO_PASSWORD not in quiet


def test_a_second_run_creates_nothing(seeded):
    before = counts()
    output = seed()
    assert counts() == before
    assert all(" 0 created" in line for line in output.splitlines() if "created" in line)
    assert f"{SKUS} found" in output
    assert DEMO_PASSWORD in output  # the table still shows the logins and their unchanged password


def test_stored_series_are_exactly_the_generators(seeded):
    products = list(Product.objects.order_by("id"))
    ids = [p.pk for p in products]
    expected = demo_demand(seed=2027, skus=SKUS, first_week=THIS_WEEK, weeks_history=52, horizon_weeks=104)
    assert [p.sku for p in products] == [p.sku for p in expected.products]
    assert np.array_equal(series.baseline_forecast(ids, THIS_WEEK, 104), expected.forecast)
    assert np.array_equal(series.sales_history(ids, THIS_WEEK - timedelta(weeks=52), 52), expected.history)


def test_planned_products_sell_nothing_before_launch_and_phase_outs_nothing_after_their_end(seeded):
    planned = Product.objects.filter(status=ProductStatus.PLANNED)
    assert planned.exists()
    for product in planned:
        assert product.launch_date is not None
        assert product.launch_date > TODAY
        launch = week_start(product.launch_date)
        forecast = BaselineForecast.objects.filter(product=product)
        assert forecast.filter(week__lt=launch).count() > 0
        assert not forecast.filter(week__lt=launch, quantity__gt=0).exists()
        assert forecast.filter(week__gte=launch, quantity__gt=0).exists()
        assert not SalesHistory.objects.filter(product=product, quantity__gt=0).exists()
    phase_out = Product.objects.filter(status=ProductStatus.PHASE_OUT)
    assert phase_out.exists()
    for product in phase_out:
        forecast = BaselineForecast.objects.filter(product=product)
        assert forecast.filter(week__lt=product.end_date, quantity__gt=0).exists()
        assert not forecast.filter(week__gt=product.end_date, quantity__gt=0).exists()


def test_another_seed_gives_other_numbers(db, monkeypatch):
    monkeypatch.setattr(services, "today", lambda: TODAY)
    seed("--seed", "7", "--quiet", "--weeks-history", "10")
    assert SalesHistory.objects.count() == SKUS * 10
    ids = list(Product.objects.order_by("id").values_list("id", flat=True))
    expected = demo_demand(seed=2027, skus=SKUS, first_week=THIS_WEEK, weeks_history=10, horizon_weeks=104)
    assert not np.array_equal(series.baseline_forecast(ids, THIS_WEEK, 104), expected.forecast)


@pytest.mark.django_db
def test_master_data_only_seeds_the_company_without_plans():
    from production.models import MpsItem, MpsRevision

    call_command("seed_demo", skus=12, quiet=True, master_data_only=True, stdout=StringIO())
    assert Product.objects.count() == 12
    assert BaselineForecast.objects.exists()
    assert (MpsItem.objects.count(), MpsRevision.objects.count()) == (0, 0)
