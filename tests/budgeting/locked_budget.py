"""The 2027 budget of conftest.py locked with no changes, and 'Winter warmers', a campaign marketing approves after
the lock without it ever being budgeted (BEV-2 +30 units a week in 2027-W45..W46, budget 2,000): shared by the
variance tests (service, page, API and digests)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from campaigns import services as campaigns
from campaigns.models import Campaign
from sop_portal.budgeting import services
from sop_portal.budgeting.models import BudgetCycle, Phase
from sop_portal.organisation.models import Department, Role
from tests.factories import make_user

WINTER = {"name": "Winter warmers", "start_date": date(2027, 11, 8), "end_date": date(2027, 11, 21)}


def lock(cycle: BudgetCycle, world: Any, finance: Any) -> BudgetCycle:
    """Every department at the table signs the proposal as it is: the plan locks as the baseline."""
    ops = make_user("olga", departments={"operations": Role.PLANNER})
    services.move_phase(cycle, Phase.SESSION, finance)
    for department, user in (("marketing", world.marketer), ("operations", ops), ("finance", finance)):
        services.sign_off(cycle, department, user)
    cycle.refresh_from_db()
    assert cycle.phase == Phase.LOCKED
    return cycle


def winter_warmers(world: Any, units: int = 30, department: str = "marketing") -> Campaign:
    campaign = campaigns.create_campaign(
        actor=world.marketer, owner_department=Department.objects.get(code=department), budget=Decimal("2000"),
        lines=[{"product": world.bev2, "uplift_kind": "units", "uplift_value": units}], **WINTER,
    )  # fmt: skip
    campaign = campaigns.transition(campaign, "submit", actor=world.marketer)
    return campaigns.transition(campaign, "approve", actor=world.marketer)
