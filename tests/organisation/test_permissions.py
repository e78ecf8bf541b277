"""The one permission layer: what each department and role may do."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser

from sop_portal.organisation.models import Department, Membership, Role
from sop_portal.organisation.permissions import can, capabilities_of

pytestmark = pytest.mark.django_db


def user_with(**roles: Role):
    user = get_user_model().objects.create_user(f"u{len(roles)}{'-'.join(roles)}", password="pw-Long-enough-1")
    for code, role in roles.items():
        Membership.objects.create(user=user, department=Department.objects.get(code=code), role=role)
    return user


@pytest.mark.parametrize(
    ("roles", "expected"),
    [
        ({}, set()),
        ({"sales": Role.VIEWER}, {"alerts.act", "portal.view", "budget.view"}),
        (
            {"sales": Role.PLANNER},
            {"alerts.act", "portal.view", "forecast.edit", "campaigns.plan", "returns.answer", "budget.view",
             "budget.plan"},
        ),
        ({"finance": Role.PLANNER}, {"alerts.act", "portal.view", "products.edit", "budget.view", "budget.plan"}),
        (
            {"finance": Role.APPROVER},
            {"alerts.act", "portal.view", "products.edit", "budget.view", "budget.plan", "budget.manage"},
        ),
        (
            {"operations": Role.APPROVER},
            {"alerts.act", "portal.view", "products.edit", "forecast.edit", "mps.replan", "mps.edit",
             "campaigns.approve", "budget.view", "budget.plan"},
        ),
        (
            {"warehouse": Role.ADMIN},
            {"alerts.act", "portal.view", "organisation.manage", "warehouse.edit", "budget.view", "budget.plan"},
        ),
        (
            {"marketing": Role.VIEWER, "operations": Role.PLANNER},
            {"alerts.act", "portal.view", "products.edit", "forecast.edit", "mps.replan", "mps.edit", "budget.view",
             "budget.plan"},
        ),
    ],
)
def test_capabilities_follow_department_and_role(roles, expected):
    assert capabilities_of(user_with(**roles)) == expected


def test_superuser_can_everything_and_anonymous_nothing():
    admin = get_user_model().objects.create_superuser("root", password="pw-Long-enough-1")
    assert can(admin, "products.edit")
    assert not can(AnonymousUser(), "portal.view")


def test_inactive_user_can_nothing():
    user = user_with(operations=Role.ADMIN)
    user.is_active = False
    assert not can(user, "portal.view")


def test_unknown_capability_is_a_programming_error():
    with pytest.raises(KeyError, match=r"unknown capability 'products\.delete'"):
        can(user_with(sales=Role.ADMIN), "products.delete")
