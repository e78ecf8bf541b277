"""The audit trail in words: each CampaignChange as the lines a planner reads ("budget 0 → 25,000")."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib.auth import get_user_model

from sop_portal.masterdata.models import Channel, Product
from sop_portal.organisation.models import Department

from .models import Campaign, CampaignChange, CampaignProduct, CampaignStatus, CampaignType, ProfileChoice

LINE_LABELS = {
    "uplift_kind": "uplift as", "uplift_value": "uplift", "profile": "profile", "custom_profile": "weekly factors",
    "decay_weeks": "half-life", "prebuy_pct": "pre-buy %", "prebuy_weeks": "pre-buy weeks", "dip_pct": "dip %",
    "dip_weeks": "dip weeks", "halo_pct": "halo %", "cannibalisation_pct": "cannibalisation %",
    "predecessor": "predecessor", "transfer_pct": "transfer %",
}  # fmt: skip
CHOICES: dict[str, Mapping[str, str]] = {
    "status": dict(CampaignStatus.choices),
    "type": dict(CampaignType.choices),
    "channel": {"": "all channels", **dict(Channel.choices)},
    "uplift_kind": {"percent": "% of baseline", "units": "units per week"},
    "profile": dict(ProfileChoice.choices),
}
ACTIONS = {
    "create": "Created", "edit": "Edited", "submit": "Submitted for approval", "approve": "Approved",
    "reject": "Rejected", "go_live": "Went live", "close": "Closed", "cancel": "Cancelled",
}  # fmt: skip


@dataclass(frozen=True)
class TrailEntry:
    change: CampaignChange
    title: str
    lines: list[str]


def _number(value: Any) -> str:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    return f"{number:,.0f}" if number.is_integer() else f"{number:,.2f}".rstrip("0").rstrip(".")


class _Names:
    """Ids in the stored diffs (departments, owners, predecessors) turned into names, each table read once."""

    def __init__(self, changes: Iterable[CampaignChange]) -> None:
        departments: set[int] = set()
        users: set[int] = set()
        products: set[int] = set()
        for change in changes:
            fields = change.changes.get("fields", {})
            departments.update(v for v in fields.get("owner_department", []) if v)
            users.update(v for v in fields.get("owner", []) if v)
            for group in change.changes.get("lines", {}).values():
                for state in group.values():
                    pair = state.get("predecessor")
                    products.update(v for v in (pair if isinstance(pair, list) else [pair]) if v)
        self.departments = dict(Department.objects.filter(pk__in=departments).values_list("pk", "name"))
        self.users = {
            u.pk: u.get_full_name() or u.get_username() for u in get_user_model().objects.filter(pk__in=users)
        }
        self.products = dict(Product.objects.filter(pk__in=products).values_list("pk", "sku"))

    def value(self, field: str, value: Any) -> str:
        if value is None or (value == "" and field not in CHOICES):
            return "—"
        if field in CHOICES:
            return CHOICES[field].get(value, str(value))
        if field == "owner_department":
            return self.departments.get(value, f"department {value}")
        if field == "owner":
            return self.users.get(value, f"user {value}")
        if field == "predecessor":
            return self.products.get(value, f"product {value}")
        if field in ("start_date", "end_date"):
            day = date.fromisoformat(value)
            return f"{day.day} {day:%b %Y}"
        if field == "custom_profile":
            return " ".join(_number(v) for v in value) or "—"
        if isinstance(value, int | float) or field in ("budget", "spend"):
            return _number(value)
        return str(value)


def _field_label(name: str) -> str:
    field = Campaign._meta.get_field(name)
    return str(getattr(field, "verbose_name", name)).replace("_", " ")


def describe_line(state: Mapping[str, Any], names: _Names | None = None) -> str:
    """A line in words, from a stored line state: "+50 % flat, pre-buy 10 % over 2 wk, dip 5 % over 2 wk"."""
    value = _number(state.get("uplift_value"))
    unit = " %" if state.get("uplift_kind") == "percent" else " units/wk"
    sign = "" if str(value).startswith("-") else "+"
    parts = [f"{sign}{value}{unit} {CHOICES['profile'].get(state.get('profile', ''), '').lower()}".rstrip()]
    if state.get("prebuy_pct"):
        parts.append(f"pre-buy {_number(state['prebuy_pct'])} % over {state.get('prebuy_weeks', 0)} wk")
    if state.get("dip_pct"):
        parts.append(f"dip {_number(state['dip_pct'])} % over {state.get('dip_weeks', 0)} wk")
    if state.get("halo_pct"):
        parts.append(f"halo {_number(state['halo_pct'])} %")
    if state.get("cannibalisation_pct"):
        parts.append(f"cannibalisation {_number(state['cannibalisation_pct'])} %")
    if state.get("predecessor"):
        predecessor = names.value("predecessor", state["predecessor"]) if names else str(state["predecessor"])
        parts.append(f"replaces {predecessor} ({_number(state.get('transfer_pct', 0))} % transfer)")
    return ", ".join(parts)


def line_summary(line: CampaignProduct) -> str:
    state = {name: getattr(line, name) for name in LINE_LABELS if name != "predecessor"}
    summary = describe_line(state)
    if line.predecessor is not None:
        summary += f", replaces {line.predecessor.sku} ({_number(line.transfer_pct)} % transfer)"
    return summary


def _entry(change: CampaignChange, names: _Names) -> TrailEntry:
    fields: dict[str, list[Any]] = change.changes.get("fields", {})
    lines: dict[str, dict[str, Any]] = change.changes.get("lines", {})
    out: list[str] = []
    if change.action == "create":
        added = lines.get("added", {})
        out.extend(f"{sku} added: {describe_line(state, names)}" for sku, state in sorted(added.items()))
        if not added:
            out.append("no product lines yet")
    else:
        for name, (old, new) in fields.items():
            if change.action != "edit" and name == "status":
                continue  # the title already says it
            out.append(f"{_field_label(name)} {names.value(name, old)} → {names.value(name, new)}")
        for sku, state in sorted(lines.get("added", {}).items()):
            out.append(f"{sku} added: {describe_line(state, names)}")
        for sku in sorted(lines.get("removed", {})):
            out.append(f"{sku} removed")
        for sku, diff in sorted(lines.get("changed", {}).items()):
            parts = [f"{LINE_LABELS.get(f, f)} {names.value(f, a)} → {names.value(f, b)}" for f, (a, b) in diff.items()]
            out.append(f"{sku}: " + ", ".join(parts))
    title = ACTIONS.get(change.action, change.action.replace("_", " ").capitalize())
    if change.action in ("submit", "approve", "reject", "go_live", "close", "cancel") and "status" in fields:
        old, new = fields["status"]
        title += f" ({names.value('status', old).lower()} → {names.value('status', new).lower()})"
    return TrailEntry(change, title, out)


def trail(changes: Iterable[CampaignChange]) -> list[TrailEntry]:
    rows = list(changes)
    names = _Names(rows)
    return [_entry(change, names) for change in rows]
