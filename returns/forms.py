"""Forms of the returns pages: the dashboard's scope, the lines filter, the upload, and the anomaly thread."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms

from campaigns.models import Campaign
from sop_portal.masterdata import services as masterdata
from sop_portal.masterdata.models import Channel, ProductFamily

from .models import ReturnReason
from .selectors import PERIODS, Scope

MAX_UPLOAD_BYTES = 50 * 1024 * 1024


class ScopeForm(forms.Form):
    weeks = forms.TypedChoiceField(
        label="Period", coerce=int, required=False, initial=26,
        choices=[(w, f"Last {w} weeks") for w in PERIODS],
    )  # fmt: skip
    family = forms.ModelChoiceField(
        label="Family", queryset=ProductFamily.objects.order_by("name"), required=False, empty_label="All families"
    )
    channel = forms.ChoiceField(label="Channel", choices=[("", "All channels"), *Channel.choices], required=False)

    def scope(self) -> Scope:
        data: dict[str, Any] = self.cleaned_data if self.is_valid() else {}
        family = data.get("family")
        channel = data.get("channel") or ""
        return Scope(weeks=data.get("weeks") or 26, family=family.pk if family else None, channel=channel)


class LinesFilterForm(forms.Form):
    """The drill-down: every filter optional; `week` is an order week, `weeks` a period like the dashboard's."""

    sku = forms.CharField(label="SKU", required=False)
    family = forms.ModelChoiceField(queryset=ProductFamily.objects.order_by("name"), required=False, empty_label="All")
    channel = forms.ChoiceField(choices=[("", "All"), *Channel.choices], required=False)
    campaign = forms.ModelChoiceField(queryset=Campaign.objects.order_by("name"), required=False, empty_label="Any")
    reason = forms.ModelChoiceField(
        queryset=ReturnReason.objects.select_related("parent").order_by("position"), required=False, empty_label="All"
    )
    week = forms.DateField(label="Order week", required=False, widget=forms.HiddenInput)
    weeks = forms.TypedChoiceField(
        coerce=int, required=False, choices=[("", "All time"), *[(w, f"Last {w} weeks") for w in PERIODS]]
    )
    comments = forms.BooleanField(label="With a comment", required=False)


class ImportForm(forms.Form):
    file = forms.FileField(
        label="Returns file",
        help_text="CSV or Excel (.xlsx), one row per return line, up to 50 MB. Large files load in the background.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError("is larger than 50 MB; split it into several files")
        if not upload.name.lower().endswith((".csv", ".txt", ".xlsx", ".xlsm")):
            raise forms.ValidationError("must be a .csv or .xlsx file")
        return upload


class AcknowledgeForm(forms.Form):
    note = forms.CharField(
        label="Note", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Optional: what you are looking into.",
    )  # fmt: skip


class AnswerForm(forms.Form):
    action_taken = forms.CharField(
        label="Action taken", max_length=4000, widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What was done, or will be done, about these returns.",
    )  # fmt: skip
    due_date = forms.DateField(
        label="Takes effect by", widget=forms.DateInput(attrs={"type": "date"}),
        help_text="The date the action takes effect.",
    )  # fmt: skip

    def clean_due_date(self) -> date:
        due = self.cleaned_data["due_date"]
        if due < masterdata.today():
            raise forms.ValidationError("is in the past")
        return due


class NoteForm(forms.Form):
    text = forms.CharField(label="Note", max_length=4000, widget=forms.Textarea(attrs={"rows": 2}))
