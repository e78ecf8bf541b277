"""The notification centre /alerts/: filters, the bell's unread count, and acting through htmx."""

import re

import pytest

from sop_portal.alerts import services
from sop_portal.alerts.models import Alert, Severity
from sop_portal.organisation.models import Role
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def mia(client):
    user = make_user("mia", departments={"operations": Role.VIEWER})
    client.force_login(user)
    return user


def shown(response) -> list[int]:
    return sorted(int(pk) for pk in re.findall(r'data-alert="(\d+)"', response.content.decode()))


def test_the_centre_shows_unresolved_alerts_by_default_and_filters(client, mia, raise_alert):
    a = raise_alert("a", severity=Severity.CRITICAL, departments=("operations",))
    b = raise_alert("b", severity=Severity.WARNING, departments=("warehouse",), type="warehouse_overload")
    c = services.resolve_alert(raise_alert("c"), actor=mia)
    assert shown(client.get("/alerts/")) == [a.pk, b.pk]
    assert shown(client.get("/alerts/?status=resolved")) == [c.pk]
    assert shown(client.get("/alerts/?status=all")) == [a.pk, b.pk, c.pk]
    assert shown(client.get("/alerts/?department=warehouse")) == [b.pk]
    assert shown(client.get("/alerts/?severity=30")) == [a.pk]
    assert shown(client.get("/alerts/?type=warehouse_overload")) == [b.pk]
    services.assign_alert(a, owner=mia, actor=mia)
    assert shown(client.get("/alerts/?mine=on")) == [a.pk]


def test_the_bell_counts_new_alerts_until_the_centre_is_opened(client, mia, raise_alert):
    raise_alert("a", departments=("operations",))
    raise_alert("b", departments=("operations", "sales"))
    raise_alert("c", departments=("sales",))
    page = client.get("/mps/").content.decode()
    assert 'aria-label="Alerts: 2 new"' in page
    assert '<span class="bell-count">2</span>' in page
    assert "2 new since your last visit" in client.get("/alerts/").content.decode()
    assert 'aria-label="Alerts: 0 new"' in client.get("/alerts/").content.decode()


def test_acknowledge_through_htmx_swaps_the_row(client, mia, raise_alert):
    alert = raise_alert()
    response = client.post(f"/alerts/{alert.pk}/acknowledge/", headers={"HX-Request": "true"})
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<li class="alert-item sev-critical"')
    assert '<span class="badge badge-plain alert-status">Acknowledged</span>' in body
    assert "acknowledged by mia" in body
    assert Alert.objects.get(pk=alert.pk).status == "acknowledged"


def test_a_stale_action_answers_409_with_the_reason_and_changes_nothing(client, mia, raise_alert):
    ola = make_user("ola", departments={"operations": Role.PLANNER})
    alert = services.acknowledge_alert(raise_alert(), actor=ola)
    response = client.post(f"/alerts/{alert.pk}/acknowledge/", headers={"HX-Request": "true"})
    assert response.status_code == 409
    assert f"Cannot acknowledge alert {alert.pk}: it was already acknowledged by ola." in response.content.decode()
    assert Alert.objects.get(pk=alert.pk).acknowledged_by == ola


def test_assign_without_htmx_redirects_with_a_message_naming_the_field(client, mia, raise_alert):
    sam = make_user("sam", departments={"sales": Role.PLANNER})
    alert = raise_alert()
    response = client.post(f"/alerts/{alert.pk}/assign/", {"owner": sam.pk}, follow=True)
    assert "owner: sam is not in any of the alert&#x27;s departments (operations)" in response.content.decode()
    assert Alert.objects.get(pk=alert.pk).owner is None
    client.post(f"/alerts/{alert.pk}/assign/", {"owner": mia.pk})
    assert Alert.objects.get(pk=alert.pk).owner == mia


def test_only_members_of_the_alerts_departments_may_act(client, raise_alert):
    client.force_login(make_user("sam", departments={"sales": Role.ADMIN}))
    alert = raise_alert(departments=("operations",))
    assert client.post(f"/alerts/{alert.pk}/resolve/").status_code == 403
    assert "Resolve</button>" not in client.get("/alerts/").content.decode()
    assert Alert.objects.get(pk=alert.pk).status == "open"
    assert client.post(f"/alerts/{alert.pk}/delete/").status_code == 404
