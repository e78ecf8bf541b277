"""Read-only views of warehouse load and order fill, behind both the pages and /api/v1/warehouses/, so the two
never disagree. Everything shown comes from the stored projections, except the per-product fill rate, which is
projected on request from the current plan."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
from django.db.models import QuerySet

from campaigns.consensus import consensus_for
from production.services import planning_window
from sop_portal.alerts.models import Alert
from sop_portal.masterdata.models import Product
from sop_portal.masterdata.weeks import week_index, week_label

from . import inputs
from .models import UNITS, Dimension, Warehouse, WarehouseProjection
from .planning.fill_rate import backorder_shares, project_fill
from .planning.projection import DIMENSIONS, LABOUR, OUTBOUND
from .stored import Stored, as_series, stored

HEATMAP_WEEKS = 26


def warehouses() -> QuerySet[Warehouse]:
    return Warehouse.objects.select_related("projection", "projection__revision").order_by("code")


def level(value: float | None, warehouse: Warehouse) -> str:
    """The heatmap's colour band of a utilisation: none, low (< 50 %), mid (< 70 %), high (below warning),
    warning, critical, or severe (a quarter above critical, or a closed week with load)."""
    if value is None:
        return "none"
    if value > warehouse.critical_threshold + 0.25:
        return "severe"
    if value > warehouse.critical_threshold:
        return "critical"
    if value > warehouse.warning_threshold:
        return "warning"
    return "low" if value < 0.5 else "mid" if value < 0.7 else "high"


@dataclass(frozen=True)
class Cell:
    week: str
    index: int  # week offset from the projection's first week
    utilisation: float | None
    level: str
    dimension: str  # the dimension with the worst utilisation ("" when none)


@dataclass(frozen=True)
class HeatRow:
    warehouse: Warehouse
    projection: WarehouseProjection | None
    overview: list[Cell]  # every week of the horizon
    offset: int  # the block shown in full: overview[offset : offset + weeks]
    weeks: int

    @property
    def cells(self) -> list[Cell]:
        return self.overview[self.offset : self.offset + self.weeks]

    @property
    def strip(self) -> list[tuple[Cell, bool]]:
        """The whole horizon, each week with whether it is in the block shown."""
        return [(cell, self.offset <= k < self.offset + self.weeks) for k, cell in enumerate(self.overview)]


@dataclass(frozen=True)
class Heatmap:
    first_week: date
    weeks: list[str]
    rows: list[HeatRow]
    previous: str | None  # the week label that starts the previous / next block
    next: str | None

    @property
    def columns(self) -> list[tuple[str, str, str]]:
        """(label, year shown above it or "", week) per column: the year only where it starts or changes."""
        out = []
        for k, label in enumerate(self.weeks):
            year, week = label.split("-")
            out.append((label, year if k == 0 or week == "W01" else "", week))
        return out


def heatmap(start: date | None = None, weeks: int = HEATMAP_WEEKS) -> Heatmap:
    """Warehouses x weeks coloured by their worst utilisation over the dimensions: the whole horizon as an
    overview, and a block of `weeks` from `start` in full."""
    window = planning_window()
    weeks = min(weeks, window.weeks)
    start = start or window.first_week
    offset = min(max(week_index(window.first_week, start), 0), window.weeks - weeks)
    labels = [week_label(window.first_week + timedelta(weeks=k)) for k in range(window.weeks)]
    rows = [
        HeatRow(w, getattr(w, "projection", None), _cells(w, window.first_week, labels), offset, weeks)
        for w in warehouses()
    ]
    return Heatmap(
        first_week=window.first_week + timedelta(weeks=offset),
        weeks=labels[offset : offset + weeks],
        rows=rows,
        previous=labels[max(offset - weeks, 0)] if offset > 0 else None,
        next=labels[offset + weeks] if offset + weeks < window.weeks else None,
    )


def _cells(warehouse: Warehouse, first_week: date, labels: list[str]) -> list[Cell]:
    """One cell per week from `first_week`; empty where the warehouse has no projection for the week."""
    projection = getattr(warehouse, "projection", None)
    view = stored(projection) if projection else None
    shift = week_index(projection.first_week, first_week) if projection else 0
    out = []
    for k, label in enumerate(labels):
        index = shift + k
        value, dimension = None, ""
        if view is not None and 0 <= index < view.weeks:
            value = view.projection.worst[index]
            column = view.utilisation[:, index]
            if not np.isnan(column).all():
                dimension = DIMENSIONS[int(np.nanargmax(np.nan_to_num(column, posinf=1e9, nan=-1)))]
        out.append(Cell(label, index, value, level(value, warehouse), dimension))
    return out


@dataclass(frozen=True)
class DimensionLoad:
    dimension: str
    label: str
    units: str
    load: float | None
    capacity: float | None
    utilisation: float | None
    level: str
    products: list[dict[str, Any]]  # [{sku, name, load, share}] largest first
    campaigns: list[dict[str, Any]]  # [{id, name, load, share}] outbound and labour only


@dataclass(frozen=True)
class Breakdown:
    warehouse: Warehouse
    projection: WarehouseProjection
    week: str
    index: int
    dimensions: list[DimensionLoad]


def _finite(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None


def breakdown(warehouse: Warehouse, week: date) -> Breakdown | None:
    """One heatmap cell: each dimension's load against capacity, the products and campaigns behind it."""
    projection = getattr(warehouse, "projection", None)
    if projection is None:
        return None
    view = stored(projection)
    k = week_index(view.first_week, week)
    if not 0 <= k < view.weeks:
        return None
    top = {d: projection.top_products.get(d, [[]] * view.weeks)[k] for d in DIMENSIONS}
    names = dict(
        Product.objects.filter(pk__in={pid for rows in top.values() for pid, _ in rows}).values_list("pk", "sku")
    )
    titles = dict(Product.objects.filter(pk__in=names).values_list("pk", "name"))
    dimensions = []
    for d, dimension in enumerate(DIMENSIONS):
        load, capacity, ratio = view.load[d, k], view.capacity[d, k], view.utilisation[d, k]
        shown_ratio = None if np.isnan(ratio) else min(float(ratio), 99.0)
        campaigns = _campaign_loads(view, d, k, load) if d in (OUTBOUND, LABOUR) else []
        dimensions.append(
            DimensionLoad(
                dimension=dimension,
                label=Dimension(dimension).label,
                units=UNITS[Dimension(dimension)],
                load=_finite(load),
                capacity=_finite(capacity),
                utilisation=shown_ratio,
                level=level(shown_ratio, warehouse),
                products=[
                    {
                        "id": pid,
                        "sku": names.get(pid, "?"),
                        "name": titles.get(pid, ""),
                        "load": value,
                        "share": value / load if load > 0 else None,
                    }
                    for pid, value in top[dimension]
                ],
                campaigns=campaigns,
            )
        )
    return Breakdown(warehouse, projection, view.label(k), k, dimensions)


def _campaign_loads(view: Stored, d: int, k: int, total: float) -> list[dict[str, Any]]:
    rate = view.projection.warehouse.pick_rate if d == LABOUR else 1.0
    if not rate:
        return []
    rows = [
        {"id": c.id, "name": c.name, "load": float(c.outbound[k] / rate),
         "share": float(c.outbound[k] / rate / total) if total > 0 else None}
        for c in view.campaigns
        if abs(c.outbound[k]) > 1e-9
    ]  # fmt: skip
    return sorted(rows, key=lambda c: -abs(c["load"]))


@dataclass(frozen=True)
class Chart:
    id: str
    dimension: str
    label: str
    units: str
    labels: list[str]
    load: list[float | None]
    capacity: list[float | None]
    warning: list[float | None]
    levels: list[str]

    def as_json(self) -> dict[str, Any]:
        return self.__dict__.copy()


def charts(warehouse: Warehouse) -> list[Chart]:
    """Load against capacity per dimension, each week coloured by its level."""
    projection = getattr(warehouse, "projection", None)
    if projection is None:
        return []
    view = stored(projection)
    labels = [view.label(k) for k in range(view.weeks)]
    out = []
    for d, dimension in enumerate(DIMENSIONS):
        ratio = view.utilisation[d]
        out.append(
            Chart(
                id=f"chart-{dimension}",
                dimension=dimension,
                label=Dimension(dimension).label,
                units=UNITS[Dimension(dimension)],
                labels=labels,
                load=as_series(view.load[d]),
                capacity=as_series(view.capacity[d]),
                warning=as_series(view.capacity[d] * warehouse.warning_threshold),
                levels=[level(None if np.isnan(r) else float(r), warehouse) for r in ratio],
            )
        )
    return out


@dataclass(frozen=True)
class FillSeries:
    labels: list[str]
    demand: list[float]
    on_time: list[float]
    backorder: list[float]
    rate: list[float]  # on time / demand, 1 where no demand
    campaigns: list[dict[str, Any]]  # [{id, name, backorder: [...], peak, peak_week}], biggest peak first

    def first(self, weeks: int) -> FillSeries:
        """The first `weeks` weeks (the order book reaches a few weeks out; the chart needs no more)."""
        return FillSeries(
            self.labels[:weeks], self.demand[:weeks], self.on_time[:weeks], self.backorder[:weeks],
            self.rate[:weeks], [{**c, "backorder": c["backorder"][:weeks]} for c in self.campaigns],
        )  # fmt: skip

    def as_json(self) -> dict[str, Any]:
        return self.__dict__.copy()

    @property
    def lowest(self) -> tuple[str, float] | None:
        if not self.rate:
            return None
        k = int(np.argmin(self.rate))
        return self.labels[k], self.rate[k]


def fill_series(projection: WarehouseProjection) -> FillSeries:
    fill = projection.fill or {}
    demand = np.asarray(fill.get("demand", []), dtype=float)
    on_time = np.asarray(fill.get("on_time", []), dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(demand > 0, on_time / demand, 1.0)
    labels = [week_label(projection.first_week + timedelta(weeks=k)) for k in range(demand.size)]
    return FillSeries(
        labels=labels,
        demand=demand.tolist(),
        on_time=on_time.tolist(),
        backorder=list(fill.get("backorder", [])),
        rate=[round(float(r), 4) for r in rate],
        campaigns=sorted(
            (
                {**c, "peak": max(c["backorder"]), "peak_week": labels[int(np.argmax(c["backorder"]))]}
                for c in fill.get("campaigns", [])
            ),
            key=lambda c: -c["peak"],
        ),
    )


def open_alerts(warehouse: Warehouse) -> QuerySet[Alert]:
    return Alert.objects.filter(subject_type="warehouse", subject_id=warehouse.code).exclude(
        status=Alert.Status.RESOLVED
    )


@dataclass(frozen=True)
class ProductFill:
    product: Product
    weeks: list[str]
    demand: list[float | None]
    on_time: list[float | None]
    backorder: list[float | None]
    rate: list[float | None]
    campaigns: list[dict[str, Any]]  # [{id, name, backorder_share: [...]}]


def product_fill(products: Sequence[Product]) -> list[ProductFill]:
    """Projected fill rate per product and week from the published plan and open orders, with the campaigns behind
    each week's backorder (computed now, not stored)."""
    window = planning_window()
    ids = [p.pk for p in products]
    consensus = consensus_for(ids, window.first_week, window.weeks)
    supply = inputs.supply(ids, window)
    book = inputs.order_book(ids, window)
    fill = project_fill(supply.on_hand, supply.receipts, book.weekly, supply.gross_requirements)
    rate = fill.rate()
    shares = backorder_shares(fill.backorder, consensus.contributions)
    labels = [week_label(window.first_week + timedelta(weeks=k)) for k in range(window.weeks)]
    out = []
    for i, product in enumerate(products):
        behind = []
        for cid, share in shares.items():
            rows = consensus.contributions[cid].products
            j = np.flatnonzero(rows == i)
            if j.size and share[j[0]].max() > 0:
                behind.append(
                    {"id": cid, "name": consensus.campaigns[cid].name, "backorder_share": as_series(share[j[0]])}
                )
        out.append(
            ProductFill(
                product=product, weeks=labels, demand=as_series(fill.demand[i]), on_time=as_series(fill.on_time[i]),
                backorder=as_series(fill.backorder[i]), rate=as_series(rate[i]), campaigns=behind,
            )
        )  # fmt: skip
    return out


def warehouse_alerts() -> list[Alert]:
    """Open warehouse alerts, the most severe and soonest first."""
    alerts = Alert.objects.filter(subject_type="warehouse").exclude(status=Alert.Status.RESOLVED)
    return sorted(alerts, key=lambda a: (-a.severity, a.cause.get("weeks_ahead", 999), a.subject_label))
