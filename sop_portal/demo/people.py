"""Demo logins: a planner and an approver in every department, a read-only viewer and an admin."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.hashers import check_password, make_password

from sop_portal.organisation import departments as d
from sop_portal.organisation import services as organisation
from sop_portal.organisation.models import Department, Membership, Role

from .run import Login, Outcome, SeedRun

DEMO_PASSWORD = "demo-Plan-2027"
EMAIL_DOMAIN = "example.com"

# Department, the prefix of its demo usernames, its planner and its approver.
TEAMS: list[tuple[str, str, tuple[str, str], tuple[str, str]]] = [
    (d.MARKETING, "marketing", ("Priya", "Shah"), ("Oliver", "Grant")),
    (d.SALES, "sales", ("Tom", "Fletcher"), ("Grace", "Okafor")),
    (d.OPERATIONS, "ops", ("Aisha", "Khan"), ("Martin", "Kowalski")),
    (d.WAREHOUSE, "warehouse", ("Dan", "Murphy"), ("Helen", "Price")),
    (d.FINANCE, "finance", ("Ravi", "Patel"), ("Claire", "Whitfield")),
    (d.CUSTOMER_SERVICE, "service", ("Sophie", "Turner"), ("Ben", "Adeyemi")),
]


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    roles: dict[str, Role]  # department code → role
    superuser: bool = False


def demo_users(department_codes: list[str]) -> list[DemoUser]:
    users = [DemoUser("admin", "Alex", "Morgan", dict.fromkeys(department_codes, Role.ADMIN), superuser=True)]
    for code, prefix, planner, approver in TEAMS:
        users.append(DemoUser(f"{prefix}.planner", *planner, {code: Role.PLANNER}))
        users.append(DemoUser(f"{prefix}.approver", *approver, {code: Role.APPROVER}))
    users.append(DemoUser("viewer", "Sam", "Taylor", dict.fromkeys(department_codes, Role.VIEWER)))
    return users


def seed_people(run: SeedRun) -> list[Outcome]:
    # By natural key (username; user + department): an existing login keeps its password and its roles.
    departments = {dept.code: dept for dept in Department.objects.all()}
    wanted = demo_users(list(departments))
    # One PBKDF2 hash for all of them (a fraction of a second each otherwise): same password, same salt, demo only.
    password = make_password(DEMO_PASSWORD)
    still_demo: dict[str, bool] = {password: True}
    users_created = memberships_created = memberships_total = 0
    for demo in wanted:
        user, created = get_user_model()._default_manager.get_or_create(
            username=demo.username,
            defaults={
                "first_name": demo.first_name,
                "last_name": demo.last_name,
                "email": f"{demo.username}@{EMAIL_DOMAIN}",
                "is_staff": demo.superuser,
                "is_superuser": demo.superuser,
                "password": password,
            },
        )
        if created:
            # A password the portal would refuse on its own form must not be the demo password either.
            password_validation.validate_password(DEMO_PASSWORD, user)
            users_created += 1
        member_of = set(Membership.objects.filter(user=user).values_list("department__code", flat=True))
        for code, role in demo.roles.items():
            if code not in member_of:
                organisation.add_member(departments[code], demo.username, role)
                memberships_created += 1
        memberships_total += len(demo.roles)
        if user.password not in still_demo:
            # Logins from one earlier run share one hash: one check per run, not one per user.
            still_demo[user.password] = check_password(DEMO_PASSWORD, user.password)
        shown = DEMO_PASSWORD if still_demo[user.password] else "(changed since seeded)"
        name = f"{demo.first_name} {demo.last_name}"
        run.logins.append(Login(demo.username, name, _access(demo, departments), shown))
    return [
        Outcome("users", users_created, len(wanted) - users_created),
        Outcome("memberships", memberships_created, memberships_total - memberships_created),
    ]


def _access(demo: DemoUser, departments: dict[str, Department]) -> str:
    roles = set(demo.roles.values())
    everywhere = len(demo.roles) == len(departments) > 1 and len(roles) == 1
    if everywhere:
        where = f"{Role(roles.pop()).label} in every department"
    else:
        where = ", ".join(f"{departments[code].name}: {Role(role).label}" for code, role in demo.roles.items())
    return f"superuser; {where}" if demo.superuser else where


def login_table(logins: list[Login]) -> str:
    """The logins as a plain-text table for the console."""
    header = ("Username", "Name", "Departments / role", "Password")
    rows = [(login.username, login.name, login.access, login.password) for login in logins]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    rule = "  ".join("-" * width for width in widths)
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows]
    head = "  ".join(cell.ljust(width) for cell, width in zip(header, widths, strict=True)).rstrip()
    return "\n".join([head, rule, *lines])
