"""What the year's plan is computed from: whole arrays over P products, I MPS items, R plant resources,
H warehouses, C campaigns and W weeks of the fiscal year (no Django).

The service layer reads these once from the live data (`sop_portal.budgeting.base_inputs`); a scenario is a list
of deltas that `deltas.apply` turns into a new `YearInputs` without touching the base arrays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from campaigns.planning.uplift import FamilyEffects, Transfers, UpliftLines
from fulfillment.planning.projection import Network
from production.planning.inputs import MpsBatch


@dataclass(frozen=True)
class Calendar:
    month_of_week: np.ndarray  # (W,) 0..11: the month holding the week's Thursday (ISO convention)
    week_labels: tuple[str, ...]  # (W,) "2027-W01"
    month_labels: tuple[str, ...]  # (12,) "Jan 2027"

    @property
    def weeks(self) -> int:
        return int(self.month_of_week.size)


@dataclass(frozen=True)
class Catalogue:
    family: np.ndarray  # (P,) family row 0..F-1
    family_labels: tuple[str, ...]  # (F,)
    family_codes: tuple[str, ...]  # (F,)
    skus: tuple[str, ...]  # (P,)
    unit_price: np.ndarray  # (P,) money per unit sold
    unit_cost: np.ndarray  # (P,) cost of goods per unit
    return_rate: np.ndarray  # (P,) expected fraction of shipped units returned (returns history)
    restock_yield: np.ndarray  # (P,) fraction of returned units put back into stock (value recovered at cost)

    @property
    def products(self) -> int:
        return int(self.family.size)


@dataclass(frozen=True)
class CampaignBook:
    """The campaigns counted in the plan. `lines.campaign` (and effects/transfers) hold rows into `ids`."""

    ids: np.ndarray  # (C,) campaign ids; campaigns a scenario adds get negative ids (-change id)
    names: tuple[str, ...]  # (C,)
    budget: np.ndarray  # (C,) marketing spend, spread evenly over the campaign's weeks
    start: np.ndarray  # (C,) first week index into the fiscal year (may be < 0 or >= W)
    end: np.ndarray  # (C,) last week index, inclusive
    lines: UpliftLines
    effects: FamilyEffects
    transfers: Transfers

    @property
    def count(self) -> int:
        return int(self.ids.size)


@dataclass(frozen=True)
class Production:
    """The MPS items' parameters for the year (the forecast of `batch` is replaced by consensus demand x share)."""

    batch: MpsBatch  # (I, W) engine input, resources left empty: the load is computed for the whole plan
    item_product: np.ndarray  # (I,) product row
    item_share: np.ndarray  # (I,) share of the product's demand this item plans
    run_per_unit: np.ndarray  # (I, R) hours per unit on each resource
    setup_per_lot: np.ndarray  # (I, R) hours per lot
    resource_codes: tuple[str, ...]  # (R,)
    resource_labels: tuple[str, ...]  # (R,)
    capacity: np.ndarray  # (R, W) normal hours per week (calendar exceptions applied)


@dataclass(frozen=True)
class CapacityCosts:
    """Per resource (R,): what extra hours cost. Overtime first, up to `overtime_limit` x capacity; then up to
    `max_extra_shifts` shifts of `shift_hours`; what is left is uncovered overload."""

    overtime_rate: np.ndarray  # money per overtime hour
    overtime_limit: np.ndarray  # fraction of normal capacity
    shift_hours: np.ndarray  # hours one extra shift adds per week (0: the resource cannot add shifts)
    shift_cost: np.ndarray  # money per extra shift per week
    max_extra_shifts: np.ndarray  # int
    planned_shifts: np.ndarray  # (R, W) extra shifts the plan decided (scenario `add_shift`), paid whether used


@dataclass(frozen=True)
class Warehousing:
    network: Network  # (P, H) shares; pick and receive rates
    capacity: np.ndarray  # (H, 4, W) per dimension (fulfillment.planning.projection.DIMENSIONS); NaN: unchecked
    codes: tuple[str, ...]  # (H,)
    labels: tuple[str, ...]  # (H,)


@dataclass(frozen=True)
class YearInputs:
    fiscal_year: int
    calendar: Calendar
    catalogue: Catalogue
    baseline: np.ndarray  # (P, W) baseline forecast for the fiscal year's weeks
    campaigns: CampaignBook
    production: Production
    costs: CapacityCosts
    warehousing: Warehousing
    returns_handling_cost: float  # money per returned unit
