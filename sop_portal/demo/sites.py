"""The demo company's two plants and three distribution centres."""

from __future__ import annotations

from django.db import models

from fulfillment.models import Warehouse
from production.models import Plant

from .run import Outcome, SeedRun

# (code, name, location)
PLANTS = [
    ("avonmouth", "Avonmouth Drinks Plant", "Bristol, UK"),
    ("wakefield", "Wakefield Foods & Home Care Plant", "Wakefield, UK"),
]
WAREHOUSES = [
    ("north-dc", "North DC", "Doncaster, UK"),
    ("central-dc", "Central DC", "Daventry, UK"),
    ("south-dc", "South DC", "Southampton, UK"),
]


def seed_sites(run: SeedRun) -> list[Outcome]:
    # Plants and warehouses have no services yet (the MPS and warehouse issues add them); until then the
    # demo writes these few rows itself, by natural key.
    return [_by_code(Plant, PLANTS, "plants"), _by_code(Warehouse, WAREHOUSES, "warehouses")]


def _by_code(model: type[models.Model], rows: list[tuple[str, str, str]], what: str) -> Outcome:
    created = 0
    for code, name, location in rows:
        _, was_created = model._default_manager.get_or_create(code=code, defaults={"name": name, "location": location})
        created += was_created
    return Outcome(what, created, len(rows) - created)
