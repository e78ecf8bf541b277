"""Subscriptions: defaults from departments and roles, created on first use; the preferences page and its errors."""

from datetime import time

import pytest

from sop_portal.alerts import subscriptions
from sop_portal.alerts.models import Subscription
from sop_portal.errors import InputError
from sop_portal.organisation.models import Role
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def current(user) -> dict:
    sub = Subscription.objects.get(user=user)
    return {name: getattr(sub, name) for name in subscriptions.FIELDS}


@pytest.mark.parametrize(
    ("roles", "expected"),
    [
        (
            {"operations": Role.PLANNER},
            {"departments": ["operations"], "alert_types": ["below_safety_stock", "overload", "shortage"],
             "min_severity": 20, "frequency": "daily"},
        ),
        (
            {"warehouse": Role.VIEWER, "marketing": Role.APPROVER},
            {"departments": ["marketing", "warehouse"],
             "alert_types": ["fill_rate", "returns_anomaly", "unbudgeted_campaign", "warehouse_overload"],
             "min_severity": 30,
             "frequency": "daily"},
        ),
        ({"sales": Role.VIEWER}, {"departments": ["sales"], "alert_types": ["fill_rate", "returns_anomaly", "shortage"],
                                  "min_severity": 20, "frequency": "weekly"}),
        ({}, {"departments": [], "alert_types": [], "min_severity": 20, "frequency": "off"}),
    ],
)  # fmt: skip
def test_defaults_follow_departments_and_the_highest_role(roles, expected, settings):
    user = make_user("u", departments=roles)
    assert not Subscription.objects.filter(user=user).exists()
    subscriptions.subscription_for(user)
    assert current(user) == {**expected, "time_of_day": time(7, 30), "weekday": 0, "time_zone": settings.TIME_ZONE}


def test_the_row_is_created_once_and_then_belongs_to_the_user():
    user = make_user("u", departments={"operations": Role.PLANNER})
    first = subscriptions.subscription_for(user)
    subscriptions.update_subscription(user, frequency="immediate", alert_types=["overload"])
    user.memberships.update(role=Role.ADMIN)
    assert subscriptions.subscription_for(user).pk == first.pk
    assert (current(user)["frequency"], current(user)["alert_types"]) == ("immediate", ["overload"])


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"departments": ["hr"]}, "departments: unknown department 'hr' (one of customer-service, finance, "
                                  "marketing, operations, sales, warehouse)"),
        ({"alert_types": ["flood"]}, "alert_types: unknown alert type 'flood'"),
        ({"min_severity": 25}, "min_severity: must be one of 10, 20, 30"),
        ({"frequency": "hourly"}, "frequency: must be one of immediate, daily, weekly, off"),
        ({"time_of_day": "7"}, "time_of_day: must be a time of day such as 07:30"),
        ({"weekday": 7}, "weekday: must be 0 (Monday) to 6 (Sunday)"),
        ({"time_zone": "Mars/Olympus"}, "time_zone: unknown time zone 'Mars/Olympus'; use an IANA name like "
                                        "Europe/Berlin"),
        ({"colour": "red"}, "colour: is not a subscription field"),
    ],
)  # fmt: skip
def test_bad_input_names_the_field_and_writes_nothing(fields, message):
    user = make_user("u", departments={"operations": Role.PLANNER})
    before = current(user) if subscriptions.subscription_for(user) else None
    with pytest.raises(InputError) as raised:
        subscriptions.update_subscription(user, **fields)
    assert str(raised.value) == message
    assert current(user) == before


def test_matching_alerts_by_department_type_and_severity(raise_alert):
    user = make_user("u", departments={"warehouse": Role.PLANNER})
    wanted = raise_alert("w1", type="warehouse_overload", departments=("warehouse",), severity=20)
    raise_alert("w2", type="warehouse_overload", departments=("warehouse",), severity=10)  # below the minimum
    raise_alert("o1", type="overload", departments=("warehouse",), severity=30)  # not a subscribed type
    raise_alert("o2", type="warehouse_overload", departments=("operations",), severity=30)  # other department
    subscription = subscriptions.subscription_for(user)
    assert list(subscriptions.matching(subscription)) == [wanted]
    subscription = subscriptions.update_subscription(user, alert_types=[])
    assert sorted(a.key for a in subscriptions.matching(subscription)) == ["o1", "w1"]


def test_the_preferences_page_shows_the_defaults_and_saves(client):
    user = make_user("mia", departments={"operations": Role.PLANNER})
    client.force_login(user)
    page = client.get("/alerts/preferences/").content.decode()
    assert 'value="operations" id="id_departments_' in page
    assert '<option value="daily" selected>Daily digest</option>' in page
    response = client.post("/alerts/preferences/", {
        "departments": ["operations", "sales"], "alert_types": ["shortage"], "min_severity": "30",
        "frequency": "weekly", "time_of_day": "18:15", "weekday": "4", "time_zone": "Europe/Berlin",
    })  # fmt: skip
    assert response.status_code == 302
    assert current(user) == {
        "departments": ["operations", "sales"], "alert_types": ["shortage"], "min_severity": 30,
        "frequency": "weekly", "time_of_day": time(18, 15), "weekday": 4, "time_zone": "Europe/Berlin",
    }  # fmt: skip


def test_the_preferences_page_names_a_bad_field_and_keeps_the_old_values(client):
    user = make_user("mia", departments={"operations": Role.PLANNER})
    client.force_login(user)
    before = current(user) if subscriptions.subscription_for(user) else None
    response = client.post("/alerts/preferences/", {
        "departments": ["operations"], "min_severity": "20", "frequency": "daily", "time_of_day": "25:00",
        "weekday": "0", "time_zone": "Europe/London",
    })  # fmt: skip
    assert response.status_code == 400
    assert "Time of day: Enter a valid time." in response.content.decode()
    assert current(user) == before
