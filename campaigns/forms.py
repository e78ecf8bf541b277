"""Campaign forms: the list and calendar filters, the campaign itself, and one form per product line.

Product lines are posted as `line=<key>` (their order on the page) plus fields prefixed `l<key>-`; a custom
profile posts one factor per campaign week as `l<key>-w-2027-W10`, so a factor stays with its week when the
campaign dates move.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.db.models import Q, QuerySet

from sop_portal.masterdata.models import Channel, Product
from sop_portal.masterdata.weeks import week_label, week_start, weeks_between
from sop_portal.organisation.models import Department

from .models import Campaign, CampaignProduct, CampaignStatus, CampaignType, ProfileChoice, UpliftKindChoice

CENTS = Decimal("0.01")
# A custom profile longer than this is a typo in the dates, not a campaign.
MAX_CUSTOM_WEEKS = 104
CAMPAIGN_FORM_FIELDS = [
    "name", "type", "channel", "region", "owner_department", "budget", "spend", "start_date", "end_date",
    "description",
]  # fmt: skip


class CampaignFilterForm(forms.Form):
    """GET filters shared by the list and the calendar: an invalid value is ignored and shown next to its field."""

    q = forms.CharField(
        label="Search", required=False, max_length=100,
        widget=forms.TextInput(attrs={"placeholder": "Name, region or SKU", "type": "search"}),
    )  # fmt: skip
    status = forms.ChoiceField(choices=[("", "All statuses"), *CampaignStatus.choices], required=False)
    type = forms.ChoiceField(choices=[("", "All types"), *CampaignType.choices], required=False)
    channel = forms.ChoiceField(choices=[("", "All channels"), *Channel.choices], required=False)
    department = forms.ModelChoiceField(
        label="Owner", queryset=Department.objects.all(), to_field_name="code", required=False,
        empty_label="All departments",
    )  # fmt: skip
    start = forms.DateField(label="Running from", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="Running to", required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def filter(self, campaigns: QuerySet[Campaign]) -> QuerySet[Campaign]:
        self.is_valid()
        data: dict[str, Any] = getattr(self, "cleaned_data", {})
        if query := (data.get("q") or "").strip():
            campaigns = campaigns.filter(
                Q(name__icontains=query) | Q(region__icontains=query) | Q(lines__product__sku__iexact=query)
            ).distinct()
        for name in ("status", "type", "channel"):
            if data.get(name):
                campaigns = campaigns.filter(**{name: data[name]})
        if data.get("department"):
            campaigns = campaigns.filter(owner_department=data["department"])
        # A date range keeps the campaigns running at any time inside it.
        if data.get("start"):
            campaigns = campaigns.filter(end_date__gte=data["start"])
        if data.get("end"):
            campaigns = campaigns.filter(start_date__lte=data["end"])
        return campaigns


class CampaignForm(forms.ModelForm):
    class Meta:
        model = Campaign
        fields = CAMPAIGN_FORM_FIELDS
        labels = {"owner_department": "Owner department", "start_date": "First day", "end_date": "Last day"}
        help_texts = {"channel": "Blank: every channel", "region": "e.g. UK, Scotland, London stores"}
        widgets = {
            "start_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "end_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "description": forms.Textarea(attrs={"rows": 2}),
            "budget": forms.NumberInput(attrs={"min": 0, "step": "0.01"}),
            "spend": forms.NumberInput(attrs={"min": 0, "step": "0.01"}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        channel = self.fields["channel"]
        assert isinstance(channel, forms.ChoiceField)
        channel.choices = [("", "All channels"), *Channel.choices]
        department = self.fields["owner_department"]
        assert isinstance(department, forms.ModelChoiceField)
        department.empty_label = None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in ("budget", "spend"):  # as stored, so an unchanged amount is not a change
            if isinstance(data.get(name), Decimal):
                data[name] = data[name].quantize(CENTS)
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", "must be on or after the first day")
        return data

    def changes(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in CAMPAIGN_FORM_FIELDS}


class CampaignEditForm(CampaignForm):
    """The version the planner loaded travels with the form; saving over a newer one is refused (409)."""

    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


def campaign_weeks(start: date | None, end: date | None) -> list[date]:
    """Mondays of the campaign's weeks; empty while the dates are missing, reversed or absurdly far apart."""
    if start is None or end is None or end < start:
        return []
    count = weeks_between(start, end)
    if count > MAX_CUSTOM_WEEKS:
        return []
    return [week_start(start) + timedelta(weeks=k) for k in range(count)]


def _percent(label: str) -> forms.FloatField:
    return forms.FloatField(label=label, required=False, min_value=0, max_value=100, initial=0)


def _weeks(label: str) -> forms.IntegerField:
    return forms.IntegerField(label=label, required=False, min_value=0, max_value=26, initial=0)


class LineForm(forms.Form):
    """One product line. `number` is its 1-based position on the page, the row the errors name."""

    sku = forms.CharField(label="SKU", max_length=40)
    uplift_kind = forms.ChoiceField(label="Uplift as", choices=UpliftKindChoice.choices, initial="percent")
    uplift_value = forms.FloatField(label="Uplift")
    profile = forms.ChoiceField(label="Profile", choices=ProfileChoice.choices, initial="flat")
    decay_weeks = forms.IntegerField(label="Half-life (weeks)", required=False, min_value=1, max_value=52, initial=2)
    prebuy_pct = _percent("Pre-buy %")
    prebuy_weeks = _weeks("Pre-buy weeks")
    dip_pct = _percent("Dip %")
    dip_weeks = _weeks("Dip weeks")
    halo_pct = _percent("Halo %")
    cannibalisation_pct = _percent("Cannibalisation %")
    predecessor_sku = forms.CharField(label="Predecessor SKU", max_length=40, required=False)
    transfer_pct = _percent("Transfer %")

    def __init__(self, *args: Any, key: int, number: int, weeks: list[date], **kwargs: Any) -> None:
        kwargs.setdefault("prefix", f"l{key}")
        super().__init__(*args, **kwargs)
        self.key, self.number, self.weeks = key, number, weeks
        self.product: Product | None = None
        self.custom_errors: list[str] = []
        self.week_fields = [f"w-{week_label(week)}" for week in weeks]
        for name, week in zip(self.week_fields, weeks, strict=True):
            self.fields[name] = forms.FloatField(
                label=f"Factor {week_label(week)}", required=False, min_value=0, max_value=10
            )

    @classmethod
    def from_line(cls, line: CampaignProduct, *, key: int, number: int, weeks: list[date]) -> LineForm:
        initial: dict[str, Any] = {
            name: getattr(line, name)
            for name in (
                "uplift_kind", "uplift_value", "profile", "decay_weeks", "prebuy_pct", "prebuy_weeks", "dip_pct",
                "dip_weeks", "halo_pct", "cannibalisation_pct", "transfer_pct",
            )
        }  # fmt: skip
        initial = {name: _tidy(value) for name, value in initial.items()}
        initial["sku"] = line.product.sku
        initial["predecessor_sku"] = line.predecessor.sku if line.predecessor else ""
        for k, factor in enumerate(line.custom_profile or []):
            if k < len(weeks):
                initial[f"w-{week_label(weeks[k])}"] = _tidy(factor)
        form = cls(initial=initial, key=key, number=number, weeks=weeks)
        form.product = line.product
        return form

    def _product(self, field: str) -> Product | None:
        sku = (self.cleaned_data.get(field) or "").strip()
        if not sku:
            return None
        product = Product.objects.filter(sku__iexact=sku).first()
        if product is None:
            raise forms.ValidationError(f"unknown SKU '{sku}'")
        return product

    def clean_sku(self) -> str:
        self.product = self._product("sku")
        return self.product.sku if self.product else ""

    def clean_predecessor_sku(self) -> Product | None:
        return self._product("predecessor_sku")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("profile") == ProfileChoice.CUSTOM:
            if not self.weeks:
                self.custom_errors.append("set the campaign's first and last day, then a factor per week")
                self.add_error("profile", "a custom profile needs the campaign dates")
            elif all(data.get(name) in (None, 0) for name in self.week_fields):
                self.custom_errors.append("enter a factor for at least one week (1 = the full uplift)")
                self.add_error(None, "a custom profile needs a factor for at least one week")
        predecessor = data.get("predecessor_sku")
        if predecessor is not None and self.product is not None and predecessor.pk == self.product.pk:
            self.add_error("predecessor_sku", "must be another product than the line's own")
        if data.get("transfer_pct") and predecessor is None and "predecessor_sku" not in self.errors:
            self.add_error("predecessor_sku", "a transfer % needs the predecessor it is taken from")
        return data

    def line(self) -> dict[str, Any]:
        """The line as `services.create_campaign` / `update_campaign` take it."""
        data = self.cleaned_data
        custom = data["profile"] == ProfileChoice.CUSTOM
        return {
            "product": self.product,
            "uplift_kind": data["uplift_kind"],
            "uplift_value": data["uplift_value"],
            "profile": data["profile"],
            "custom_profile": [data.get(name) or 0.0 for name in self.week_fields] if custom else [],
            "decay_weeks": data.get("decay_weeks") or 2,
            "prebuy_pct": data.get("prebuy_pct") or 0.0,
            "prebuy_weeks": data.get("prebuy_weeks") or 0,
            "dip_pct": data.get("dip_pct") or 0.0,
            "dip_weeks": data.get("dip_weeks") or 0,
            "halo_pct": data.get("halo_pct") or 0.0,
            "cannibalisation_pct": data.get("cannibalisation_pct") or 0.0,
            "predecessor": data.get("predecessor_sku"),
            "transfer_pct": data.get("transfer_pct") or 0.0,
        }

    def messages(self) -> list[str]:
        """Every error of this line, each naming the line and the field."""
        out = [f"Line {self.number}: {error}" for error in self.non_field_errors()]
        for name, errors in self.errors.items():
            if name == NON_FIELD_ERRORS:
                continue
            label = self.fields[name].label if name in self.fields else name
            out.extend(f"Line {self.number}, {label}: {error}" for error in errors)
        return out

    def custom_cells(self) -> list[dict[str, Any]]:
        return [
            {"week": week, "label": week_label(week), "field": self[name]}
            for week, name in zip(self.weeks, self.week_fields, strict=True)
        ]


def _tidy(value: Any) -> Any:
    """A stored number as a planner types it: 46.0 → "46", 2.5 → "2.5"; anything else as it is."""
    if not isinstance(value, float | Decimal):
        return value
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def tidy_money(campaign: Campaign) -> dict[str, Any]:
    return {"budget": _tidy(campaign.budget), "spend": _tidy(campaign.spend)}


def line_keys(data: Any) -> list[int]:
    """The posted line keys in page order (duplicates and junk dropped)."""
    keys: list[int] = []
    for raw in data.getlist("line"):
        try:
            key = int(raw)
        except (TypeError, ValueError):
            continue
        if 0 <= key < 10_000 and key not in keys:
            keys.append(key)
    return keys


def bind_lines(data: Any, weeks: list[date]) -> list[LineForm]:
    return [LineForm(data, key=key, number=i, weeks=weeks) for i, key in enumerate(line_keys(data), start=1)]


def posted_dates(data: Any) -> tuple[date | None, date | None]:
    """The campaign dates as posted, for laying out the custom weeks even when the rest of the form is invalid."""
    field = forms.DateField(required=False)
    out: list[date | None] = []
    for name in ("start_date", "end_date"):
        try:
            out.append(field.clean(data.get(name)))
        except forms.ValidationError:
            out.append(None)
    return out[0], out[1]
