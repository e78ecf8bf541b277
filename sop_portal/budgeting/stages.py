"""The budget stage of the after-revision pipeline (settings.PIPELINE_STAGES): after an MPS revision, the locked
budgets whose year it touches re-check their unbudgeted campaigns (docs/budgeting.md "After the lock").

Before any budget is locked this is one query: most revisions happen while no baseline exists yet.
"""

from __future__ import annotations

from typing import Any

from sop_portal.jobs.models import Job

from . import variance, variance_alerts


def check_after_revision(job: Job, result: dict[str, Any]) -> dict[str, Any]:
    cycles = list(variance.measured_cycles())
    if not cycles:
        return {"budgets": []}
    cause = {"revision": result.get("revision"), "causes": result.get("causes") or []}
    checked = []
    for cycle in variance_alerts.touched(cycles, result):
        outcome = variance_alerts.check_unbudgeted(cycle, cause)
        checked.append(
            {
                "fiscal_year": cycle.fiscal_year,
                "alerts_raised": [a.pk for a in outcome.raised],
                "alerts_updated": [a.pk for a in outcome.updated],
                "alerts_resolved": [a.pk for a in outcome.resolved],
            }
        )
    return {"budgets": checked}
