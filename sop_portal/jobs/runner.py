"""Run a job's work inside a Celery task: claim, run, record the outcome. Used by every app's tasks."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from . import services
from .models import Job

log = logging.getLogger(__name__)


def run_job(job_id: str, work: Callable[[Job], dict[str, Any]]) -> dict[str, Any] | None:
    """Claim the job and run `work(job)`, which returns its result. None when there was nothing to do.

    `work` must be idempotent and commit its effect together with `services.finish` (pass the job to it), so
    that a crash either leaves everything undone (the job is re-run after its lease) or everything done.
    An exception marks the job failed with the error text shown to the planner, then propagates so Celery
    can retry transient failures.
    """
    job = services.claim(job_id)
    if job is None:
        log.info("job %s: already done or held by another worker", job_id)
        return None
    try:
        result = work(job)
    except Exception as exc:
        services.fail(job, f"{type(exc).__name__}: {exc}")
        raise
    return result
