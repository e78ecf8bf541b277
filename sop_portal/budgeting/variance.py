"""After the lock (docs/budgeting.md "After the lock"): the live plan measured against the locked baseline.

For a cycle that is locked or in its mid-year review:

- variance: the live plan (the base plan of the live data, no scenario deltas) against the baseline's summary,
  every department's part by month (`planning.variance.variance_rows`);
- unbudgeted campaigns: campaigns that count in the plan and run in the fiscal year but are not among the
  baseline's campaigns (by id), each with its impact against the budget: the live plan with and without it;
- changed since budget: budgeted campaigns whose budget or weeks moved materially, or that no longer count.

Cost: the live summary is the base plan's `PlanSnapshot` (one compute per state of the live data, shared by every
process); the plan itself is computed only when there is an unbudgeted campaign, then once more per such campaign.
Results are kept in this process per (cycle, baseline, live-data stamp), so the pipeline stage, the page and the
digests measure a state of the data once. Reads only: `variance_alerts` turns the unbudgeted campaigns into
alerts, `for_digests` is what the e-mail digests show.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse

from campaigns.models import COUNTING, Campaign
from sop_portal.masterdata import services as masterdata
from sop_portal.masterdata.weeks import week_label, week_start
from sop_portal.organisation import departments as d
from sop_portal.organisation.models import Department

from . import services
from .base_inputs import base_inputs, inputs_stamp
from .figures import evaluate
from .models import BudgetBaseline, BudgetCycle, Phase
from .planning.inputs import YearInputs
from .planning.parts import DEPARTMENTS, HOURS, MONEY, SHIFTS
from .planning.variance import CampaignImpact, VarianceRow, campaign_impact, monthly_totals, variance_rows

MEASURED_PHASES = (Phase.LOCKED, Phase.REVIEW)
# The departments whose parts the variance rows come from (the page's and the API's department filter).
DEPARTMENT_PARTS = DEPARTMENTS
# Who gets the budget variance in their digests: the departments that own the budget's money, campaigns and
# capacity. Matched against a subscription's departments (a member's own, unless they chose others).
AUDIENCE = (d.FINANCE, d.MARKETING, d.OPERATIONS)
DIGEST_TOP = 5
# A budgeted campaign's budget moved "materially" beyond this share of what was budgeted (and by a whole unit).
MATERIAL_BUDGET_SHARE = 0.05
CURRENCY = "€"
# An unbudgeted campaign is theirs to settle, with the campaign's own department.
ALERT_DEPARTMENTS = (d.MARKETING, d.FINANCE)
KEPT = 8


# --- formatting ---------------------------------------------------------------------------------------------


def amount(value: float | None, unit: str = MONEY, *, signed: bool = False) -> str:
    """12400.0 → '€12,400'; signed: '+€12,400' / '-€12,400'; units and hours: '+4,200 units', '+36 h'."""
    if value is None:
        return "—"
    whole = round(value)
    sign = ("+" if whole > 0 else "-" if whole < 0 else "±") if signed else ("-" if whole < 0 else "")
    number = f"{abs(whole):,d}"
    if unit == MONEY:
        return f"{sign}{CURRENCY}{number}"
    if unit == SHIFTS and abs(whole) == 1:
        unit = "shift"
    return f"{sign}{number} {unit}"


def percent(fraction: float | None) -> str:
    """Utilisation 1.12 → '112 %'."""
    return "—" if fraction is None else f"{round(100 * fraction):,d} %"


@dataclass(frozen=True)
class Row:
    """A variance row as the page, the API and the digests show it."""

    row: VarianceRow
    department_name: str

    @property
    def baseline_text(self) -> str:
        return amount(self.row.baseline, self.row.unit)

    @property
    def live_text(self) -> str:
        return amount(self.row.live, self.row.unit)

    @property
    def delta_text(self) -> str:
        return amount(self.row.delta, self.row.unit, signed=True)

    @property
    def pct_text(self) -> str:
        pct = self.row.delta_pct
        return "new" if pct is None else f"{pct:+,.1f} %"

    @property
    def text(self) -> str:
        """'Revenue Beverages Nov 2027: €12,000 → €12,180 (+€180, +1.5 %)'."""
        return (
            f"{self.row.label} {self.row.month_label}: {self.baseline_text} → {self.live_text} "
            f"({self.delta_text}, {self.pct_text})"
        )

    def as_json(self) -> dict[str, Any]:
        return {**self.row.as_json(), "department_name": self.department_name}


# --- what is measured ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnbudgetedCampaign:
    id: int
    name: str
    version: int
    status: str
    owner_department: str  # code
    owner_department_name: str
    start: date
    end: date
    budget: float
    impact: CampaignImpact

    @property
    def departments(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys((*ALERT_DEPARTMENTS, self.owner_department)))

    @property
    def path(self) -> str:
        return reverse("campaign-detail", args=[self.id])

    @property
    def impact_text(self) -> str:
        """'+4,200 units, +€18,400 revenue, +€3,100 capacity cost, Bottling line peak 112 %; margin -€2,300'."""
        impact = self.impact
        parts = [
            amount(impact.volume, "units", signed=True),
            f"{amount(impact.revenue, signed=True)} revenue",
            f"{amount(impact.capacity_cost, signed=True)} capacity cost",
        ]
        if impact.peak_resource is not None:
            parts.append(f"{impact.peak_resource} peak {percent(impact.peak_with)}")
        if round(impact.uncovered_hours) > 0:
            parts.append(f"{round(impact.uncovered_hours):,d} h uncovered")
        return f"{', '.join(parts)}; margin {amount(impact.margin, signed=True)}"

    @property
    def shown(self) -> dict[str, str]:
        """The impact as the page's table cells."""
        impact = self.impact
        peak = "—"
        if impact.peak_resource is not None:
            peak = (
                f"{impact.peak_resource} {percent(impact.peak_with)} in {impact.peak_week} "
                f"(without it {percent(impact.peak_without)})"
            )
        return {
            "weeks": f"{week_label(self.start)}..{week_label(self.end)}",
            "budget": amount(self.budget),
            "volume": amount(impact.volume, "units", signed=True),
            "revenue": amount(impact.revenue, signed=True),
            "margin": amount(impact.margin, signed=True),
            "marketing_spend": amount(impact.marketing_spend, signed=True),
            "capacity_cost": amount(impact.capacity_cost, signed=True),
            "uncovered": amount(impact.uncovered_hours, HOURS, signed=True) if round(impact.uncovered_hours) else "—",
            "peak": peak,
        }

    def message(self, fiscal_year: int) -> str:
        return f"Campaign '{self.name}' is not in the {fiscal_year} budget: {self.impact_text}."

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "name": self.name, "version": self.version, "status": self.status,
            "owner_department": self.owner_department, "start": self.start.isoformat(), "end": self.end.isoformat(),
            "budget": self.budget, "impact": self.impact.as_json(),
        }  # fmt: skip


@dataclass(frozen=True)
class ChangedCampaign:
    """A budgeted campaign that is no longer what the budget holds."""

    id: int
    name: str
    status: str  # what it is now ("Approved", "Cancelled", "Not a live campaign")
    changes: tuple[str, ...]  # what moved, as a planner reads it

    @property
    def path(self) -> str | None:
        return reverse("campaign-detail", args=[self.id]) if self.id > 0 else None

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "status": self.status, "changes": list(self.changes)}


@dataclass(frozen=True)
class Unbudgeted:
    """The unbudgeted campaigns of a cycle at one state of the live data (what the alerts need)."""

    cycle: BudgetCycle
    baseline: BudgetBaseline
    stamp: str
    campaigns: list[UnbudgetedCampaign]
    changed: list[ChangedCampaign]


@dataclass(frozen=True)
class Variance:
    """The live plan against the baseline: rows by department and month, largest impact first."""

    cycle: BudgetCycle
    baseline: BudgetBaseline
    live: dict[str, Any]  # the base plan's summary now
    rows: list[Row]
    unbudgeted: list[UnbudgetedCampaign]
    changed: list[ChangedCampaign]
    stamp: str = ""

    KPIS = (
        ("volume", "Volume", "units"), ("revenue", "Revenue", MONEY), ("margin", "Margin", MONEY),
        ("marketing_spend", "Marketing spend", MONEY), ("capacity_cost", "Capacity cost", MONEY),
        ("uncovered_hours", "Uncovered overload", HOURS),
    )  # fmt: skip
    CHART_MEASURES = (
        ("revenue", "Revenue", MONEY), ("margin", "Margin", MONEY), ("volume", "Volume", "units"),
        ("marketing_spend", "Marketing spend", MONEY), ("capacity_cost", "Capacity cost", MONEY),
    )  # fmt: skip

    @property
    def months(self) -> list[str]:
        return list(self.live["months"])

    def filtered(self, department: str | None = None, month: int | None = None) -> list[Row]:
        """Rows of one department's part and/or one month (1..12)."""
        return [
            row
            for row in self.rows
            if (not department or row.row.department == department) and (not month or row.row.month == month - 1)
        ]

    def kpis(self) -> list[dict[str, Any]]:
        then, now = self.baseline.summary["kpis"], self.live["kpis"]
        out = []
        for name, label, unit in self.KPIS:
            was, is_ = then.get(name), now.get(name)
            delta = None if was is None or is_ is None else round(is_ - was, 2) + 0.0
            out.append({
                "name": name, "label": label, "baseline": was, "live": is_, "delta": delta,
                "baseline_text": amount(was, unit), "live_text": amount(is_, unit),
                "delta_text": amount(delta, unit, signed=True) if delta is not None else "—",
            })  # fmt: skip
        return out

    def chart(self, measure: str = "revenue") -> dict[str, Any]:
        """Plan against baseline by month for one measure (the page's chart, as json_script data)."""
        names = {name: (label, unit) for name, label, unit in self.CHART_MEASURES}
        measure = measure if measure in names else "revenue"
        label, unit = names[measure]
        return {
            "labels": self.months, "measure": measure, "title": label, "unit": unit or CURRENCY,
            "baseline": monthly_totals(self.baseline.summary)[measure], "live": monthly_totals(self.live)[measure],
        }  # fmt: skip

    def as_json(self, department: str | None = None, month: int | None = None) -> dict[str, Any]:
        return {
            "fiscal_year": self.cycle.fiscal_year, "phase": self.cycle.phase,
            "baseline": {"scenario_name": self.baseline.scenario_name,
                         "scenario_revision": self.baseline.scenario_revision, "locked_at": self.baseline.locked_at},
            "months": self.months,
            "kpis": [{k: row[k] for k in ("name", "label", "baseline", "live", "delta")} for row in self.kpis()],
            "rows": [row.as_json() for row in self.filtered(department, month)],
            "unbudgeted_campaigns": [c.as_json() for c in self.unbudgeted],
            "changed_since_budget": [c.as_json() for c in self.changed],
        }  # fmt: skip


# --- measuring ----------------------------------------------------------------------------------------------

_kept: dict[tuple[Any, ...], Any] = {}
_kept_lock = threading.Lock()


def _remember(key: tuple[Any, ...], value: Any) -> Any:
    with _kept_lock:
        _kept[key] = value
        while len(_kept) > KEPT:
            _kept.pop(next(iter(_kept)))
    return value


def _recall(key: tuple[Any, ...]) -> Any:
    with _kept_lock:
        return _kept.get(key)


def forget() -> None:
    """Empty this process's measurements (tests)."""
    with _kept_lock:
        _kept.clear()


def measured_cycles() -> QuerySet[BudgetCycle]:
    """Cycles whose baseline later changes are measured against: locked, or in the mid-year review."""
    return BudgetCycle.objects.filter(phase__in=MEASURED_PHASES).order_by("fiscal_year")


def baseline_of(cycle: BudgetCycle) -> BudgetBaseline | None:
    return BudgetBaseline.objects.filter(cycle=cycle).first()


def _in_year(inputs: YearInputs, row: int) -> bool:
    """The campaign runs in the fiscal year (as for the baseline's campaigns: a pre-buy or dip that merely
    reaches into the year does not make a campaign of this year's budget)."""
    book = inputs.campaigns
    return int(book.end[row]) >= 0 and int(book.start[row]) < inputs.calendar.weeks


def unbudgeted(cycle: BudgetCycle, baseline: BudgetBaseline | None = None, stamp: str | None = None) -> Unbudgeted:
    """The cycle's unbudgeted campaigns with their impact, and its budgeted campaigns changed since the lock."""
    baseline = baseline or BudgetBaseline.objects.get(cycle=cycle)
    stamp = stamp or inputs_stamp(cycle)
    key = ("unbudgeted", cycle.pk, baseline.pk, stamp)
    hit = _recall(key)
    if hit is not None:
        return hit
    inputs = base_inputs(cycle, stamp)
    book = inputs.campaigns
    budgeted = {int(c["id"]): c for c in baseline.campaigns}
    rows = {int(book.ids[row]): row for row in range(book.count) if _in_year(inputs, row)}
    new = [cid for cid in rows if cid > 0 and cid not in budgeted]
    live = {
        c.pk: c
        for c in Campaign.objects.filter(pk__in=[*new, *(cid for cid in budgeted if cid > 0)]).select_related(
            "owner_department"
        )
    }
    found = []
    if new:
        # The base plan once (shared with the live summary's snapshot when it was just computed), then one
        # compute per unbudgeted campaign without it.
        evaluation = evaluate(cycle, None, stamp)
        for cid in new:
            campaign = live.get(cid)
            if campaign is None:  # deleted since the live data was stamped: the next check will not see it
                continue
            found.append(
                UnbudgetedCampaign(
                    id=cid, name=campaign.name, version=campaign.version, status=campaign.get_status_display(),
                    owner_department=campaign.owner_department.code,
                    owner_department_name=campaign.owner_department.name, start=campaign.start_date,
                    end=campaign.end_date, budget=float(campaign.budget),
                    impact=campaign_impact(evaluation.inputs, evaluation.plan, cid),
                )
            )  # fmt: skip
    # Largest margin hit first: what finance must find money for.
    found.sort(key=lambda c: (c.impact.margin, c.name, c.id))
    changed = _changed(cycle, budgeted, live, rows)
    return _remember(key, Unbudgeted(cycle, baseline, stamp, found, changed))


def _weeks(start: date, end: date) -> str:
    return f"{week_label(start)}..{week_label(end)}"


def _changed(
    cycle: BudgetCycle, budgeted: dict[int, dict[str, Any]], live: dict[int, Campaign], in_plan: dict[int, int]
) -> list[ChangedCampaign]:
    """Budgeted campaigns that moved materially: budget beyond MATERIAL_BUDGET_SHARE, other ISO weeks, or out of
    the plan (cancelled, back to draft, deleted); campaigns the session added are not live campaigns at all."""
    out = []
    for cid, then in budgeted.items():
        name = then["name"]
        if cid < 0:
            out.append(ChangedCampaign(cid, name, "Not a live campaign", (
                "added in the budget session: no live campaign stands for it, so the live plan does not hold it",
            )))  # fmt: skip
            continue
        campaign = live.get(cid)
        if campaign is None:
            out.append(ChangedCampaign(cid, name, "Deleted", ("deleted since the budget",)))
            continue
        status = campaign.get_status_display()
        if campaign.status not in COUNTING:
            out.append(ChangedCampaign(cid, campaign.name, status, (f"{status.lower()} since the budget",)))
            continue
        changes = []
        was, now = float(then["budget"]), float(campaign.budget)
        if abs(now - was) >= 1 and abs(now - was) > MATERIAL_BUDGET_SHARE * abs(was):
            pct = f" ({100 * (now - was) / was:+,.0f} %)" if was else ""
            changes.append(f"budget {amount(was)} → {amount(now)}{pct}")
        start, end = date.fromisoformat(then["start"]), date.fromisoformat(then["end"])
        if (week_start(start), week_start(end)) != (week_start(campaign.start_date), week_start(campaign.end_date)):
            changes.append(f"weeks {_weeks(start, end)} → {_weeks(campaign.start_date, campaign.end_date)}")
        if cid not in in_plan:
            changes.append(f"no longer runs in {cycle.fiscal_year}")
        if changes:
            out.append(ChangedCampaign(cid, campaign.name, status, tuple(changes)))
    return sorted(out, key=lambda c: (c.name, c.id))


def _department_names() -> dict[str, str]:
    return dict(Department.objects.values_list("code", "name"))


def measure(cycle: BudgetCycle) -> Variance | None:
    """The live plan against the cycle's baseline; None while the cycle has no baseline (not locked yet)."""
    baseline = baseline_of(cycle)
    if baseline is None:
        return None
    stamp = inputs_stamp(cycle)
    key = ("variance", cycle.pk, baseline.pk, stamp)
    hit = _recall(key)
    if hit is not None:
        return hit
    live = services.scenario_summary(cycle, None)
    names = _department_names()
    rows = [Row(row, names.get(row.department, row.department)) for row in variance_rows(baseline.summary, live)]
    found = unbudgeted(cycle, baseline, stamp)
    variance = Variance(cycle, baseline, live, rows, found.campaigns, found.changed, stamp)
    return _remember(key, variance)


# --- digests ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DigestPart:
    """What one subscriber's digest says about one budget."""

    fiscal_year: int
    path: str
    rows: list[Row]
    unbudgeted: list[UnbudgetedCampaign]


@dataclass(frozen=True)
class BudgetDigest:
    """The budget variance of every measured cycle, computed once per digest run and picked per subscriber."""

    variances: list[Variance] = field(default_factory=list)

    def for_departments(self, departments: Iterable[str]) -> list[DigestPart]:
        """For a subscriber in finance, marketing or operations: the top variances of their departments' parts
        (each figure-month once: finance and marketing both sign the marketing spend) and every unbudgeted
        campaign."""
        mine = set(departments)
        if not mine & set(AUDIENCE):
            return []
        parts = []
        for variance in self.variances:
            seen: set[tuple[str, int]] = set()
            top: list[Row] = []
            for row in variance.rows:
                where = (row.row.key, row.row.month)
                if row.row.department in mine and where not in seen:
                    seen.add(where)
                    top.append(row)
                    if len(top) == DIGEST_TOP:
                        break
            if top or variance.unbudgeted:
                path = reverse("budget-variance", args=[variance.cycle.fiscal_year])
                parts.append(DigestPart(variance.cycle.fiscal_year, path, top, variance.unbudgeted))
        return parts


def for_digests() -> BudgetDigest:
    """The variance of every locked or reviewed budget whose year is not over: one query when there is none."""
    today = masterdata.today()
    cycles = [c for c in measured_cycles() if c.first_week + timedelta(weeks=c.weeks) > today]
    measured = [measure(cycle) for cycle in cycles]
    return BudgetDigest([v for v in measured if v is not None])
