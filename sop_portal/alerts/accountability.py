"""Accountability for the weekly leadership review: who acts on alerts and how fast.

Four answers in five queries: the unresolved alerts per department and severity, the median time to acknowledge
and to resolve the alerts raised in the period, the overdue alerts per owner (and the oldest few of each to link
to), and a 13-week trend. Counts are conditional aggregates (one column per department or week), so the database
counts and Python only arranges the few numbers it gets back. A median needs every duration and SQLite has no
percentile aggregate, so only for the medians the period's timestamps are fetched (planning/response_times.py).
An alert of two departments counts in each, and once in the totals.

Weeks are ISO weeks in the portal's time zone, the current one included (it is still running, so its "at week
end" figures are as of now). "Acknowledged" means a person answered the alert: acknowledged it, or resolved it
without acknowledging first. Overdue means unresolved after its due date (the SLA of its type and severity);
past weeks are judged by the due date an alert has now, which a worse sighting may have brought forward.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time
from typing import Any, cast

from django import forms
from django.db.models import Case, Count, DateTimeField, F, Min, Q, QuerySet, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from sop_portal.organisation.models import Department

from .models import Alert, Severity
from .planning.response_times import RaisedAlert, ResponseTimes, Week, response_times, review_weeks
from .services import UNRESOLVED, in_departments

PERIODS = (4, 13, 52)
DEFAULT_PERIOD = 13
TREND_WEEKS = 13
UNASSIGNED = "Unassigned"
# Links shown next to an owner's overdue count; the oldest first, and never more than LINKED fetched in all.
LINKS_PER_OWNER = 5
LINKED = 500


class AccountabilityForm(forms.Form):
    """The review's scope, for the page and the API; bad values are reported by field."""

    department = forms.ModelChoiceField(
        queryset=Department.objects.all(), to_field_name="code", required=False, empty_label="All departments"
    )
    weeks = forms.TypedChoiceField(
        label="Period", coerce=int, required=False, empty_value=None,
        choices=[(w, f"Last {w} weeks") for w in PERIODS],
    )  # fmt: skip

    def scope(self) -> Scope:
        data: dict[str, Any] = self.cleaned_data if self.is_valid() else {}
        department = data.get("department")
        return Scope(weeks=data.get("weeks") or DEFAULT_PERIOD, department=department.code if department else "")


@dataclass(frozen=True)
class Scope:
    weeks: int = DEFAULT_PERIOD
    department: str = ""  # a department code; empty for every department


@dataclass(frozen=True)
class OpenAlerts:
    """Unresolved alerts of one department (code "" for all departments, each alert once)."""

    department: str
    name: str
    critical: int
    warning: int
    info: int
    total: int
    acknowledged: int
    overdue: int


@dataclass(frozen=True)
class DepartmentResponse:
    department: str
    name: str
    times: ResponseTimes


@dataclass(frozen=True)
class OverdueAlert:
    id: int
    subject_label: str
    severity: str
    due_at: datetime


@dataclass(frozen=True)
class OverdueOwner:
    department: str
    department_name: str
    owner_id: int | None
    owner: str
    overdue: int
    oldest_due: datetime
    alerts: list[OverdueAlert] = field(default_factory=list)


@dataclass(frozen=True)
class TrendWeek:
    week: str
    start: datetime
    end: datetime
    raised: int
    acknowledged: int
    resolved: int
    open_at_end: int
    overdue_at_end: int


@dataclass(frozen=True)
class Report:
    scope: Scope
    now: datetime
    period_start: datetime
    period_first_week: str
    open_alerts: list[OpenAlerts]
    open_total: OpenAlerts
    response: list[DepartmentResponse]
    response_total: ResponseTimes
    overdue: list[OverdueOwner]
    trend: list[TrendWeek]

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    def chart(self) -> dict[str, Any]:
        """The trend for Chart.js: labels and one series per figure."""
        names = ("raised", "acknowledged", "resolved", "open_at_end", "overdue_at_end")
        return {"labels": [w.week for w in self.trend], **{n: [getattr(w, n) for w in self.trend] for n in names}}


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


Departments = list[tuple[str, str]]  # (code, name) in the portal's order


def _departments(scope: Scope) -> Departments:
    departments = Department.objects.order_by("sort_order", "name")
    if scope.department:
        departments = departments.filter(code=scope.department)
    return list(departments.values_list("code", "name"))


def _alerts(scope: Scope) -> QuerySet[Alert]:
    alerts = Alert.objects.order_by()  # no default ordering in aggregates
    return alerts.filter(in_departments([scope.department])) if scope.department else alerts


def _answered_between(start: datetime, end: datetime) -> Q:
    by_resolving = Q(
        acknowledged_at__isnull=True, resolved_by__isnull=False, resolved_at__gte=start, resolved_at__lt=end
    )
    return Q(acknowledged_at__gte=start, acknowledged_at__lt=end) | by_resolving


def open_alerts(scope: Scope, now: datetime, departments: Departments) -> tuple[list[OpenAlerts], OpenAlerts]:
    """Unresolved alerts per department: by severity, how many acknowledged, how many overdue."""
    metrics = {
        "critical": Q(severity=Severity.CRITICAL),
        "warning": Q(severity=Severity.WARNING),
        "info": Q(severity=Severity.INFO),
        "total": Q(),
        "acknowledged": Q(status=Alert.Status.ACKNOWLEDGED),
        "overdue": Q(due_at__lt=now),
    }
    groups = [("all", Q()), *((f"d{i}", in_departments([code])) for i, (code, _) in enumerate(departments))]
    aggregates = {f"{group}_{metric}": Count("pk", filter=where & q) if where or q else Count("pk")
                  for group, where in groups for metric, q in metrics.items()}  # fmt: skip
    counts = _alerts(scope).filter(status__in=UNRESOLVED).aggregate(**aggregates)

    def row(group: str, code: str, name: str) -> OpenAlerts:
        return OpenAlerts(code, name, **{metric: counts[f"{group}_{metric}"] for metric in metrics})

    rows = [row(f"d{i}", code, name) for i, (code, name) in enumerate(departments)]
    return rows, row("all", scope.department, rows[0].name if scope.department and rows else "All departments")


def response(
    scope: Scope, now: datetime, departments: Departments, period_start: datetime
) -> tuple[list[DepartmentResponse], ResponseTimes]:
    """Median hours to acknowledge and to resolve the alerts raised since `period_start`, per department."""
    # A person who resolves an open alert answers it too; a check that resolves it does not.
    answered_at = Coalesce(
        "acknowledged_at",
        Case(When(resolved_by__isnull=False, then=F("resolved_at")), output_field=DateTimeField()),
    )
    raised = (
        _alerts(scope)
        .filter(created__gte=period_start, created__lte=now)
        .annotate(answered_at=answered_at)
        .values_list("departments", "created", "answered_at", "resolved_at")
    )
    by_code, total = response_times([RaisedAlert(*row) for row in raised], [code for code, _ in departments])
    return [DepartmentResponse(code, name, by_code[code]) for code, name in departments], total


def overdue_by_owner(scope: Scope, now: datetime, departments: Departments) -> list[OverdueOwner]:
    """Per department and owner (alerts without one under "Unassigned"): how many are overdue, since when."""
    overdue = _alerts(scope).filter(status__in=UNRESOLVED, due_at__lt=now)
    aggregates: dict[str, Any] = {}
    for i, (code, _) in enumerate(departments):
        aggregates[f"n{i}"] = Count("pk", filter=in_departments([code]))
        aggregates[f"oldest{i}"] = Min("due_at", filter=in_departments([code]))
    owners = list(overdue.values("owner_id", "owner__username").annotate(**aggregates))
    links: dict[tuple[str, int | None], list[OverdueAlert]] = {}
    for alert in overdue.order_by("due_at", "pk").values(
        "pk", "subject_label", "severity", "due_at", "owner_id", "departments"
    )[:LINKED]:
        due = cast(datetime, alert["due_at"])  # overdue: never empty
        shown = OverdueAlert(alert["pk"], alert["subject_label"], Severity(alert["severity"]).label, due)
        for code in alert["departments"]:
            listed = links.setdefault((code, alert["owner_id"]), [])
            if len(listed) < LINKS_PER_OWNER:
                listed.append(shown)
    rows = []
    for i, (code, name) in enumerate(departments):
        found = [
            OverdueOwner(code, name, o["owner_id"], o["owner__username"] or UNASSIGNED, o[f"n{i}"], o[f"oldest{i}"],
                         links.get((code, o["owner_id"]), []))
            for o in owners
            if o[f"n{i}"]
        ]  # fmt: skip
        rows += sorted(found, key=lambda r: (-r.overdue, r.oldest_due, r.owner_id is None, r.owner))
    return rows


def trend(scope: Scope, now: datetime, weeks: list[Week]) -> list[TrendWeek]:
    """Per ISO week: raised, acknowledged and resolved in it; open and overdue at its end (now, for this week)."""
    bounds = [(w, _midnight(w.start), _midnight(w.end)) for w in weeks]
    aggregates = {}
    for i, (_, start, end) in enumerate(bounds):
        cut = min(end, now)
        unresolved = Q(created__lt=cut) & (Q(resolved_at__isnull=True) | Q(resolved_at__gte=cut))
        aggregates[f"raised{i}"] = Count("pk", filter=Q(created__gte=start, created__lt=end))
        aggregates[f"acknowledged{i}"] = Count("pk", filter=_answered_between(start, end))
        aggregates[f"resolved{i}"] = Count("pk", filter=Q(resolved_at__gte=start, resolved_at__lt=end))
        aggregates[f"open_at_end{i}"] = Count("pk", filter=unresolved)
        aggregates[f"overdue_at_end{i}"] = Count("pk", filter=unresolved & Q(due_at__lt=cut))
    first, last = bounds[0][1], bounds[-1][2]
    # Alerts resolved before the first week or raised after the last cannot count in any column.
    relevant = _alerts(scope).filter(Q(resolved_at__isnull=True) | Q(resolved_at__gte=first), created__lt=last)
    counts = relevant.aggregate(**aggregates)
    return [
        TrendWeek(week.label, start, end, counts[f"raised{i}"], counts[f"acknowledged{i}"], counts[f"resolved{i}"],
                  counts[f"open_at_end{i}"], counts[f"overdue_at_end{i}"])
        for i, (week, start, end) in enumerate(bounds)
    ]  # fmt: skip


def report(scope: Scope, now: datetime | None = None) -> Report:
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    period = review_weeks(today, scope.weeks)
    period_start = _midnight(period[0].start)
    departments = _departments(scope)
    rows, total = open_alerts(scope, now, departments)
    by_department, response_total = response(scope, now, departments, period_start)
    return Report(
        scope=scope,
        now=now,
        period_start=period_start,
        period_first_week=period[0].label,
        open_alerts=rows,
        open_total=total,
        response=by_department,
        response_total=response_total,
        overdue=overdue_by_owner(scope, now, departments),
        trend=trend(scope, now, review_weeks(today, TREND_WEEKS)),
    )
