"""A campaign on the textbook MPS item (tests/production/conftest.py): weeks 2027-W10..W12 of the eight."""

from datetime import date

import pytest

from campaigns import services
from campaigns.models import Campaign
from sop_portal.organisation.models import Department, Role
from tests.factories import make_user
from tests.production.conftest import eight_week_horizon, item  # noqa: F401  (fixtures)


@pytest.fixture
def marketer(db):
    return make_user("mia", departments={"marketing": Role.PLANNER})


@pytest.fixture
def approver(db):
    return make_user("oscar", departments={"operations": Role.APPROVER})


@pytest.fixture
def campaign(item, marketer, eight_week_horizon) -> Campaign:  # noqa: F811
    """'Spring push': +50 % on BEV-001 in weeks 2-4 (2027-W10..W12), a draft."""
    return services.create_campaign(
        actor=marketer,
        name="Spring push",
        owner_department=Department.objects.get(code="marketing"),
        start_date=date(2027, 3, 8),
        end_date=date(2027, 3, 26),
        lines=[{"product": item.product, "uplift_kind": "percent", "uplift_value": 50}],
    )
