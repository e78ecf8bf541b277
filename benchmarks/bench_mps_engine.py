"""MPS engine benchmark: 10,000 SKUs x 104 weeks with every rule on, engine vs the per-item loop reference.

Run from the repository root: `.venv/bin/python -m benchmarks.bench_mps_engine`. Prints two lines:

    BENCH mps_engine skus=10000 weeks=104 engine_s=... loop_s=... speedup=...
    BENCH mps_simulate_batch skus=10000 weeks=104 seconds=...

The batch is deterministic (fixed seed); quantities are whole numbers (hours per unit in quarters), and engine
and loop must agree on every array. `engine_s` is the best of 7 runs of `run_mps`; the loop runs once on
the same data, unless it would take over a minute: then it is timed on the first 1,000 SKUs and scaled
linearly (`loop_scaled_from=1000` on the line). `mps_simulate_batch` is JSON text in -> JSON text out through
`contract.simulate_json` (parse, engine, render, dump), best of 2 runs.
"""

from __future__ import annotations

import json
import math
import time
from typing import Any

import numpy as np

from production.planning.contract import plain_numbers, simulate_json
from production.planning.engine import MpsResult, run_mps
from production.planning.inputs import AtpRule, DemandRule, LotRule, MpsBatch
from production.planning.reference import run_mps_reference

SKUS = 10_000
WEEKS = 104
RESOURCES = ("Assembly", "Test", "Packing")
LOOP_BUDGET_S = 60.0
LOOP_SLICE = 1_000


def random_batch(skus: int = SKUS, weeks: int = WEEKS, seed: int = 20240604) -> MpsBatch:
    rng = np.random.default_rng(seed)
    level = rng.integers(5, 120, size=(skus, 1))
    forecast = np.round(level * rng.uniform(0.6, 1.4, size=(skus, weeks)))
    # a booked order book that thins out over the first ~12 weeks
    booked = np.clip(1.3 - np.arange(weeks) / 10, 0, None)[None, :]
    orders = np.round(forecast * booked * rng.uniform(0.5, 1.3, size=(skus, weeks)))
    early = np.arange(weeks)[None, :] < 8
    scheduled = np.where(early & (rng.random((skus, weeks)) < 0.06), np.round(level * 2), 0.0)
    firm = np.where((np.arange(weeks)[None, :] < 12) & (rng.random((skus, weeks)) < 0.08), np.round(level * 1.5), 0.0)
    lot_rule = rng.integers(0, len(LotRule), size=skus).astype(np.int8)
    fixed = (lot_rule == LotRule.FIXED) | (lot_rule == LotRule.EOQ)
    min_lot = np.where(rng.random(skus) < 0.3, rng.integers(10, 60, size=skus), 0).astype(float)
    max_lot = np.where(rng.random(skus) < 0.3, rng.integers(300, 1200, size=skus), np.inf)
    return MpsBatch(
        forecast=forecast,
        customer_orders=orders,
        scheduled_receipts=scheduled,
        firm_planned_orders=firm,
        horizon=np.full(skus, weeks),
        on_hand=rng.integers(0, 400, size=skus).astype(float),
        safety_stock=np.where(rng.random(skus) < 0.5, rng.integers(0, 60, size=skus), 0).astype(float),
        lead_time=rng.integers(0, 5, size=skus),
        demand_time_fence=rng.integers(0, 9, size=skus),
        planning_time_fence=rng.integers(0, 13, size=skus),
        demand_inside_dtf=rng.integers(0, len(DemandRule), size=skus).astype(np.int8),
        demand_outside_dtf=rng.integers(0, len(DemandRule), size=skus).astype(np.int8),
        lot_rule=lot_rule,
        lot_qty=np.where(fixed, np.round(level[:, 0] * rng.uniform(1, 5, size=skus)), 0.0),
        poq_periods=np.where(lot_rule == LotRule.PERIOD_ORDER_QUANTITY, rng.integers(1, 7, size=skus), 1),
        fixed_lot_repeats=rng.random(skus) < 0.7,
        min_lot=min_lot,
        max_lot=max_lot,
        lot_multiple=rng.choice([1.0, 1.0, 5.0, 10.0], size=skus),
        atp_rule=rng.integers(0, len(AtpRule), size=skus).astype(np.int8),
        resource_names=RESOURCES,
        run_per_unit=rng.choice([0.0, 0.25, 0.5, 1.0, 2.0], size=(skus, len(RESOURCES))),
        setup_per_lot=rng.choice([0.0, 1.0, 2.5, 4.0], size=(skus, len(RESOURCES))),
        capacity=np.full((skus, len(RESOURCES), weeks), 200.0),
        uses_resource=np.ones((skus, len(RESOURCES)), dtype=bool),
    )


def take(batch: MpsBatch, rows: slice) -> MpsBatch:
    """The same batch restricted to some SKUs."""
    fields: dict[str, Any] = {}
    for name in MpsBatch.__dataclass_fields__:
        value = getattr(batch, name)
        fields[name] = value if name == "resource_names" else value[rows]
    return MpsBatch(**fields)


def as_contract_items(batch: MpsBatch) -> dict[str, Any]:
    """The batch as `mps_simulate` input (not timed)."""
    lot_names = {0: "lot_for_lot", 1: "fixed", 2: "period_order_quantity", 3: "eoq"}
    demand_names = {0: "orders", 1: "forecast", 2: "max", 3: "sum"}
    atp_names = {0: "discrete_lookahead", 1: "discrete_no_lookahead"}
    # whole numbers as JSON integers, as a planner's file would have them
    cols = {
        name: plain_numbers(getattr(batch, name))
        if getattr(batch, name).dtype.kind == "f"
        else getattr(batch, name).tolist()
        for name in MpsBatch.__dataclass_fields__
        if name not in ("resource_names", "max_lot")
    }
    cols["max_lot"] = batch.max_lot.tolist()
    items = []
    for i in range(batch.products):
        rule = lot_names[cols["lot_rule"][i]]
        lot: dict[str, Any] = {"type": rule}
        if rule in ("fixed", "eoq"):
            lot["qty"] = cols["lot_qty"][i]
        elif rule == "period_order_quantity":
            lot["periods"] = cols["poq_periods"][i]
        max_lot = cols["max_lot"][i]
        items.append(
            {
                "periods": cols["horizon"][i],
                "on_hand": cols["on_hand"][i],
                "safety_stock": cols["safety_stock"][i],
                "lead_time": cols["lead_time"][i],
                "forecast": cols["forecast"][i],
                "customer_orders": cols["customer_orders"][i],
                "scheduled_receipts": cols["scheduled_receipts"][i],
                "firm_planned_orders": cols["firm_planned_orders"][i],
                "demand_time_fence": cols["demand_time_fence"][i],
                "planning_time_fence": cols["planning_time_fence"][i],
                "demand_rule": {
                    "inside_dtf": demand_names[cols["demand_inside_dtf"][i]],
                    "outside_dtf": demand_names[cols["demand_outside_dtf"][i]],
                },
                "lot_rule": lot,
                "min_lot": cols["min_lot"][i],
                "max_lot": None if math.isinf(max_lot) else max_lot,
                "lot_multiple": cols["lot_multiple"][i],
                "fixed_lot_repeats": cols["fixed_lot_repeats"][i],
                "atp_rule": atp_names[cols["atp_rule"][i]],
                "resources": {
                    name: {
                        "capacity": cols["capacity"][i][r],
                        "run_per_unit": cols["run_per_unit"][i][r],
                        "setup_per_lot": cols["setup_per_lot"][i][r],
                    }
                    for r, name in enumerate(batch.resource_names)
                },
            }
        )
    return {"items": items}


def assert_same_plan(engine: MpsResult, loop: MpsResult) -> None:
    for name in MpsResult.__dataclass_fields__:
        a, b = getattr(engine, name), getattr(loop, name)
        if not np.allclose(a, b, rtol=1e-9, atol=1e-6):
            bad = np.argwhere(~np.isclose(a, b, rtol=1e-9, atol=1e-6))[0]
            raise AssertionError(
                f"engine and loop differ in {name} at {tuple(bad)}: {a[tuple(bad)]} vs {b[tuple(bad)]}"
            )


def best_of(runs: int, fn: Any, *args: Any) -> tuple[float, Any]:
    best, out = math.inf, None
    for _ in range(runs):
        start = time.perf_counter()
        out = fn(*args)
        best = min(best, time.perf_counter() - start)
    return best, out


def main() -> None:
    batch = random_batch()
    engine_s, result = best_of(7, run_mps, batch)

    sample = take(batch, slice(0, LOOP_SLICE))
    sample_s, sample_loop = best_of(1, run_mps_reference, sample)
    assert_same_plan(take_result(result, slice(0, LOOP_SLICE)), sample_loop)
    scaled = sample_s * SKUS / LOOP_SLICE > LOOP_BUDGET_S
    if scaled:
        loop_s = sample_s * SKUS / LOOP_SLICE
    else:
        loop_s, loop = best_of(1, run_mps_reference, batch)
        assert_same_plan(result, loop)
    note = f" loop_scaled_from={LOOP_SLICE}" if scaled else ""
    print(
        f"BENCH mps_engine skus={SKUS} weeks={WEEKS} engine_s={engine_s:.3f} loop_s={loop_s:.1f} "
        f"speedup={loop_s / engine_s:.0f}{note}"
    )

    text = json.dumps(as_contract_items(batch))
    seconds, output = best_of(2, simulate_json, text)
    items = json.loads(output)["items"]
    assert len(items) == SKUS
    assert [item["mps"] for item in items] == result.mps.tolist()
    print(f"BENCH mps_simulate_batch skus={SKUS} weeks={WEEKS} seconds={seconds:.1f}")


def take_result(result: MpsResult, rows: slice) -> MpsResult:
    fields = {name: getattr(result, name)[rows] for name in MpsResult.__dataclass_fields__}
    fields["resource_load"] = result.load[rows].sum(axis=0)
    return MpsResult(**fields)


if __name__ == "__main__":
    main()
