"""Rough-cut capacity planning with a bill of capacity (products x resources hours).

Load of a resource in a period = run_per_unit x MPS receipt quantity + setup_per_lot if that period has an MPS
receipt (planned or firm). Load is placed in the receipt period, as the contract states (no back-scheduling
over the lead time). Overload = max(load - capacity, 0).
"""

from __future__ import annotations

import numpy as np


def rough_cut_capacity(
    mps: np.ndarray, run_per_unit: np.ndarray, setup_per_lot: np.ndarray, capacity: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(load, overload) per item, (products, resources, periods), and the batch's load per resource."""
    lots = (mps > 0).astype(float)
    excess = np.empty_like(capacity)
    load = item_load(mps, run_per_unit, setup_per_lot, lots=lots, out=excess)
    return load, overload(load, capacity, out=excess), _bill_of_capacity(mps, lots, run_per_unit, setup_per_lot)


def item_load(
    mps: np.ndarray,
    run_per_unit: np.ndarray,
    setup_per_lot: np.ndarray,
    *,
    lots: np.ndarray | None = None,
    out: np.ndarray | None = None,
) -> np.ndarray:
    """(products, resources, periods) load of each item on each resource; `mps` is (products, periods).

    Per item this is the outer product of its bill-of-capacity row with its MPS row (and with its receipt
    indicator `lots` for setups); einsum does that without the per-item overhead of broadcasting. `out`, if
    given, is scratch space of the same shape, saving a large temporary.
    """
    if lots is None:
        lots = (mps > 0).astype(float)
    load = np.einsum("nr,nt->nrt", run_per_unit, mps)
    load += np.einsum("nr,nt->nrt", setup_per_lot, lots, out=out)
    return load


def resource_load(mps: np.ndarray, run_per_unit: np.ndarray, setup_per_lot: np.ndarray) -> np.ndarray:
    """(resources, periods) load of a whole batch: bill of capacity (products x resources) times MPS."""
    return _bill_of_capacity(mps, (mps > 0).astype(float), run_per_unit, setup_per_lot)


def _bill_of_capacity(
    mps: np.ndarray, lots: np.ndarray, run_per_unit: np.ndarray, setup_per_lot: np.ndarray
) -> np.ndarray:
    # einsum rather than `@`: a 3 x 10,000 by 10,000 x 104 product gains nothing from BLAS threads, and on a
    # busy machine their spin-waiting cost us hundreds of milliseconds
    return np.einsum("nr,nt->rt", run_per_unit, mps) + np.einsum("nr,nt->rt", setup_per_lot, lots)


def overload(load: np.ndarray, capacity: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    excess = np.subtract(load, capacity, out=out)
    return np.maximum(excess, 0.0, out=excess)
