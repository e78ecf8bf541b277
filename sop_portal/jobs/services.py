"""Writers of jobs: enqueue in the caller's transaction, claim with a lease, report progress, finish."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from importlib import import_module
from typing import Any

from celery import current_app
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from .models import Job


def lease() -> timedelta:
    """How long a claimed job stays a worker's without a sign of life (progress renews it)."""
    return timedelta(seconds=settings.JOB_LEASE_SECONDS)
# kind → Celery task name; apps register their kinds at import time of their tasks module.
TASKS: dict[str, str] = {
    "production.replan": "production.tasks.run_replan",
    "campaigns.pipeline": "campaigns.tasks.run_pipeline",
    "returns.import": "returns.tasks.run_import", "returns.pipeline": "returns.tasks.run_pipeline",
}


def _send(job_id: str, kind: str, countdown: float = 0) -> None:
    name = TASKS[kind]
    # Celery discovers task modules lazily (in the worker); the web process imports the one it needs.
    import_module(name.rsplit(".", 1)[0])
    # Through the registered task (not send_task) so that embedded mode (no Redis) runs it eagerly.
    if countdown:
        current_app.tasks[name].apply_async(args=(job_id,), countdown=countdown)
    else:
        current_app.tasks[name].apply_async(args=(job_id,))


def enqueue(
    kind: str,
    payload: dict[str, Any] | None = None,
    *,
    requested_by: Any = None,
    coalesce_key: str = "",
    countdown: float = 0,
) -> Job:
    """Write the job row now and send the task when the surrounding transaction commits.

    With a `coalesce_key`, a job that is still queued under the same key absorbs this one: its payload is
    merged by `merge_payload` (lists are unioned) and no second task is sent.
    """
    if kind not in TASKS:
        raise KeyError(f"unknown job kind {kind!r}")
    payload = payload or {}
    user = requested_by if getattr(requested_by, "is_authenticated", False) else None
    if coalesce_key:
        pending = Job.objects.select_for_update().filter(coalesce_key=coalesce_key, status=Job.Status.QUEUED).first()
        if pending is not None:
            pending.payload = merge_payload(pending.payload, payload)
            pending.save(update_fields=["payload", "updated"])
            return pending
    try:
        with transaction.atomic():
            job = Job.objects.create(kind=kind, payload=payload, requested_by=user, coalesce_key=coalesce_key)
    except IntegrityError:
        # Another transaction queued the same key between our read and write: join it.
        return enqueue(kind, payload, requested_by=requested_by, coalesce_key=coalesce_key)
    job_id = str(job.pk)
    transaction.on_commit(lambda: _send(job_id, kind))
    return job


def merge_payload(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    merged = dict(old)
    for key, value in new.items():
        if isinstance(value, list) and isinstance(merged.get(key), list):
            merged[key] = merged[key] + [v for v in value if v not in merged[key]]
        elif key not in merged:
            merged[key] = value
    return merged


def claim(job_id: str) -> Job | None:
    """Take the job for this worker, or None when it is finished or another worker holds a live lease."""
    now = timezone.now()
    taken = Job.objects.filter(pk=job_id).filter(
        Q(status=Job.Status.QUEUED) | Q(status=Job.Status.RUNNING, lease_until__lt=now)
    ).update(
        status=Job.Status.RUNNING,
        attempts=F("attempts") + 1,
        lease_until=now + lease(),
        started=now,
        message="Started",
    )
    return Job.objects.get(pk=job_id) if taken else None


def lease_remaining(job_id: str) -> float | None:
    """Seconds until a running job's lease runs out; None when it is not running."""
    until = Job.objects.filter(pk=job_id, status=Job.Status.RUNNING).values_list("lease_until", flat=True).first()
    if until is None:
        return None
    return max((until - timezone.now()).total_seconds(), 0.0)


def report(job: Job, progress: int, message: str) -> None:
    """Progress for the page that polls the job; renews the lease. Committed at once, outside the work."""
    Job.objects.filter(pk=job.pk).update(
        progress=max(0, min(progress, 100)), message=message[:300], lease_until=timezone.now() + lease()
    )


def finish(job: Job, result: dict[str, Any], message: str = "Done") -> None:
    Job.objects.filter(pk=job.pk).update(
        status=Job.Status.DONE, progress=100, message=message[:300], result=result, finished=timezone.now(),
        lease_until=None,
    )  # fmt: skip


def fail(job: Job, error: str) -> None:
    Job.objects.filter(pk=job.pk).update(
        status=Job.Status.FAILED, message="Failed", error=error[:5000], finished=timezone.now(), lease_until=None
    )


def release(job: Job, error: str) -> None:
    """Give the job back for a retry (a transient error): queued again, lease dropped."""
    Job.objects.filter(pk=job.pk).update(status=Job.Status.QUEUED, error=error[:5000], lease_until=None)


def sweep(older_than: timedelta = timedelta(seconds=30), send: Callable[[str, str], None] = _send) -> int:
    """Re-send queued jobs whose message may be lost, and running jobs whose worker died (lease expired)."""
    now = timezone.now()
    stale = Job.objects.filter(
        Q(status=Job.Status.QUEUED, created__lt=now - older_than)
        | Q(status=Job.Status.RUNNING, lease_until__lt=now)
    ).values_list("pk", "kind")
    count = 0
    for job_id, kind in stale:
        send(str(job_id), kind)
        count += 1
    return count
