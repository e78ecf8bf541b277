"""One check of a set of warehouses: read the plan, run the pure projections, build the projection rows.

Reads only; fulfillment.services stores what this returns and reconciles the alerts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import numpy as np

from campaigns.consensus import ProductConsensus, consensus_for
from production.models import MpsRevision
from production.plan_inputs import PlanningWindow
from sop_portal.masterdata.models import CustomerOrder
from sop_portal.masterdata.weeks import week_label

from . import inputs
from .models import Warehouse, WarehouseProjection
from .planning.fill_rate import Fill, LineFill, backorder_shares, order_lines, project_fill
from .planning.projection import (
    DIMENSIONS,
    Network,
    campaign_outbound,
    product_loads,
    project,
    top,
    utilisation,
    worst,
)
from .planning.thresholds import levels
from .stored import UTILISATION_CAP, as_series, as_utilisation

TOP_PRODUCTS = 5
LATE_ORDERS_KEPT = 200


@dataclass(frozen=True)
class Checked:
    projections: list[WarehouseProjection]  # unsaved, one per warehouse with products


def project_warehouses(
    warehouses: Sequence[Warehouse], window: PlanningWindow, revision: MpsRevision | None
) -> Checked:
    scope = inputs.scope(warehouses)
    ids = scope.product_ids
    if not ids:
        return Checked([])
    net = scope.network
    consensus = consensus_for(ids, window.first_week, window.weeks)
    supply = inputs.supply(ids, window)
    book = inputs.order_book(ids, window)

    load = project(net, consensus.demand, supply.receipts, supply.projected_available)
    assessed = assess(load, inputs.capacity_by_week(warehouses, window), warehouses)
    by_campaign = campaign_outbound(net, consensus.contributions)

    fill = project_fill(supply.on_hand, supply.receipts, book.weekly, supply.gross_requirements)
    lines = order_lines(fill, book.product, book.week, book.quantity)
    carried = backorder_shares(fill.backorder, consensus.contributions)
    late = _late_lines(book, lines, carried, consensus, ids, window)

    names = {cid: campaign.name for cid, campaign in consensus.campaigns.items()}
    rows = []
    for h, warehouse in enumerate(warehouses):
        share = net.share[:, h]
        if not share.any():
            continue
        served = set(np.flatnonzero(share).tolist())
        late_here = [line for line in late if line["row"] in served]
        rows.append(
            WarehouseProjection(
                warehouse=warehouse,
                revision=revision,
                first_week=window.first_week,
                load={d: as_series(load[h, k]) for k, d in enumerate(DIMENSIONS)},
                **assessed[h],
                campaigns=[
                    {"id": cid, "name": names[cid], "outbound": as_series(outbound[h])}
                    for cid, outbound in sorted(by_campaign.items())
                    if np.abs(outbound[h]).max() > 1e-9
                ],
                top_products=_top_products(net, h, ids, consensus.demand, supply),
                fill=_fill(share, fill, carried, consensus, names),
                late_orders=[{k: v for k, v in line.items() if k != "row"} for line in late_here[:LATE_ORDERS_KEPT]],
                late_order_lines=len(late_here),
                products=int(np.count_nonzero(share)),
            )
        )
    return Checked(rows)


def assess(load: np.ndarray, capacity: np.ndarray, warehouses: Sequence[Warehouse]) -> list[dict[str, Any]]:
    """Per warehouse, the projection fields that depend on capacity: capacity and worst utilisation per week,
    the peak, and how many weeks are above the warning and critical thresholds (any dimension)."""
    ratio = utilisation(load, capacity)
    top_ratio = worst(ratio)
    warning = np.array([w.warning_threshold for w in warehouses], dtype=float)
    critical = np.array([w.critical_threshold for w in warehouses], dtype=float)
    level = levels(ratio, warning, critical).max(axis=1)
    out = []
    for h in range(len(warehouses)):
        checked = top_ratio[h][~np.isnan(top_ratio[h])]
        out.append(
            {
                "capacity": {d: as_series(capacity[h, k]) for k, d in enumerate(DIMENSIONS)},
                "worst": as_utilisation(top_ratio[h]),
                "peak_utilisation": float(min(checked.max(), UTILISATION_CAP)) if checked.size else None,
                "weeks_above_warning": int((level[h] >= 1).sum()),
                "weeks_above_critical": int((level[h] >= 2).sum()),
            }
        )
    return out


def _top_products(
    net: Network, h: int, ids: list[int], demand: np.ndarray, supply: inputs.Supply
) -> dict[str, list[list[list[float]]]]:
    rows, loads = product_loads(net, h, demand, supply.receipts, supply.projected_available)
    out = {}
    for k, dimension in enumerate(DIMENSIONS):
        best = top(loads[k], TOP_PRODUCTS)
        values = np.take_along_axis(loads[k], best, axis=0)
        out[dimension] = [
            [[ids[rows[r]], round(float(v), 2)] for r, v in zip(best[:, w], values[:, w], strict=True) if v > 1e-9]
            for w in range(loads.shape[2])
        ]
    return out


def _fill(
    share: np.ndarray, fill: Fill, carried: dict[int, np.ndarray], consensus: ProductConsensus, names: dict[int, str]
) -> dict[str, Any]:
    """Units through this warehouse (each product's fill x its share here), and the backorder each campaign
    carries."""
    campaigns = []
    for cid, shares in sorted(carried.items()):
        rows = consensus.contributions[cid].products
        units = share[rows] @ (shares * fill.backorder[rows])
        if units.max(initial=0.0) > 1e-9:
            campaigns.append({"id": cid, "name": names[cid], "backorder": as_series(units)})
    return {
        "demand": as_series(share @ fill.demand),
        "on_time": as_series(share @ fill.on_time),
        "backorder": as_series(share @ fill.backorder),
        "campaigns": campaigns,
    }


def _late_lines(
    book: inputs.OrderBook,
    lines: LineFill,
    carried: dict[int, np.ndarray],
    consensus: ProductConsensus,
    ids: list[int],
    window: PlanningWindow,
) -> list[dict[str, Any]]:
    """Order lines projected late or short, most urgent first, each with the campaigns behind its backorder."""
    late = np.flatnonzero(lines.late)
    if not late.size:
        return []
    orders = CustomerOrder.objects.select_related("product").in_bulk([book.ids[i] for i in late])
    place = {cid: {int(r): j for j, r in enumerate(consensus.contributions[cid].products)} for cid in carried}
    out = []
    for i in late:
        order, row, week = orders[book.ids[i]], int(book.product[i]), int(book.week[i])
        shares = {cid: float(carried[cid][j, week]) for cid in carried if (j := place[cid].get(row)) is not None}
        behind = [
            {"id": cid, "name": consensus.campaigns[cid].name, "share": round(share, 4)}
            for cid, share in sorted(shares.items(), key=lambda item: -item[1])
            if share > 0.005
        ]
        ship = int(lines.ship_week[i])
        out.append(
            {
                "row": row,
                "order": order.pk,
                "number": order.number,
                "line": order.line,
                "customer": order.customer,
                "channel": order.channel,
                "sku": order.product.sku,
                "product": order.product.name,
                "product_id": ids[row],
                "due_date": order.due_date.isoformat(),
                "due_week": week_label(order.week),
                "quantity": float(lines.quantity[i]),
                "on_time": round(float(lines.on_time[i]), 2),
                "short": round(float(lines.short[i]), 2),
                "ship_week": week_label(window.first_week + timedelta(weeks=ship)) if ship >= 0 else None,
                "weeks_late": ship - week if ship >= 0 else None,
                "campaigns": behind,
            }
        )
    out.sort(key=lambda line: (line["due_date"], line["number"], line["line"]))
    return out
