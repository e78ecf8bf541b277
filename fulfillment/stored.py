"""A stored WarehouseProjection as arrays again (dimensions x weeks), for alerts, pages and the API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property

import numpy as np

from sop_portal.masterdata.weeks import week_label

from .models import WarehouseProjection
from .planning.projection import DIMENSIONS, utilisation


@dataclass(frozen=True)
class CampaignLoad:
    id: int
    name: str
    outbound: np.ndarray  # (W,) units of the campaign's lift shipped through the warehouse


@dataclass(frozen=True)
class Stored:
    projection: WarehouseProjection
    load: np.ndarray  # (4, W)
    capacity: np.ndarray  # (4, W), NaN where not recorded

    @property
    def first_week(self) -> date:
        return self.projection.first_week

    @property
    def weeks(self) -> int:
        return int(self.load.shape[1])

    @cached_property
    def utilisation(self) -> np.ndarray:
        return utilisation(self.load, self.capacity)

    @cached_property
    def campaigns(self) -> list[CampaignLoad]:
        return [
            CampaignLoad(c["id"], c["name"], np.asarray(c["outbound"], dtype=float)) for c in self.projection.campaigns
        ]

    def week(self, k: int) -> date:
        return self.first_week + timedelta(weeks=k)

    def label(self, k: int) -> str:
        return week_label(self.week(k))


# JSON has no infinity: a load on a closed week (capacity 0) is stored as this utilisation.
UTILISATION_CAP = 99.0


def as_series(values: np.ndarray) -> list[float | None]:
    """A series as JSON: rounded to 4 decimals, NaN as null."""
    return [round(float(v), 4) if np.isfinite(v) else None for v in values]


def as_utilisation(values: np.ndarray) -> list[float | None]:
    return as_series(np.minimum(values, UTILISATION_CAP))


def stored(projection: WarehouseProjection) -> Stored:
    """Nulls (not recorded) come back as NaN."""
    load = np.array([projection.load[d] for d in DIMENSIONS], dtype=float)
    capacity = np.array([projection.capacity[d] for d in DIMENSIONS], dtype=float)
    return Stored(projection, load, capacity)
