"""/alerts/accountability/: the leadership review page. The filters swap the report through htmx; the same URL
answers the whole page or, for htmx, the report alone."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET

from sop_portal.organisation.permissions import requires

from . import accountability


def _htmx_part(request: HttpRequest) -> bool:
    """An htmx swap of the report; not when htmx restores a page from history (it needs the whole page)."""
    htmx = getattr(request, "htmx", None)
    return htmx is not None and bool(htmx) and not htmx.history_restore_request


@require_GET
@requires("portal.view")
def accountability_review(request: HttpRequest) -> HttpResponse:
    form = accountability.AccountabilityForm(request.GET or None)
    report = accountability.report(form.scope())
    context = {"form": form, "report": report, "chart": report.chart(), "periods": accountability.PERIODS}
    template = "alerts/_accountability_report.html" if _htmx_part(request) else "alerts/accountability.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response
