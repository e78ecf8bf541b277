"""The budget pack as Excel: download (/budget/<year>/pack.xlsx), the import page for the departments' input
sheets (/budget/<year>/import/), and the same two as API actions on /api/v1/budget/cycles/<id>/ (`PackActions`,
mixed into the cycles' viewset). Thin: `pack` builds the workbook, `imports` reads it back through the services.
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.files.uploadedfile import UploadedFile
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET, require_http_methods
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from sop_portal.organisation.permissions import requires

from . import imports, pack, selectors
from .errors import BudgetLocked
from .models import BudgetCycle, Scenario

MAX_UPLOAD_BYTES = 5 * 1024 * 1024


def _scenario(cycle: BudgetCycle, value: str | None) -> Scenario | None:
    """`?scenario=<id>`: one of the cycle's scenarios; blank: the proposal (the baseline once locked)."""
    text = (value or "").strip()
    if not text:
        return None
    scenario = Scenario.objects.filter(pk=int(text), cycle=cycle).first() if text.isdigit() else None
    if scenario is None:
        raise LookupError(f"no scenario {value} in {cycle.name}")
    return scenario


def xlsx_response(source: pack.PackSource) -> HttpResponse:
    response = HttpResponse(pack.build_pack(source), content_type=pack.CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{pack.filename(source)}"'
    return response


def _too_big(upload: UploadedFile) -> str | None:
    if (upload.size or 0) > MAX_UPLOAD_BYTES:
        return "is larger than 5 MB: upload the pack's workbook, not an export of the whole plan"
    if not (upload.name or "").lower().endswith((".xlsx", ".xlsm")):
        return "must be the budget pack as an Excel workbook (.xlsx)"
    return None


# --- pages ------------------------------------------------------------------------------------------------------


@login_required
@require_GET
@requires("budget.view")
def pack_export(request: HttpRequest, year: int) -> HttpResponse:
    cycle = get_object_or_404(BudgetCycle.objects.select_related("proposal"), fiscal_year=year)
    try:
        scenario = _scenario(cycle, request.GET.get("scenario"))
    except LookupError as exc:
        raise Http404(str(exc)) from exc
    return xlsx_response(pack.pack_source(cycle, scenario))


class ImportForm(forms.Form):
    file = forms.FileField(
        label="Budget pack",
        help_text="The pack's workbook (.xlsx) with your department's input sheet filled in, up to 5 MB.",
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
    )

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        problem = _too_big(upload)
        if problem:
            raise forms.ValidationError(problem)
        return upload


@login_required
@require_http_methods(["GET", "POST"])
@requires("budget.plan")
def pack_import(request: HttpRequest, year: int) -> HttpResponse:
    """Upload a filled-in pack: every bad cell listed with sheet, row and column, or the changes it made."""
    cycle = get_object_or_404(BudgetCycle.objects.select_related("proposal"), fiscal_year=year)
    form = ImportForm(request.POST or None, request.FILES or None)
    context: dict[str, Any] = {
        "cycle": cycle, "form": form, "scenarios": selectors.scenarios(cycle),
        "baseline": selectors.baseline(cycle) if not cycle.is_open else None,
        "input_sheets": [pack.SALES_INPUT, pack.OPERATIONS_INPUT, pack.MARKETING_INPUT],
    }  # fmt: skip
    code = 200
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                result = imports.import_inputs(cycle, upload.read(), upload.name, request.user)
            except BudgetLocked as exc:
                context["refused"], code = str(exc), 409
            else:
                context.update(result=result, filename=upload.name)
                code = 200 if result.ok else 422
        else:
            code = 422
    partial = request.method == "POST" and getattr(request, "htmx", False)
    template = "budgeting/pack_import_result.html" if partial else "budgeting/pack_import.html"
    return render(request, template, context, status=code)


# --- API --------------------------------------------------------------------------------------------------------


class XlsxRenderer(BaseRenderer):
    """Lets a client ask for the pack with `Accept: application/vnd.openxmlformats-…`; errors stay JSON text."""

    media_type = pack.CONTENT_TYPE
    format = "xlsx"
    charset = None
    render_style = "binary"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        return data if isinstance(data, bytes) else json.dumps(data, default=str).encode()


class PackActions:
    """`pack` and `import` actions of /api/v1/budget/cycles/<id>/ (mixed into CycleViewSet, whose error handling
    answers a locked cycle with 409)."""

    get_object: Any

    @extend_schema(
        parameters=[OpenApiParameter("scenario", int, description="A scenario of the cycle (default: the proposal)")],
        responses={(200, pack.CONTENT_TYPE): OpenApiTypes.BINARY},
    )
    @action(detail=True, methods=["get"], renderer_classes=[JSONRenderer, XlsxRenderer])
    def pack(self, request: Request, pk: str | None = None) -> HttpResponse:
        """The budget pack (.xlsx): the proposal's figures, the baseline's once locked, or `?scenario=<id>`'s."""
        cycle = self.get_object()
        try:
            scenario = _scenario(cycle, request.query_params.get("scenario"))
        except LookupError as exc:
            raise ValidationError({"scenario": str(exc)}) from exc
        return xlsx_response(pack.pack_source(cycle, scenario))

    @extend_schema(
        request={
            "multipart/form-data": {
                "type": "object", "properties": {"file": {"type": "string", "format": "binary"}}, "required": ["file"],
            }
        },
        responses={
            200: OpenApiResponse(OpenApiTypes.OBJECT, description="Nothing to change: every input matches the plan"),
            201: OpenApiResponse(OpenApiTypes.OBJECT, description="The changes made"),
            400: OpenApiResponse(OpenApiTypes.OBJECT, description="Every bad cell; nothing was written"),
            409: OpenApiResponse(OpenApiTypes.OBJECT, description="The cycle is locked"),
        },
    )  # fmt: skip
    @action(detail=True, methods=["post"], url_path="import", parser_classes=[MultiPartParser, FormParser])
    def import_inputs(self, request: Request, pk: str | None = None) -> Response:
        """Read a filled-in pack's input sheets into changes of the scenario it was exported from (all or none)."""
        cycle = self.get_object()
        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationError({"file": "attach the budget pack (.xlsx) as 'file'"})
        problem = _too_big(upload)
        if problem:
            raise ValidationError({"file": problem})
        result = imports.import_inputs(cycle, upload.read(), upload.name or "", request.user)
        code: int = status.HTTP_201_CREATED if result.created else status.HTTP_200_OK
        if not result.ok:
            code = status.HTTP_400_BAD_REQUEST
        return Response(result.as_json(), status=code)
