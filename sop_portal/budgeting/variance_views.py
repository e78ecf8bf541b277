"""/budget/<year>/variance/: the live plan against the locked baseline (docs/budgeting.md "After the lock").

The filters (department part, month, the chart's measure) swap the report through htmx; the same URL answers the
whole page or, for htmx, the report alone. Thin: the figures are `variance.measure`.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET

from sop_portal.organisation.models import Department
from sop_portal.organisation.permissions import requires

from . import variance
from .models import BudgetCycle
from .planning.fiscal_weeks import MONTH_NAMES
from .planning.parts import DEPARTMENTS

# A year's variance at 10,000 SKUs runs to thousands of figure-months: the page lists the largest.
ROWS_SHOWN = 200


class VarianceFilters(forms.Form):
    department = forms.ChoiceField(required=False, label="Department")
    month = forms.TypedChoiceField(
        required=False, coerce=int, empty_value=None, label="Month",
        choices=[("", "All months"), *((k, name) for k, name in enumerate(MONTH_NAMES, start=1))],
    )  # fmt: skip
    measure = forms.ChoiceField(
        required=False, label="Chart", choices=[(name, label) for name, label, _ in variance.Variance.CHART_MEASURES]
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        names = dict(Department.objects.filter(code__in=DEPARTMENTS).values_list("code", "name"))
        department = self.fields["department"]
        assert isinstance(department, forms.ChoiceField)
        department.choices = [("", "All departments"), *((c, names.get(c, c)) for c in DEPARTMENTS)]

    def value(self, name: str) -> Any:
        return self.cleaned_data.get(name) if self.is_valid() else None


def _htmx_part(request: HttpRequest) -> bool:
    """An htmx swap of the report; not when htmx restores a page from history (it needs the whole page)."""
    htmx = getattr(request, "htmx", None)
    return htmx is not None and bool(htmx) and not htmx.history_restore_request


@require_GET
@login_required
@requires("budget.view")
def variance_report(request: HttpRequest, year: int) -> HttpResponse:
    cycle = BudgetCycle.objects.filter(fiscal_year=year).first()
    if cycle is None:
        raise Http404(f"No budget cycle for {year}")
    form = VarianceFilters(request.GET or None)
    measured = variance.measure(cycle)
    context: dict[str, Any] = {"cycle": cycle, "form": form, "variance": measured}
    if measured is not None:
        department, month = form.value("department") or None, form.value("month")
        rows = measured.filtered(department, month)
        context.update(
            rows=rows[:ROWS_SHOWN], rows_total=len(rows), department=department, month=month,
            chart=measured.chart(form.value("measure") or "revenue"), kpis=measured.kpis(),
        )  # fmt: skip
    template = "budgeting/_variance_report.html" if _htmx_part(request) else "budgeting/variance.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response
