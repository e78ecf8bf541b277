"""Forms of the budget pages. They check the shape of what was typed; what it means for the plan (a SKU that
exists, dates inside the fiscal year, a resource with shift hours) is checked by `deltas.validate` through the
services, and its errors come back onto the field they name (`lines[1].sku` → line 2's SKU).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from django import forms
from django.forms.utils import ErrorDict

from sop_portal.organisation.models import Department

from .models import ChangeKind
from .planning.fiscal_weeks import MONTH_NAMES

MONTH_CHOICES = [(str(k), name) for k, name in enumerate(MONTH_NAMES, start=1)]
UPLIFT_KINDS = [("percent", "%"), ("units", "units")]
PROFILES = [("flat", "flat"), ("ramp_up", "ramp up"), ("peak_and_decay", "peak and decay")]
FIRST_LINES = 3
MOST_LINES = 30


def _money(label: str, **kw: Any) -> forms.DecimalField:
    return forms.DecimalField(label=label, min_value=0, max_digits=12, decimal_places=2, **kw)


def put_errors(form: forms.Form, errors: Mapping[str, str], fields: Mapping[str, str] | None = None) -> None:
    """Service errors ({payload field: message}) onto the form's fields; anything else above the form."""
    for name, message in errors.items():
        target = (fields or {}).get(name, name)
        if target in form.fields:
            form.add_error(target, message)
        else:
            form.add_error(None, f"{name.replace('_', ' ').capitalize()}: {message}")


# --- running the cycle ------------------------------------------------------------------------------------------


class CycleForm(forms.Form):
    fiscal_year = forms.IntegerField(min_value=2000, max_value=9998, help_text="The calendar year (ISO weeks)")
    # Help texts are shown as HTML by the shared field template: no angle brackets in them.
    name = forms.CharField(max_length=120, required=False, help_text="Default: Budget and the year (Budget 2028)")
    participants = forms.ModelMultipleChoiceField(
        queryset=Department.objects.order_by("sort_order", "name"), widget=forms.CheckboxSelectMultiple,
        help_text="The departments at the table: each signs its part",
    )  # fmt: skip
    returns_handling_cost = _money("Returns handling cost", initial=0, help_text="Per returned unit")


class PhaseForm(forms.Form):
    phase = forms.CharField()
    version = forms.IntegerField(widget=forms.HiddenInput)


class CapacityCostForm(forms.Form):
    overtime_cost_per_hour = _money("Overtime per hour")
    overtime_limit_pct = forms.FloatField(label="Overtime limit %", min_value=0, initial=20)
    shift_hours = forms.FloatField(label="Hours a shift adds", min_value=0, initial=0)
    shift_cost_per_week = _money("Shift cost a week", initial=0)
    max_extra_shifts = forms.IntegerField(label="Most extra shifts a week", min_value=0, max_value=21, initial=1)
    version = forms.IntegerField(widget=forms.HiddenInput)

    def values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("version")
        return data


class ScenarioForm(forms.Form):
    name = forms.CharField(max_length=80)
    description = forms.CharField(max_length=300, required=False)
    copy_from = forms.TypedChoiceField(
        coerce=int, required=False, empty_value=None, label="Start from", help_text="Copies its changes"
    )

    def __init__(self, *args: Any, scenarios: Sequence[Any] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["copy_from"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "the base plan (no changes)")] + [(s.pk, s.name) for s in scenarios]


class SignForm(forms.Form):
    department = forms.CharField()
    revision = forms.IntegerField(help_text="The proposal's revision the planner looked at")


# --- the joint session: changes to a scenario -------------------------------------------------------------------


class ChangeForm(forms.Form):
    """Common to every change: the scenario it goes into and a note for the feed."""

    kind: str = ""
    scenario = forms.IntegerField(widget=forms.HiddenInput)
    note = forms.CharField(max_length=300, required=False, label="Why", help_text="Shown in the activity feed")

    def payload(self) -> dict[str, Any]:
        raise NotImplementedError

    def apply_errors(self, errors: Mapping[str, str]) -> None:
        put_errors(self, errors)


class CampaignLineForm(forms.Form):
    # The page shows empty spare lines: the browser must not insist on filling them in.
    use_required_attribute = False

    sku = forms.CharField(max_length=40, label="SKU")
    uplift_kind = forms.ChoiceField(choices=UPLIFT_KINDS, initial="percent", label="Uplift in")
    uplift_value = forms.FloatField(label="Uplift")
    profile = forms.ChoiceField(choices=PROFILES, initial="flat", label="Profile")

    def full_clean(self) -> None:
        # A line left empty is not part of the campaign: it has nothing to check and no errors to show.
        if self.is_bound and self.is_blank():
            self._errors = ErrorDict()
            self.cleaned_data = {}
            return
        super().full_clean()

    def is_blank(self) -> bool:
        return (
            not (self.data.get(self.add_prefix("sku")) or "").strip()
            and not (self.data.get(self.add_prefix("uplift_value")) or "").strip()
        )


class AddCampaignForm(ChangeForm):
    kind = ChangeKind.ADD_CAMPAIGN
    name = forms.CharField(max_length=160, label="Campaign")
    start = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    budget = forms.FloatField(min_value=0, help_text="Spread evenly over its weeks")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # `lines` is how many line rows the page shows (the "another line" button adds one).
        shown = str(self.data.get(self.add_prefix("lines"), "")) if self.is_bound else ""
        count = min(int(shown), MOST_LINES) if shown.isdigit() and int(shown) > 0 else FIRST_LINES
        data = self.data if self.is_bound else None
        self.lines = [CampaignLineForm(data, prefix=self.add_prefix(f"l{k}")) for k in range(count)]
        for number, line in enumerate(self.lines, start=1):
            # The lines are table rows under one heading each: a screen reader needs the line and the column.
            for line_field in line.fields.values():
                line_field.widget.attrs["aria-label"] = f"Line {number} {line_field.label}"

    def is_valid(self) -> bool:
        # Every line is checked (no short cut), so the planner sees all the errors at once.
        valid = [super().is_valid()] + [line.is_valid() for line in self.lines]
        if not self._filled():
            self.lines[0].add_error("sku", "add at least one product line")
            return False
        return all(valid)

    def _filled(self) -> list[CampaignLineForm]:
        return [line for line in self.lines if not line.is_blank()]

    def payload(self) -> dict[str, Any]:
        data = self.cleaned_data
        start, end = data["start"], data["end"]
        return {
            "name": data["name"], "start": _iso(start), "end": _iso(end), "budget": data["budget"],
            "lines": [
                {
                    "sku": line.cleaned_data["sku"].strip(), "uplift_kind": line.cleaned_data["uplift_kind"],
                    "uplift_value": line.cleaned_data["uplift_value"], "profile": line.cleaned_data["profile"],
                }
                for line in self._filled()
            ],
        }  # fmt: skip

    def apply_errors(self, errors: Mapping[str, str]) -> None:
        filled = self._filled()
        rest = {}
        for name, message in errors.items():
            if name.startswith("lines[") and "]." in name:
                index, field = name[len("lines[") :].split("].", 1)
                if index.isdigit() and int(index) < len(filled) and field in filled[int(index)].fields:
                    filled[int(index)].add_error(field, message)
                    continue
            rest[name] = message
        put_errors(self, rest)


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


CAMPAIGN_ACTIONS = [
    (ChangeKind.MOVE_CAMPAIGN, "Move by weeks"),
    (ChangeKind.SCALE_CAMPAIGN, "Scale uplift and budget"),
    (ChangeKind.DROP_CAMPAIGN, "Drop it"),
]


class CampaignChangeForm(ChangeForm):
    # The campaigns in the scenario's plan are offered; whether the one posted still is, the services decide.
    campaign = forms.IntegerField(label="Campaign", widget=forms.Select)
    action = forms.ChoiceField(choices=CAMPAIGN_ACTIONS, widget=forms.RadioSelect, initial=ChangeKind.MOVE_CAMPAIGN)
    weeks = forms.IntegerField(required=False, help_text="+ later, - earlier")
    factor = forms.FloatField(required=False, min_value=0, help_text="1.5: half as much again; 0.5: half")

    def __init__(self, *args: Any, campaigns: Sequence[tuple[int, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["campaign"].widget.choices = [("", "Pick a campaign"), *campaigns]

    @property
    def kind(self) -> str:  # type: ignore[override]
        return str(self.cleaned_data.get("action") or ChangeKind.MOVE_CAMPAIGN)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        action = data.get("action")
        if action == ChangeKind.MOVE_CAMPAIGN and data.get("weeks") in (None, 0):
            self.add_error("weeks", "how many weeks (+ later, - earlier)")
        if action == ChangeKind.SCALE_CAMPAIGN and data.get("factor") is None:
            self.add_error("factor", "by how much (1.5, 0.5 …)")
        return data

    def payload(self) -> dict[str, Any]:
        data = self.cleaned_data
        payload: dict[str, Any] = {"campaign": data["campaign"]}
        if self.kind == ChangeKind.MOVE_CAMPAIGN:
            payload["weeks"] = data["weeks"]
        elif self.kind == ChangeKind.SCALE_CAMPAIGN:
            payload["factor"] = data["factor"]
        return payload


class VolumeTargetForm(ChangeForm):
    kind = ChangeKind.VOLUME_TARGET
    family = forms.CharField(widget=forms.Select)
    month = forms.TypedChoiceField(choices=MONTH_CHOICES, coerce=int)
    units = forms.FloatField(min_value=0, help_text="The family's baseline that month, in units")

    def __init__(self, *args: Any, families: Sequence[tuple[str, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["family"].widget.choices = [("", "Pick a family"), *families]

    def payload(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {"family": data["family"], "month": data["month"], "units": data["units"]}


class ShiftForm(ChangeForm):
    kind = ChangeKind.ADD_SHIFT
    resource = forms.CharField(widget=forms.Select, help_text="Resources with shift hours in the capacity costs")
    from_month = forms.TypedChoiceField(choices=MONTH_CHOICES, coerce=int, label="From")
    to_month = forms.TypedChoiceField(choices=MONTH_CHOICES, coerce=int, label="To")
    shifts = forms.IntegerField(min_value=1, max_value=21, initial=1, help_text="Extra shifts a week")

    def __init__(self, *args: Any, resources: Sequence[tuple[str, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["resource"].widget.choices = [("", "Pick a resource"), *resources]

    def apply_errors(self, errors: Mapping[str, str]) -> None:
        # The services check the months with the rest (so every error shows at once) but name the payload field
        # ("must be the from_month or later"): the planner sees a From field and a month.
        first, last = self.cleaned_data.get("from_month"), self.cleaned_data.get("to_month")
        if "to_month" in errors and first is not None and last is not None and last < first:
            errors = {**errors, "to_month": f"must be {MONTH_NAMES[first - 1]} or later (the shift runs From → To)"}
        put_errors(self, errors)

    def payload(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "resource": data["resource"], "from_month": data["from_month"], "to_month": data["to_month"],
            "shifts": data["shifts"],
        }  # fmt: skip


# --- comments and decisions -------------------------------------------------------------------------------------


class CommentForm(forms.Form):
    line = forms.CharField(max_length=120, required=False, widget=forms.HiddenInput)
    scenario = forms.IntegerField(required=False, widget=forms.HiddenInput)
    body = forms.CharField(
        max_length=2000, label="Comment", widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Mention a department with @operations, @marketing …",
    )  # fmt: skip


class DecisionForm(forms.Form):
    title = forms.CharField(max_length=200, label="Decision")
    rationale = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}), label="Why")
    departments = forms.ModelMultipleChoiceField(
        queryset=Department.objects.none(), required=False, widget=forms.CheckboxSelectMultiple, label="Who agreed"
    )
    scenario = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, departments: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if departments is not None:
            self.fields["departments"].queryset = departments  # type: ignore[attr-defined]
