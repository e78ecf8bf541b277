"""Sales history and the baseline forecast for the demo products, streamed in with bulk_load_weekly."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

from sop_portal.masterdata import services
from sop_portal.masterdata.models import BaselineForecast, Product, SalesHistory, WeeklyQuantity

from .run import Outcome, SeedRun


def seed_demand(run: SeedRun) -> list[Outcome]:
    demand = run.demand
    id_of = dict(Product.objects.values_list("sku", "id"))
    ids = np.array([id_of[p.sku] for p in run.catalogue], dtype=np.int64)
    return [
        _load(SalesHistory, "sales history weeks", ids, demand.history_start, demand.history),
        _load(BaselineForecast, "baseline forecast weeks", ids, demand.forecast_start, demand.forecast),
    ]


def _load(model: type[WeeklyQuantity], what: str, ids: np.ndarray, first_week: date, quantities: np.ndarray) -> Outcome:
    """Load the series of products that have none in these weeks yet; leave the others as they are."""
    weeks = quantities.shape[1]
    in_range = model.objects.filter(  # type: ignore[attr-defined]
        week__gte=first_week, week__lt=first_week + timedelta(weeks=weeks)
    )
    # order_by(): the model orders by (product, week), which would make DISTINCT return every row.
    have = set(in_range.order_by().values_list("product_id", flat=True).distinct())
    todo = ~np.isin(ids, list(have))
    created = services.bulk_load_weekly(model, ids[todo].tolist(), first_week, quantities[todo])
    return Outcome(what, created, int((~todo).sum()) * weeks)
