"""A scenario's figures computed in memory: the base inputs with the scenario's deltas applied, the year's plan
and its monthly summary (no database writes: `services.scenario_summary` stores them as snapshots), and what a
locked budget holds of the campaigns.

The last few evaluations are kept per process, keyed by the live-data stamp and the scenario's active changes
themselves, so a drill-down or the pack right after a change reuses the plan the change computed.
"""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from campaigns.models import Campaign
from sop_portal.masterdata.weeks import week_index

from . import deltas
from .base_inputs import base_inputs, inputs_stamp
from .base_inputs import forget as forget_inputs
from .models import BudgetCycle, ChangeKind, Scenario, ScenarioChange
from .planning import deltas as planning_deltas
from .planning import summary as summaries
from .planning.inputs import YearInputs
from .planning.plan import YearPlan, compute


@dataclass(frozen=True)
class Evaluation:
    """A scenario's plan at one revision over one state of the live data."""

    inputs: YearInputs
    plan: YearPlan
    summary: dict[str, Any]
    seconds: float


_evaluations: dict[tuple[Any, ...], Evaluation] = {}
_evaluations_lock = threading.Lock()
KEPT_EVALUATIONS = 4


def active(scenario: Scenario | None) -> list[ScenarioChange]:
    if scenario is None:
        return []
    return list(scenario.changes.filter(withdrawn__isnull=True).order_by("pk"))


def evaluate(cycle: BudgetCycle, scenario: Scenario | None, stamp: str | None = None) -> Evaluation:
    """The scenario's inputs, plan and summary (None: the base plan), computed or taken from this process's
    last few evaluations.

    A change that no longer applies to the live data (a campaign cancelled since it was moved, a product
    deleted) is left out and listed in the summary's `skipped_changes`, so one stale delta cannot stop the
    scenario from computing.
    """
    stamp = stamp or inputs_stamp(cycle)
    changes = active(scenario)
    # The changes themselves are in the key, not only the revision: a rolled-back change leaves its evaluation
    # here, and the next change may get the same revision (and on SQLite the same id).
    content = hashlib.sha256(repr([(c.pk, c.kind, c.payload) for c in changes]).encode()).hexdigest()
    key = (cycle.pk, scenario.pk if scenario is not None else None, stamp, content)
    with _evaluations_lock:
        hit = _evaluations.get(key)
    if hit is not None:
        return hit
    started = time.perf_counter()
    inputs = base_inputs(cycle, stamp)
    rows = deltas.Rows.of(inputs)
    skipped = []
    for change in changes:
        try:
            inputs = planning_deltas.apply(inputs, [deltas.to_delta(change, cycle.first_week, rows)])
        except (planning_deltas.DeltaError, deltas.DeltaValidationError) as exc:
            skipped.append({"id": change.pk, "summary": change.summary, "reason": str(exc)})
    plan = compute(inputs)
    summary = summaries.summarise(inputs, plan)
    summary["skipped_changes"] = skipped
    evaluation = Evaluation(inputs, plan, summary, time.perf_counter() - started)
    with _evaluations_lock:
        _evaluations[key] = evaluation
        while len(_evaluations) > KEPT_EVALUATIONS:
            _evaluations.pop(next(iter(_evaluations)))
    return evaluation


def forget() -> None:
    """Empty this process's caches of evaluations and base inputs (tests)."""
    with _evaluations_lock:
        _evaluations.clear()
    forget_inputs()


def budgeted_campaigns(cycle: BudgetCycle, proposal: Scenario, inputs: YearInputs) -> list[dict[str, Any]]:
    """The campaigns in the locked budget: those of the proposal's plan that run in the fiscal year, with their
    dates as moved and their budget as scaled. Live campaigns carry their version (a later edit is a variance);
    campaigns the proposal added have negative ids and no version."""
    book, weeks = inputs.campaigns, cycle.weeks
    added = {-c.pk: c.payload for c in active(proposal) if c.kind == ChangeKind.ADD_CAMPAIGN}
    live = {c.pk: c for c in Campaign.objects.filter(pk__in=[int(i) for i in book.ids if i > 0])}
    out = []
    for row, campaign_id in enumerate(int(i) for i in book.ids):
        start, end = int(book.start[row]), int(book.end[row])
        if end < 0 or start >= weeks:
            continue
        if campaign_id > 0:
            campaign = live[campaign_id]
            first, last, version = campaign.start_date, campaign.end_date, campaign.version
        else:
            payload = added[campaign_id]
            first, last = date.fromisoformat(payload["start"]), date.fromisoformat(payload["end"])
            version = None
        moved = start - week_index(cycle.first_week, first)
        out.append(
            {
                "id": campaign_id, "name": book.names[row], "version": version,
                "budget": round(float(book.budget[row]), 2),
                "start": (first + timedelta(weeks=moved)).isoformat(),
                "end": (last + timedelta(weeks=moved)).isoformat(),
            }
        )  # fmt: skip
    return out
