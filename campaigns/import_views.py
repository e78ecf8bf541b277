"""The bulk import page: upload a CSV or Excel file of campaign lines, see every bad row, or the drafts made."""

from __future__ import annotations

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods

from sop_portal.organisation.permissions import requires

from . import imports

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
TEMPLATES = {
    "csv": ("text/csv; charset=utf-8", imports.template_csv),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", imports.template_xlsx),
}


class ImportForm(forms.Form):
    file = forms.FileField(
        label="Campaign file",
        help_text="CSV or Excel (.xlsx), one row per campaign product line, up to 5 MB.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError("is larger than 5 MB; split it into several files")
        if not upload.name.lower().endswith((".csv", ".xlsx", ".xlsm", ".txt")):
            raise forms.ValidationError("must be a .csv or .xlsx file")
        return upload


@require_http_methods(["GET", "POST"])
@requires("campaigns.plan")
def campaign_import(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    context: dict[str, object] = {"form": form, "columns": imports.COLUMNS, "help": imports.HELP}
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        result = imports.import_campaigns(upload.read(), upload.name, request.user)
        context.update(result=result, filename=upload.name)
        return render(request, "campaigns/import.html", context, status=200 if result.ok else 422)
    return render(request, "campaigns/import.html", context, status=422 if form.errors else 200)


@require_GET
@requires("campaigns.plan")
def import_template(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in TEMPLATES:
        raise Http404("No such template format")
    content_type, build = TEMPLATES[fmt]
    response = HttpResponse(build(), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="campaign-import-template.{fmt}"'
    return response
