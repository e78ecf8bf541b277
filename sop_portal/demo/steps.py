"""The seed_demo steps, in order.

A later issue adds its demo data (campaigns, capacities, returns) by writing one function
`seed_x(run: SeedRun) -> list[Outcome]` in its own small module and appending it to STEPS. Each step is
idempotent on its own: it looks its rows up by natural key and creates only what is missing.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction

from . import campaigns, company, mps, people, sites, warehouses, weekly
from .budget import seed_budget
from .returns import seed_returns
from .run import Login, Outcome, SeedOptions, SeedRun

Step = Callable[[SeedRun], list[Outcome]]

# The company itself: sites, catalogue, demand history and forecast, people. `seed_demo --master-data-only`
# stops here (about 10 s for 10,000 SKUs) for benchmarks that plan on their own.
MASTER_DATA_STEPS: list[Step] = [
    sites.seed_sites,
    company.seed_products,
    weekly.seed_demand,
    people.seed_people,
]

STEPS: list[Step] = [
    *MASTER_DATA_STEPS,
    mps.seed_mps,
    campaigns.seed_campaigns,
    warehouses.seed_warehouses,
    seed_returns,
    # Last: next year's budget is computed from everything above (campaigns, MPS items, warehouses, returns).
    seed_budget,
]


def seed_demo(options: SeedOptions, steps: list[Step] | None = None) -> tuple[list[Outcome], list[Login]]:
    """Run the steps in one transaction: a failing step leaves the database as it was."""
    run = SeedRun(options)
    outcomes: list[Outcome] = []
    with transaction.atomic():
        for step in STEPS if steps is None else steps:
            outcomes.extend(step(run))
    return outcomes, run.logins
