from __future__ import annotations

from collections.abc import Callable

import pytest
from rest_framework.test import APIClient

from sop_portal.alerts.models import Alert, Severity
from sop_portal.alerts.services import Condition, reconcile
from tests.factories import make_user


@pytest.fixture
def api_as(db) -> Callable[..., APIClient]:
    """APIClient authenticated as a fresh user with the given {department code: role}."""

    def make(username: str, **roles: int) -> APIClient:
        client = APIClient()
        client.force_authenticate(make_user(username, departments=roles))
        return client

    return make


@pytest.fixture
def raise_alert(db) -> Callable[..., Alert]:
    """Raise one alert through the only writer, `reconcile`, as a planning check would."""

    def make(
        key: str = "overload:resource:1",
        *,
        severity: Severity = Severity.CRITICAL,
        departments: tuple[str, ...] = ("operations",),
        type: str = "overload",
        label: str = "Assembly",
    ) -> Alert:
        condition = Condition(
            key=key, type=type, severity=severity, subject_type="resource", subject_id=key.rsplit(":", 1)[-1],
            subject_label=label, message=f"{label} is loaded 130 % in 2027-W14", departments=departments,
        )  # fmt: skip
        reconcile([key], [condition])
        return Alert.objects.get(key=key, status__in=["open", "acknowledged"])

    return make
