"""Thin Celery tasks of the production app; the work is in services."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from sop_portal.jobs.runner import run_job_task

from . import services


@shared_task(
    bind=True,
    name="production.tasks.run_replan",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def run_replan(self: Any, job_id: str) -> dict[str, Any] | None:
    return run_job_task(self, job_id, services.replan_job)
