"""The notification centre: alerts of every department with filters, the unread count, and acknowledge /
resolve / assign (htmx swaps the alert's row; without htmx the page reloads with a message)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sop_portal.errors import InputError
from sop_portal.organisation.models import Membership
from sop_portal.organisation.permissions import requires

from . import digests, email_actions, services, subscriptions
from .forms import AlertFilterForm, SubscriptionForm
from .models import Alert

PAGE_SIZE = 50
ACTIONS = {"acknowledge": "Acknowledged.", "resolve": "Resolved.", "assign": "Assigned."}


def _alerts() -> Any:
    return Alert.objects.select_related("owner", "acknowledged_by", "resolved_by")


def _assignable(alerts: list[Alert]) -> dict[int, list[Any]]:
    """Alert id → the active members of its departments, for the assign menu (one query for the page)."""
    codes = {code for alert in alerts for code in alert.departments}
    by_department: dict[str, list[Any]] = defaultdict(list)
    for m in (
        Membership.objects.filter(department__code__in=codes, user__is_active=True)
        .select_related("user", "department")
        .order_by("user__username")
    ):
        by_department[m.department.code].append(m.user)
    result = {}
    for alert in alerts:
        users = {u.pk: u for code in alert.departments for u in by_department[code]}
        result[alert.pk] = sorted(users.values(), key=lambda u: u.get_username())
    return result


def _row_context(request: HttpRequest, alert: Alert, error: str = "") -> dict[str, Any]:
    return {
        "a": alert,
        "may_act": services.may_act(request.user, alert),
        "assignable": _assignable([alert])[alert.pk],
        "now": timezone.now(),
        "error": error,
    }


@require_GET
@requires("portal.view")
def alert_list(request: HttpRequest) -> HttpResponse:
    form = AlertFilterForm(request.GET or None)
    alerts = form.filter(_alerts(), request.user).order_by("status", "-severity", "due_at", "-last_seen", "pk")
    page = Paginator(alerts, PAGE_SIZE).get_page(request.GET.get("page"))
    shown = list(page.object_list)
    assignable = _assignable(shown)
    unread = services.unread_count(request.user)
    # Opening the centre is reading it: the bell counts only what is raised after this visit.
    services.mark_alerts_seen(request.user)
    rows = [{"a": a, "may_act": services.may_act(request.user, a), "assignable": assignable[a.pk]} for a in shown]
    params = request.GET.copy()
    params.pop("page", None)
    context = {"form": form, "page": page, "rows": rows, "unread": unread, "now": timezone.now(),
               "query_string": params.urlencode()}  # fmt: skip
    response = render(request, "alerts/alert_list.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_POST
@requires("alerts.act")
def alert_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in ACTIONS:
        raise Http404("No such action")
    alert = get_object_or_404(_alerts(), pk=pk)
    if not services.may_act(request.user, alert):
        raise PermissionDenied("Only members of the alert's departments may act on it.")
    error, status = "", 200
    try:
        if action == "acknowledge":
            alert = services.acknowledge_alert(alert, actor=request.user)
        elif action == "resolve":
            alert = services.resolve_alert(alert, actor=request.user)
        else:
            alert = services.assign_alert(alert, owner=request.POST.get("owner"), actor=request.user)
    except services.AlertStateError as exc:
        error, status = str(exc), 409
    except InputError as exc:
        error, status = str(exc), 400
    if not request.htmx:  # type: ignore[attr-defined]
        (messages.error if error else messages.success)(request, error or ACTIONS[action])
        return redirect("alerts")
    alert = _alerts().get(pk=pk)
    return render(request, "alerts/_alert_row.html", _row_context(request, alert, error), status=status)


@requires("portal.view")
def preferences(request: HttpRequest) -> HttpResponse:
    """The user's own alert mail: departments, types, severity, frequency, when and in which time zone."""
    subscription = subscriptions.subscription_for(request.user)
    status = 200
    if request.method == "POST":
        form = SubscriptionForm(request.POST)
        if form.is_valid():
            try:
                subscriptions.update_subscription(request.user, **form.cleaned_data)
            except InputError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, "Your alert preferences are saved.")
                return redirect("alert-preferences")
        status = 400
    else:
        form = SubscriptionForm(initial={name: getattr(subscription, name) for name in subscriptions.FIELDS})
    return render(request, "alerts/preferences.html", {"form": form, "subscription": subscription}, status=status)


@require_GET
@requires("portal.view")
def digest_preview(request: HttpRequest) -> HttpResponse:
    """The digest the user would get now, in the browser: the e-mail's HTML and, below, its plain text."""
    return render(request, "alerts/digest_preview.html", digests.preview(request.user))


# The link in every digest and the target of List-Unsubscribe-Post: no login (it is opened from a mail client
# or posted by the mail provider) and no CSRF token (RFC 8058 one-click); the signed token is the credential.
@login_not_required
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    user = digests.user_from_token(token)
    if user is None:
        return render(request, "alerts/unsubscribe.html", {"invalid": True}, status=400)
    if request.method == "POST":
        subscriptions.update_subscription(user, frequency="off")
        return render(request, "alerts/unsubscribe.html", {"done": True, "user": user})
    return render(request, "alerts/unsubscribe.html", {"user": user, "token": token})


# The Acknowledge / Resolve links in alert e-mails. No login: the signed token names the user and the alert and is
# the credential; it does not sign them in. The action is the last part of the path. GET only shows what the link
# would do (mail scanners fetch links); the POST from that page acts, with the page's CSRF token like any form.
@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def email_action(request: HttpRequest, token: str, action: str) -> HttpResponse:
    template = "alerts/email_action.html"
    try:
        link = email_actions.read(token, action)
    except email_actions.LinkError as exc:
        return render(request, template, {"error": exc.message}, status=exc.status)
    refusal = email_actions.refusal(link)
    if refusal:
        return render(request, template, {"error": refusal}, status=403)
    if email_actions.already_done(link):
        return render(request, template, {"link": link, "already": True})
    if request.method == "POST":
        try:
            email_actions.perform(link)
        except services.AlertStateError:
            # Someone acted between the page and the click: say where the alert stands now, like a fresh GET.
            return render(request, template, {"link": email_actions.current(link), "already": True})
        return render(request, template, {"link": email_actions.current(link), "done": True})
    return render(request, template, {"link": link, "token": token})
