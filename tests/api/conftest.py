from collections.abc import Callable
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from sop_portal.masterdata.models import Product, ProductFamily
from sop_portal.organisation.models import Department, Membership, Role


@pytest.fixture
def api_as(db) -> Callable[..., APIClient]:
    """APIClient logged in as a fresh user with the given {department code: role}."""

    def make(username: str = "planner", **roles: Role) -> APIClient:
        user = get_user_model().objects.create_user(username, f"{username}@example.com", "pw-Long-enough-1")
        for code, role in roles.items():
            Membership.objects.create(user=user, department=Department.objects.get(code=code), role=role)
        client = APIClient()
        client.force_authenticate(user)
        return client

    return make


@pytest.fixture
def catalogue(db) -> list[Product]:
    drinks = ProductFamily.objects.create(code="bev", name="Beverages")
    snacks = ProductFamily.objects.create(code="snk", name="Snacks")
    return [
        Product.objects.create(
            sku=f"{fam.code.upper()}-{i:03d}",
            name=f"{fam.name} {i}",
            family=fam,
            unit_cost=Decimal("1.50"),
            unit_price=Decimal("2.40"),
            status=status,
        )
        for fam, count in ((drinks, 3), (snacks, 2))
        for i, status in enumerate(["active", "active", "phase_out"][:count], start=1)
    ]
