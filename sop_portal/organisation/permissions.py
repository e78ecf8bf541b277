"""The one permission layer: capabilities granted by department membership and role.

Views (`CapabilityRequiredMixin`, `@requires`) and the API (`DepartmentAccess`) both ask `can(user, capability)`,
so a page and its endpoint can never disagree about who may do what. Superusers can do everything.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import wraps
from typing import TYPE_CHECKING, Any

from django.contrib.auth.mixins import AccessMixin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from rest_framework.permissions import SAFE_METHODS, BasePermission

from . import departments as d
from .models import Membership, Role

if TYPE_CHECKING:
    from rest_framework.request import Request
    from rest_framework.views import APIView


@dataclass(frozen=True)
class Capability:
    name: str
    departments: frozenset[str]
    min_role: Role
    description: str


def _cap(name: str, departments: Iterable[str], min_role: Role, description: str) -> Capability:
    return Capability(name, frozenset(departments), min_role, description)


# Later issues add their capabilities here (campaigns.plan, campaigns.approve, ...), never in views.
CAPABILITIES: dict[str, Capability] = {
    c.name: c
    for c in [
        _cap("portal.view", d.ALL, Role.VIEWER, "See plans, products and dashboards"),
        _cap("products.edit", {d.OPERATIONS, d.FINANCE}, Role.PLANNER, "Create and change products and families"),
        _cap("forecast.edit", {d.SALES, d.MARKETING, d.OPERATIONS}, Role.PLANNER, "Change the baseline forecast"),
        _cap("organisation.manage", d.ALL, Role.ADMIN, "Manage members of one's own departments"),
        _cap("campaigns.plan", {d.MARKETING, d.SALES}, Role.PLANNER, "Create, edit, submit and cancel campaigns"),
        _cap("campaigns.approve", {d.SALES, d.OPERATIONS}, Role.APPROVER, "Approve or reject proposed campaigns"),
        _cap("mps.replan", {d.OPERATIONS}, Role.PLANNER, "Replan the master production schedule"),
        _cap("mps.edit", {d.OPERATIONS}, Role.PLANNER, "Change MPS parameters, resources and firm planned orders"),
        _cap("returns.import", {d.CUSTOMER_SERVICE}, Role.PLANNER, "Import returns and shipped quantities, add notes"),
        _cap("returns.answer", {d.MARKETING, d.SALES}, Role.PLANNER, "Acknowledge and answer return-rate alerts"),
        _cap("alerts.act", d.ALL, Role.VIEWER, "Acknowledge, resolve and assign the alerts of one's own departments"),
        _cap("budget.view", d.ALL, Role.VIEWER, "See budget cycles, scenarios, the session screen and the pack"),
        _cap(
            "budget.plan",
            d.ALL,
            Role.PLANNER,
            "Take part in a joint budgeting session: change scenarios, comment, sign off for one's department",
        ),
        _cap(
            "budget.manage",
            {d.FINANCE},
            Role.APPROVER,
            "Run a budget cycle: open it, move its phase, promote the proposal, set capacity costs",
        ),
        _cap("warehouse.edit", {d.WAREHOUSE}, Role.PLANNER, "Change warehouse capacity, exceptions and assignments"),
    ]
}


def roles_of(user: Any) -> dict[str, int]:
    """Department code → role for this user, read once per user object (one query per request)."""
    if not getattr(user, "is_authenticated", False):
        return {}
    cached: dict[str, int] | None = getattr(user, "_sop_roles", None)
    if cached is None:
        cached = dict(Membership.objects.filter(user_id=user.pk).values_list("department__code", "role"))
        user._sop_roles = cached
    return cached


def can(user: Any, capability: str) -> bool:
    if capability not in CAPABILITIES:
        raise KeyError(f"unknown capability {capability!r}")
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    cap = CAPABILITIES[capability]
    return any(code in cap.departments and role >= cap.min_role for code, role in roles_of(user).items())


def capabilities_of(user: Any) -> frozenset[str]:
    return frozenset(name for name in CAPABILITIES if can(user, name))


def requires(capability: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Decorator for function views: 403 unless the logged-in user has the capability."""
    CAPABILITIES[capability]  # fail at import time on a typo

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not can(request.user, capability):
                raise PermissionDenied(CAPABILITIES[capability].description)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


class CapabilityRequiredMixin(AccessMixin):
    """Class-based views: `capability` for reading, `write_capability` for POST/PUT/PATCH/DELETE."""

    capability = "portal.view"
    write_capability: str | None = None

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        needed = self.capability if request.method in SAFE_METHODS else (self.write_capability or "")
        if not needed or not can(request.user, needed):
            raise PermissionDenied("Your departments and roles do not allow this.")
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]


class DepartmentAccess(BasePermission):
    """DRF permission: `read_capability` (default portal.view) for safe methods, `write_capability` otherwise.

    A view without `write_capability` is read-only for everybody but superusers.
    """

    message = "Your departments and roles do not allow this."

    def has_permission(self, request: Request, view: APIView) -> bool:
        if request.method in SAFE_METHODS:
            needed = getattr(view, "read_capability", "portal.view")
        else:
            needed = getattr(view, "write_capability", None)
            action_caps = getattr(view, "action_capabilities", {})
            needed = action_caps.get(getattr(view, "action", None), needed)
        if needed is None:
            return bool(request.user and request.user.is_superuser)
        return can(request.user, needed)


def can_in(user: Any, capability: str, department: str) -> bool:
    """`can`, but only through the role held in one department: a department admin manages that department only."""
    if capability not in CAPABILITIES:
        raise KeyError(f"unknown capability {capability!r}")
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    cap = CAPABILITIES[capability]
    role = roles_of(user).get(department)
    return department in cap.departments and role is not None and role >= cap.min_role
