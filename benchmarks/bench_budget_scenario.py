"""Annual budget benchmark: one scenario change over the whole fiscal year at 10,000 SKUs, the pure planning.

Run from the repository root: `.venv/bin/python -m benchmarks.bench_budget_scenario`. Prints:

    BENCH budget_scenario skus=10000 months=12 seconds=... base_seconds=... items=... campaigns=... deltas=...

`seconds` is the median of 7 runs of what the session does when a participant changes the proposal once its
base inputs are read (they are cached per process): apply the scenario's deltas (six already there and the
new one, a campaign moved two weeks) to the base inputs, compute the year (consensus demand, the MPS of every
item, plant load and capacity cost, warehouse load, returns and money), summarise it by month and fingerprint
each department's part. `base_seconds` is the same without deltas. The inputs are synthetic
(sop_portal/budgeting/planning/synthetic.py): 10,000 SKUs in 20 families, about 11,000 MPS items, 60
campaigns, 5 plant resources, 4 warehouses, the 52 weeks of 2027. The target is 1 s on a 2-core machine.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any

from campaigns.planning.uplift import Profile, UpliftKind
from sop_portal.budgeting.planning import deltas, parts, plan, summary
from sop_portal.budgeting.planning.deltas import (
    AddCampaign,
    AddShift,
    Delta,
    DropCampaign,
    MoveCampaign,
    NewLine,
    ScaleCampaign,
    VolumeTarget,
)
from sop_portal.budgeting.planning.inputs import YearInputs
from sop_portal.budgeting.planning.synthetic import year_inputs

SKUS = 10_000
CAMPAIGNS = 60
RUNS = 7
TARGET_S = 1.0


def scenario(inputs: YearInputs) -> list[Delta]:
    """What the room has already agreed in the proposal, then the change just made."""
    ids = [int(i) for i in inputs.campaigns.ids]
    launch = tuple(NewLine(p, UpliftKind.PERCENT, 35.0, Profile.RAMP_UP) for p in range(0, 400, 10))
    return [
        AddCampaign(-1, "Summer Splash", 24, 29, 120_000.0, launch),
        ScaleCampaign(ids[3], 1.5),
        DropCampaign(ids[5]),
        VolumeTarget(family=2, month=6, units=250_000.0),
        AddShift(resource=1, first_month=5, last_month=8, shifts=1),
        MoveCampaign(-1, -1),
        MoveCampaign(ids[0], 2),  # the change just made
    ]


def recompute(inputs: YearInputs, changes: Sequence[Delta]) -> dict[str, Any]:
    changed = deltas.apply(inputs, changes)
    figures = summary.summarise(changed, plan.compute(changed))
    parts.fingerprints(figures)
    return figures


def median_of(runs: int, work: Callable[[], Any]) -> float:
    work()  # warm-up
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds)


def main() -> None:
    inputs = year_inputs(products=SKUS, weeks=52, resources=5, warehouses=4, campaigns=CAMPAIGNS, seed=2027)
    changes = scenario(inputs)
    months = len(recompute(inputs, changes)["months"])
    base_s = median_of(RUNS, lambda: recompute(inputs, []))
    seconds = median_of(RUNS, lambda: recompute(inputs, changes))
    print(
        f"BENCH budget_scenario skus={SKUS} months={months} seconds={seconds:.3f} base_seconds={base_s:.3f} "
        f"items={inputs.production.item_product.size} campaigns={inputs.campaigns.count} deltas={len(changes)}"
    )
    if seconds > TARGET_S:
        print(f"  above the {TARGET_S} s target")


if __name__ == "__main__":
    main()
