"""The notification centre's filters."""

from __future__ import annotations

from typing import Any
from zoneinfo import available_timezones

from django import forms
from django.db.models import QuerySet

from sop_portal.organisation.departments import STANDARD_DEPARTMENTS
from sop_portal.organisation.models import Department

from .models import Alert, Frequency, Severity
from .services import UNRESOLVED, in_departments

STATUS_CHOICES = [("active", "Open or acknowledged"), *Alert.Status.choices, ("all", "All statuses")]


class AlertFilterForm(forms.Form):
    """GET filters; an invalid value is ignored and shown next to its field. Default: unresolved alerts."""

    status = forms.ChoiceField(choices=STATUS_CHOICES, required=False)
    type = forms.ChoiceField(choices=[("", "All types"), *Alert.Type.choices], required=False)
    severity = forms.TypedChoiceField(
        label="At least", choices=[("", "Any severity"), *Severity.choices], coerce=int, required=False,
        empty_value=None,
    )  # fmt: skip
    department = forms.ModelChoiceField(
        queryset=Department.objects.all(), to_field_name="code", required=False, empty_label="All departments"
    )
    mine = forms.BooleanField(label="Owned by me", required=False)

    def filter(self, alerts: QuerySet[Alert], user: Any) -> QuerySet[Alert]:
        self.is_valid()
        data: dict[str, Any] = getattr(self, "cleaned_data", {})
        status = data.get("status") or "active"
        if status == "active":
            alerts = alerts.filter(status__in=UNRESOLVED)
        elif status != "all":
            alerts = alerts.filter(status=status)
        if data.get("type"):
            alerts = alerts.filter(type=data["type"])
        if data.get("severity"):
            alerts = alerts.filter(severity__gte=data["severity"])
        if data.get("department"):
            alerts = alerts.filter(in_departments([data["department"].code]))
        if data.get("mine"):
            alerts = alerts.filter(owner=user)
        return alerts


WEEKDAYS = [(0, "Monday"), (1, "Tuesday"), (2, "Wednesday"), (3, "Thursday"), (4, "Friday"), (5, "Saturday"),
            (6, "Sunday")]  # fmt: skip


class SubscriptionForm(forms.Form):
    """The preferences page; `subscriptions.update_subscription` checks the values again and writes them."""

    departments = forms.MultipleChoiceField(
        choices=[(code, name) for code, name, _ in STANDARD_DEPARTMENTS], required=False,
        widget=forms.CheckboxSelectMultiple, help_text="Alerts of these departments",
    )  # fmt: skip
    alert_types = forms.MultipleChoiceField(
        label="Alert types", choices=Alert.Type.choices, required=False, widget=forms.CheckboxSelectMultiple,
        help_text="None ticked: every type",
    )  # fmt: skip
    min_severity = forms.TypedChoiceField(label="At least", choices=Severity.choices, coerce=int)
    frequency = forms.ChoiceField(choices=Frequency.choices)
    time_of_day = forms.TimeField(label="Time of day", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    weekday = forms.TypedChoiceField(label="Weekly on", choices=WEEKDAYS, coerce=int)
    # A callable: the zone list is read when the form is used, not at import.
    time_zone = forms.ChoiceField(label="Time zone", choices=lambda: [(z, z) for z in sorted(available_timezones())])
