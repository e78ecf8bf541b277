"""Scenario changes as planners write them (`ScenarioChange.kind` + JSON payload) and as the engine applies them.

`validate` checks a payload against the cycle (SKUs, families and resources that exist, campaigns that are in the
scenario's plan, dates in the fiscal year) and returns it cleaned; every problem is reported under the name of
the field that has it (`lines[1].sku`, `month`). `to_delta` turns a stored change into a `planning.deltas` delta
in row terms (product, family and resource rows; week and month indices); a campaign a scenario adds gets the
id -(change id). `summary_text` is the line the activity feed shows ("Move Summer Splash +2 weeks").
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from campaigns.consensus import KIND_CODES, PROFILE_CODES
from production.models import Resource
from sop_portal.masterdata.models import Product, ProductFamily
from sop_portal.masterdata.weeks import week_index

from .base_inputs import base_inputs
from .models import BudgetCycle, CapacityCost, ChangeKind, ScenarioChange
from .planning import deltas as planning
from .planning.fiscal_weeks import MONTH_NAMES as MONTHS
from .planning.inputs import YearInputs

FIELDS: dict[str, tuple[str, ...]] = {
    ChangeKind.ADD_CAMPAIGN: ("name", "start", "end", "budget", "lines"),
    ChangeKind.MOVE_CAMPAIGN: ("campaign", "weeks"),
    ChangeKind.SCALE_CAMPAIGN: ("campaign", "factor"),
    ChangeKind.DROP_CAMPAIGN: ("campaign",),
    ChangeKind.VOLUME_TARGET: ("family", "month", "units"),
    ChangeKind.ADD_SHIFT: ("resource", "from_month", "to_month", "shifts"),
}
LINE_FIELDS = ("sku", "uplift_kind", "uplift_value", "profile", "decay_weeks")
OPTIONAL = {"uplift_kind", "profile", "decay_weeks"}
LINE_PROFILES = ("flat", "ramp_up", "peak_and_decay")  # a custom profile needs a weekly grid: not a delta
MOST_WEEKS_MOVED = 52
MOST_SHIFTS = 21  # three shifts a day, seven days a week


def _numeric(value: Any) -> float | None:
    """A finite number from JSON or a form field ("2", "1.5"); None for anything else (booleans included)."""
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)


class DeltaValidationError(ValueError):
    """A payload that cannot be a delta; `errors` maps each bad field (`lines[0].sku`) to what is wrong."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        self.index: int | None = None  # services.add_changes: which of several changes was refused
        super().__init__("; ".join(f"{name}: {message}" for name, message in self.errors.items()))


@dataclass
class _Check:
    errors: dict[str, str] = field(default_factory=dict)

    def fail(self, name: str, message: str) -> None:
        self.errors.setdefault(name, message)

    def integer(self, payload: Mapping[str, Any], name: str, low: int, high: int, *, at: str = "") -> int | None:
        value = _numeric(payload.get(name))
        if value is None or value != int(value):
            self.fail(at + name, "is required" if payload.get(name) is None else "must be a whole number")
            return None
        if not low <= value <= high:
            self.fail(at + name, f"must be between {low} and {high}")
            return None
        return int(value)

    def number(self, payload: Mapping[str, Any], name: str, *, low: float | None = None, at: str = "") -> float | None:
        value = _numeric(payload.get(name))
        if value is None:
            self.fail(at + name, "is required" if payload.get(name) is None else "must be a number")
            return None
        if low is not None and value < low:
            self.fail(at + name, f"must be {low:g} or more")
            return None
        return value

    def day(self, payload: Mapping[str, Any], name: str) -> date | None:
        value = payload.get(name)
        if value is None:
            self.fail(name, "is required (YYYY-MM-DD)")
            return None
        if isinstance(value, str):
            try:
                return date.fromisoformat(value.strip())
            except ValueError:
                pass
        self.fail(name, "must be a date like 2027-07-05")
        return None

    def text(self, payload: Mapping[str, Any], name: str, longest: int) -> str | None:
        value = payload.get(name)
        if not isinstance(value, str) or not value.strip():
            self.fail(name, "is required")
            return None
        if len(value.strip()) > longest:
            self.fail(name, f"must be at most {longest} characters")
            return None
        return value.strip()

    def known_fields(self, payload: Mapping[str, Any], allowed: Iterable[str], kind: str, *, at: str = "") -> None:
        for name in payload:
            if name not in allowed:
                self.fail(at + str(name), f"is not a field of {kind}")


def validate(
    cycle: BudgetCycle,
    kind: str,
    payload: Any,
    earlier: Sequence[ScenarioChange] = (),
    *,
    inputs: YearInputs | None = None,
) -> dict[str, Any]:
    """The payload cleaned (numbers as numbers, codes as stored), or DeltaValidationError naming every bad field.

    `earlier` are the scenario's active changes before this one: a campaign reference may name a campaign one
    of them added (negative id) and may not name one of them dropped. `inputs` defaults to the cycle's base.
    """
    if kind not in FIELDS:
        raise DeltaValidationError({"kind": f"must be one of {', '.join(FIELDS)}"})
    if not isinstance(payload, Mapping):
        raise DeltaValidationError({"payload": "must be an object with the change's fields"})
    check = _Check()
    check.known_fields(payload, FIELDS[kind], kind)
    clean: dict[str, Any]
    if kind == ChangeKind.ADD_CAMPAIGN:
        clean = _add_campaign(check, cycle, payload)
    elif kind == ChangeKind.VOLUME_TARGET:
        clean = _volume_target(check, payload)
    elif kind == ChangeKind.ADD_SHIFT:
        clean = _add_shift(check, cycle, payload)
    else:
        clean = _campaign_change(check, cycle, kind, payload, earlier, inputs)
    if check.errors:
        raise DeltaValidationError(check.errors)
    return clean


def _add_campaign(check: _Check, cycle: BudgetCycle, payload: Mapping[str, Any]) -> dict[str, Any]:
    name = check.text(payload, "name", 160)
    start, end = check.day(payload, "start"), check.day(payload, "end")
    budget = check.number(payload, "budget", low=0)
    year_end = cycle.first_week + timedelta(weeks=cycle.weeks, days=-1)
    if start and end:
        if end < start:
            check.fail("end", "must be on or after the start")
        elif end < cycle.first_week or start > year_end:
            check.fail("start", f"the campaign must run in {cycle.fiscal_year} ({cycle.first_week} to {year_end})")
    lines = payload.get("lines")
    clean_lines: list[dict[str, Any]] = []
    if not isinstance(lines, list) or not lines:
        check.fail("lines", "add at least one product line" if lines in (None, []) else "must be a list of lines")
    else:
        skus = [line.get("sku") for line in lines if isinstance(line, Mapping)]
        known = set(
            Product.objects.filter(sku__in=[s for s in skus if isinstance(s, str)]).values_list("sku", flat=True)
        )
        seen: dict[str, int] = {}
        for k, line in enumerate(lines):
            at = f"lines[{k}]."
            if not isinstance(line, Mapping):
                check.fail(f"lines[{k}]", "must be an object with sku, uplift_kind, uplift_value and profile")
                continue
            check.known_fields(line, LINE_FIELDS, "a campaign line", at=at)
            clean_lines.append(_line(check, line, at, known, seen, k))
    return {
        "name": name, "start": start and start.isoformat(), "end": end and end.isoformat(), "budget": budget,
        "lines": clean_lines,
    }  # fmt: skip


def _line(check: _Check, line: Mapping[str, Any], at: str, known: set[str], seen: dict[str, int], k: int) -> dict:
    sku = line.get("sku")
    if not isinstance(sku, str) or not sku:
        check.fail(at + "sku", "is required")
    elif sku not in known:
        check.fail(at + "sku", f"no product {sku}")
    elif sku in seen:
        check.fail(at + "sku", f"{sku} is also in lines[{seen[sku]}]")
    else:
        seen[sku] = k
    kind = line.get("uplift_kind", "percent")
    if kind not in KIND_CODES:
        check.fail(at + "uplift_kind", "must be percent or units")
    value = check.number(line, "uplift_value", at=at)
    if kind == "percent" and value is not None and value < -100:
        check.fail(at + "uplift_value", "cannot take away more than 100 % of the baseline")
    profile = line.get("profile", "flat")
    if profile not in LINE_PROFILES:
        check.fail(at + "profile", f"must be one of {', '.join(LINE_PROFILES)}")
    decay = check.integer({"decay_weeks": line.get("decay_weeks", 2)}, "decay_weeks", 1, 52, at=at)
    return {"sku": sku, "uplift_kind": kind, "uplift_value": value, "profile": profile, "decay_weeks": decay}


def _campaign_change(
    check: _Check, cycle: BudgetCycle, kind: str, payload: Mapping[str, Any], earlier: Sequence[ScenarioChange],
    inputs: YearInputs | None,
) -> dict[str, Any]:  # fmt: skip
    campaign = check.integer(payload, "campaign", -(2**62), 2**62)
    if campaign is not None:
        in_plan = campaigns_in_plan(cycle, earlier, inputs)
        if campaign not in in_plan:
            dropped = {c.payload.get("campaign") for c in earlier if c.kind == ChangeKind.DROP_CAMPAIGN}
            check.fail(
                "campaign",
                f"campaign {campaign} was dropped earlier in this scenario"
                if campaign in dropped
                else f"no campaign {campaign} in this plan (approved, live or closed campaigns of "
                f"{cycle.fiscal_year}, or one this scenario adds)",
            )
    clean: dict[str, Any] = {"campaign": campaign}
    if kind == ChangeKind.MOVE_CAMPAIGN:
        clean["weeks"] = check.integer(payload, "weeks", -MOST_WEEKS_MOVED, MOST_WEEKS_MOVED)
        if clean["weeks"] == 0:
            check.fail("weeks", "must not be 0 (+ later, - earlier)")
    elif kind == ChangeKind.SCALE_CAMPAIGN:
        clean["factor"] = check.number(payload, "factor", low=0)
    return clean


def campaigns_in_plan(
    cycle: BudgetCycle, earlier: Sequence[ScenarioChange], inputs: YearInputs | None = None
) -> dict[int, str]:
    """Campaign id → name of the campaigns a scenario's plan holds after `earlier` changes: the base plan's,
    plus those it added (-change id), minus those it dropped."""
    base = inputs or base_inputs(cycle)
    held = dict(zip((int(i) for i in base.campaigns.ids), base.campaigns.names, strict=True))
    for change in earlier:
        if change.kind == ChangeKind.ADD_CAMPAIGN:
            held[-change.pk] = str(change.payload.get("name", ""))
        elif change.kind == ChangeKind.DROP_CAMPAIGN:
            held.pop(change.payload.get("campaign"), None)
    return held


def _volume_target(check: _Check, payload: Mapping[str, Any]) -> dict[str, Any]:
    family = payload.get("family")
    if not isinstance(family, str) or not family:
        check.fail("family", "is required")
    elif not ProductFamily.objects.filter(code=family).exists():
        check.fail("family", f"no product family {family}")
    month, units = check.integer(payload, "month", 1, 12), check.number(payload, "units", low=0)
    return {"family": family, "month": month, "units": units}


def _add_shift(check: _Check, cycle: BudgetCycle, payload: Mapping[str, Any]) -> dict[str, Any]:
    code = payload.get("resource")
    if not isinstance(code, str) or not code:
        check.fail("resource", "is required")
    else:
        resource = Resource.objects.filter(code=code).first()
        cost = CapacityCost.objects.filter(cycle=cycle, resource=resource).first() if resource else None
        if resource is None:
            check.fail("resource", f"no resource {code}")
        elif cost is None or cost.shift_hours <= 0:
            check.fail("resource", f"{resource.name} has no shift hours in this cycle's capacity costs: set them first")
    first, last = check.integer(payload, "from_month", 1, 12), check.integer(payload, "to_month", 1, 12)
    if first is not None and last is not None and last < first:
        check.fail("to_month", "must be the from_month or later")
    shifts = check.integer(payload, "shifts", 1, MOST_SHIFTS)
    return {"resource": code, "from_month": first, "to_month": last, "shifts": shifts}


# --- into the engine's terms ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rows:
    """From the codes a payload names to the rows of the inputs."""

    product: dict[str, int]
    family: dict[str, int]
    resource: dict[str, int]

    @classmethod
    def of(cls, inputs: YearInputs) -> Rows:
        return cls(
            product={sku: i for i, sku in enumerate(inputs.catalogue.skus)},
            family={code: i for i, code in enumerate(inputs.catalogue.family_codes)},
            resource={code: i for i, code in enumerate(inputs.production.resource_codes)},
        )


def to_delta(change: ScenarioChange, first_week: date, rows: Rows) -> planning.Delta:
    """The stored change in row terms. A code that no longer exists in the live data (a product deleted since)
    is a DeltaValidationError naming the change and the field."""
    payload = change.payload

    def row(table: dict[str, int], code: str, name: str) -> int:
        if code not in table:
            raise DeltaValidationError({name: f"'{change.summary}' names {code}, which is no longer in the plan"})
        return table[code]

    if change.kind == ChangeKind.ADD_CAMPAIGN:
        lines = tuple(
            planning.NewLine(
                product=row(rows.product, line["sku"], f"lines[{k}].sku"),
                uplift_kind=KIND_CODES[line["uplift_kind"]],
                uplift_value=float(line["uplift_value"]),
                profile=PROFILE_CODES[line["profile"]],
                decay_weeks=int(line.get("decay_weeks") or 2),
            )
            for k, line in enumerate(payload["lines"])
        )
        return planning.AddCampaign(
            campaign_id=-change.pk,
            name=payload["name"],
            start=week_index(first_week, date.fromisoformat(payload["start"])),
            end=week_index(first_week, date.fromisoformat(payload["end"])),
            budget=float(payload["budget"]),
            lines=lines,
        )
    if change.kind == ChangeKind.MOVE_CAMPAIGN:
        return planning.MoveCampaign(campaign_id=int(payload["campaign"]), weeks=int(payload["weeks"]))
    if change.kind == ChangeKind.SCALE_CAMPAIGN:
        return planning.ScaleCampaign(campaign_id=int(payload["campaign"]), factor=float(payload["factor"]))
    if change.kind == ChangeKind.DROP_CAMPAIGN:
        return planning.DropCampaign(campaign_id=int(payload["campaign"]))
    if change.kind == ChangeKind.VOLUME_TARGET:
        return planning.VolumeTarget(
            family=row(rows.family, payload["family"], "family"),
            month=int(payload["month"]) - 1,
            units=float(payload["units"]),
        )
    if change.kind == ChangeKind.ADD_SHIFT:
        return planning.AddShift(
            resource=row(rows.resource, payload["resource"], "resource"),
            first_month=int(payload["from_month"]) - 1,
            last_month=int(payload["to_month"]) - 1,
            shifts=int(payload["shifts"]),
        )
    raise DeltaValidationError({"kind": f"unknown kind {change.kind}"})


def to_deltas(changes: Iterable[ScenarioChange], inputs: YearInputs, first_week: date) -> list[planning.Delta]:
    rows = Rows.of(inputs)
    return [to_delta(change, first_week, rows) for change in changes]


# --- what the activity feed says --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Labels:
    """Names for the ids and codes a payload holds (missing ones read as 'campaign 12', the code, ...)."""

    campaigns: Mapping[int, str] = field(default_factory=dict)
    families: Mapping[str, str] = field(default_factory=dict)
    resources: Mapping[str, str] = field(default_factory=dict)


def _amount(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() or abs(value) >= 100 else f"{value:,.2f}"


def _months(first: int, last: int) -> str:
    return MONTHS[first - 1] if first == last else f"{MONTHS[first - 1]}-{MONTHS[last - 1]}"


def summary_text(kind: str, payload: Mapping[str, Any], labels: Labels | None = None) -> str:
    """One line for the activity feed and for sign-off re-open reasons: "Move Summer Splash +2 weeks"."""
    labels = labels or Labels()
    campaign = payload.get("campaign")
    name = labels.campaigns.get(campaign, f"campaign {campaign}") if campaign is not None else ""
    if kind == ChangeKind.ADD_CAMPAIGN:
        count = len(payload.get("lines", []))
        products = f"{count} product{'s' if count != 1 else ''}"
        return (
            f"Add campaign {payload['name']} ({payload['start']} to {payload['end']}, {products}, "
            f"budget {_amount(payload['budget'])})"
        )
    if kind == ChangeKind.MOVE_CAMPAIGN:
        weeks = int(payload["weeks"])
        return f"Move {name} {weeks:+d} week{'s' if abs(weeks) != 1 else ''}"
    if kind == ChangeKind.SCALE_CAMPAIGN:
        return f"Scale {name} x{payload['factor']:g}"
    if kind == ChangeKind.DROP_CAMPAIGN:
        return f"Drop {name}"
    if kind == ChangeKind.VOLUME_TARGET:
        family = labels.families.get(payload["family"], payload["family"])
        return f"Volume target {family} {MONTHS[int(payload['month']) - 1]}: {_amount(payload['units'])} units"
    if kind == ChangeKind.ADD_SHIFT:
        shifts = int(payload["shifts"])
        resource = labels.resources.get(payload["resource"], payload["resource"])
        return (
            f"Add {shifts} shift{'s' if shifts != 1 else ''} a week on {resource} "
            f"{_months(int(payload['from_month']), int(payload['to_month']))}"
        )
    return kind


def labels_for(kind: str, payload: Mapping[str, Any], in_plan: Mapping[int, str]) -> Labels:
    """The names `summary_text` needs for this payload, read from the database (a query at most)."""
    if kind == ChangeKind.VOLUME_TARGET:
        return Labels(families=dict(ProductFamily.objects.filter(code=payload["family"]).values_list("code", "name")))
    if kind == ChangeKind.ADD_SHIFT:
        return Labels(resources=dict(Resource.objects.filter(code=payload["resource"]).values_list("code", "name")))
    return Labels(campaigns=in_plan)
