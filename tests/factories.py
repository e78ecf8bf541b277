"""Small builders for test data: users with department roles, product families and products.

Plain functions (no factory library): each makes exactly what its arguments say, with defaults a reader can guess.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model

from sop_portal.masterdata.models import Product, ProductFamily, ProductStatus
from sop_portal.organisation.departments import STANDARD_DEPARTMENTS
from sop_portal.organisation.models import Department, Membership, Role

PASSWORD = "pw-Long-enough-1"
_DEFAULT_DEPARTMENTS: Mapping[str, Role] = {"operations": Role.PLANNER}


def make_user(
    username: str,
    *,
    departments: Mapping[str, Role | int] | None = None,
    password: str = PASSWORD,
    **fields: Any,
) -> Any:
    """A user with one membership per {department code: role} (default: Planner in Operations).

    `departments={}` makes a user without any membership; extra keyword arguments go to the user
    (`is_superuser=True`, `is_staff=True`, `first_name=...`).
    """
    departments = _DEFAULT_DEPARTMENTS if departments is None else departments
    superuser = fields.pop("is_superuser", False)
    user_model = get_user_model()
    if superuser:
        user = user_model.objects.create_superuser(username, f"{username}@example.com", password, **fields)
    else:
        user = user_model.objects.create_user(username, f"{username}@example.com", password, **fields)
    for code, role in departments.items():
        Membership.objects.create(user=user, department=_department(code), role=role)
    return user


def _department(code: str) -> Department:
    # A data migration creates the standard departments; a flushed transactional test database may lack them.
    standard = {c: (name, description) for c, name, description in STANDARD_DEPARTMENTS}
    name, description = standard.get(code, (code.title(), ""))
    return Department.objects.get_or_create(code=code, defaults={"name": name, "description": description})[0]


def make_family(code: str = "bev", name: str | None = None, **fields: Any) -> ProductFamily:
    return ProductFamily.objects.create(code=code, name=name or code.replace("-", " ").title(), **fields)


def make_product(
    sku: str,
    *,
    family: ProductFamily | None = None,
    name: str | None = None,
    unit_cost: Decimal | str | float = "1.00",
    unit_price: Decimal | str | float = "2.00",
    status: str = ProductStatus.ACTIVE,
    **fields: Any,
) -> Product:
    """A product; without `family` it joins (or creates) the family "bev"."""
    if family is None:
        family = ProductFamily.objects.filter(code="bev").first() or make_family("bev", "Beverages")
    return Product.objects.create(
        sku=sku,
        name=name or f"Product {sku}",
        family=family,
        unit_cost=Decimal(str(unit_cost)),
        unit_price=Decimal(str(unit_price)),
        status=status,
        **fields,
    )
