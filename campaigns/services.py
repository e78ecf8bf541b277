"""The only writers of campaigns. Every change bumps the version, leaves an audit row and, when it can move
the demand the MPS plans for, an outbox row that the change pipeline runs from (same transaction)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model

from sop_portal.errors import InputError, StaleEdit
from sop_portal.jobs import services as jobs
from sop_portal.masterdata.models import Product

from .consensus import affected_products
from .models import COUNTING, Campaign, CampaignChange, CampaignProduct, CampaignStatus, PipelineEvent

CAMPAIGN_FIELDS = (
    "name", "type", "channel", "region", "description", "owner_department", "owner", "budget", "spend",
    "start_date", "end_date",
)  # fmt: skip
LINE_FIELDS = (
    "uplift_kind", "uplift_value", "profile", "custom_profile", "decay_weeks", "prebuy_pct", "prebuy_weeks",
    "dip_pct", "dip_weeks", "halo_pct", "cannibalisation_pct", "predecessor", "transfer_pct",
)  # fmt: skip
PIPELINE_KEY = "campaign-pipeline"

# action → (statuses it may start from, status it leads to)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "submit": ((CampaignStatus.DRAFT,), CampaignStatus.PROPOSED),
    "approve": ((CampaignStatus.PROPOSED,), CampaignStatus.APPROVED),
    "reject": ((CampaignStatus.PROPOSED,), CampaignStatus.DRAFT),
    "go_live": ((CampaignStatus.APPROVED,), CampaignStatus.LIVE),
    "close": ((CampaignStatus.LIVE,), CampaignStatus.CLOSED),
    "cancel": (
        (CampaignStatus.DRAFT, CampaignStatus.PROPOSED, CampaignStatus.APPROVED, CampaignStatus.LIVE),
        CampaignStatus.CANCELLED,
    ),
}
EDITABLE = (CampaignStatus.DRAFT, CampaignStatus.PROPOSED, CampaignStatus.APPROVED, CampaignStatus.LIVE)


def _plain(value: Any) -> Any:
    if isinstance(value, Model):
        return value.pk
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "quantize"):  # Decimal
        return str(value)
    return value


def _validate(instance: Model, row: int | None = None, exclude: Iterable[str] = ()) -> None:
    try:
        instance.full_clean(exclude=list(exclude), validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise InputError("lines" if row is not None and field == "__all__" else field, messages[0], row=row) from exc


def _build_lines(campaign: Campaign, lines: Iterable[Mapping[str, Any]]) -> list[CampaignProduct]:
    built, seen = [], set()
    for row, data in enumerate(lines, start=1):
        product = data.get("product")
        if not isinstance(product, Product):
            raise InputError("product", "is required", row=row)
        if product.pk in seen:
            raise InputError("product", f"{product.sku} is in the campaign twice", row=row)
        seen.add(product.pk)
        values = {k: v for k, v in data.items() if k in LINE_FIELDS}
        line = CampaignProduct(campaign=campaign, product=product, **values)
        if line.predecessor_id == product.pk:
            raise InputError("predecessor", "must be another product", row=row)
        if line.profile == "custom" and not line.custom_profile:
            raise InputError("custom_profile", "needs one factor per campaign week", row=row)
        if line.uplift_kind == "percent" and line.uplift_value < -100:
            raise InputError("uplift_value", "cannot take away more than 100 % of the baseline", row=row)
        _validate(line, row=row, exclude=["campaign"])
        built.append(line)
    return built


def _line_state(lines: Iterable[CampaignProduct]) -> dict[str, dict[str, Any]]:
    return {line.product.sku: {f: _plain(getattr(line, f)) for f in LINE_FIELDS} for line in lines}


def _emit(campaign: Campaign, action: str, products: set[int], counted_before: bool) -> PipelineEvent | None:
    """Outbox: changes to what counts in the plan go down the pipeline (coalesced while one is queued)."""
    if not (counted_before or campaign.counts_in_plan) or not products:
        return None
    event = PipelineEvent.objects.create(
        campaign=campaign, version=campaign.version, action=action, products=sorted(products)
    )
    job = jobs.enqueue(
        "campaigns.pipeline",
        {"events": [event.pk]},
        coalesce_key=PIPELINE_KEY,
        countdown=settings.PIPELINE_DEBOUNCE_SECONDS,
    )
    event.job = job
    event.save(update_fields=["job"])
    return event


@transaction.atomic
def create_campaign(*, actor: Any, lines: Iterable[Mapping[str, Any]] = (), **fields: Any) -> Campaign:
    unknown = set(fields) - set(CAMPAIGN_FIELDS)
    if unknown:
        raise InputError(sorted(unknown)[0], "is not a campaign field")
    fields.setdefault("owner", actor)
    campaign = Campaign(**fields)
    _validate(campaign)
    if campaign.end_date < campaign.start_date:
        raise InputError("end_date", "must be on or after the start date")
    campaign.save()
    built = _build_lines(campaign, lines)
    CampaignProduct.objects.bulk_create(built)
    CampaignChange.objects.create(
        campaign=campaign, version=1, action="create", changed_by=_user(actor),
        changes={"fields": {f: [None, _plain(getattr(campaign, f))] for f in CAMPAIGN_FIELDS},
                 "lines": {"added": _line_state(built)}},
    )  # fmt: skip
    return campaign


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _locked(campaign: Campaign, expected_version: int | None) -> Campaign:
    current = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if expected_version is not None and current.version != expected_version:
        raise StaleEdit(f"Campaign '{current.name}'", current.version)
    return current


@transaction.atomic
def update_campaign(
    campaign: Campaign,
    *,
    actor: Any,
    expected_version: int | None,
    lines: Iterable[Mapping[str, Any]] | None = None,
    note: str = "",
    **changes: Any,
) -> Campaign:
    """Change fields and (when `lines` is given) replace the product lines, unless the campaign moved on."""
    current = _locked(campaign, expected_version)
    if current.status not in EDITABLE:
        raise InputError("status", f"a {current.get_status_display().lower()} campaign cannot be changed")
    unknown = set(changes) - set(CAMPAIGN_FIELDS)
    if unknown:
        raise InputError(sorted(unknown)[0], "is not a campaign field")
    before_products = affected_products(current)
    olds = {name: getattr(current, name) for name in changes}
    for name, value in changes.items():
        setattr(current, name, value)
    _validate(current)  # turns form and API values into the field's type, so 120000 equals 120000.00
    field_diff = {
        name: [_plain(olds[name]), _plain(getattr(current, name))]
        for name in changes
        if olds[name] != getattr(current, name)
    }
    if current.end_date < current.start_date:
        raise InputError("end_date", "must be on or after the start date")
    line_diff: dict[str, Any] = {}
    if lines is not None:
        old_lines = _line_state(current.lines.select_related("product"))
        built = _build_lines(current, lines)
        new_lines = _line_state(built)
        line_diff = {
            "added": {sku: v for sku, v in new_lines.items() if sku not in old_lines},
            "removed": {sku: v for sku, v in old_lines.items() if sku not in new_lines},
            "changed": {
                sku: {f: [old_lines[sku][f], v[f]] for f in LINE_FIELDS if old_lines[sku][f] != v[f]}
                for sku, v in new_lines.items()
                if sku in old_lines and old_lines[sku] != v
            },
        }
        line_diff = {k: v for k, v in line_diff.items() if v}
        if line_diff:
            current.lines.all().delete()
            CampaignProduct.objects.bulk_create(built)
    if not field_diff and not line_diff:
        return current
    current.version += 1
    current.save()
    CampaignChange.objects.create(
        campaign=current, version=current.version, action="edit", changed_by=_user(actor), note=note,
        changes={"fields": field_diff, "lines": line_diff},
    )  # fmt: skip
    counted = current.status in COUNTING
    _emit(current, "edit", before_products | affected_products(current), counted_before=counted)
    return current


@transaction.atomic
def transition(
    campaign: Campaign, action: str, *, actor: Any, expected_version: int | None = None, note: str = ""
) -> Campaign:
    """submit, approve, reject, go_live, close or cancel — each only from the statuses that allow it."""
    if action not in TRANSITIONS:
        raise InputError("action", f"unknown action {action!r}")
    current = _locked(campaign, expected_version)
    sources, target = TRANSITIONS[action]
    if current.status not in sources:
        raise InputError(
            "status", f"cannot {action.replace('_', ' ')} a {current.get_status_display().lower()} campaign"
        )
    counted_before = current.counts_in_plan
    old_status = current.status
    current.status = target
    current.version += 1
    current.save()
    CampaignChange.objects.create(
        campaign=current, version=current.version, action=action, changed_by=_user(actor), note=note,
        changes={"fields": {"status": [old_status, target]}},
    )  # fmt: skip
    if counted_before != current.counts_in_plan:
        _emit(current, action, affected_products(current), counted_before=counted_before)
    return current


def advance_by_calendar(today: date) -> list[Campaign]:
    """Approved campaigns whose start has come go live; live ones past their end close (beat, daily)."""
    moved = []
    for campaign in Campaign.objects.filter(status=CampaignStatus.APPROVED, start_date__lte=today):
        moved.append(transition(campaign, "go_live", actor=None, note="start date reached"))
    for campaign in Campaign.objects.filter(status=CampaignStatus.LIVE, end_date__lt=today):
        moved.append(transition(campaign, "close", actor=None, note="end date passed"))
    return moved
