"""Projected warehouse load per warehouse, dimension and week, from products x weeks arrays.

Each product ships through its warehouses in fixed shares (a products x warehouses matrix S, rows summing to at
most 1), so every dimension is one matrix product over the whole catalogue:

    outbound[h, w] = sum_p S[p, h] * demand[p, w]                     units shipped (consensus demand)
    inbound[h, w]  = sum_p S[p, h] * (receipts[p, w] + extra[p, w])   units received (MPS and scheduled receipts,
                                                                       restockable returns)
    storage[h, w]  = sum_p S[p, h] / units_per_pallet[p, h] * max(projected_available[p, w], 0)
                                                                       pallet positions (a shortage holds no stock)
    labour[h, w]   = outbound[h, w] / pick_rate[h] + inbound[h, w] / receive_rate[h]      hours

Each campaign's outbound through each warehouse is kept (its lift on its products, through the same shares):
it is what names the campaign behind an outbound or labour overload. Utilisation = load / capacity, where a
capacity that is not recorded (NaN) leaves the dimension unchecked and a zero capacity (a closed week) is
fully used by any load.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

import numpy as np

DIMENSIONS = ("inbound", "outbound", "storage", "labour")
INBOUND, OUTBOUND, STORAGE, LABOUR = range(len(DIMENSIONS))


class Lift(Protocol):
    """One campaign's lift: `lift[i]` is added to the demand of product row `products[i]` (what
    campaigns.planning.uplift.Contribution holds)."""

    @property
    def products(self) -> np.ndarray: ...  # (k,)

    @property
    def lift(self) -> np.ndarray: ...  # (k, W)


@dataclass(frozen=True)
class Network:
    """How P products flow through H warehouses; built once per check, reused for every week and dimension."""

    share: np.ndarray  # (P, H) fraction of each product's units through each warehouse
    pallets: np.ndarray  # (P, H) share / units per pallet: pallet positions per unit of stock
    pick_rate: np.ndarray  # (H,) units picked per labour hour (NaN: not recorded)
    receive_rate: np.ndarray  # (H,) units received per labour hour (NaN: not recorded)

    @property
    def products(self) -> int:
        return int(self.share.shape[0])

    @property
    def warehouses(self) -> int:
        return int(self.share.shape[1])


def network(
    products: int,
    warehouses: int,
    product_row: np.ndarray,
    warehouse_col: np.ndarray,
    share_pct: np.ndarray,
    units_per_pallet: np.ndarray,
    pick_rate: np.ndarray,
    receive_rate: np.ndarray,
) -> Network:
    """The dense share and pallet matrices from assignment rows (one row per product and warehouse)."""
    share = np.zeros((products, warehouses))
    pallets = np.zeros((products, warehouses))
    fraction = np.asarray(share_pct, dtype=float) / 100.0
    share[product_row, warehouse_col] = fraction
    pallets[product_row, warehouse_col] = fraction / np.asarray(units_per_pallet, dtype=float)
    return Network(share, pallets, np.asarray(pick_rate, dtype=float), np.asarray(receive_rate, dtype=float))


def project(
    net: Network,
    demand: np.ndarray,
    receipts: np.ndarray,
    projected_available: np.ndarray,
    extra_inbound: np.ndarray | None = None,
) -> np.ndarray:
    """(H, 4, W) load per warehouse, dimension (DIMENSIONS order) and week."""
    weeks = demand.shape[1]
    load = np.empty((net.warehouses, len(DIMENSIONS), weeks))
    shares_t = net.share.T
    arriving = receipts if extra_inbound is None else receipts + extra_inbound
    np.matmul(shares_t, demand, out=load[:, OUTBOUND])
    np.matmul(shares_t, arriving, out=load[:, INBOUND])
    np.matmul(net.pallets.T, np.maximum(projected_available, 0.0), out=load[:, STORAGE])
    with np.errstate(divide="ignore", invalid="ignore"):
        load[:, LABOUR] = load[:, OUTBOUND] / net.pick_rate[:, None] + load[:, INBOUND] / net.receive_rate[:, None]
    return load


def campaign_outbound(net: Network, contributions: Mapping[int, Lift]) -> dict[int, np.ndarray]:
    """campaign id → (H, W) units of its lift shipped through each warehouse (negative where it takes demand
    away); campaigns whose products no warehouse ships are left out."""
    out = {}
    for campaign_id, contribution in contributions.items():
        shares = net.share[contribution.products]
        if shares.any():
            out[campaign_id] = shares.T @ contribution.lift
    return out


def utilisation(load: np.ndarray, capacity: np.ndarray) -> np.ndarray:
    """load / capacity; NaN where the capacity is not recorded, inf where a zero capacity meets a load."""
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = load / capacity
    closed = capacity == 0
    ratio[closed] = np.where(load[closed] > 0, np.inf, 0.0)
    return ratio


def worst(utilisation_: np.ndarray) -> np.ndarray:
    """(H, W) highest utilisation over the dimensions of each warehouse and week; NaN where none is checked."""
    return np.fmax.reduce(utilisation_, axis=1)


def product_loads(
    net: Network,
    warehouse: int,
    demand: np.ndarray,
    receipts: np.ndarray,
    projected_available: np.ndarray,
    extra_inbound: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The product rows shipping through one warehouse, and each one's load: (n,) and (4, n, W); they add up to
    that warehouse's rows of `project`."""
    rows = np.flatnonzero(net.share[:, warehouse])
    share = net.share[rows, warehouse][:, None]
    arriving = receipts[rows] if extra_inbound is None else receipts[rows] + extra_inbound[rows]
    out = np.empty((len(DIMENSIONS), rows.size, demand.shape[1]))
    out[OUTBOUND] = share * demand[rows]
    out[INBOUND] = share * arriving
    out[STORAGE] = net.pallets[rows, warehouse][:, None] * np.maximum(projected_available[rows], 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        out[LABOUR] = out[OUTBOUND] / net.pick_rate[warehouse] + out[INBOUND] / net.receive_rate[warehouse]
    return rows, out


def top(values: np.ndarray, k: int) -> np.ndarray:
    """(min(k, n), W): per week, the rows of `values` (n, W) with the largest values, largest first (NaN last)."""
    k = min(k, values.shape[0])
    if k == 0:
        return np.zeros((0, values.shape[1]), dtype=np.int64)
    ranked = np.nan_to_num(values, nan=-np.inf)
    part = np.argpartition(-ranked, k - 1, axis=0)[:k]
    order = np.argsort(-np.take_along_axis(ranked, part, axis=0), axis=0, kind="stable")
    return np.take_along_axis(part, order, axis=0)
