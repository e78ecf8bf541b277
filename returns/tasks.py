"""Thin Celery tasks of the returns app; the work is in services (import) and pipeline (alerts and MPS)."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from sop_portal.jobs.runner import run_job_task

from . import pipeline, services


@shared_task(
    bind=True,
    name="returns.tasks.run_import",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def run_import(self: Any, job_id: str) -> dict[str, Any] | None:
    return run_job_task(self, job_id, services.run_import)


@shared_task(
    bind=True,
    name="returns.tasks.run_pipeline",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def run_pipeline(self: Any, job_id: str) -> dict[str, Any] | None:
    return run_job_task(self, job_id, pipeline.run_pipeline)
