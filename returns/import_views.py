"""The import page: upload a returns file (kept, then checked and loaded by a background job), follow its
progress, and read its error report — every bad row with its column — or what it loaded."""

from __future__ import annotations

import csv
import io
import logging
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_http_methods

from sop_portal.organisation.permissions import can, requires

from . import services
from .forms import ImportForm
from .imports import COLUMNS
from .models import ImportBatch

log = logging.getLogger(__name__)
HELP = [
    ("return_number", "The return (RMA) number. Rows with the same number are the lines of one return; a number "
                      "already loaded is skipped, so loading a file twice adds nothing."),
    ("line", "Optional line number within the return (default: the row's position)."),
    ("order_reference, customer", "Optional: the sales order and who returned it."),
    ("channel", "retail, online or wholesale."),
    ("sku", "A product SKU of the portal."),
    ("quantity", "Units returned, a whole number above zero."),
    ("order_date, return_date", "2027-04-05 or 05/04/2027. The order date attributes the return to the campaign "
                                "that drove the sale."),
    ("reason, sub_reason", "A reason code or name (product-defect, damaged-in-transit, not-as-described, wrong-item, "
                           "late-delivery, changed-mind, size-fit) and optionally one of its sub-reasons."),
    ("comment", "What the customer said (optional)."),
    ("condition", "Optional: unopened, opened, damaged or defective."),
    ("disposition", "restock, refurbish, scrap or return_to_vendor: restocked and refurbished units come back into "
                    "the MPS as supply."),
]  # fmt: skip
EXAMPLE = [
    ["RMA-1001", "1", "SO-88231", "Corner Shop Ltd", "retail", "BEV-0001", "2", "2027-03-10", "2027-03-17",
     "product-defect", "broken-or-leaking", "Cap cracked, leaked in the bag", "damaged", "scrap"],
    ["RMA-1001", "2", "SO-88231", "Corner Shop Ltd", "retail", "SNK-0002", "1", "2027-03-10", "2027-03-17",
     "changed-mind", "", "", "unopened", "restock"],
]  # fmt: skip


def _render(request: HttpRequest, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    response = render(request, template, context, status=status)
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_http_methods(["GET", "POST"])
@requires("portal.view")
def import_page(request: HttpRequest) -> HttpResponse:
    may_import = can(request.user, "returns.import")
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if not may_import:
            raise PermissionDenied("Importing returns is for customer service planners.")
        if form.is_valid():
            upload = form.cleaned_data["file"]
            batch = _submit(request, upload.read(), upload.name)
            return redirect("returns-batch", pk=batch.pk)
    context = {
        "form": form, "may_import": may_import, "help": HELP, "columns": COLUMNS,
        "batches": ImportBatch.objects.select_related("uploaded_by", "import_job", "pipeline_job")[:15],
    }  # fmt: skip
    return _render(request, "returns/import.html", context, status=422 if form.errors else 200)


def _submit(request: HttpRequest, content: bytes, name: str) -> ImportBatch:
    batch: ImportBatch | None = None
    try:
        # The batch and its job row commit here; the task is sent on commit (embedded: it runs right then).
        with transaction.atomic():
            batch = services.submit_import(content, name, actor=request.user)
    except Exception:
        if batch is None:
            raise
        # Embedded mode runs the job eagerly and propagates its error; the batch already says it failed.
        log.exception("returns import of batch %s failed while running eagerly", batch.pk)
    assert batch is not None
    return batch


@require_GET
@requires("portal.view")
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(ImportBatch.objects.select_related("uploaded_by", "import_job", "pipeline_job"), pk=pk)
    context = {"batch": batch, "errors": batch.errors, "more_errors": max(batch.error_count - len(batch.errors), 0)}
    htmx = getattr(request, "htmx", None)
    template = "returns/_batch_status.html" if htmx and not htmx.history_restore_request else "returns/batch.html"
    return _render(request, template, context)


@require_GET
@requires("portal.view")
def batch_errors(request: HttpRequest, pk: int) -> HttpResponse:
    """The error report as a CSV a planner can sort and filter next to the file."""
    batch = get_object_or_404(ImportBatch, pk=pk)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["row", "column", "problem"])
    writer.writerows([e["row"], e["column"], e["message"]] for e in batch.errors)
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="returns-batch-{batch.pk}-errors.csv"'
    return response


@require_GET
@requires("portal.view")
def import_template(request: HttpRequest) -> HttpResponse:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    writer.writerows(EXAMPLE)
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="returns-import-template.csv"'
    return response
