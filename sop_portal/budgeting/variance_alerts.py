"""The `unbudgeted_campaign` alerts of a locked budget (docs/budgeting.md "After the lock"): one per campaign that
counts in the plan and runs in the fiscal year without being in the baseline, to marketing, finance and the
campaign's own department, naming its capacity and cost impact against the budget; resolved when the campaign is
cancelled or no longer counts. Checked after every MPS revision (`stages.check_after_revision`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from django.conf import settings

from campaigns.models import Campaign
from sop_portal.alerts.models import Alert, Severity
from sop_portal.alerts.services import AlertOutcome, Condition, reconcile
from sop_portal.masterdata import services as masterdata
from sop_portal.masterdata.weeks import week_start

from .models import BudgetCycle
from .variance import UnbudgetedCampaign, baseline_of, unbudgeted

CAMPAIGN_REF = re.compile(r"^campaign:(\d+)@")


def alert_prefix(cycle: BudgetCycle) -> str:
    return f"unbudgeted:{cycle.fiscal_year}:"


def alert_key(cycle: BudgetCycle, campaign_id: int) -> str:
    return f"{alert_prefix(cycle)}campaign:{campaign_id}"


def condition(cycle: BudgetCycle, campaign: UnbudgetedCampaign, cause: dict[str, Any]) -> Condition:
    """An overload no overtime or shift covers makes it critical: the budget cannot buy its way out."""
    uncovered = round(campaign.impact.uncovered_hours) > 0
    return Condition(
        key=alert_key(cycle, campaign.id),
        type=Alert.Type.UNBUDGETED_CAMPAIGN,
        severity=Severity.CRITICAL if uncovered else Severity.WARNING,
        subject_type="campaign",
        subject_id=str(campaign.id),
        subject_label=f"{campaign.name} · budget {cycle.fiscal_year}",
        message=campaign.message(cycle.fiscal_year),
        cause={
            **cause,
            "budget": cycle.fiscal_year,
            "campaign": {"id": campaign.id, "version": campaign.version, "name": campaign.name},
            "impact": campaign.impact.as_json(),
        },
        departments=campaign.departments,
        # Seen again by a later revision with the same version and impact: the alert keeps what raised it.
        signature=f"v{campaign.version}: {campaign.message(cycle.fiscal_year)}",
    )


def check_unbudgeted(cycle: BudgetCycle, cause: dict[str, Any] | None = None) -> AlertOutcome:
    """Raise, update or resolve the cycle's `unbudgeted_campaign` alerts to match its unbudgeted campaigns now."""
    scope = Alert.objects.filter(key__startswith=alert_prefix(cycle)).exclude(status=Alert.Status.RESOLVED)
    keys = list(scope.values_list("key", flat=True))
    baseline = baseline_of(cycle)
    found = unbudgeted(cycle, baseline).campaigns if baseline is not None else []
    return reconcile(keys, [condition(cycle, c, cause or {}) for c in found])


def touched(cycles: Sequence[BudgetCycle], result: dict[str, Any]) -> list[BudgetCycle]:
    """The cycles whose fiscal year an MPS revision touches: the weeks the MPS plans (from this week over the
    planning horizon) and the weeks of the campaigns it names as its causes (an edit of a campaign in a later
    year than the horizon reaches)."""
    first = week_start(masterdata.today())
    spans = [(first, first + timedelta(weeks=settings.PLANNING_HORIZON_WEEKS))]
    ids = [int(m.group(1)) for c in result.get("causes") or [] if (m := CAMPAIGN_REF.match(c.get("ref") or ""))]
    if ids:
        dates = Campaign.objects.filter(pk__in=ids).values_list("start_date", "end_date")
        spans += [(start, end + timedelta(days=1)) for start, end in dates]
    return [
        cycle
        for cycle in cycles
        if any(start < cycle.first_week + timedelta(weeks=cycle.weeks) and end > cycle.first_week
               for start, end in spans)
    ]  # fmt: skip
