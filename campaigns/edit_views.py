"""Create and edit a campaign with its product lines, and preview its impact before saving.

The form posts the campaign fields and every product line at once: the lines are saved all or none, and each
error names its line and field. An edit carries the version it was made on; if someone saved in between, the
answer is 409 with the form as the planner left it, and nothing is overwritten.
"""

from __future__ import annotations

import logging
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sop_portal.errors import InputError, StaleEdit
from sop_portal.masterdata.models import Product, ProductStatus
from sop_portal.organisation.models import Department, Membership
from sop_portal.organisation.permissions import CAPABILITIES, requires

from . import impact, services
from .forms import (
    CampaignEditForm,
    CampaignForm,
    LineForm,
    bind_lines,
    campaign_weeks,
    line_keys,
    posted_dates,
    tidy_money,
)
from .models import Campaign
from .services import EDITABLE
from .views import impact_context

log = logging.getLogger(__name__)

SKU_SUGGESTIONS = 15
# Service field names → the form field that shows the error.
LINE_FIELD = {"product": "sku", "predecessor": "predecessor_sku", "custom_profile": "profile", "lines": None}


def _default_department(user: Any) -> Department | None:
    """The first department in which this person plans campaigns (marketing before sales)."""
    planning = CAPABILITIES["campaigns.plan"]
    membership = (
        Membership.objects.filter(user=user, department__code__in=planning.departments, role__gte=planning.min_role)
        .select_related("department")
        .order_by("department__sort_order")
        .first()
    )
    return membership.department if membership else None


def _page(
    request: HttpRequest,
    form: CampaignForm,
    lines: list[LineForm],
    campaign: Campaign | None,
    status: int = 200,
    stale: StaleEdit | None = None,
) -> HttpResponse:
    errors = [
        f"{form.fields[name].label if name in form.fields else name}: {error}"
        for name, field_errors in form.errors.items()
        if name != "__all__"
        for error in field_errors
    ]
    context = {
        "form": form,
        "lines": lines,
        "campaign": campaign,
        "stale": stale,
        "non_field_errors": form.non_field_errors(),
        "errors": errors + [message for line in lines for message in line.messages()],
        "next_key": max([line.key for line in lines], default=-1) + 1,
    }
    return render(request, "campaigns/campaign_form.html", context, status=status)


def _apply_input_error(form: CampaignForm, lines: list[LineForm], exc: InputError) -> None:
    """A service's InputError onto the field it names (the line's, when it names a row)."""
    if exc.row is not None and 1 <= exc.row <= len(lines):
        line = lines[exc.row - 1]
        field = LINE_FIELD.get(exc.field, exc.field)
        line.add_error(field if field in line.fields else None, exc.message)
    else:
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)


def _valid(form: CampaignForm, lines: list[LineForm]) -> bool:
    # Every line is validated (no short cut), so the page shows all the errors at once.
    valid = [form.is_valid()] + [line.is_valid() for line in lines]
    return all(valid)


@require_http_methods(["GET", "POST"])
@requires("campaigns.plan")
def campaign_create(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        form = CampaignForm(initial={"owner_department": _default_department(request.user)})
        return _page(request, form, [LineForm(key=0, number=1, weeks=[])], None)
    form = CampaignForm(request.POST)
    lines = bind_lines(request.POST, campaign_weeks(*posted_dates(request.POST)))
    if _valid(form, lines):
        try:
            campaign = services.create_campaign(
                actor=request.user, lines=[line.line() for line in lines], **form.changes()
            )
        except InputError as exc:
            _apply_input_error(form, lines, exc)
        else:
            messages.success(request, f"{campaign.label} saved as a draft. Submit it for approval when it is ready.")
            return redirect("campaign-detail", pk=campaign.pk)
    return _page(request, form, lines, None, status=422)


def _editable(pk: int) -> Campaign:
    campaign = get_object_or_404(Campaign.objects.select_related("owner", "owner_department"), pk=pk)
    if campaign.status not in EDITABLE:
        raise PermissionDenied(f"A {campaign.get_status_display().lower()} campaign cannot be changed.")
    return campaign


def _stored_lines(campaign: Campaign) -> list[LineForm]:
    weeks = campaign_weeks(campaign.start_date, campaign.end_date)
    stored = campaign.lines.select_related("product", "predecessor").order_by("product__sku")
    return [LineForm.from_line(line, key=i, number=i + 1, weeks=weeks) for i, line in enumerate(stored)]


@require_http_methods(["GET", "POST"])
@requires("campaigns.plan")
def campaign_edit(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _editable(pk)
    if request.method == "GET":
        form = CampaignEditForm(instance=campaign, initial={"version": campaign.version, **tidy_money(campaign)})
        return _page(request, form, _stored_lines(campaign), campaign)
    # Validated into a copy: the page header keeps showing what is stored.
    form = CampaignEditForm(request.POST, instance=Campaign.objects.get(pk=pk))
    lines = bind_lines(request.POST, campaign_weeks(*posted_dates(request.POST)))
    if not _valid(form, lines):
        return _page(request, form, lines, campaign, status=422)
    saved: Campaign | None = None
    try:
        # Embedded (no Redis) the pipeline of an approved campaign's edit runs on commit, inside this block.
        with transaction.atomic():
            saved = services.update_campaign(
                campaign, actor=request.user, expected_version=form.cleaned_data["version"],
                lines=[line.line() for line in lines], **form.changes(),
            )  # fmt: skip
    except StaleEdit as exc:
        return _page(request, form, lines, Campaign.objects.get(pk=pk), status=409, stale=exc)
    except InputError as exc:
        _apply_input_error(form, lines, exc)
        return _page(request, form, lines, campaign, status=422)
    except Exception:
        if saved is None:
            raise
        log.exception("campaign %s: pipeline failed after an edit", pk)
    if saved.version == campaign.version:
        messages.info(request, "Nothing changed, so nothing was saved.")
    else:
        messages.success(request, f"Saved as version {saved.version}.")
    return redirect("campaign-detail", pk=pk)


@require_POST
@requires("campaigns.plan")
def campaign_preview(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """The impact of the form as it stands, through the real engines, rolled back: nothing is saved."""
    campaign = _editable(pk) if pk is not None else None
    form_class = CampaignEditForm if campaign is not None else CampaignForm
    form = form_class(request.POST, instance=Campaign.objects.get(pk=campaign.pk) if campaign is not None else None)
    lines = bind_lines(request.POST, campaign_weeks(*posted_dates(request.POST)))
    context: dict[str, Any] = {"campaign": campaign, "errors": []}
    if _valid(form, lines):
        fields = form.changes()
        try:
            result = impact.preview_edit(
                campaign, actor=request.user, fields=fields, lines=[line.line() for line in lines]
            )
        except InputError as exc:
            _apply_input_error(form, lines, exc)
        else:
            context.update(impact_context(result), preview=True)
            return render(request, "campaigns/_impact.html", context)
    context["errors"] = [
        f"{form.fields[name].label if name in form.fields else 'Campaign'}: {error}"
        for name, errors in form.errors.items()
        for error in errors
    ] + [message for line in lines for message in line.messages()]
    return render(request, "campaigns/_impact.html", context, status=422)


@require_GET
@requires("campaigns.plan")
def line_row(request: HttpRequest) -> HttpResponse:
    """A new, empty product line for the form (htmx appends it to the lines table)."""
    keys = line_keys(request.GET)
    key = max(keys, default=-1) + 1
    weeks = campaign_weeks(*posted_dates(request.GET))
    line = LineForm(key=key, number=len(keys) + 1, weeks=weeks)
    return render(request, "campaigns/_line.html", {"line": line})


@require_GET
@requires("campaigns.plan")
def line_weeks(request: HttpRequest) -> HttpResponse:
    """A line's custom weekly factors laid out again for new campaign dates, keeping each week's factor."""
    try:
        key = int(request.GET.get("key", ""))
    except ValueError:
        key = 0
    weeks = campaign_weeks(*posted_dates(request.GET))
    line = LineForm(request.GET, key=key, number=0, weeks=weeks)
    # Unbound values would be lost for weeks that are new; bound ones keep what was typed for the old weeks.
    return render(request, "campaigns/_custom_weeks.html", {"line": line})


@require_GET
@requires("campaigns.plan")
def sku_options(request: HttpRequest) -> HttpResponse:
    """<option>s for the SKU datalist: products whose SKU or name contains what was typed (any `*sku` field)."""
    typed = next((str(v).strip() for k, v in request.GET.items() if k.endswith("sku") and str(v).strip()), "")
    products = Product.objects.exclude(status=ProductStatus.DISCONTINUED)
    if typed:
        products = products.filter(Q(sku__icontains=typed) | Q(name__icontains=typed))
    options = list(products.order_by("sku").values_list("sku", "name")[:SKU_SUGGESTIONS])
    return render(request, "campaigns/_sku_options.html", {"options": options})
