"""Filter forms of the MPS pages (GET forms: an invalid value is ignored and shown next to its field)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Exists, OuterRef, Q, QuerySet

from sop_portal.masterdata.models import ProductFamily

from .models import BillOfCapacity, Measure, MpsItem, Plant, Resource

EXCEPTION_CHOICES = [
    ("", "All items"),
    ("shortage", "Shortage"),
    ("overload", "Overload"),
    ("below_safety_stock", "Below safety stock"),
]


class MpsItemFilterForm(forms.Form):
    q = forms.CharField(
        label="Search", required=False, max_length=100, widget=forms.TextInput(attrs={"placeholder": "SKU or name"})
    )
    family = forms.ModelChoiceField(
        queryset=ProductFamily.objects.all(), to_field_name="code", required=False, empty_label="All families"
    )
    plant = forms.ModelChoiceField(
        queryset=Plant.objects.all(), to_field_name="code", required=False, empty_label="All plants"
    )
    exception = forms.ChoiceField(label="Exception", choices=EXCEPTION_CHOICES, required=False)
    resource = forms.ModelChoiceField(
        queryset=Resource.objects.select_related("plant"),
        to_field_name="code",
        required=False,
        empty_label="All resources",
        label="Loads resource",
    )

    def filter(self, items: QuerySet[MpsItem]) -> QuerySet[MpsItem]:
        """Apply every valid filter to `selectors.items_exceptions_first()` (the API filters the same way)."""
        self.is_valid()
        data: dict[str, Any] = getattr(self, "cleaned_data", {})
        if query := (data.get("q") or "").strip():
            items = items.filter(Q(product__sku__icontains=query) | Q(product__name__icontains=query))
        if data.get("family"):
            items = items.filter(product__family=data["family"])
        if data.get("plant"):
            items = items.filter(plant=data["plant"])
        exception = data.get("exception")
        if exception == "shortage":
            items = items.filter(plan__shortage=True)
        elif exception == "overload":
            items = items.filter(Q(overload=True))  # annotated by selectors.items_exceptions_first
        elif exception == "below_safety_stock":
            items = items.filter(plan__below_safety_stock=True)
        if data.get("resource"):
            # An item loads a resource of its own plant only (as in rough_cut.bill_matrix).
            loads = BillOfCapacity.objects.filter(
                product_id=OuterRef("product_id"), resource=data["resource"], resource__plant_id=OuterRef("plant_id")
            )
            items = items.filter(Exists(loads))
        return items


class RevisionDiffForm(forms.Form):
    sku = forms.CharField(
        label="SKU", required=False, max_length=60, widget=forms.TextInput(attrs={"placeholder": "e.g. BEV-0001"})
    )
    measure = forms.ChoiceField(label="Row", choices=[("", "All rows"), *Measure.choices], required=False)
