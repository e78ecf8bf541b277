"""What runs after an MPS revision, whoever triggered it (campaign pipeline, returns batch, manual replan).

The stages come from settings.PIPELINE_STAGES (name → dotted path of `stage(job, result) -> dict`); each one's
outcome is stored in the job's result in the same transaction as its writes, so a job re-run after a crash
skips the stages that already committed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string

from sop_portal.jobs.models import Job

Stage = Callable[[Job, dict[str, Any]], dict[str, Any]]
# Extra stages registered in code (tests use it to crash a worker mid-pipeline).
EXTRA_STAGES: list[tuple[str, Stage]] = []


def stages() -> list[tuple[str, Stage]]:
    return [(name, import_string(path)) for name, path in settings.PIPELINE_STAGES.items()] + EXTRA_STAGES


def record(job: Job, result: dict[str, Any]) -> None:
    Job.objects.filter(pk=job.pk).update(result=result)
    job.result = result


def run_stages(job: Job, result: dict[str, Any]) -> dict[str, Any]:
    """Run every stage not yet done for this job; `result` carries revision, products and causes."""
    done = result.setdefault("stages", {})
    for name, stage in stages():
        if name in done:
            continue
        with transaction.atomic():
            done[name] = stage(job, result)
            record(job, result)
    return result
