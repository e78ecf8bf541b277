"""Campaign pages: the filtered list, the calendar, one campaign with its pipeline state, impact, alerts and
audit trail, and the status actions (submit / cancel for planners, approve / reject for approvers).

Creating and editing are in edit_views.py, the bulk import in import_views.py.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Max, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_POST

from production.models import MpsItem
from sop_portal.alerts.models import Alert
from sop_portal.errors import InputError, StaleEdit
from sop_portal.jobs.models import Job
from sop_portal.masterdata import services as masterdata
from sop_portal.masterdata.weeks import week_label, weeks_between
from sop_portal.organisation.permissions import can, requires

from . import calendar, impact, services, trail
from .forms import CampaignFilterForm
from .models import COUNTING, Campaign, CampaignStatus
from .services import EDITABLE, TRANSITIONS

log = logging.getLogger(__name__)

PAGE_SIZE = 50
CALENDAR_PAGE_SIZE = 60
PRODUCT_ROWS = 12  # products listed under an impact chart; the rest are summed in the total
# Who may press which button (the services check the status; this checks the person).
ACTION_CAPABILITY = {
    "submit": "campaigns.plan",
    "cancel": "campaigns.plan",
    "approve": "campaigns.approve",
    "reject": "campaigns.approve",
}
ACTION_LABEL = {"submit": "Submit for approval", "cancel": "Cancel campaign", "approve": "Approve", "reject": "Reject"}
ACTION_DONE = {
    "submit": "Submitted for approval.",
    "cancel": "Cancelled.",
    "approve": "Approved: its uplift is now in the plan.",
    "reject": "Rejected: back to draft.",
}
# The event the campaign page's panels listen to, to reload once the pipeline has published.
PIPELINE_DONE_EVENT = "campaign-pipeline-done"


def _htmx(request: HttpRequest) -> bool:
    htmx = request.htmx  # type: ignore[attr-defined]
    return bool(htmx) and not htmx.history_restore_request


def _render(request: HttpRequest, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    response = render(request, template, context, status=status)
    patch_vary_headers(response, ["HX-Request"])  # one URL answers a whole page or a part of it
    return response


def _query_without_page(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def _campaigns() -> Any:
    return Campaign.objects.select_related("owner", "owner_department").annotate(
        line_count=Count("lines", distinct=True)
    )


# --- List and calendar --------------------------------------------------------------------------------------


@require_GET
@requires("portal.view")
def campaign_list(request: HttpRequest) -> HttpResponse:
    form = CampaignFilterForm(request.GET or None)
    campaigns = form.filter(_campaigns()).order_by("start_date", "name", "pk")
    page = Paginator(campaigns, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "query_string": _query_without_page(request),
        "today": masterdata.today(),
        "tab": "list",
    }
    template = "campaigns/_campaign_table.html" if _htmx(request) else "campaigns/campaign_list.html"
    return _render(request, template, context)


@require_GET
@requires("portal.view")
def campaign_calendar(request: HttpRequest) -> HttpResponse:
    form = CampaignFilterForm(request.GET or None)
    weeks = calendar.weeks_shown(masterdata.today())
    shown = (
        form.filter(_campaigns())
        .filter(end_date__gte=weeks[0].monday, start_date__lte=weeks[-1].monday + timedelta(days=6))
        .annotate(prebuy_weeks=Max("lines__prebuy_weeks"), dip_weeks=Max("lines__dip_weeks"))
        .order_by("start_date", "name", "pk")
    )
    page = Paginator(shown, CALENDAR_PAGE_SIZE).get_page(request.GET.get("page"))
    bars = [
        b for c in page.object_list if (b := calendar.bar(c, weeks, c.prebuy_weeks or 0, c.dip_weeks or 0)) is not None
    ]
    context = {
        "form": form,
        "page": page,
        "bars": bars,
        "weeks": weeks,
        "months": calendar.months(weeks),
        "current": next(w for w in weeks if w.current),
        "last_week": weeks[-1],
        "query_string": _query_without_page(request),
        "tab": "calendar",
    }
    template = "campaigns/_calendar.html" if _htmx(request) else "campaigns/calendar.html"
    return _render(request, template, context)


# --- One campaign -------------------------------------------------------------------------------------------


def _actions(request: HttpRequest, campaign: Campaign) -> list[dict[str, str]]:
    """The status buttons this person may press on this campaign now."""
    return [
        {"action": action, "label": ACTION_LABEL[action]}
        for action in ("submit", "approve", "reject", "cancel")
        if campaign.status in TRANSITIONS[action][0] and can(request.user, ACTION_CAPABILITY[action])
    ]


def _pipeline(campaign: Campaign) -> dict[str, Any]:
    events = list(campaign.pipeline_events.select_related("job")[:10])
    latest = events[0] if events else None
    job = latest.job if latest else None
    revision = (job.result or {}).get("revision") if job and job.status == Job.Status.DONE else None
    return {
        "campaign": campaign,
        "event": latest,
        "job": job,
        "revision": revision,
        "history": events,
        "counts": campaign.status in COUNTING,
    }


@require_GET
@requires("portal.view")
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, pk)


def _detail(request: HttpRequest, pk: int, status: int = 200) -> HttpResponse:
    campaign = get_object_or_404(_campaigns(), pk=pk)
    lines = list(campaign.lines.select_related("product", "predecessor").order_by("product__sku"))
    items = dict(
        MpsItem.objects.filter(product_id__in=[line.product_id for line in lines])
        .order_by("pk")
        .values_list("product_id", "pk")
    )
    context = {
        "campaign": campaign,
        "lines": [{"line": line, "summary": trail.line_summary(line), "item_id": items.get(line.product_id)}
                  for line in lines],
        "weeks": weeks_between(campaign.start_date, campaign.end_date),
        "first_week": week_label(campaign.start_date),
        "last_week": week_label(campaign.end_date),
        "actions": _actions(request, campaign),
        "may_edit": can(request.user, "campaigns.plan") and campaign.status in EDITABLE,
        "trail": trail.trail(campaign.changes.select_related("changed_by")),
        "steps": _steps(campaign),
        "pipeline_event": PIPELINE_DONE_EVENT,
        **_pipeline(campaign),
        **_alerts(campaign),
    }  # fmt: skip
    return _render(request, "campaigns/campaign_detail.html", context, status=status)


def _steps(campaign: Campaign) -> list[dict[str, Any]]:
    """The status track draft → proposed → approved → live → closed, with where the campaign is."""
    order: list[str] = [CampaignStatus.DRAFT, CampaignStatus.PROPOSED, CampaignStatus.APPROVED,
                        CampaignStatus.LIVE, CampaignStatus.CLOSED]  # fmt: skip
    here = order.index(campaign.status) if campaign.status in order else -1
    return [
        {"label": CampaignStatus(status).label, "state": "done" if i < here else "current" if i == here else "todo"}
        for i, status in enumerate(order)
    ]


@require_GET
@requires("portal.view")
def pipeline_state(request: HttpRequest, pk: int) -> HttpResponse:
    """The pipeline panel; the page polls it every second until the job is finished."""
    campaign = get_object_or_404(Campaign, pk=pk)
    context = _pipeline(campaign)
    response = _render(request, "campaigns/_pipeline.html", context)
    job = context["job"]
    if request.GET.get("polling") and job is not None and job.is_finished:
        response["HX-Trigger"] = PIPELINE_DONE_EVENT
    return response


@require_GET
@requires("portal.view")
def campaign_impact(request: HttpRequest, pk: int) -> HttpResponse:
    """What the campaign does to the plan (as if approved), computed on demand: the page loads it after itself."""
    campaign = get_object_or_404(Campaign, pk=pk)
    context = {"campaign": campaign, **impact_context(impact.campaign_impact(campaign))}
    return _render(request, "campaigns/_impact.html", context)


def impact_context(result: impact.Impact) -> dict[str, Any]:
    """An Impact for the page: the weeks worth showing (around the demand it adds) and the totals."""
    # Lot sizing moves receipts far beyond the campaign; the weeks shown are those of the demand it adds.
    moved = [k for k, u in enumerate(result.units_added) if u] or [k for k, m in enumerate(result.mps_added) if m]
    first, last = (max(moved[0] - 2, 0), min(moved[-1] + 3, len(result.weeks) - 1)) if moved else (0, -1)
    shown = slice(first, last + 1)
    peak = max(range(len(result.units_added)), key=lambda k: result.units_added[k], default=None)
    return {
        "impact": result,
        "chart": {"labels": result.weeks[shown], "units": result.units_added[shown], "mps": result.mps_added[shown]},
        "weekly": [
            {"week": w, "units": u, "mps": m}
            for w, u, m in zip(result.weeks[shown], result.units_added[shown], result.mps_added[shown], strict=True)
        ],
        "product_rows": [{"product": p, "weekly": p.weekly[shown]} for p in result.products[:PRODUCT_ROWS]],
        "more_products": max(len(result.products) - PRODUCT_ROWS, 0),
        "mps_shown": sum(result.mps_added[shown]),
        "mps_up": sum(v for v in result.mps_added if v > 0),
        "mps_down": -sum(v for v in result.mps_added if v < 0),
        "peak": (result.weeks[peak], result.units_added[peak]) if peak is not None and moved else None,
        "overloaded": [r for r in result.resources if r.new_overload_weeks],
    }


def _alerts(campaign: Campaign) -> dict[str, Any]:
    """Alerts its pipeline runs raised, and any whose message names it (those updated rather than raised)."""
    raised: set[int] = set()
    for result in Job.objects.filter(campaign_events__campaign=campaign).values_list("result", flat=True):
        raised.update((result or {}).get("alerts_raised", []))
    alerts = Alert.objects.filter(Q(pk__in=raised) | Q(message__contains=f"Campaign '{campaign.name}'"))
    return {"alerts": list(alerts.order_by("status", "-severity", "-last_seen")[:50]), "raised": raised}


@require_GET
@requires("portal.view")
def campaign_alerts(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = get_object_or_404(Campaign, pk=pk)
    return _render(request, "campaigns/_alerts.html", {"campaign": campaign, **_alerts(campaign)})


# --- Status actions -----------------------------------------------------------------------------------------


@require_POST
def campaign_transition(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in ACTION_CAPABILITY:
        raise Http404("No such action")
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not can(request.user, ACTION_CAPABILITY[action]):
        raise PermissionDenied(f"Your departments and roles do not allow you to {action} campaigns.")
    campaign = get_object_or_404(Campaign, pk=pk)
    try:
        expected = int(request.POST["version"])
    except (KeyError, ValueError):
        expected = None
    note = request.POST.get("note", "").strip()[:300]
    done: Campaign | None = None
    try:
        # The outbox row commits here; embedded (no Redis) the pipeline then runs at once, on commit.
        with transaction.atomic():
            done = campaign = services.transition(
                campaign, action, actor=request.user, expected_version=expected, note=note
            )
    except StaleEdit as exc:
        messages.error(request, f"Nothing changed: {exc}.")
        return _detail(request, pk, status=409)
    except InputError as exc:
        messages.error(request, f"Nothing changed: {exc.message}.")
        return _detail(request, pk, status=409)
    except Exception:
        if done is None:
            raise
        # The change is saved; only the eagerly run pipeline failed, and its job says so on the page.
        log.exception("campaign %s: pipeline failed after %s", pk, action)
    messages.success(request, f"{campaign.label}: {ACTION_DONE[action]}")
    return redirect("campaign-detail", pk=pk)
