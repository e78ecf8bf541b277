"""check_warehouses on the network of conftest.py, worked by hand.

Without the campaign (MPS receipts 60 in weeks 2, 4 and 6):
    North outbound  .75 x 20 20 20 20 30 30 30 30  = 15 15 15 15 22.5 ...     against 27 (12 in W11): 83 % at most,
                                                                                 but 125 % in the holiday week
With 'Spring push' approved (forecast 20 40 40 40 30 ...; the MPS now 0 0 60 60 60 0 60 0, and week 1 is
18 short: receipts cannot arrive before week 2):
    North outbound  15 30 30 30 22.5 22.5 22.5 22.5       W11: 30 on 12 = 250 %, excess 18, the campaign ships
                                                          .75 x 20 = 15 of it: 83 %; W10 and W12 at 111 %
    North inbound   .75 x MPS = 0 0 45 45 45 0 45 0
    North labour    out / 5 + in / 10 = 3 6 10.5 10.5 9 4.5 9 4.5    W11, W12 at 95 % of 11 h: a warning, the
                                                          excess over 85 % (10.5 - 9.35 = 1.15 h) all from the
                                                          campaign's 3 h of picking
    North storage   .75 / 10 x projected available (22 -18 2 22 52 22 52 22, the shortage holds no stock)
                    = 1.65 0 .15 1.65 3.9 1.65 3.9 1.65 pallets
    Fill            demand 23 40 40 40 30 ... against 45 on hand + receipts: 18 of week 1's 40 are backordered
                    until week 2 (fill 55 %), all of it the campaign's (its lift so far is 20); North's share 75 %
"""

from datetime import timedelta

import pytest

from campaigns import services as campaign_services
from fulfillment import services
from fulfillment.models import Assignment, CapacityException, Warehouse, WarehouseProjection
from production.causes import Cause
from production.services import regenerate_mps
from sop_portal.alerts.models import Alert, AlertOccurrence, Severity
from sop_portal.errors import InputError, StaleEdit
from sop_portal.jobs.models import Job
from sop_portal.masterdata.models import CustomerOrder
from tests.factories import make_user
from tests.fulfillment.conftest import HOLIDAY
from tests.production.conftest import MONDAY

pytestmark = pytest.mark.django_db
WEEKS = ["2027-W09", "2027-W10", "2027-W11", "2027-W12", "2027-W13", "2027-W14", "2027-W15", "2027-W16"]


def approve(campaign, marketer, capture):
    """Approve through the real pipeline (eager here): MPS revision, then the warehouse stage."""
    approver = make_user("oscar", departments={"operations": 30})
    with capture(execute=True):
        return campaign_services.transition(campaign, "approve", actor=approver)


def open_alerts(**filters):
    return {a.key: a for a in Alert.objects.exclude(status="resolved").filter(**filters)}


def test_without_the_campaign_only_the_holiday_week_overloads(network):
    projection = WarehouseProjection.objects.get(warehouse=network["north"])

    assert projection.load["outbound"] == [15, 15, 15, 15, 22.5, 22.5, 22.5, 22.5]
    assert projection.capacity["outbound"] == [27, 27, 12, 27, 27, 27, 27, 27]
    assert projection.capacity["inbound"] == [100] * 8
    (alert,) = open_alerts(type="warehouse_overload").values()
    assert alert.key == f"warehouse:{network['north'].pk}:outbound"
    assert alert.message == (
        "Outbound at North DC 125% in 2027-W11, two weeks ahead. Above 85% in 1 week(s) from 2027-W11; "
        "worst 15 against 12 units / week. Cause: Warehouse assignments of 1 product set by the system."
    )
    assert projection.load["inbound"] == [0, 0, 45, 0, 45, 0, 45, 0]


def test_approving_the_campaign_projects_each_dimension_and_names_it_in_the_alerts(
    network, spring_push, marketer, django_capture_on_commit_callbacks
):
    approve(spring_push, marketer, django_capture_on_commit_callbacks)
    north = WarehouseProjection.objects.get(warehouse=network["north"])
    south = WarehouseProjection.objects.get(warehouse=network["south"])

    assert north.load["outbound"] == [15, 30, 30, 30, 22.5, 22.5, 22.5, 22.5]
    assert north.load["inbound"] == [0, 0, 45, 45, 45, 0, 45, 0]
    assert north.load["labour"] == [3, 6, 10.5, 10.5, 9, 4.5, 9, 4.5]
    assert north.load["storage"] == [1.65, 0, 0.15, 1.65, 3.9, 1.65, 3.9, 1.65]
    assert south.load["outbound"] == [5, 10, 10, 10, 7.5, 7.5, 7.5, 7.5]
    assert south.capacity["inbound"] == [None] * 8
    assert north.worst[:4] == [pytest.approx(15 / 27, abs=1e-4), pytest.approx(30 / 27, abs=1e-4), 2.5,
                               pytest.approx(30 / 27, abs=1e-4)]  # fmt: skip
    assert (north.weeks_above_warning, north.weeks_above_critical, north.peak_utilisation) == (3, 3, 2.5)
    assert north.campaigns == [
        {"id": spring_push.pk, "name": "Spring push", "outbound": [0, 15, 15, 15, 0, 0, 0, 0]}
    ]
    # The breakdown keeps the products loading each week: one here.
    assert north.top_products["outbound"][2] == [[spring_push.lines.get().product_id, 30.0]]

    alerts = open_alerts(subject_id="north-dc")
    outbound = alerts[f"warehouse:{network['north'].pk}:outbound"]
    assert outbound.severity == Severity.CRITICAL
    assert outbound.message == (
        "Outbound at North DC 250% in 2027-W11, two weeks ahead; 83% of the excess from campaign 'Spring push'. "
        "Above 85% in 3 week(s) from 2027-W10; worst 30 against 12 units / week. "
        "Cause: Campaign 'Spring push' v3 (approve)."
    )
    assert outbound.cause["campaigns"] == [{"id": spring_push.pk, "name": "Spring push", "share": 0.8333}]
    assert outbound.cause["revision"] == 2
    labour = alerts[f"warehouse:{network['north'].pk}:labour"]
    assert labour.severity == Severity.WARNING
    assert labour.message.startswith(
        "Labour at North DC 95% in 2027-W11, two weeks ahead; 100% of the excess from campaign 'Spring push'. "
        "Above 85% in 2 week(s) from 2027-W11; worst 10.5 against 11.0 hours / week."
    )
    fill = alerts[f"fill-rate:warehouse:{network['north'].pk}"]
    assert fill.severity == Severity.CRITICAL
    assert fill.message == (
        "Order fill from North DC 55% in 2027-W10, next week: 14 units on backorder; 100% of the backorder from "
        "campaign 'Spring push'. Below 95% in 1 week(s) from 2027-W10; 0 open order lines late or short. "
        "Cause: Campaign 'Spring push' v3 (approve)."
    )
    assert north.fill["demand"] == [17.25, 30, 30, 30, 22.5, 22.5, 22.5, 22.5]
    assert north.fill["on_time"] == [17.25, 16.5, 30, 30, 22.5, 22.5, 22.5, 22.5]
    assert north.fill["backorder"] == [0, 13.5, 0, 0, 0, 0, 0, 0]
    # South's outbound peaks at 50 %: nothing there but its share of the backorder.
    assert set(open_alerts(subject_id="south-dc")) == {f"fill-rate:warehouse:{network['south'].pk}"}


def test_the_same_overload_in_the_next_revision_updates_its_alert_and_keeps_the_history(
    network, spring_push, marketer, django_capture_on_commit_callbacks
):
    key = f"warehouse:{network['north'].pk}:outbound"
    first = Alert.objects.get(key=key)
    approve(spring_push, marketer, django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks(execute=True):
        campaign_services.transition(spring_push.__class__.objects.get(), "cancel", actor=marketer)

    alert = Alert.objects.get(key=key)  # still one: the holiday week overloads without the campaign too
    assert alert.pk == first.pk
    assert alert.status == "open"
    assert alert.occurrences == 3
    assert alert.message.startswith("Outbound at North DC 125% in 2027-W11, two weeks ahead. Above 85%")
    assert alert.message.endswith("Cause: Campaign 'Spring push' v4 (cancel).")
    history = list(alert.history.values_list("event", "message"))
    assert [event for event, _ in history] == ["raised", "updated", "updated"]
    assert history[1][1].startswith("Outbound at North DC 250% in 2027-W11, two weeks ahead; 83% of the excess")


def test_an_overload_that_goes_away_resolves_its_alert(
    network, spring_push, marketer, django_capture_on_commit_callbacks
):
    approve(spring_push, marketer, django_capture_on_commit_callbacks)
    north = Warehouse.objects.get(code="north-dc")
    labour_key = f"warehouse:{north.pk}:labour"
    assert Alert.objects.get(key=labour_key).status == "open"

    with django_capture_on_commit_callbacks(execute=True):
        campaign_services.transition(spring_push.__class__.objects.get(), "cancel", actor=marketer)

    labour = Alert.objects.get(key=labour_key)
    assert labour.status == "resolved"
    assert list(labour.history.values_list("event", flat=True)) == ["raised", "resolved"]
    assert not Alert.objects.filter(key__startswith="fill-rate:").exclude(status="resolved").exists()
    # The holiday closes: the outbound alert resolves too, after a capacity edit alone (no replan).
    services.remove_capacity_exception(CapacityException.objects.get(), expected_version=north.version)
    assert not open_alerts(type="warehouse_overload")
    assert WarehouseProjection.objects.get(warehouse=north).weeks_above_warning == 0


def test_a_capacity_edit_reassesses_the_stored_load_and_is_refused_when_stale(network):
    north = network["north"]
    raised = services.update_capacity(north, expected_version=north.version, outbound_capacity=20, actor=None)

    projection = WarehouseProjection.objects.get(warehouse=north)
    assert raised.version == north.version + 1
    assert projection.capacity["outbound"] == [20, 20, 12, 20, 20, 20, 20, 20]
    alert = Alert.objects.get(key=f"warehouse:{north.pk}:outbound", status="open")
    # 22.5 on 20 from 2027-W13 on: still critical, worst week the holiday.
    assert alert.message.startswith("Outbound at North DC 125% in 2027-W11, two weeks ahead. Above 85% in 5 week(s)")
    assert "Capacity of North DC changed by the system (outbound capacity)" in alert.message

    with pytest.raises(StaleEdit) as stale:
        services.update_capacity(north, expected_version=north.version, outbound_capacity=30)
    assert stale.value.current_version == north.version + 1
    assert Warehouse.objects.get(pk=north.pk).outbound_capacity == 20


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"outbound_capacity": -1}, "outbound_capacity: must be zero or more"),
        ({"pick_rate": 0}, "pick_rate: must be more than zero units per hour"),
        ({"pick_rate": None}, "pick_rate: is needed to turn units into labour hours"),
        ({"warning_threshold": 1.2}, "critical_threshold: must be above the warning threshold"),
        ({"warning_threshold": 0}, "warning_threshold: must be more than zero"),
        ({"colour": "red"}, "colour: is not a warehouse capacity setting"),
    ],
)
def test_bad_capacity_names_the_field_and_writes_nothing(network, changes, message):
    north = network["north"]
    with pytest.raises(InputError) as error:
        services.update_capacity(north, expected_version=north.version, **changes)
    assert str(error.value).startswith(message)
    assert Warehouse.objects.get(pk=north.pk).version == north.version


def test_capacity_exceptions_are_mondays_with_a_normal_capacity_to_depart_from(network):
    south = network["south"]
    with pytest.raises(InputError, match=r"^week: must be the Monday"):
        services.set_capacity_exception(
            south, expected_version=south.version, dimension="outbound", week=HOLIDAY + timedelta(days=1), capacity=5
        )
    with pytest.raises(InputError, match=r"^dimension: storage has no normal capacity"):
        services.set_capacity_exception(
            south, expected_version=south.version, dimension="storage", week=HOLIDAY, capacity=5
        )
    with pytest.raises(InputError, match=r"^capacity: must be zero"):
        services.set_capacity_exception(
            south, expected_version=south.version, dimension="outbound", week=HOLIDAY, capacity=-1
        )


def test_a_closed_week_with_load_is_critical(network):
    south = network["south"]
    services.set_capacity_exception(
        south, expected_version=south.version, dimension="outbound", week=MONDAY, capacity=0, reason="Stocktake"
    )
    alert = Alert.objects.get(key=f"warehouse:{south.pk}:outbound")
    assert alert.severity == Severity.CRITICAL
    assert alert.message.startswith(
        "Outbound at South DC loaded on a closed week in 2027-W09, this week. Above 85% in 1 week(s) from 2027-W09; "
        "worst 5 against 0 units / week."
    )
    assert WarehouseProjection.objects.get(warehouse=south).worst[0] == 99.0


def test_late_order_lines_name_the_campaign_behind_their_backorder(
    network, spring_push, marketer, django_capture_on_commit_callbacks
):
    product = spring_push.lines.get().product
    CustomerOrder.objects.create(
        number="SO-9", customer="Corner shop", product=product, quantity=10,
        due_date=MONDAY + timedelta(weeks=1, days=3), week=MONDAY + timedelta(weeks=1),
    )  # fmt: skip
    approve(spring_push, marketer, django_capture_on_commit_callbacks)

    # Week 1 orders: SO-1 (15) queues at 23-38, SO-9 (10) at 38-48; 45 are there, so SO-9 ships 7 on time and the
    # rest with week 2's receipt.
    north = WarehouseProjection.objects.get(warehouse=network["north"])
    (line,) = north.late_orders
    assert line == {
        "order": CustomerOrder.objects.get(number="SO-9").pk, "number": "SO-9", "line": 1, "customer": "Corner shop",
        "channel": "retail", "sku": "BEV-001", "product": "Cola 1l", "product_id": product.pk,
        "due_date": "2027-03-11", "due_week": "2027-W10", "quantity": 10.0, "on_time": 7.0, "short": 0.0,
        "ship_week": "2027-W11", "weeks_late": 1,
        "campaigns": [{"id": spring_push.pk, "name": "Spring push", "share": 1.0}],
    }  # fmt: skip
    assert north.late_order_lines == 1
    assert "1 open order line late or short" in Alert.objects.get(key=f"fill-rate:warehouse:{north.pk}").message


def test_shares_of_a_product_add_up_to_100_percent_at_most(network, shortage_item):
    product = shortage_item.product
    central = Warehouse.objects.create(code="central-dc", name="Central DC")
    with pytest.raises(InputError) as error:
        services.set_assignments(
            [{"product": product, "warehouse": central, "share_pct": 10, "units_per_case": 5, "units_per_pallet": 10}]
        )
    assert str(error.value) == (
        "row 1, share_pct: BEV-001 would ship 110 % of its demand through its warehouses; the shares add up to "
        "100 % at most"
    )
    # Moving 10 points from North to Central in one go is fine.
    services.set_assignments(
        [
            {"product": product, "warehouse": network["north"], "share_pct": 65, "units_per_pallet": 10},
            {"product": product, "warehouse": central, "share_pct": 10, "units_per_case": 5, "units_per_pallet": 10},
        ]
    )
    assert dict(Assignment.objects.values_list("warehouse__code", "share_pct")) == {
        "north-dc": 65, "south-dc": 25, "central-dc": 10,
    }  # fmt: skip
    assert WarehouseProjection.objects.get(warehouse=central).load["outbound"][0] == 2.0


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"share_pct": 0}, "row 2, share_pct: must be more than 0 and at most 100"),
        ({"units_per_pallet": 3}, "row 2, units_per_pallet: must be a whole number, at least the units per case"),
        ({"units_per_case": 0}, "row 2, units_per_case: must be a whole number of 1 or more"),
        ({"product": None}, "row 2, product: is required"),
    ],
)
def test_bad_assignment_rows_name_the_row_and_field(network, shortage_item, row, message):
    good = {"product": shortage_item.product, "warehouse": network["north"], "share_pct": 50, "units_per_pallet": 10}
    central = Warehouse.objects.create(code="central-dc", name="Central DC")
    bad = {**good, "warehouse": central, "units_per_case": 5, **row}
    with pytest.raises(InputError) as error:
        services.set_assignments([good, bad])
    assert str(error.value) == message
    assert Assignment.objects.get(warehouse=network["north"]).share_pct == 75


def test_removing_a_warehouses_last_product_drops_its_projection_and_resolves_its_alerts(network):
    north = network["north"]
    services.remove_assignment(Assignment.objects.get(warehouse=north))

    assert not WarehouseProjection.objects.filter(warehouse=north).exists()
    assert not open_alerts(subject_id="north-dc")
    assert AlertOccurrence.objects.filter(alert__subject_id="north-dc", event="resolved").count() == 1


def test_a_check_scoped_to_other_products_leaves_these_warehouses_alone(network):
    before = WarehouseProjection.objects.get(warehouse=network["north"]).checked
    outcome = services.check_warehouses([999_999], cause=Cause("manual", "t", "Nothing to do"))
    assert outcome.warehouses == []
    assert WarehouseProjection.objects.get(warehouse=network["north"]).checked == before


def test_a_replan_without_a_campaign_change_still_checks_through_the_stage(network):
    from fulfillment.stages import check_after_revision

    revision = regenerate_mps(cause=Cause("manual", "t", "Replan")).revision
    assert revision is None  # nothing changed in the MPS
    product_id = network["north"].assignments.get().product_id
    causes = [{"type": "manual", "ref": "t", "label": "Weekly check"}]
    job = Job(kind="campaigns.pipeline")  # the stage reads only the result
    result = check_after_revision(job, {"revision": None, "products": [product_id], "causes": causes})
    assert result["warehouses"] == ["north-dc", "south-dc"]
    assert result["alerts_raised"] == []
    assert Alert.objects.get(key=f"warehouse:{network['north'].pk}:outbound").message.endswith("Cause: Weekly check.")


def test_new_rates_move_the_labour_load_itself(network):
    # Picking twice as fast halves the picking hours: 22.5 / 10 + 45 / 10 = 6.75 h in 2027-W13 (was 9).
    north = network["north"]
    services.update_capacity(north, expected_version=north.version, pick_rate=10)
    assert WarehouseProjection.objects.get(warehouse=north).load["labour"] == [
        1.5, 1.5, 6, 1.5, 6.75, 2.25, 6.75, 2.25
    ]  # fmt: skip
