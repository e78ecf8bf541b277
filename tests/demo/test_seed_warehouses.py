"""seed_demo's warehouse network: every product shipped through two DCs, capacity sized from the projected load,
and the summer drinks promotion overloading North DC's outbound, the one warehouse overload of the demo."""

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count, Sum

from fulfillment.models import Assignment, Warehouse, WarehouseProjection
from sop_portal.alerts.models import Alert
from sop_portal.masterdata import services
from sop_portal.masterdata.models import Product

TODAY = date(2027, 3, 10)  # a Wednesday in 2027-W10


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", "--skus", "60", "--quiet", stdout=out)
    return out.getvalue()


@pytest.fixture
def seeded(db, monkeypatch) -> str:
    monkeypatch.setattr(services, "today", lambda: TODAY)
    monkeypatch.setattr("production.services.today", lambda: TODAY)
    return seed()


def test_every_product_ships_through_two_warehouses_in_full(seeded):
    shares = Assignment.objects.values("product").annotate(total=Sum("share_pct"), warehouses=Count("warehouse"))
    assert shares.count() == Product.objects.count() == 60
    assert {(row["total"], row["warehouses"]) for row in shares} == {(100.0, 2)}
    for warehouse in Warehouse.objects.all():
        assert None not in (warehouse.inbound_capacity, warehouse.outbound_capacity, warehouse.storage_capacity,
                            warehouse.labour_capacity, warehouse.pick_rate, warehouse.receive_rate)  # fmt: skip
        assert WarehouseProjection.objects.get(warehouse=warehouse).products > 0


def test_the_summer_promotion_overloads_north_dc_outbound_and_nothing_else(seeded):
    (alert,) = Alert.objects.filter(type="warehouse_overload").exclude(status="resolved")
    assert alert.subject_label == "North DC · outbound"
    assert alert.severity == 30
    assert "of the excess from campaign 'Summer Splash'" in alert.message
    assert alert.cause["campaigns"][0]["name"] == "Summer Splash"
    assert "2027-W26" <= alert.cause["week"] <= "2027-W31"  # the promotion's six weeks
    north = WarehouseProjection.objects.get(warehouse__code="north-dc")
    assert north.peak_utilisation is not None
    assert 1.0 < north.peak_utilisation < 1.2
    others = WarehouseProjection.objects.exclude(warehouse__code="north-dc")
    assert all(p.weeks_above_warning == 0 for p in others)


def test_seeding_again_changes_no_capacity_and_raises_nothing_new(seeded):
    capacities = list(Warehouse.objects.order_by("code").values_list("outbound_capacity", "version"))
    alerts = Alert.objects.count()
    out = seed()
    assert "warehouse assignments               0 created" in out
    assert list(Warehouse.objects.order_by("code").values_list("outbound_capacity", "version")) == capacities
    assert Alert.objects.count() == alerts
