"""The year's plan as plain JSON by month (docs/budgeting.md "The summary"), and a family's drill-down (no Django).

Weeks go to months with a (W x 12) one-hot matrix (a week belongs to the month of its Thursday) and products go
to families with an (F x P) one-hot matrix, so aggregation is matrix products over the whole catalogue.
Monthly flows are sums over the month's weeks; levels (storage) take the month's highest week; utilisation is
the highest weekly utilisation in the month, because a monthly average hides the week the line overflows.
Rounding: units, hours and money to 2 decimals, utilisation (a fraction: 1.0 = full) to 4; numbers the plan
cannot give (a dimension with no recorded capacity) are None.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from fulfillment.planning.projection import DIMENSIONS, STORAGE, utilisation

from .fiscal_weeks import MONTHS, week_of
from .inputs import Calendar, Catalogue, YearInputs
from .money import product_money
from .plan import YearPlan

# As fulfillment.stored: a zero capacity meeting a load is "full many times over", not infinity (JSON has none).
UTILISATION_CAP = 99.0
AMOUNT_DIGITS = 2
UTILISATION_DIGITS = 4
# Below this a load is float noise, not an overload.
OVERLOAD_TOLERANCE = 1e-6


def month_matrix(calendar: Calendar) -> np.ndarray:
    """(W, 12) one-hot: week w belongs to month m."""
    return (calendar.month_of_week[:, None] == np.arange(MONTHS)[None, :]).astype(float)


def family_matrix(catalogue: Catalogue) -> np.ndarray:
    """(F, P) one-hot: product p belongs to family f."""
    families = len(catalogue.family_codes)
    return (np.arange(families)[:, None] == catalogue.family[None, :]).astype(float)


def amounts(values: np.ndarray) -> list[Any]:
    """Units, hours or money as plain floats, 2 decimals (None where unknown)."""
    return _plain(values, AMOUNT_DIGITS)


def ratios(values: np.ndarray) -> list[Any]:
    """Utilisation as plain floats, 4 decimals, capped (None where unchecked)."""
    return _plain(np.minimum(values, UTILISATION_CAP), UTILISATION_DIGITS)


def _plain(values: np.ndarray, digits: int) -> list[Any]:
    rounded = np.round(np.asarray(values, dtype=float), digits) + 0.0  # + 0.0 turns -0.0 into 0.0
    out: list[Any] = rounded.tolist()
    if np.isnan(rounded).any():
        return _nan_to_none(out)
    return out


def _nan_to_none(values: list[Any]) -> list[Any]:
    return [_nan_to_none(v) if isinstance(v, list) else (None if v != v else v) for v in values]


def _scalar(value: float, digits: int = AMOUNT_DIGITS) -> float | None:
    value = float(value)
    return None if np.isnan(value) else round(value, digits) + 0.0


def monthly_peak(weekly: np.ndarray, months: np.ndarray) -> np.ndarray:
    """(..., 12) highest value of each month's weeks (NaN weeks ignored; NaN where the month has none)."""
    inside = months.astype(bool)
    ranked = np.where(np.isnan(weekly), -np.inf, weekly)[..., :, None]
    peak = np.where(inside, ranked, -np.inf).max(axis=-2)
    return np.where(np.isneginf(peak), np.nan, peak)


def monthly_low(weekly: np.ndarray, months: np.ndarray) -> np.ndarray:
    """(..., 12) lowest value of each month's weeks (NaN weeks ignored; NaN where the month has none)."""
    return -monthly_peak(-weekly, months)


def monthly_recorded_sum(weekly: np.ndarray, months: np.ndarray) -> np.ndarray:
    """(..., 12) sum over the month's weeks where a value is recorded; NaN where none is."""
    recorded = (~np.isnan(weekly)).astype(float) @ months
    total = np.nan_to_num(weekly, nan=0.0) @ months
    return np.where(recorded > 0, total, np.nan)


def summarise(inputs: YearInputs, plan: YearPlan) -> dict[str, Any]:
    months = month_matrix(inputs.calendar)
    families = _families(inputs, plan, months)
    money = _money(plan, months, families)
    return {
        "fiscal_year": int(inputs.fiscal_year),
        "months": list(inputs.calendar.month_labels),
        "families": [
            {"code": code, "label": label, **{name: amounts(rows[f]) for name, rows in families.items()}}
            for f, (code, label) in enumerate(
                zip(inputs.catalogue.family_codes, inputs.catalogue.family_labels, strict=True)
            )
        ],
        "campaigns": _campaigns(inputs, plan, months),
        "resources": _resources(inputs, plan, months),
        "warehouses": _warehouses(inputs, plan, months),
        "money": {name: amounts(values) for name, values in money.items()},
        "kpis": _kpis(plan, money, families["demand"].sum()),
    }


def _families(inputs: YearInputs, plan: YearPlan, months: np.ndarray) -> dict[str, np.ndarray]:
    """name → (F, 12) by family and month.

    Only three passes over the products x weeks grid (baseline, demand, production to months); the money is
    then priced per product and month, which is the same as pricing each week and adding up because it is
    linear in demand with per-product prices (money.product_money).
    """
    baseline, demand, production = plan.baseline @ months, plan.demand @ months, plan.production @ months
    money = product_money(demand, inputs.catalogue, inputs.returns_handling_cost)
    per_product = {
        "baseline": baseline,
        "campaign_lift": demand - baseline,
        "demand": demand,
        "production": production,
        "revenue": money.revenue,
        "cogs": money.cogs,
        "returns_units": money.returns_units,
        "returns_cost": money.returns_cost,
    }
    by_family = family_matrix(inputs.catalogue) @ np.concatenate(list(per_product.values()), axis=1)
    return {name: by_family[:, k * MONTHS : (k + 1) * MONTHS] for k, name in enumerate(per_product)}


def _campaigns(inputs: YearInputs, plan: YearPlan, months: np.ndarray) -> list[dict[str, Any]]:
    book = inputs.campaigns
    spend = amounts(plan.marketing_spend @ months)
    lift = amounts(plan.campaign_lift @ months)
    year = inputs.fiscal_year
    return [
        {
            "id": int(book.ids[c]),
            "name": book.names[c],
            "budget": _scalar(book.budget[c]),
            "start_week": week_of(year, int(book.start[c])),
            "end_week": week_of(year, int(book.end[c])),
            "spend": spend[c],
            "lift_units": lift[c],
        }
        for c in range(book.count)
    ]


def plant_utilisation(plan: YearPlan) -> np.ndarray:
    """(R, W) load / capacity (capacity with planned shifts); a closed week with load is capped full."""
    return utilisation(plan.resource_load, plan.resource_capacity)


def _resources(inputs: YearInputs, plan: YearPlan, months: np.ndarray) -> list[dict[str, Any]]:
    production = inputs.production
    monthly = {
        "load": amounts(plan.resource_load @ months),
        "capacity": amounts(plan.resource_capacity @ months),
        "peak_utilisation": ratios(monthly_peak(plant_utilisation(plan), months)),
        "overtime_hours": amounts(plan.overtime @ months),
        "extra_shifts": amounts(plan.extra_shifts @ months),
        "planned_shifts": amounts(plan.planned_shifts @ months),
        "uncovered_hours": amounts(plan.uncovered @ months),
        "cost": amounts(plan.capacity_cost @ months),
    }
    return [
        {"code": code, "label": label, **{name: rows[r] for name, rows in monthly.items()}}
        for r, (code, label) in enumerate(zip(production.resource_codes, production.resource_labels, strict=True))
    ]


def _warehouses(inputs: YearInputs, plan: YearPlan, months: np.ndarray) -> list[dict[str, Any]]:
    load, capacity = plan.warehouse_load, plan.warehouse_capacity
    flows = load @ months  # (H, 4, 12)
    flows[:, STORAGE] = monthly_peak(load[:, STORAGE], months)  # a level: the month's highest week
    room = monthly_recorded_sum(capacity, months)
    room[:, STORAGE] = monthly_low(capacity[:, STORAGE], months)  # a level: the month's tightest week
    peak = monthly_peak(utilisation(load, capacity), months)
    monthly_load, monthly_capacity, monthly_peak_ = amounts(flows), amounts(room), ratios(peak)
    warehousing = inputs.warehousing
    return [
        {
            "code": code,
            "label": label,
            "dimensions": {
                dimension: {
                    "load": monthly_load[h][k],
                    "capacity": monthly_capacity[h][k],
                    "peak_utilisation": monthly_peak_[h][k],
                }
                for k, dimension in enumerate(DIMENSIONS)
            },
        }
        for h, (code, label) in enumerate(zip(warehousing.codes, warehousing.labels, strict=True))
    ]


def _money(plan: YearPlan, months: np.ndarray, families: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """name → (12,) the plan's money by month, margin last."""
    money = {name: families[name].sum(axis=0) for name in ("revenue", "cogs", "returns_cost")}
    money["marketing_spend"] = plan.marketing_spend.sum(axis=0) @ months
    money["capacity_cost"] = plan.capacity_cost.sum(axis=0) @ months
    money["margin"] = (
        money["revenue"] - money["cogs"] - money["returns_cost"] - money["marketing_spend"] - money["capacity_cost"]
    )
    return money


def _kpis(plan: YearPlan, money: dict[str, np.ndarray], volume: float) -> dict[str, Any]:
    totals = {name: float(values.sum()) for name, values in money.items()}
    revenue, margin = totals["revenue"], totals["margin"]
    plant = plant_utilisation(plan)
    warehouse = utilisation(plan.warehouse_load, plan.warehouse_capacity)
    checked = warehouse[~np.isnan(warehouse)]
    plant_overloads = int((plan.uncovered > OVERLOAD_TOLERANCE).sum())
    warehouse_overloads = int((plan.warehouse_load - plan.warehouse_capacity > OVERLOAD_TOLERANCE).sum())
    return {
        "volume": _scalar(volume),
        "revenue": _scalar(revenue),
        "margin": _scalar(margin),
        "margin_pct": _scalar(100.0 * margin / revenue if revenue else 0.0),
        "marketing_spend": _scalar(totals["marketing_spend"]),
        "capacity_cost": _scalar(totals["capacity_cost"]),
        "returns_cost": _scalar(totals["returns_cost"]),
        "peak_plant_utilisation": (
            _scalar(min(plant.max(), UTILISATION_CAP), UTILISATION_DIGITS) if plant.size else None
        ),
        "peak_warehouse_utilisation": (
            _scalar(min(checked.max(), UTILISATION_CAP), UTILISATION_DIGITS) if checked.size else None
        ),
        "overloaded_weeks": plant_overloads + warehouse_overloads,
        "uncovered_hours": _scalar(plan.uncovered.sum()),
    }


def family_detail(inputs: YearInputs, plan: YearPlan, family_row: int, by: str = "month") -> dict[str, Any]:
    """A family's drill-down: per product (and the family's total), rows over months or weeks.

        {"code", "label", "by": "month"|"week", "periods": [labels],
         "products": [{"sku", "baseline", "campaign_lift", "demand", "production", "revenue",
                       "margin_contribution"}],
         "total": {the same rows for the whole family}}

    The margin contribution is revenue - cost of goods - returns cost: marketing spend and capacity cost belong
    to campaigns and resources, not to one product.
    """
    catalogue = inputs.catalogue
    if not 0 <= family_row < len(catalogue.family_codes):
        raise ValueError(f"family_row {family_row}: the plan has {len(catalogue.family_codes)} families")
    if by == "month":
        periods, to_periods = list(inputs.calendar.month_labels), month_matrix(inputs.calendar)
    elif by == "week":
        periods, to_periods = list(inputs.calendar.week_labels), np.eye(inputs.calendar.weeks)
    else:
        raise ValueError(f"by {by!r}: 'month' or 'week'")
    rows = np.flatnonzero(catalogue.family == family_row)
    series = {
        "baseline": plan.baseline[rows],
        "campaign_lift": plan.demand[rows] - plan.baseline[rows],
        "demand": plan.demand[rows],
        "production": plan.production[rows],
        "revenue": plan.revenue[rows],
        "margin_contribution": plan.revenue[rows] - plan.cogs[rows] - plan.returns_cost[rows],
    }
    per_product = {name: amounts(weekly @ to_periods) for name, weekly in series.items()}
    total = {name: amounts(weekly.sum(axis=0) @ to_periods) for name, weekly in series.items()}
    return {
        "code": catalogue.family_codes[family_row],
        "label": catalogue.family_labels[family_row],
        "by": by,
        "periods": periods,
        "products": [
            {"sku": catalogue.skus[p], **{name: values[k] for name, values in per_product.items()}}
            for k, p in enumerate(rows.tolist())
        ],
        "total": total,
    }
