"""Thin Celery tasks of the campaign pipeline; the work is in campaigns.pipeline."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from sop_portal.jobs.models import Job
from sop_portal.jobs.runner import run_job_task
from sop_portal.masterdata.services import today

from . import pipeline, services


@shared_task(
    bind=True,
    name="campaigns.tasks.run_pipeline",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def run_pipeline(self: Any, job_id: str) -> dict[str, Any] | None:
    if not settings.CELERY_TASK_ALWAYS_EAGER and _still_bursting(job_id):
        return None
    return run_job_task(self, job_id, pipeline.run_pipeline)


def _still_bursting(job_id: str) -> bool:
    """While edits keep arriving (and not for too long), wait: the burst becomes one revision."""
    job = Job.objects.filter(pk=job_id, status=Job.Status.QUEUED).values("created", "updated").first()
    if job is None:
        return False
    now = timezone.now()
    quiet = (now - job["updated"]).total_seconds()
    age = (now - job["created"]).total_seconds()
    if quiet >= settings.PIPELINE_DEBOUNCE_SECONDS or age >= settings.PIPELINE_MAX_WAIT_SECONDS:
        return False
    run_pipeline.apply_async(args=(job_id,), countdown=settings.PIPELINE_DEBOUNCE_SECONDS - quiet)
    return True


@shared_task(name="campaigns.tasks.advance_campaigns", ignore_result=True)
def advance_campaigns() -> int:
    """Beat, daily: approved campaigns go live on their start date, live ones close after their end."""
    return len(services.advance_by_calendar(today()))
