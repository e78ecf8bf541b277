"""A loaded returns batch → its anomalies and alerts → one MPS revision naming the batch as its cause → the
stages every revision goes through (production/after_revision.py: warehouse checks, ...).

The job (one per batch) records each stage in its result in the same transaction as the stage's writes, so a
re-run after a crash resumes after the last stage that committed and never publishes a second revision.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from production.after_revision import record, run_stages
from production.causes import Cause
from production.services import ReplanOutcome, regenerate_mps
from sop_portal.jobs import services as jobs
from sop_portal.jobs.models import Job

from . import services
from .models import ImportBatch


def run_pipeline(job: Job) -> dict[str, Any]:
    batch = ImportBatch.objects.get(pk=job.payload["batch"])
    products = list(batch.products)
    result: dict[str, Any] = dict(job.result or {})
    cause = Cause("returns", batch.cause_ref, batch.label)
    if "feedback" not in result:
        jobs.report(job, 10, f"Checking return rates of {len(products):,} products")
        with transaction.atomic():
            outcome = services.raise_anomalies(products, batch=batch)
            result["feedback"] = {
                "raised": [a.pk for a in outcome.raised],
                "updated": [a.pk for a in outcome.updated],
                "resolved": [a.pk for a in outcome.resolved],
            }
            record(job, result)
    if "revision" not in result:

        def published(outcome: ReplanOutcome) -> None:
            # Inside the publishing transaction: the revision and "stage done" commit together.
            result.update(
                revision=outcome.revision.number if outcome.revision else None,
                items_changed=outcome.items_changed,
                cells_changed=outcome.cells_changed,
                causes=[cause.as_json()],
                products=products,
            )
            record(job, result)

        regenerate_mps(
            products,
            cause=cause,
            requested_by=batch.uploaded_by,
            progress=lambda percent, message: jobs.report(job, 30 + percent * 2 // 3, message),
            on_publish=published,
        )
    run_stages(job, result)
    anomalies = len(result["feedback"]["raised"]) + len(result["feedback"]["updated"])
    revision = result.get("revision")
    message = (
        f"Revision {revision}: {result['items_changed']:,} items changed" if revision else "No change to the MPS"
    ) + (f"; {anomalies} return-rate anomal{'y' if anomalies == 1 else 'ies'}" if anomalies else "")
    jobs.finish(job, result, message)
    return result
