"""The change pipeline: campaign edits → demand delta → MPS revision (rough-cut and its alerts included) →
the stages later issues add (warehouse checks, notifications).

A pipeline job carries the ids of the outbox events it covers. Each stage records its outcome in the job in
the same transaction as its own writes, so a job re-run after a crash resumes after the last stage that
committed and never publishes a second revision for the same events.
"""

from __future__ import annotations

from typing import Any

from production import after_revision
from production.causes import Cause
from production.services import ReplanOutcome, regenerate_mps
from sop_portal.jobs import services as jobs
from sop_portal.jobs.models import Job

from .models import PipelineEvent


def causes_of(events: list[PipelineEvent]) -> tuple[list[Cause], dict[int, list[Cause]]]:
    """One cause per campaign version in the burst, and for each product the causes that touched it."""
    causes: dict[tuple[int, int], Cause] = {}
    by_product: dict[int, list[Cause]] = {}
    for event in sorted(events, key=lambda e: (e.campaign_id, e.version)):
        key = (event.campaign_id, event.version)
        if key not in causes:
            causes[key] = Cause(
                "campaign",
                f"campaign:{event.campaign_id}@v{event.version}",
                f"Campaign '{event.campaign.name}' v{event.version} ({event.action.replace('_', ' ')})",
            )
        for product_id in event.products:
            mine = by_product.setdefault(product_id, [])
            if causes[key] not in mine:
                mine.append(causes[key])
    return list(causes.values()), by_product


def run_pipeline(job: Job) -> dict[str, Any]:
    events = list(PipelineEvent.objects.filter(pk__in=job.payload.get("events", [])).select_related("campaign"))
    result: dict[str, Any] = dict(job.result or {})
    if "revision" not in result:
        causes, by_product = causes_of(events)
        products = sorted(by_product)

        def record_outcome(outcome: ReplanOutcome) -> None:
            # Inside the publishing transaction: the revision and "stage done" commit together.
            result.update(
                revision=outcome.revision.number if outcome.revision else None,
                items_changed=outcome.items_changed,
                cells_changed=outcome.cells_changed,
                alerts_raised=[a.pk for a in outcome.alerts.raised],
                alerts_resolved=[a.pk for a in outcome.alerts.resolved],
                causes=[c.as_json() for c in causes],
                products=products,
            )
            after_revision.record(job, result)

        item_causes = _item_causes(products, by_product)
        regenerate_mps(
            products,
            cause=causes or [Cause("campaign", "pipeline", "Campaign change")],
            item_causes=item_causes,
            progress=lambda percent, message: jobs.report(job, min(percent, 80), message),
            on_publish=record_outcome,
        )
    after_revision.run_stages(job, result)
    revision = result.get("revision")
    message = (
        f"Revision {revision}: {result['items_changed']} items, {result['cells_changed']} cells changed"
        if revision
        else "No change to the MPS"
    )
    jobs.finish(job, result, message)
    return result


def _item_causes(products: list[int], by_product: dict[int, list[Cause]]) -> dict[int, list[Cause]]:
    from production.models import MpsItem

    return {
        item_id: by_product[product_id]
        for item_id, product_id in MpsItem.objects.filter(product_id__in=products).values_list("pk", "product_id")
    }
