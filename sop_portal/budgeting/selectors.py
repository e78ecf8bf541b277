"""Reads for the session screen, the API and the pack: a cycle's scenarios, sign-offs, comments, decisions,
mentions and activity feed. Figures come from `services.scenario_summary` (stored snapshots), not from here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, Q, QuerySet

from sop_portal.organisation.permissions import roles_of

from .models import BudgetBaseline, BudgetCycle, Comment, Decision, Scenario, ScenarioChange, SignOff


def cycle_for_year(fiscal_year: int) -> BudgetCycle | None:
    return BudgetCycle.objects.filter(fiscal_year=fiscal_year).select_related("proposal").first()


def scenarios(cycle: BudgetCycle) -> QuerySet[Scenario]:
    """The cycle's scenarios, each with `active_changes` (deltas not withdrawn)."""
    return (
        Scenario.objects.filter(cycle=cycle)
        .select_related("created_by")
        .annotate(active_changes=Count("changes", filter=Q(changes__withdrawn__isnull=True)))
        .order_by("pk")
    )


def active_changes(scenario: Scenario) -> QuerySet[ScenarioChange]:
    return scenario.changes.filter(withdrawn__isnull=True).select_related("author", "department").order_by("pk")


def signoffs(cycle: BudgetCycle) -> QuerySet[SignOff]:
    return (
        SignOff.objects.filter(cycle=cycle)
        .select_related("department", "signed_by")
        .order_by("department__sort_order", "department__name")
    )


def comments(cycle: BudgetCycle, line: str | None = None) -> QuerySet[Comment]:
    rows = Comment.objects.filter(cycle=cycle).select_related("author", "scenario").prefetch_related("mentions")
    return rows.filter(line=line) if line is not None else rows


def mentions_for(cycle: BudgetCycle, user: Any) -> QuerySet[Comment]:
    """Comments that mention one of the user's departments, newest first: what their session screen flags."""
    codes = list(roles_of(user))
    return comments(cycle).filter(mentions__code__in=codes).distinct().order_by("-created", "-pk")


def decisions(cycle: BudgetCycle) -> QuerySet[Decision]:
    return (
        Decision.objects.filter(cycle=cycle)
        .select_related("decided_by", "scenario")
        .prefetch_related("departments")
        .order_by("created", "pk")
    )


def baseline(cycle: BudgetCycle) -> BudgetBaseline | None:
    return BudgetBaseline.objects.filter(cycle=cycle).select_related("locked_by").first()


@dataclass(frozen=True)
class Activity:
    at: datetime
    kind: str  # "change", "withdrawn", "comment", "decision", "signed", "reopened"
    text: str
    who: str | None
    department: str | None = None


def activity(cycle: BudgetCycle, limit: int = 50) -> list[Activity]:
    """The session's feed, newest first: deltas added and withdrawn (any scenario), comments, decisions,
    signatures and re-opened sign-offs with their reason."""
    events: list[Activity] = []
    changes = ScenarioChange.objects.filter(scenario__cycle=cycle).select_related("author", "department", "scenario")
    for change in changes.order_by("-created")[:limit]:
        who, department = getattr(change.author, "username", None), getattr(change.department, "code", None)
        text = f"{change.scenario.name}: {change.summary}"
        events.append(Activity(change.created, "change", text, who, department))
        if change.withdrawn:
            events.append(Activity(change.withdrawn, "withdrawn", text, who, department))
    for comment in comments(cycle).order_by("-created")[:limit]:
        events.append(Activity(comment.created, "comment", comment.body, getattr(comment.author, "username", None)))
    for decision in decisions(cycle).order_by("-created")[:limit]:
        events.append(
            Activity(decision.created, "decision", decision.title, getattr(decision.decided_by, "username", None))
        )
    for signoff in signoffs(cycle):
        if signoff.signed_at:
            who = getattr(signoff.signed_by, "username", None)
            events.append(Activity(signoff.signed_at, "signed", signoff.department.name, who, signoff.department.code))
        if signoff.reopened_at:
            text = f"{signoff.department.name}: {signoff.reopened_reason}"
            events.append(Activity(signoff.reopened_at, "reopened", text, None, signoff.department.code))
    events.sort(key=lambda event: event.at, reverse=True)
    return events[:limit]
