"""A one-campaign-sized change on a 5,000-SKU plan: how long the revision takes and how much it stores.

Seeds 5,000 SKUs (with their first MPS revision), lifts the forecast of five products of one family by 40 % for
six weeks — what a promotion does — and times `regenerate_mps` for those products. Prints:

    BENCH mps_revision skus=5000 changed_products=5 seconds=... stored_cells=... plan_cells=...

`plan_cells` is the size of the whole plan (items x measures x weeks), for scale: a revision must store a
number proportional to what changed, not to the plan.
"""

from __future__ import annotations

import time
from datetime import timedelta

from benchmarks.django_env import setup_django

SKUS = 5000
CHANGED = 5


def main() -> None:
    setup_django()
    from django.core.management import call_command

    from production.causes import Cause
    from production.models import Measure, MpsItem
    from production.services import planning_window, regenerate_mps
    from sop_portal.masterdata import services as masterdata
    from sop_portal.masterdata.models import BaselineForecast, Product

    call_command("seed_demo", skus=SKUS, quiet=True, stdout=open("/dev/null", "w"))  # noqa: SIM115
    window = planning_window()
    products = list(Product.objects.filter(family__code="beverages", status="active").order_by("sku")[:CHANGED])
    promotion = range(4, 10)
    for product in products:
        weeks = {window.first_week + timedelta(weeks=k) for k in promotion}
        current = dict(BaselineForecast.objects.filter(product=product, week__in=weeks).values_list("week", "quantity"))
        masterdata.set_forecast(product, {week: round(current.get(week, 0) * 1.4) for week in weeks})

    started = time.perf_counter()
    outcome = regenerate_mps(products, cause=Cause("campaign", "bench", "Benchmark promotion"))
    seconds = time.perf_counter() - started
    plan_cells = MpsItem.objects.count() * len(Measure) * window.weeks
    print(
        f"BENCH mps_revision skus={SKUS} changed_products={len(products)} seconds={seconds:.3f} "
        f"stored_cells={outcome.cells_changed} plan_cells={plan_cells}"
    )


if __name__ == "__main__":
    main()
