"""The demo company's product families and products, written through the master-data services."""

from __future__ import annotations

from sop_portal.masterdata import services
from sop_portal.masterdata.models import Product, ProductFamily

from .catalogue import FAMILIES
from .run import Outcome, SeedRun


def seed_products(run: SeedRun) -> list[Outcome]:
    families = {family.code: family for family in ProductFamily.objects.filter(code__in=[f.code for f in FAMILIES])}
    families_found = len(families)
    for spec in FAMILIES:
        if spec.code not in families:
            families[spec.code] = services.create_family(code=spec.code, name=spec.name, description=spec.description)

    existing = set(Product.objects.values_list("sku", flat=True))
    missing = [p for p in run.catalogue if p.sku not in existing]
    services.create_products([{**p.fields(), "family": families[p.family_code]} for p in missing])
    return [
        Outcome("product families", len(FAMILIES) - families_found, families_found),
        Outcome("products", len(missing), len(run.catalogue) - len(missing)),
    ]
