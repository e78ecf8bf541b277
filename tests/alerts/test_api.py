"""/api/v1/alerts/: list with filters and the three actions, with the same rules as the page."""

import pytest

from sop_portal.alerts.models import Alert, Severity
from sop_portal.organisation.models import Role
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_list_filters_by_department_status_and_minimum_severity(api_as, raise_alert):
    a = raise_alert("a", severity=Severity.CRITICAL, departments=("operations",))
    b = raise_alert("b", severity=Severity.WARNING, departments=("warehouse", "sales"))
    api = api_as("mia", operations=Role.VIEWER)

    def ids(url: str) -> list[int]:
        return [row["id"] for row in api.get(url).json()["results"]]

    assert sorted(ids("/api/v1/alerts/")) == [a.pk, b.pk]
    assert ids("/api/v1/alerts/?department=sales") == [b.pk]
    assert ids("/api/v1/alerts/?min_severity=30") == [a.pk]
    api.post(f"/api/v1/alerts/{a.pk}/resolve/")
    assert ids("/api/v1/alerts/?status=open") == [b.pk]
    assert ids("/api/v1/alerts/?status=resolved") == [a.pk]


def test_acknowledge_then_again_is_a_409(api_as, raise_alert):
    alert = raise_alert()
    api = api_as("mia", operations=Role.VIEWER)
    body = api.post(f"/api/v1/alerts/{alert.pk}/acknowledge/").json()
    assert {k: body[k] for k in ("status", "owner", "acknowledged_by", "severity", "departments")} == {
        "status": "acknowledged", "owner": "mia", "acknowledged_by": "mia", "severity": "Critical",
        "departments": ["operations"],
    }  # fmt: skip
    again = api.post(f"/api/v1/alerts/{alert.pk}/acknowledge/")
    assert again.status_code == 409
    assert again.json() == {"detail": f"Cannot acknowledge alert {alert.pk}: it was already acknowledged by mia."}


def test_assign_names_the_field_when_the_user_is_not_a_member(api_as, raise_alert):
    alert = raise_alert()
    api = api_as("mia", operations=Role.VIEWER)
    sam_id = make_user("sam", departments={"sales": Role.PLANNER}).pk
    response = api.post(f"/api/v1/alerts/{alert.pk}/assign/", {"owner": sam_id}, format="json")
    assert response.status_code == 400
    assert response.json()["detail"] == "owner: sam is not in any of the alert's departments (operations)"
    missing = api.post(f"/api/v1/alerts/{alert.pk}/assign/", {}, format="json")
    assert missing.json()["detail"] == "owner: This field is required."


def test_outsiders_may_read_but_not_act(api_as, raise_alert):
    alert = raise_alert(departments=("operations",))
    api = api_as("sam", sales=Role.ADMIN)
    assert api.get(f"/api/v1/alerts/{alert.pk}/").json()["status"] == "open"
    response = api.post(f"/api/v1/alerts/{alert.pk}/resolve/")
    assert response.status_code == 403
    assert response.json() == {"detail": "Only members of the alert's departments may act on it."}
    assert api_as("nobody").post(f"/api/v1/alerts/{alert.pk}/resolve/").status_code == 403
    assert Alert.objects.get(pk=alert.pk).status == "open"
