"""Forms of the warehouse page: capacity settings and capacity exceptions. Both carry the warehouse version they
were opened at; fulfillment.services refuses a stale one (the page answers 409)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms

from sop_portal.masterdata.weeks import parse_week, week_label

from .models import Dimension, Warehouse


def _plain(value: Any) -> Any:
    """55450.0 shows as 55450 in the form."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _amount(label: str, help_text: str) -> forms.FloatField:
    return forms.FloatField(label=label, required=False, min_value=0, help_text=help_text)


class CapacityForm(forms.Form):
    """Capacities in the warehouse's own units; thresholds as percentages (the model keeps ratios)."""

    inbound_capacity = _amount("Inbound", "Units received per week; blank: not checked")
    outbound_capacity = _amount("Outbound", "Units shipped per week; blank: not checked")
    storage_capacity = _amount("Storage", "Pallet positions; blank: not checked")
    labour_capacity = _amount("Labour", "Hours per week; needs both rates")
    pick_rate = forms.FloatField(label="Pick rate", required=False, help_text="Units picked per labour hour")
    receive_rate = forms.FloatField(label="Receive rate", required=False, help_text="Units received per labour hour")
    warning_pct = forms.FloatField(label="Warning above (%)", min_value=1, help_text="e.g. 85")
    critical_pct = forms.FloatField(label="Critical above (%)", min_value=1, help_text="e.g. 100")
    version = forms.IntegerField(widget=forms.HiddenInput)

    @classmethod
    def for_warehouse(cls, warehouse: Warehouse) -> CapacityForm:
        initial = {name: _plain(getattr(warehouse, name)) for name in cls.base_fields if hasattr(warehouse, name)}
        initial.update(
            warning_pct=_plain(round(warehouse.warning_threshold * 100, 2)),
            critical_pct=_plain(round(warehouse.critical_threshold * 100, 2)),
        )
        return cls(initial=initial, prefix="capacity")

    def changes(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("version")
        data["warning_threshold"] = data.pop("warning_pct") / 100
        data["critical_threshold"] = data.pop("critical_pct") / 100
        return data

    def field_of(self, service_field: str) -> str:
        """The form field a service error names (thresholds are percentages here)."""
        return {"warning_threshold": "warning_pct", "critical_threshold": "critical_pct"}.get(
            service_field, service_field
        )


class WeekField(forms.CharField):
    """An ISO week typed as 2027-W14, cleaned to its Monday."""

    def to_python(self, value: Any) -> date | None:  # type: ignore[override]
        text = super().to_python(value)
        if not text:
            return None
        try:
            return parse_week(text)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc

    def prepare_value(self, value: Any) -> Any:
        return week_label(value) if isinstance(value, date) else value


class ExceptionForm(forms.Form):
    dimension = forms.ChoiceField(choices=Dimension.choices)
    week = WeekField(widget=forms.TextInput(attrs={"placeholder": "2027-W14", "class": "input-narrow"}))
    capacity = forms.FloatField(min_value=0, help_text="0 closes the week")
    reason = forms.CharField(
        required=False, max_length=120, widget=forms.TextInput(attrs={"placeholder": "Bank holiday"})
    )
    version = forms.IntegerField(widget=forms.HiddenInput)
