"""Background jobs, written in the same transaction as the change that needs them (the outbox).

A job row is the durable record: the Celery message is only a wake-up call. The task is enqueued after commit;
if that message is lost (broker down, worker killed), the sweeper re-enqueues the row. A worker claims a job with
one conditional UPDATE and holds a lease, so two deliveries of the same message never run it twice at once.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q


class Job(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=60, help_text="Which task runs it, e.g. production.replan")
    payload = models.JSONField(default=dict, blank=True)
    # Jobs with the same key while one is still queued are the same job: bursts coalesce into one run.
    coalesce_key = models.CharField(max_length=120, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent done")
    message = models.CharField(max_length=300, blank=True)
    result = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    lease_until = models.DateTimeField(null=True, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created = models.DateTimeField(auto_now_add=True)
    # Last time work was merged into it while queued: a debouncing task waits for the burst to go quiet.
    updated = models.DateTimeField(auto_now=True)
    started = models.DateTimeField(null=True, blank=True)
    finished = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]
        indexes = [models.Index(fields=["status", "created"]), models.Index(fields=["kind", "status"])]
        constraints = [
            models.UniqueConstraint(
                fields=["coalesce_key"],
                condition=Q(status="queued") & ~Q(coalesce_key=""),
                name="one_queued_job_per_coalesce_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.status} ({self.progress}%)"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)
