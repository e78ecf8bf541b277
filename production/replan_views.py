"""Replan from a page: queue the job, answer at once with a partial that polls the job until it is finished.

With Redis a worker runs the job and the partial shows its progress every second. Without Redis (embedded mode,
tests) the task runs eagerly when the request's transaction commits, so the job is usually finished by the time
the POST answers: the partial then shows the outcome straight away and never polls.
"""

from __future__ import annotations

import logging
from typing import Any
from uuid import UUID

from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from sop_portal.jobs.models import Job
from sop_portal.organisation.permissions import requires

from . import services
from .models import MpsItem
from .views import diff_preview, htmx_target, render_part

log = logging.getLogger(__name__)

REPLAN_KIND = "production.replan"
# The event the item and list pages listen to, to reload their figures once a new revision is out.
REPLANNED_EVENT = "mps-replanned"


def _queue(request: HttpRequest, products: list[int] | None) -> Job:
    job: Job | None = None
    try:
        # The job row commits here; the task is sent on commit (and, embedded, runs right then).
        with transaction.atomic():
            job = services.request_replan(products, requested_by=request.user)
    except Exception:
        if job is None:
            raise
        # Embedded mode runs the task eagerly and propagates its error; the job row already says it failed, and
        # that is what the planner must see instead of a server error.
        log.exception("replan job %s failed while running eagerly", job.pk)
    job.refresh_from_db()
    return job


def _answer(request: HttpRequest, job: Job, item: MpsItem | None) -> HttpResponse:
    if htmx_target(request) is None:
        # Without JavaScript: the job page, which shows the same partial.
        url = reverse("mps-job", args=[job.pk])
        return redirect(f"{url}?item={item.pk}" if item else url)
    return _job_response(request, job, item)


@require_POST
@requires("mps.replan")
def replan_item(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(MpsItem.objects.select_related("product", "plant"), pk=pk)
    return _answer(request, _queue(request, [item.product_id]), item)


@require_POST
@requires("mps.replan")
def replan_all(request: HttpRequest) -> HttpResponse:
    return _answer(request, _queue(request, None), None)


def _job_context(job: Job, item: MpsItem | None) -> dict[str, Any]:
    number = job.result.get("revision") if job.status == Job.Status.DONE else None
    lines, line_count = diff_preview(number, [item.pk], limit=8) if number and item else ([], 0)
    revision_url = reverse("mps-revision", args=[number]) if number else ""
    if number and item:
        revision_url += f"?sku={item.product.sku}"
    products = job.payload.get("products")
    return {
        "job": job,
        "item": item,
        "revision_number": number,
        "revision_url": revision_url,
        "lines": lines,
        "more_lines": line_count - len(lines),
        "scope": "all items" if products is None else f"{len(products)} product{'s' if len(products) != 1 else ''}",
        "poll_url": reverse("mps-job", args=[job.pk]) + (f"?item={item.pk}" if item else ""),
    }


def _job_response(request: HttpRequest, job: Job, item: MpsItem | None) -> HttpResponse:
    context = _job_context(job, item)
    response = render_part(request, "production/_replan_job.html", context)
    if context["revision_number"]:
        response["HX-Trigger"] = REPLANNED_EVENT
    return response


@require_GET
@requires("portal.view")
def job_status(request: HttpRequest, job_id: UUID) -> HttpResponse:
    job = get_object_or_404(Job.objects.select_related("requested_by"), pk=job_id)
    if job.kind != REPLAN_KIND:
        raise Http404("No such replan")
    item = None
    if (item_id := request.GET.get("item", "")).isdigit():
        item = MpsItem.objects.select_related("product", "plant").filter(pk=int(item_id)).first()
    if htmx_target(request) is not None:
        return _job_response(request, job, item)
    return render_part(request, "production/job_detail.html", _job_context(job, item))
