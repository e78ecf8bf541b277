"""Sign-in pages, "my departments" and the members page a department admin manages."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_http_methods

from sop_portal.errors import InputError

from . import services
from .forms import AddMemberForm, ChangeRoleForm, RemoveMemberForm
from .models import Department, Membership, Role
from .permissions import CAPABILITIES, can_in, requires, roles_of


@method_decorator(login_not_required, name="dispatch")
class LoginView(auth_views.LoginView):
    # AxesMiddleware answers a throttled login with registration/locked_out.html (HTTP 429) before this view runs.
    redirect_authenticated_user = True


@method_decorator(login_not_required, name="dispatch")
class LogoutView(auth_views.LogoutView):
    """POST only (Django 5); works for an expired session too, so a stale tab's logout button never loops."""


@requires("portal.view")
def me(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert user.is_authenticated  # `requires` let only signed-in users through
    memberships = (
        Membership.objects.filter(user=user)
        .select_related("department")
        .order_by("department__sort_order", "department__name")
    )
    names = dict(Department.objects.values_list("code", "name"))
    capabilities = []
    for cap in CAPABILITIES.values():
        via = [m.department for m in memberships if m.department.code in cap.departments and m.role >= cap.min_role]
        capabilities.append(
            {
                "cap": cap,
                "granted": bool(via) or user.is_superuser,
                "via": via,
                "min_role": Role(cap.min_role).label,
                "where": sorted(names.get(code, code) for code in cap.departments),
            }
        )
    return render(request, "organisation/me.html", {"memberships": memberships, "capabilities": capabilities})


@requires("portal.view")
def department_list(request: HttpRequest) -> HttpResponse:
    departments = list(Department.objects.annotate(member_count=Count("memberships")).order_by("sort_order", "name"))
    roles = roles_of(request.user)
    for department in departments:
        role = roles.get(department.code)
        department.my_role = Role(role).label if role is not None else ""  # type: ignore[attr-defined]
    return render(request, "organisation/department_list.html", {"departments": departments})


ACTIONS = {"add": AddMemberForm, "change": ChangeRoleForm, "remove": RemoveMemberForm}


def _apply(action: str, department: Department, data: dict) -> str:
    """Run one member change through the services; returns the confirmation for the planner."""
    if action == "add":
        membership = services.add_member(department, data["username"], data["role"])
        return f"Added {membership.user.username} to {department.name} as {membership.get_role_display()}."
    if action == "change":
        membership = services.change_role(department, data["username"], data["role"])
        return f"{membership.user.username} is now {membership.get_role_display()}."
    services.remove_member(department, data["username"])
    return f"Removed {data['username']} from {department.name}."


@requires("portal.view")
@require_http_methods(["GET", "POST"])
def department_members(request: HttpRequest, code: str) -> HttpResponse:
    department = get_object_or_404(Department, code=code)
    may_manage = can_in(request.user, "organisation.manage", department.code)
    add_form = AddMemberForm(prefix="add")
    failed: dict[str, object] = {}
    status = 200

    if request.method == "POST":
        if not may_manage:
            raise PermissionDenied(f"Only an admin of {department.name} can change its members.")
        action = request.POST.get("action", "")
        if action not in ACTIONS:
            messages.error(request, "Nothing was changed: the form sent an unknown action.")
            return redirect("department", code=department.code)
        form = ACTIONS[action](request.POST, prefix="add" if action == "add" else None)
        if form.is_valid():
            try:
                messages.success(request, _apply(action, department, form.cleaned_data))
                return redirect("department", code=department.code)
            except InputError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        status = 422
        if action == "add":
            add_form = form  # type: ignore[assignment]
        else:
            failed = {"username": request.POST.get("username", ""), "form": form}

    members = (
        Membership.objects.filter(department=department).select_related("user").order_by("-role", "user__username")
    )
    return render(
        request,
        "organisation/department.html",
        {
            "department": department,
            "members": members,
            "may_manage": may_manage,
            "add_form": add_form,
            "failed": failed,
            "role_choices": ChangeRoleForm.base_fields["role"].choices,  # type: ignore[attr-defined]
        },
        status=status,
    )
