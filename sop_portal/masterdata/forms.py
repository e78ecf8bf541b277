from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

from django import forms

from .models import Product, ProductFamily, ProductStatus
from .services import PRODUCT_FIELDS
from .weeks import week_label

SORTS = {
    "sku": "sku",
    "name": "name",
    "family": "family__name",
    "status": "status",
    "cost": "unit_cost",
    "price": "unit_price",
    "margin": "margin_pct",
    "forecast": "forecast_units",
}
SORT_CHOICES = [(key, key) for key in SORTS] + [(f"-{key}", f"-{key}") for key in SORTS]


class ProductFilterForm(forms.Form):
    q = forms.CharField(
        label="Search", required=False, max_length=100, widget=forms.TextInput(attrs={"placeholder": "SKU or name"})
    )
    family = forms.ModelChoiceField(
        queryset=ProductFamily.objects.all(), to_field_name="code", required=False, empty_label="All families"
    )
    status = forms.ChoiceField(choices=[("", "All statuses"), *ProductStatus.choices], required=False)
    sort = forms.ChoiceField(choices=SORT_CHOICES, required=False)


class ProductForm(forms.ModelForm):
    # Prices and costs: validated here too, so the error names the field instead of a database constraint.
    unit_cost = forms.DecimalField(min_value=Decimal(0), max_digits=12, decimal_places=2)
    unit_price = forms.DecimalField(min_value=Decimal(0), max_digits=12, decimal_places=2)

    class Meta:
        model = Product
        fields = list(PRODUCT_FIELDS)
        widgets = {
            "launch_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "end_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def clean_sku(self) -> str:
        sku = self.cleaned_data["sku"].strip()
        if "/" in sku or sku.lower() == "new":
            raise forms.ValidationError("A SKU must not contain '/' and must not be 'new' (both clash with page URLs).")
        return sku

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        launch, end = data.get("launch_date"), data.get("end_date")
        if launch and end and end < launch:
            self.add_error("end_date", "The end date must not be before the launch date.")
        return data


class ProductEditForm(ProductForm):
    """The version the editor loaded travels with the form; saving an older one is refused (409)."""

    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


NUMBER = re.compile(r"^-?(\d+|\d{1,3}(,\d{3})+)(\.\d+)?$")


def parse_quantity(raw: str) -> float:
    """A forecast cell: blank is 0; otherwise units, zero or more, optionally grouped by thousands ("12,500.5")."""
    text = raw.strip()
    if not text:
        return 0.0
    if not NUMBER.match(text):
        raise ValueError(f"{text!r} is not a number")
    value = float(text.replace(",", ""))
    if value < 0:
        raise ValueError(f"{text} is negative; enter 0 or more")
    return value


def forecast_field(day: date) -> str:
    return f"w-{week_label(day)}"


def parse_forecast_grid(data: Any, weeks: list[date]) -> tuple[dict[date, float], dict[date, str]]:
    """Cells of the posted grid → (quantity per week, error per week). Weeks that were not posted are left out."""
    values: dict[date, float] = {}
    errors: dict[date, str] = {}
    for day in weeks:
        name = forecast_field(day)
        if name not in data:
            continue
        try:
            values[day] = parse_quantity(data.get(name, ""))
        except ValueError as exc:
            errors[day] = str(exc)
    return values, errors
