"""The only writers of memberships: who works in which department with which role.

Callers check `organisation.manage` in the department first (see `permissions.can_in`); these functions validate
the input and keep every department manageable: its last admin can be neither demoted nor removed.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from sop_portal.errors import InputError

from .models import Department, Membership, Role


def parse_role(value: Any) -> Role:
    """A role from a form or API value: its number ("20") or its name ("planner")."""
    text = str(value).strip() if value is not None else ""
    for role in Role:
        if text == str(role.value) or text.lower() in {role.name.lower(), role.label.lower()}:
            return role
    names = ", ".join(str(role.label) for role in Role)
    raise InputError("role", f"{text or 'nothing'!r} is not a role; choose one of {names}")


def _user(username: str) -> Any:
    name = (username or "").strip()
    if not name:
        raise InputError("username", "enter the username of an existing user")
    try:
        return get_user_model().objects.get(username=name)
    except get_user_model().DoesNotExist:
        raise InputError("username", f"there is no user named {name!r}") from None


def _membership(department: Department, username: str) -> Membership:
    user = _user(username)
    try:
        return Membership.objects.select_for_update().get(department=department, user=user)
    except Membership.DoesNotExist:
        raise InputError("username", f"{user.username} is not a member of {department.name}") from None


def _refuse_losing_last_admin(membership: Membership, action: str) -> None:
    if membership.role != Role.ADMIN:
        return
    admins = Membership.objects.select_for_update().filter(department=membership.department, role=Role.ADMIN)
    if admins.count() <= 1:
        raise InputError(
            "role",
            f"cannot {action} {membership.user.username}: the only admin of {membership.department.name}; "
            "make another member admin first",
        )


@transaction.atomic
def add_member(department: Department, username: str, role: Any = Role.VIEWER) -> Membership:
    user = _user(username)
    parsed = parse_role(role)
    if not user.is_active:
        raise InputError("username", f"{user.username} is deactivated")
    if Membership.objects.filter(department=department, user=user).exists():
        raise InputError("username", f"{user.username} is already a member of {department.name}")
    return Membership.objects.create(department=department, user=user, role=parsed)


@transaction.atomic
def change_role(department: Department, username: str, role: Any) -> Membership:
    membership = _membership(department, username)
    parsed = parse_role(role)
    if parsed != Role.ADMIN:
        _refuse_losing_last_admin(membership, "demote")
    membership.role = parsed
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def remove_member(department: Department, username: str) -> None:
    membership = _membership(department, username)
    _refuse_losing_last_admin(membership, "remove")
    membership.delete()
