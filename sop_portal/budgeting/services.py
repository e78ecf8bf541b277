"""The only writers of joint annual budgeting: what finance and the departments do with a budget cycle.

Running the cycle (finance, `budget.manage` in the API):
    create_cycle, update_cycle, set_capacity_cost, move_phase, promote_proposal
Planning in the session (`budget.plan`):
    create_scenario, add_change, withdraw_change, add_comment, record_decision, sign_off
Reading the figures (never recomputed by a poll; the computing itself is figures.evaluate):
    scenario_summary, compare, family_detail

Every write runs in one transaction on the locked cycle row and bumps `cycle.revision` (what session screens
poll). Once the cycle is locked the plan, comments and sign-offs are refused with `BudgetLocked`. The cycle's
settings, phase and proposal carry `cycle.version`, a scenario's list of changes `scenario.revision`: a caller
that passes the value it saw gets `StaleEdit` when somebody else changed it meanwhile.

After any change to the proposal (a delta, a withdrawal, another scenario promoted, a capacity or returns cost)
the proposal is recomputed and every signed department whose part moved is re-opened, with a reason naming the
change, its author and the figure that moved most. When the last participant signs, the proposal locks as the
`BudgetBaseline` (written once; the database refuses to change it).

Mentions in comments ("@operations") are recorded on the comment: the mentioned departments' members see them
in the session (`selectors.mentions_for`). No e-mail is sent: the session is live and a mail per remark would
be noise; the digests can pick up unread mentions later.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from production.models import Resource
from sop_portal.errors import InputError, StaleEdit
from sop_portal.organisation.models import Department
from sop_portal.organisation.permissions import can_in

from . import deltas
from .base_inputs import base_inputs, fiscal_weeks, inputs_stamp
from .errors import BudgetLocked
from .figures import active, budgeted_campaigns, evaluate
from .figures import forget as forget  # tests and commands empty the per-process caches through services
from .models import (
    PHASE_ORDER,
    BudgetBaseline,
    BudgetCycle,
    CapacityCost,
    ChangeKind,
    Comment,
    Decision,
    Phase,
    PlanSnapshot,
    Scenario,
    ScenarioChange,
    SignOff,
    SignOffStatus,
)
from .planning import parts
from .planning import summary as summaries

PROPOSAL = "Proposal"
SIGNING_PHASES = frozenset({Phase.SESSION, Phase.SIGN_OFF})
# "@operations", "@Customer-Service"; not the domain of an e-mail address (a word character before the @).
MENTION = re.compile(r"(?<![\w@])@([A-Za-z][A-Za-z0-9-]*[A-Za-z0-9]|[A-Za-z])")


# --- helpers ----------------------------------------------------------------------------------------------------


def _who(user: Any) -> str:
    return getattr(user, "username", None) or "system"


def _user(user: Any) -> Any:
    return user if getattr(user, "is_authenticated", False) else None


def _cycle_for_update(cycle: BudgetCycle | int) -> BudgetCycle:
    return BudgetCycle.objects.select_for_update().get(pk=getattr(cycle, "pk", cycle))


def _open_cycle(cycle: BudgetCycle | int, what: str = "The plan") -> BudgetCycle:
    """The cycle row, locked for this transaction; BudgetLocked once its plan is final."""
    current = _cycle_for_update(cycle)
    if not current.is_open:
        raise BudgetLocked(current, what)
    return current


def _proposal(cycle: BudgetCycle, *, for_update: bool = False) -> Scenario:
    """The proposal as stored now (its revision may have moved since `cycle` was read)."""
    rows = Scenario.objects.select_for_update() if for_update else Scenario.objects.all()
    return rows.get(pk=cycle.proposal_id or 0)


def _check_version(cycle: BudgetCycle, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != cycle.version:
        raise StaleEdit(f"Budget cycle {cycle.fiscal_year}", cycle.version)


def _touch(cycle: BudgetCycle, *, settings_changed: bool = False, fields: Sequence[str] = ()) -> None:
    """Every write bumps the revision the session screens poll; a change of the cycle's own settings, phase or
    proposal also bumps its version."""
    cycle.revision += 1
    update = ["revision", *fields]
    if settings_changed:
        cycle.version += 1
        update.append("version")
    cycle.save(update_fields=update)


def _department(value: Department | str, name: str = "department") -> Department:
    if isinstance(value, Department):
        return value
    found = Department.objects.filter(code=str(value).strip().lower()).first()
    if found is None:
        raise InputError(name, f"no department {value}")
    return found


def _validated(instance: Any, exclude: Iterable[str] = ()) -> None:
    try:
        instance.full_clean(exclude=list(exclude), validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise InputError(field, " ".join(messages)) from exc


# --- computing --------------------------------------------------------------------------------------------------


def scenario_summary(
    cycle: BudgetCycle, scenario: Scenario | None = None, *, stamp: str | None = None
) -> dict[str, Any]:
    """The monthly summary of a scenario (None: the base plan) as docs/budgeting.md "The summary" describes it,
    plus `skipped_changes`.

    Stored as a `PlanSnapshot` per (scenario, scenario revision, live-data stamp): a poll reads the row, only the
    first reader after a change computes (and the services compute right after each change to the scenario).
    `stamp`: the live data's `inputs_stamp`, when the caller has just taken it (taking one scans the year's
    forecast: a third of a second at 10,000 SKUs on SQLite, so a change takes it once, not at every step).
    """
    stamp = stamp or inputs_stamp(cycle)
    revision = scenario.revision if scenario is not None else 0
    stored = (
        PlanSnapshot.objects.filter(cycle=cycle, scenario=scenario, scenario_revision=revision, inputs_stamp=stamp)
        .values_list("summary", flat=True)
        .first()
    )
    if stored is not None:
        return stored
    evaluation = evaluate(cycle, scenario, stamp)
    PlanSnapshot.objects.create(
        cycle=cycle, scenario=scenario, scenario_revision=revision, inputs_stamp=stamp,
        seconds=round(evaluation.seconds, 3), summary=evaluation.summary,
    )  # fmt: skip
    return evaluation.summary


COMPARED = (
    "volume", "revenue", "margin", "margin_pct", "marketing_spend", "capacity_cost", "returns_cost",
    "peak_plant_utilisation", "peak_warehouse_utilisation", "overloaded_weeks", "uncovered_hours",
)  # fmt: skip


def compare(cycle: BudgetCycle, scenarios: Sequence[Scenario | None]) -> list[dict[str, Any]]:
    """Side by side, one row per scenario (None: the base plan) with its KPIs: volume, revenue, margin,
    utilisation and overloads, and the same KPIs as differences against the first row (`vs_first`)."""
    rows = []
    for scenario in scenarios:
        kpis = scenario_summary(cycle, scenario)["kpis"]
        rows.append(
            {
                "scenario": scenario.pk if scenario is not None else None,
                "name": scenario.name if scenario is not None else "Base plan",
                "is_proposal": scenario is not None and scenario.pk == cycle.proposal_id,
                "revision": scenario.revision if scenario is not None else 0,
                **{name: kpis.get(name) for name in COMPARED},
            }
        )
    for row in rows:
        row["vs_first"] = {
            name: (row[name] - rows[0][name]) if row[name] is not None and rows[0][name] is not None else None
            for name in COMPARED
        }
    return rows


def family_detail(cycle: BudgetCycle, scenario: Scenario | None, family_code: str, by: str = "month") -> dict:
    """Drill-down of one family: its products over months or weeks (see planning.summary.family_detail)."""
    evaluation = evaluate(cycle, scenario)
    codes = evaluation.inputs.catalogue.family_codes
    if family_code not in codes:
        raise InputError("family", f"no product family {family_code} in the plan")
    if by not in ("month", "week"):
        raise InputError("by", "must be month or week")
    return summaries.family_detail(evaluation.inputs, evaluation.plan, codes.index(family_code), by)


# --- the cycle --------------------------------------------------------------------------------------------------


@transaction.atomic
def create_cycle(
    fiscal_year: int,
    participants: Iterable[Department | str],
    by: Any,
    *,
    name: str = "",
    returns_handling_cost: Decimal | float | str = 0,
) -> BudgetCycle:
    """Open the budget of a fiscal year in preparation: the departments at the table (each must sign), the base
    "Proposal" scenario (no changes yet: the live plan) promoted to the proposal, a pending sign-off each."""
    if BudgetCycle.objects.filter(fiscal_year=fiscal_year).exists():
        raise InputError("fiscal_year", f"a budget cycle for {fiscal_year} exists already")
    departments = {d.pk: d for d in (_department(p, "participants") for p in participants)}
    if not departments:
        raise InputError("participants", "name at least one department that must sign")
    first_week, weeks = fiscal_weeks(fiscal_year)
    cycle = BudgetCycle(
        fiscal_year=fiscal_year, name=name or f"Budget {fiscal_year}", first_week=first_week, weeks=weeks,
        returns_handling_cost=Decimal(str(returns_handling_cost)), created_by=_user(by),
    )  # fmt: skip
    _validated(cycle, exclude=["proposal"])
    cycle.save()
    cycle.participants.set(departments.values())
    proposal = Scenario.objects.create(
        cycle=cycle, name=PROPOSAL, description="The plan the departments sign", created_by=_user(by)
    )
    SignOff.objects.bulk_create([SignOff(cycle=cycle, department=d) for d in departments.values()])
    cycle.proposal = proposal
    cycle.revision = 1
    cycle.save(update_fields=["proposal", "revision"])
    return cycle


@transaction.atomic
def update_cycle(
    cycle: BudgetCycle,
    by: Any,
    *,
    expected_version: int | None = None,
    name: str | None = None,
    returns_handling_cost: Decimal | float | str | None = None,
    participants: Iterable[Department | str] | None = None,
) -> BudgetCycle:
    """Finance's settings while the plan is open: name, returns handling cost per unit, the departments at the
    table (a department added starts unsigned; one removed loses its sign-off)."""
    current = _open_cycle(cycle, "The cycle's settings")
    _check_version(current, expected_version)
    before = _signed_summary(current)
    changed = []
    if name is not None:
        current.name = name
    if returns_handling_cost is not None:
        cost = Decimal(str(returns_handling_cost))
        if cost != current.returns_handling_cost:
            changed.append(f"returns handling cost {current.returns_handling_cost} → {cost}")
        current.returns_handling_cost = cost
    _validated(current, exclude=["proposal"])
    _touch(current, settings_changed=True, fields=["name", "returns_handling_cost"])
    if participants is not None:
        wanted = {d.pk: d for d in (_department(p, "participants") for p in participants)}
        if not wanted:
            raise InputError("participants", "name at least one department that must sign")
        current.participants.set(wanted.values())
        SignOff.objects.filter(cycle=current).exclude(department__in=list(wanted)).delete()
        have = set(SignOff.objects.filter(cycle=current).values_list("department_id", flat=True))
        SignOff.objects.bulk_create([SignOff(cycle=current, department=d) for k, d in wanted.items() if k not in have])
    if changed:
        _reopen_moved(current, before, "; ".join(changed).capitalize(), by)
    return current


@transaction.atomic
def set_capacity_cost(
    cycle: BudgetCycle,
    resource: Resource | str,
    by: Any,
    *,
    expected_version: int | None = None,
    overtime_cost_per_hour: Decimal | float | str,
    overtime_limit_pct: float = 20,
    shift_hours: float = 0,
    shift_cost_per_week: Decimal | float | str = 0,
    max_extra_shifts: int = 1,
) -> CapacityCost:
    """What extra hours on a resource cost this year: overtime up to a % of normal capacity, then extra shifts
    of `shift_hours` at `shift_cost_per_week` each, at most `max_extra_shifts` a week."""
    current = _open_cycle(cycle, "Capacity costs")
    _check_version(current, expected_version)
    if not isinstance(resource, Resource):
        found = Resource.objects.filter(code=resource).first()
        if found is None:
            raise InputError("resource", f"no resource {resource}")
        resource = found
    before = _signed_summary(current)
    row = CapacityCost.objects.filter(cycle=current, resource=resource).first() or CapacityCost(
        cycle=current, resource=resource, overtime_cost_per_hour=0
    )
    row.overtime_cost_per_hour = Decimal(str(overtime_cost_per_hour))
    row.overtime_limit_pct = overtime_limit_pct
    row.shift_hours = shift_hours
    row.shift_cost_per_week = Decimal(str(shift_cost_per_week))
    row.max_extra_shifts = max_extra_shifts
    _validated(row)
    row.save()
    _touch(current, settings_changed=True)
    _reopen_moved(current, before, f"Capacity cost of {resource.name} changed", by)
    return row


@transaction.atomic
def move_phase(cycle: BudgetCycle, to: str, by: Any, expected_version: int | None = None) -> BudgetCycle:
    """One step forward: preparation → session → sign_off → locked → review. Locking needs every participant's
    signature (it also happens by itself at the last signature)."""
    current = _cycle_for_update(cycle)
    _check_version(current, expected_version)
    if to not in Phase.values:
        raise InputError("phase", f"must be one of {', '.join(Phase.values)}")
    position = PHASE_ORDER.index(Phase(current.phase))
    following = PHASE_ORDER[position + 1] if position + 1 < len(PHASE_ORDER) else None
    if to != following:
        after = f"moves on to {following.label.lower()} only" if following else "is the last phase"
        raise InputError("phase", f"{Phase(current.phase).label.lower()} {after}")
    if to == Phase.LOCKED:
        waiting = _unsigned(current)
        if waiting:
            raise InputError("phase", f"waiting for the sign-off of {', '.join(waiting)}")
        if not _lock_if_signed(current, by):
            raise InputError("phase", "a signed part moved since it was signed: that department must sign again")
        return current
    current.phase = to
    _touch(current, settings_changed=True, fields=["phase"])
    return current


# --- scenarios and their changes --------------------------------------------------------------------------------


@transaction.atomic
def create_scenario(
    cycle: BudgetCycle, name: str, by: Any = None, copy_from: Scenario | None = None, description: str = ""
) -> Scenario:
    """A new scenario: empty (the base plan), or with copies of another scenario's active changes (rows of
    deltas, not data). Campaigns the copied scenario added get new ids, and its changes to them follow."""
    current = _open_cycle(cycle, "Scenarios")
    name = (name or "").strip()
    if not name:
        raise InputError("name", "is required")
    if Scenario.objects.filter(cycle=current, name=name).exists():
        raise InputError("name", f"this cycle has a scenario called {name} already")
    if copy_from is not None and copy_from.cycle_id != current.pk:
        raise InputError("copy_from", "must be a scenario of the same cycle")
    scenario = Scenario(cycle=current, name=name, description=description, created_by=_user(by))
    _validated(scenario, exclude=["cycle"])
    scenario.save()
    new_id: dict[int, int] = {}
    for change in active(copy_from):
        payload = dict(change.payload)
        if isinstance(payload.get("campaign"), int) and payload["campaign"] < 0:
            payload["campaign"] = -new_id[-payload["campaign"]]
        copy = ScenarioChange.objects.create(
            scenario=scenario, kind=change.kind, payload=payload, summary=change.summary, author=change.author,
            department=change.department, note=change.note,
        )  # fmt: skip
        new_id[change.pk] = copy.pk
        scenario.revision += 1
    scenario.save(update_fields=["revision"])
    _touch(current)
    return scenario


@transaction.atomic
def promote_proposal(
    cycle: BudgetCycle, scenario: Scenario, by: Any = None, expected_version: int | None = None
) -> BudgetCycle:
    """Make `scenario` the proposal the departments sign; signed parts it moves are re-opened."""
    current = _open_cycle(cycle, "The proposal")
    _check_version(current, expected_version)
    if scenario.cycle_id != current.pk:
        raise InputError("scenario", "must be a scenario of this cycle")
    if current.proposal_id == scenario.pk:
        return current
    before = _signed_summary(current)
    current.proposal = scenario
    _touch(current, settings_changed=True, fields=["proposal"])
    _reopen_moved(current, before, f"Proposal is now '{scenario.name}'", by)
    return current


def _scenario_for_update(scenario: Scenario, expected_revision: int | None) -> Scenario:
    current = Scenario.objects.select_for_update().get(pk=scenario.pk)
    if expected_revision is not None and expected_revision != current.revision:
        raise StaleEdit(f"Scenario '{current.name}'", current.revision)
    return current


def _acting_department(by: Any, department: Department | str | None, cycle: BudgetCycle) -> Department | None:
    """The department a planner acts for: the one named (they must plan in it), else the first of theirs at the
    table. A change made by the system (`by` None: seed data, a command) may name any department."""
    if department is not None:
        department = _department(department)
        if by is not None and not can_in(by, "budget.plan", department.code):
            raise PermissionDenied(f"You do not plan for {department.name}")
        return department
    if by is None:
        return None
    table = list(cycle.participants.all()) + list(Department.objects.exclude(budget_cycles=cycle))
    return next((d for d in table if can_in(by, "budget.plan", d.code)), None)


@transaction.atomic
def add_change(
    scenario: Scenario,
    kind: str,
    payload: dict[str, Any],
    by: Any,
    department: Department | str | None = None,
    *,
    note: str = "",
    expected_revision: int | None = None,
) -> ScenarioChange:
    """Add one delta to a scenario (docs/budgeting.md "Deltas"): validated (DeltaValidationError names the bad
    fields), stored with its activity-feed line, the scenario recomputed; on the proposal, signed parts that
    moved are re-opened."""
    wanted = [{"kind": kind, "payload": payload, "department": department, "note": note}]
    try:
        return add_changes(scenario, wanted, by, expected_revision=expected_revision)[0]
    except deltas.DeltaValidationError as exc:
        prefix = "changes[0]."
        raise deltas.DeltaValidationError({k.removeprefix(prefix): v for k, v in exc.errors.items()}) from None


@transaction.atomic
def add_changes(
    scenario: Scenario,
    changes: Sequence[Mapping[str, Any]],
    by: Any,
    *,
    what: str = "",
    expected_revision: int | None = None,
) -> list[ScenarioChange]:
    """Several deltas at once (an import), each validated against the ones before it; all are stored or none,
    and the scenario is computed once. `changes`: [{"kind", "payload", "department" (optional), "note"
    (optional)}]. A refused one raises DeltaValidationError with `index` (its position) and its fields named
    "changes[i].field". `what` names the batch in re-open reasons (default: the change's own line, or "N
    changes")."""
    cycle = _open_cycle(scenario.cycle_id)
    scenario = _scenario_for_update(scenario, expected_revision)
    earlier = active(scenario)
    stamp = inputs_stamp(cycle)  # one for the whole change: nothing here writes what it fingerprints
    base = base_inputs(cycle, stamp)
    is_proposal = cycle.proposal_id == scenario.pk
    before = _signed_summary(cycle, stamp) if is_proposal else None
    stored = []
    for index, wanted in enumerate(changes):
        kind, payload = str(wanted.get("kind", "")), wanted.get("payload")
        acting = _acting_department(by, wanted.get("department"), cycle)
        try:
            clean = deltas.validate(cycle, kind, payload, earlier, inputs=base)
        except deltas.DeltaValidationError as exc:
            refused = deltas.DeltaValidationError({f"changes[{index}].{k}": v for k, v in exc.errors.items()})
            refused.index = index
            raise refused from None
        in_plan = deltas.campaigns_in_plan(cycle, earlier, base)
        change = ScenarioChange.objects.create(
            scenario=scenario, kind=kind, payload=clean, author=_user(by), department=acting,
            note=str(wanted.get("note") or "")[:300],
            summary=deltas.summary_text(kind, clean, deltas.labels_for(kind, clean, in_plan))[:300],
        )  # fmt: skip
        earlier.append(change)
        stored.append(change)
        scenario.revision += 1
    if not stored:
        return []
    scenario.save(update_fields=["revision"])
    _touch(cycle)
    scenario_summary(cycle, scenario, stamp=stamp)  # the snapshot every screen's next poll reads
    if is_proposal:
        what = what or (stored[0].summary if len(stored) == 1 else f"{len(stored)} changes")
        _reopen_moved(cycle, before, what, by, stamp=stamp)
    return stored


@transaction.atomic
def withdraw_change(
    change: ScenarioChange, by: Any, *, note: str = "", expected_revision: int | None = None
) -> ScenarioChange:
    """Take a delta out of its scenario (the row stays, marked withdrawn, for the record)."""
    scenario = change.scenario
    cycle = _open_cycle(scenario.cycle_id)
    scenario = _scenario_for_update(scenario, expected_revision)
    change = ScenarioChange.objects.get(pk=change.pk)
    if change.withdrawn is not None:
        raise StaleEdit(f"Change '{change.summary}' (withdrawn already)", scenario.revision)
    if change.kind == ChangeKind.ADD_CAMPAIGN:
        dependent = [c for c in active(scenario) if c.pk != change.pk and c.payload.get("campaign") == -change.pk]
        if dependent:
            raise InputError("change", f"withdraw '{dependent[0].summary}' first: it changes this campaign")
    is_proposal = cycle.proposal_id == scenario.pk
    stamp = inputs_stamp(cycle)  # one for the whole withdrawal
    before = _signed_summary(cycle, stamp) if is_proposal else None
    change.withdrawn = timezone.now()
    if note:
        change.note = note[:300]
    change.save(update_fields=["withdrawn", "note"])
    scenario.revision += 1
    scenario.save(update_fields=["revision"])
    _touch(cycle)
    scenario_summary(cycle, scenario, stamp=stamp)
    if is_proposal:
        _reopen_moved(cycle, before, f"Withdrawn: {change.summary}", by, stamp=stamp)
    return change


# --- comments and decisions -------------------------------------------------------------------------------------


def mentioned(body: str) -> list[Department]:
    """The departments a comment mentions ("@operations", case-insensitive); an unknown one is an InputError."""
    codes = list(dict.fromkeys(code.lower() for code in MENTION.findall(body)))
    found = {d.code: d for d in Department.objects.filter(code__in=codes)}
    unknown = [code for code in codes if code not in found]
    if unknown:
        known = ", ".join(f"@{code}" for code in Department.objects.values_list("code", flat=True))
        raise InputError("body", f"@{unknown[0]} is not a department (mention one of {known})")
    return [found[code] for code in codes]


@transaction.atomic
def add_comment(cycle: BudgetCycle, line: str, body: str, by: Any, scenario: Scenario | None = None) -> Comment:
    """A remark on one line of the plan (the grid's key, e.g. "family:snacks:revenue"; blank: the whole plan),
    with the departments it mentions recorded."""
    current = _open_cycle(cycle, "Comments on the plan")
    body = (body or "").strip()
    if not body:
        raise InputError("body", "is required")
    if scenario is not None and scenario.cycle_id != current.pk:
        raise InputError("scenario", "must be a scenario of this cycle")
    departments = mentioned(body)
    comment = Comment(cycle=current, scenario=scenario, line=(line or "").strip(), body=body, author=_user(by))
    _validated(comment, exclude=["cycle", "scenario", "author"])
    comment.save()
    comment.mentions.set(departments)
    _touch(current)
    return comment


@transaction.atomic
def record_decision(
    cycle: BudgetCycle,
    title: str,
    by: Any,
    *,
    rationale: str = "",
    departments: Iterable[Department | str] = (),
    scenario: Scenario | None = None,
) -> Decision:
    """What the room agreed, with who and why. The decisions log stays open in every phase: the mid-year review
    records its decisions too."""
    current = _cycle_for_update(cycle)
    title = (title or "").strip()
    if not title:
        raise InputError("title", "is required")
    if scenario is not None and scenario.cycle_id != current.pk:
        raise InputError("scenario", "must be a scenario of this cycle")
    involved = [_department(d, "departments") for d in departments]
    decision = Decision(cycle=current, scenario=scenario, title=title, rationale=rationale, decided_by=_user(by))
    _validated(decision, exclude=["cycle", "scenario", "decided_by"])
    decision.save()
    decision.departments.set(involved)
    _touch(current)
    return decision


# --- sign-off and lock ------------------------------------------------------------------------------------------


def _signed_summary(cycle: BudgetCycle, stamp: str | None = None) -> dict[str, Any] | None:
    """The proposal's summary before a change, when some department has signed (needed to say what moved)."""
    if cycle.proposal is None or not SignOff.objects.filter(cycle=cycle, status=SignOffStatus.SIGNED).exists():
        return None
    return scenario_summary(cycle, cycle.proposal, stamp=stamp)


def _reopen_moved(
    cycle: BudgetCycle, before: dict[str, Any] | None, what: str, by: Any, *, stamp: str | None = None
) -> list[SignOff]:
    """Re-open every signed department whose part of the proposal no longer has the fingerprint it signed.
    `stamp`: the live data's, when the change did not write anything it fingerprints (else it is taken anew)."""
    if before is None or cycle.proposal is None:
        return []
    after = scenario_summary(cycle, _proposal(cycle), stamp=stamp)
    now_prints = parts.fingerprints(after)
    reopened = []
    signed = SignOff.objects.filter(cycle=cycle, status=SignOffStatus.SIGNED).select_related("department")
    for signoff in signed:
        code = signoff.department.code
        if now_prints.get(code, "") == signoff.fingerprint:
            continue
        move = parts.largest_move(before, after, code) if code in now_prints else None
        signoff.status = SignOffStatus.REOPENED
        signoff.reopened_at = timezone.now()
        signoff.reopened_reason = (f"Re-opened by '{what}' ({_who(by)})" + (f": {move}" if move else ""))[:500]
        signoff.save(update_fields=["status", "reopened_at", "reopened_reason"])
        reopened.append(signoff)
    return reopened


def _unsigned(cycle: BudgetCycle) -> list[str]:
    return list(
        SignOff.objects.filter(cycle=cycle)
        .exclude(status=SignOffStatus.SIGNED)
        .order_by("department__sort_order", "department__name")
        .values_list("department__name", flat=True)
    )


@transaction.atomic
def sign_off(
    cycle: BudgetCycle, department: Department | str, by: Any, *, expected_revision: int | None = None
) -> SignOff:
    """`by` signs their department's part of the proposal as it stands (`expected_revision`: the proposal
    revision they looked at). The last signature locks the plan."""
    current = _open_cycle(cycle, "Sign-offs")
    if current.phase not in SIGNING_PHASES:
        raise InputError("phase", "sign-off opens with the joint session")
    department = _department(department)
    signoff = SignOff.objects.select_for_update().filter(cycle=current, department=department).first()
    if signoff is None:
        raise InputError("department", f"{department.name} is not at the table for this budget")
    if not can_in(by, "budget.plan", department.code):
        raise PermissionDenied(f"Only a planner of {department.name} signs its part")
    proposal = _proposal(current, for_update=True)
    if expected_revision is not None and expected_revision != proposal.revision:
        raise StaleEdit(f"The proposal '{proposal.name}'", proposal.revision)
    summary = scenario_summary(current, proposal)
    signoff.status = SignOffStatus.SIGNED
    signoff.signed_by = _user(by)
    signoff.signed_at = timezone.now()
    signoff.scenario_revision = proposal.revision
    signoff.fingerprint = parts.fingerprints(summary).get(department.code, "")
    signoff.reopened_reason = ""
    signoff.save()
    _touch(current)
    if not _unsigned(current):
        _lock_if_signed(current, by)
    signoff.refresh_from_db()
    return signoff


def _lock_if_signed(cycle: BudgetCycle, by: Any) -> bool:
    """Lock the proposal as the baseline if every signature still matches the plan as it computes now (the live
    data may have moved under a signature); otherwise re-open those departments and leave the cycle open."""
    proposal = _proposal(cycle)
    evaluation = evaluate(cycle, proposal)
    now_prints = parts.fingerprints(evaluation.summary)
    signoffs = list(
        SignOff.objects.filter(cycle=cycle)
        .select_related("department", "signed_by")
        .order_by("department__sort_order", "department__name")
    )
    stale = [s for s in signoffs if now_prints.get(s.department.code, "") != s.fingerprint]
    for signoff in stale:
        signoff.status = SignOffStatus.REOPENED
        signoff.reopened_at = timezone.now()
        signoff.reopened_reason = "Re-opened at the lock: the live data moved this part since it was signed"
        signoff.save(update_fields=["status", "reopened_at", "reopened_reason"])
    if stale:
        _touch(cycle)
        return False
    now = timezone.now()
    BudgetBaseline.objects.create(
        cycle=cycle,
        scenario_name=proposal.name,
        scenario_revision=proposal.revision,
        locked_at=now,
        locked_by=_user(by),
        summary=evaluation.summary,
        campaigns=budgeted_campaigns(cycle, proposal, evaluation.inputs),
        changes=[
            {
                "id": c.pk, "kind": c.kind, "payload": c.payload, "summary": c.summary,
                "author": getattr(c.author, "username", None),
                "department": getattr(c.department, "code", None),
            }
            for c in active(proposal)
        ],
        signatures=[
            {
                "department": s.department.code, "user": getattr(s.signed_by, "username", None),
                "at": s.signed_at.isoformat() if s.signed_at else None, "fingerprint": s.fingerprint,
                "scenario_revision": s.scenario_revision,
            }
            for s in signoffs
        ],
    )  # fmt: skip
    cycle.phase = Phase.LOCKED
    cycle.locked_at = now
    _touch(cycle, settings_changed=True, fields=["phase", "locked_at"])
    return True
