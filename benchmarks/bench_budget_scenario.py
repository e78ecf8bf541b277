"""Annual budget benchmark: one scenario change over the whole fiscal year at 10,000 SKUs, in the pure planning
and through the services on a database.

Run from the repository root: `.venv/bin/python -m benchmarks.bench_budget_scenario`. Prints:

    BENCH budget_scenario skus=10000 months=12 seconds=... base_seconds=... items=... campaigns=... deltas=...
    BENCH budget_scenario_services skus=10000 months=12 seconds=... load_s=... stamp_s=... items=... ...

The first line, the planning: `seconds` is the median of 7 runs of what the session does when a participant changes
the proposal once its base inputs are read (they are cached per process): apply the scenario's deltas (six already
there and the new one, a campaign moved two weeks) to the base inputs, compute the year (consensus demand, the MPS
of every item, plant load and capacity cost, warehouse load, returns and money), summarise it by month and
fingerprint each department's part. `base_seconds` is the same without deltas. The inputs are synthetic
(sop_portal/budgeting/planning/synthetic.py): 10,000 SKUs in 20 families, about 11,000 MPS items, 60 campaigns, 5
plant resources, 4 warehouses, the 52 weeks of 2027. The target is 1 s on a 2-core machine.

The second line, the services on a throwaway database (SQLite in a temp dir, or BENCH_DATABASE_URL) holding a
10,000-SKU company with next year's budget open (benchmarks/budget_world.py: the demo's master data, an MPS item
and a bill of capacity per product, 60 approved campaigns, warehouse assignments, capacity costs on every
resource and a proposal with five changes). `seconds` is the median of 7 runs of what a participant's change
costs in the session's steady state, base inputs already read: `services.add_change` (move Summer Splash a week,
later or back: validated, stored, the scenario recomputed and its snapshot written) and the summary every
screen's next poll reads (`services.scenario_summary`). `load_s` is the first, cold read of the base inputs
(the live data into arrays, once per process and state of the data), `stamp_s` the live-data fingerprint every
read of a summary takes first (median), `first_s` the first change after the cold read.

OpenBLAS threads are limited to one (before numpy loads) unless OPENBLAS_NUM_THREADS is set: the plan's
matrix products are small, and on a busy 2-core machine a thread pool only adds waiting.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import shutil
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path
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

from .django_env import setup_django

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


def engine_figures() -> None:
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


def service_figures() -> None:
    database = setup_django()
    try:
        print(service_line(database))
    finally:
        _drop_throwaway_database()


def service_line(database: str) -> str:
    from sop_portal.budgeting import services as budgeting
    from sop_portal.budgeting.base_inputs import base_inputs, inputs_stamp
    from sop_portal.masterdata import services as masterdata

    from . import budget_world

    started = time.perf_counter()
    world = budget_world.build(SKUS, masterdata.today())
    build_s = time.perf_counter() - started
    cycle, proposal = world.cycle, world.proposal
    budgeting.forget()
    started = time.perf_counter()
    base_inputs(cycle)
    load_s = time.perf_counter() - started
    stamp_s = median_of(RUNS, lambda: inputs_stamp(cycle))
    later = [True]

    def change() -> dict[str, Any]:
        # a week later, then back: every change is new (a new revision and plan), the plan stays the same size
        weeks = 1 if later[0] else -1
        later[0] = not later[0]
        payload = {"campaign": world.hero.pk, "weeks": weeks}
        budgeting.add_change(proposal, "move_campaign", payload, world.marketer, "marketing")
        proposal.refresh_from_db()
        return budgeting.scenario_summary(cycle, proposal)

    started = time.perf_counter()
    months = len(change()["months"])
    first_s = time.perf_counter() - started
    seconds = median_of(RUNS, change)
    line = (
        f"BENCH budget_scenario_services skus={SKUS} months={months} seconds={seconds:.3f} load_s={load_s:.3f} "
        f"stamp_s={stamp_s:.3f} first_s={first_s:.3f} items={world.items} campaigns={world.campaigns} "
        f"changes={proposal.changes.count()} database={database} build_s={build_s:.0f}"
    )
    return line + (f"\n  above the {TARGET_S} s target" if seconds > TARGET_S else "")


def _drop_throwaway_database() -> None:
    """The temp SQLite file setup_django made (a few hundred MB at 10,000 SKUs); a BENCH_DATABASE_URL stays."""
    from django.conf import settings
    from django.db import connection

    connection.close()
    if connection.vendor == "sqlite" and not os.environ.get("BENCH_DATABASE_URL"):
        folder = Path(settings.DATABASES["default"]["NAME"]).parent
        if folder.name.startswith("sop-bench-"):
            shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    engine_figures()
    service_figures()


if __name__ == "__main__":
    main()
