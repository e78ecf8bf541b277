"""Warehouse utilisation benchmark: 5 warehouses x 10,000 SKUs x 104 weeks, the pure projection.

Run from the repository root: `.venv/bin/python -m benchmarks.bench_warehouse_utilisation`. Prints:

    BENCH warehouse_utilisation warehouses=5 skus=10000 weeks=104 seconds=...

`seconds` is the best of 20 runs of what a check does once its arrays are read: outbound, inbound, storage and
labour load per warehouse and week (three float64 matrix products with the products x warehouses share matrix,
built once beforehand, as a check builds it once), each campaign's outbound through each warehouse (20
campaigns of 50 products), utilisation against capacity, the worst dimension per week and the warning and
critical levels. The target is 0.05 s. Every SKU ships through one or two warehouses.
"""

from __future__ import annotations

import time

import numpy as np

from campaigns.planning.uplift import Contribution
from fulfillment.planning.projection import (
    DIMENSIONS,
    campaign_outbound,
    network,
    project,
    utilisation,
    worst,
)
from fulfillment.planning.thresholds import levels

WAREHOUSES = 5
SKUS = 10_000
WEEKS = 104
CAMPAIGNS = 20
RUNS = 20
TARGET_S = 0.05


def random_inputs(seed: int = 20270405) -> dict:
    rng = np.random.default_rng(seed)
    first = rng.integers(0, WAREHOUSES, SKUS)
    second = (first + rng.integers(1, WAREHOUSES, SKUS)) % WAREHOUSES
    split = rng.random(SKUS) < 0.4
    share_first = np.where(split, rng.choice([50.0, 60.0, 70.0], SKUS), 100.0)
    rows = np.r_[np.arange(SKUS), np.flatnonzero(split)]
    cols = np.r_[first, second[split]]
    shares = np.r_[share_first, 100.0 - share_first[split]]
    pallets = rng.choice([240.0, 480.0, 720.0, 960.0], SKUS)[rows]
    net = network(
        SKUS, WAREHOUSES, rows, cols, shares, pallets,
        pick_rate=rng.uniform(80, 140, WAREHOUSES), receive_rate=rng.uniform(300, 500, WAREHOUSES),
    )  # fmt: skip
    level = rng.integers(5, 400, (SKUS, 1)).astype(float)
    demand = np.round(level * rng.uniform(0.6, 1.4, (SKUS, WEEKS)))
    receipts = np.where(rng.random((SKUS, WEEKS)) < 0.3, np.round(level * 3), 0.0)
    projected = np.round(level * rng.uniform(-0.2, 3.0, (SKUS, WEEKS)))
    contributions = {
        c: Contribution(np.sort(rng.choice(SKUS, 50, replace=False)), rng.uniform(0, 200, (50, WEEKS)))
        for c in range(CAMPAIGNS)
    }
    capacity = np.broadcast_to(
        rng.uniform(0.8e5, 2.5e5, (WAREHOUSES, len(DIMENSIONS), 1)), (WAREHOUSES, len(DIMENSIONS), WEEKS)
    ).copy()
    return {
        "net": net, "demand": demand, "receipts": receipts, "projected": projected,
        "contributions": contributions, "capacity": capacity,
        "warning": np.full(WAREHOUSES, 0.85), "critical": np.full(WAREHOUSES, 1.0),
    }  # fmt: skip


def check(data: dict) -> np.ndarray:
    load = project(data["net"], data["demand"], data["receipts"], data["projected"])
    campaign_outbound(data["net"], data["contributions"])
    ratio = utilisation(load, data["capacity"])
    worst(ratio)
    return levels(ratio, data["warning"], data["critical"])


def main() -> None:
    data = random_inputs()
    check(data)  # warm-up
    best = float("inf")
    for _ in range(RUNS):
        started = time.perf_counter()
        check(data)
        best = min(best, time.perf_counter() - started)
    print(f"BENCH warehouse_utilisation warehouses={WAREHOUSES} skus={SKUS} weeks={WEEKS} seconds={best:.4f}")
    if best > TARGET_S:
        print(f"  above the {TARGET_S} s target")


if __name__ == "__main__":
    main()
