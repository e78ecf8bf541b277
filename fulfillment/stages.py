"""The warehouse stage of the campaign pipeline (settings.PIPELINE_STAGES): after a campaign change's MPS
revision, re-check the warehouses that the changed products ship through, naming the campaign."""

from __future__ import annotations

from typing import Any

from production.causes import Cause
from production.models import MpsRevision
from sop_portal.jobs.models import Job

from . import services


def check_after_revision(job: Job, result: dict[str, Any]) -> dict[str, Any]:
    products = result.get("products") or []
    if not products:
        return services.CheckOutcome().as_json()
    causes = [Cause(c["type"], c.get("ref", ""), c.get("label", "")) for c in result.get("causes", [])]
    number = result.get("revision")
    # No new revision (the MPS did not move) still re-checks: the campaign's outbound did move.
    revision = MpsRevision.objects.filter(number=number).first() if number else None
    outcome = services.check_warehouses(
        products, cause=causes or [Cause("campaign", "pipeline", "Campaign change")], revision=revision
    )
    return outcome.as_json()
