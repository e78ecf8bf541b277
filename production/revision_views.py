"""MPS revisions: the history of replans, and what one revision changed, line by line, with the cause."""

from __future__ import annotations

from itertools import groupby
from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from sop_portal.organisation.permissions import requires

from . import selectors
from .forms import RevisionDiffForm
from .models import MpsItemChange, MpsRevision
from .views import htmx_target, query_without_page, render_part

REVISIONS_PER_PAGE = 50
PRODUCTS_PER_PAGE = 50
# A product's lines shown on the whole-revision diff; the SKU filter shows all of them.
LINES_PER_PRODUCT = 15


@require_GET
@requires("portal.view")
def revision_list(request: HttpRequest) -> HttpResponse:
    revisions = MpsRevision.objects.select_related("requested_by").order_by("-number")
    trigger = request.GET.get("trigger", "")
    if trigger in MpsRevision.Trigger.values:
        revisions = revisions.filter(trigger=trigger)
    page = Paginator(revisions, REVISIONS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "trigger": trigger,
        "triggers": MpsRevision.Trigger.choices,
        "query_string": query_without_page(request),
    }
    template = "production/_revision_table.html" if htmx_target(request) is not None else "production/revisions.html"
    return render_part(request, template, context)


def _against(raw: str, revision: MpsRevision) -> tuple[int, str]:
    """The older revision to compare with (default: the previous one), or an error a planner can act on."""
    previous = revision.number - 1
    if not raw.strip():
        return previous, ""
    try:
        against = int(raw)
    except ValueError:
        return previous, (
            f"“{raw}” is not a revision number. Compare revision {revision.number} with an earlier one, "
            f"0 (the empty plan) to {previous}."
        )
    if not 0 <= against < revision.number:
        return previous, (
            f"Revision {revision.number} can only be compared with an earlier revision, "
            f"0 (the empty plan) to {previous}; {against} is not one."
        )
    return against, ""


def _groups(against: int, number: int, sku: str, measure: str, page_number: str | None) -> dict[str, Any]:
    """Diff lines grouped by product, a page of products at a time (only that page's lines are computed)."""
    changed = MpsItemChange.objects.filter(revision__number__gt=against, revision__number__lte=number)
    if sku:
        changed = changed.filter(item__product__sku__iexact=sku)
    products = changed.order_by("item__product__sku").values_list("item__product__sku", flat=True).distinct()
    page = Paginator(products, PRODUCTS_PER_PAGE).get_page(page_number)
    item_ids = list(
        changed.filter(item__product__sku__in=list(page.object_list)).values_list("item_id", flat=True).distinct()
    )
    lines = selectors.diff_lines(against, number, item_ids) if item_ids else []
    if measure:
        lines = [line for line in lines if line.measure == measure]
    limit = None if sku else LINES_PER_PRODUCT
    groups = []
    for key, product_lines in groupby(lines, key=lambda line: line.sku):
        rows = list(product_lines)
        groups.append(
            {
                "sku": key,
                "product": rows[0].product,
                "item_id": rows[0].item_id,
                "plants": sorted({line.plant for line in rows}),
                "lines": rows[:limit],
                "count": len(rows),
                "hidden": len(rows) - len(rows[:limit]),
            }
        )
    return {"page": page, "groups": groups, "line_total": len(lines)}


@require_GET
@requires("portal.view")
def revision_detail(request: HttpRequest, number: int) -> HttpResponse:
    revision = get_object_or_404(MpsRevision.objects.select_related("requested_by"), number=number)
    form = RevisionDiffForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    raw_against = request.GET.get("against", "")
    against, error = _against(raw_against, revision)
    context: dict[str, Any] = {
        "revision": revision,
        "form": form,
        "against": against,
        "against_value": raw_against if error else (raw_against.strip() or ""),
        "error": error,
        "sku": (filters.get("sku") or "").strip(),
        "query_string": query_without_page(request),
        "previous": MpsRevision.objects.filter(number__lt=revision.number).order_by("-number").first(),
        "next": MpsRevision.objects.filter(number__gt=revision.number).order_by("number").first(),
    }
    if not error:
        context.update(
            _groups(against, revision.number, context["sku"], filters.get("measure") or "", request.GET.get("page"))
        )
    partial = htmx_target(request) is not None
    template = "production/_revision_diff.html" if partial else "production/revision_detail.html"
    return render_part(request, template, context, status=400 if error else 200)
