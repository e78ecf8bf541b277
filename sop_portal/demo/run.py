"""What a seed_demo run knows: its options, the generated catalogue and demand, and what the steps report."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

import numpy as np

from sop_portal.masterdata.weeks import week_start

from .catalogue import ProductSpec, make_catalogue
from .demand import Demand, generate_demand, stream


@dataclass(frozen=True)
class SeedOptions:
    today: date
    seed: int = 2027
    skus: int = 200
    weeks_history: int = 52
    horizon_weeks: int = 104


@dataclass(frozen=True)
class Outcome:
    what: str
    created: int
    found: int


@dataclass(frozen=True)
class Login:
    username: str
    name: str
    access: str  # departments and roles, as the person logging in will see them
    password: str


@dataclass
class SeedRun:
    options: SeedOptions
    logins: list[Login] = field(default_factory=list)

    @property
    def first_week(self) -> date:
        """Monday of the current week: the first forecast bucket; history ends the week before."""
        return week_start(self.options.today)

    def rng(self, name: str) -> np.random.Generator:
        """A random stream per name, so a new step never changes what the existing ones generate."""
        return stream(self.options.seed, name)

    @cached_property
    def catalogue(self) -> list[ProductSpec]:
        return make_catalogue(self.rng("catalogue"), self.options.skus, self.first_week)

    @cached_property
    def demand(self) -> Demand:
        o = self.options
        return generate_demand(self.rng("demand"), self.catalogue, self.first_week, o.weeks_history, o.horizon_weeks)
