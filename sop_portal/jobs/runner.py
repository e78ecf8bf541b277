"""Run a job's work inside a Celery task: claim, run, record the outcome. Used by every app's tasks."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from . import services
from .models import Job

log = logging.getLogger(__name__)


class LeaseHeld(Exception):
    """Another delivery holds the job; it may be a worker that died, so look again when the lease ends."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"job leased for {seconds:.1f} s more")
        self.seconds = seconds


def run_job(job_id: str, work: Callable[[Job], dict[str, Any]]) -> dict[str, Any] | None:
    """Claim the job and run `work(job)`, which returns its result. None when there is nothing to do.

    `work` must be idempotent and commit its effects together with a record of them in the job, so that a
    crash either leaves a step undone (the job is run again once its lease runs out) or done and recorded.
    An exception marks the job failed with the error the planner sees, then propagates so Celery can retry
    transient failures.
    """
    job = services.claim(job_id)
    if job is None:
        remaining = services.lease_remaining(job_id)
        if remaining is not None:
            raise LeaseHeld(remaining)
        log.info("job %s: already done", job_id)
        return None
    try:
        return work(job)
    except Exception as exc:
        services.fail(job, f"{type(exc).__name__}: {exc}")
        raise


def run_job_task(task: Any, job_id: str, work: Callable[[Job], dict[str, Any]]) -> dict[str, Any] | None:
    """`run_job` for a bound Celery task: a held lease becomes a retry just after it ends."""
    try:
        return run_job(job_id, work)
    except LeaseHeld as held:
        raise task.retry(countdown=held.seconds + 0.5, max_retries=None) from held
