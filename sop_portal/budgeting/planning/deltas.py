"""Scenario deltas in row terms (no Django): what `apply` changes in a copy of the year's inputs.

The service layer (`sop_portal/budgeting/deltas.py`) validates the stored JSON payloads and translates SKUs,
family codes, resource codes and dates into the rows and week indices used here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from campaigns.planning.uplift import FamilyEffects, Profile, Transfers, UpliftLines

from .inputs import CampaignBook, YearInputs


@dataclass(frozen=True)
class NewLine:
    product: int  # product row
    uplift_kind: int  # campaigns.planning.uplift.UpliftKind
    uplift_value: float
    profile: int  # campaigns.planning.uplift.Profile (not CUSTOM)
    decay_weeks: int = 2


@dataclass(frozen=True)
class AddCampaign:
    campaign_id: int  # negative: -(scenario change id)
    name: str
    start: int  # week index into the fiscal year
    end: int  # inclusive
    budget: float
    lines: tuple[NewLine, ...]


@dataclass(frozen=True)
class MoveCampaign:
    campaign_id: int
    weeks: int  # + later, - earlier


@dataclass(frozen=True)
class ScaleCampaign:
    campaign_id: int
    factor: float  # uplift and budget x factor


@dataclass(frozen=True)
class DropCampaign:
    campaign_id: int


@dataclass(frozen=True)
class VolumeTarget:
    family: int  # family row
    month: int  # 0..11
    units: float  # the family's baseline in that month is scaled to sum to this


@dataclass(frozen=True)
class AddShift:
    resource: int  # resource row
    first_month: int  # 0..11
    last_month: int  # 0..11, inclusive
    shifts: int


Delta = AddCampaign | MoveCampaign | ScaleCampaign | DropCampaign | VolumeTarget | AddShift


class DeltaError(ValueError):
    """A delta that cannot apply to these inputs (e.g. it names a campaign the plan does not hold)."""


def apply(inputs: YearInputs, deltas: Sequence[Delta]) -> YearInputs:
    """New inputs with the deltas applied in order; `inputs` and its arrays are left untouched.

    Every change builds new arrays (concatenate, fancy indexing, arithmetic that allocates) and swaps them in with
    `dataclasses.replace`; arrays no delta touches are shared with the base, which is safe because nothing in
    the planning code writes into its inputs.
    """
    for delta in deltas:
        change = _APPLY.get(type(delta))
        if change is None:
            raise DeltaError(f"{delta!r}: not a delta the plan knows")
        inputs = change(inputs, delta)
    return inputs


def _row_of(book: CampaignBook, campaign_id: int) -> int:
    rows = np.flatnonzero(book.ids == campaign_id)
    if rows.size == 0:
        raise DeltaError(f"campaign {campaign_id}: not in the plan (dropped, or not counted in this budget)")
    return int(rows[0])


def _add_campaign(inputs: YearInputs, delta: AddCampaign) -> YearInputs:
    book = inputs.campaigns
    if np.any(book.ids == delta.campaign_id):
        raise DeltaError(f"campaign {delta.campaign_id}: already in the plan")
    if delta.end < delta.start:
        raise DeltaError(f"campaign {delta.campaign_id}: ends (week {delta.end}) before it starts ({delta.start})")
    if delta.budget < 0:
        raise DeltaError(f"campaign {delta.campaign_id}: budget {delta.budget} is negative")
    products = inputs.catalogue.products
    for k, line in enumerate(delta.lines):
        if not 0 <= line.product < products:
            raise DeltaError(f"campaign {delta.campaign_id}: lines[{k}].product {line.product} is not in the plan")
        if line.profile == Profile.CUSTOM:
            raise DeltaError(f"campaign {delta.campaign_id}: lines[{k}].profile: a custom profile cannot be added")
    row, n, weeks = book.count, len(delta.lines), inputs.calendar.weeks
    old = book.lines

    def grow(values: np.ndarray, added: Sequence[Any]) -> np.ndarray:
        return np.concatenate([values, np.asarray(added, dtype=values.dtype)])

    lines = UpliftLines(
        campaign=grow(old.campaign, [row] * n),
        product=grow(old.product, [line.product for line in delta.lines]),
        start=grow(old.start, [delta.start] * n),
        end=grow(old.end, [delta.end] * n),
        kind=grow(old.kind, [line.uplift_kind for line in delta.lines]),
        value=grow(old.value, [line.uplift_value for line in delta.lines]),
        profile=grow(old.profile, [line.profile for line in delta.lines]),
        custom=np.concatenate([old.custom.reshape(-1, weeks), np.zeros((n, weeks))]),
        decay_weeks=grow(old.decay_weeks, [line.decay_weeks for line in delta.lines]),
        prebuy_pct=grow(old.prebuy_pct, [0.0] * n),
        prebuy_weeks=grow(old.prebuy_weeks, [0] * n),
        dip_pct=grow(old.dip_pct, [0.0] * n),
        dip_weeks=grow(old.dip_weeks, [0] * n),
    )
    campaigns = replace(
        book,
        ids=np.append(book.ids, delta.campaign_id).astype(book.ids.dtype),
        names=(*book.names, delta.name),
        budget=np.append(book.budget, delta.budget).astype(float),
        start=np.append(book.start, delta.start).astype(book.start.dtype),
        end=np.append(book.end, delta.end).astype(book.end.dtype),
        lines=lines,
    )
    return replace(inputs, campaigns=campaigns)


def _shift_columns(custom: np.ndarray, weeks: int) -> np.ndarray:
    """Custom profile factors moved `weeks` columns along the window (factors moved out of it are lost)."""
    out = np.zeros_like(custom)
    width = custom.shape[1]
    if weeks >= 0:
        out[:, weeks:] = custom[:, : max(width - weeks, 0)]
    else:
        out[:, : width + weeks] = custom[:, -weeks:]
    return out


def _move_campaign(inputs: YearInputs, delta: MoveCampaign) -> YearInputs:
    book = inputs.campaigns
    row = _row_of(book, delta.campaign_id)
    n = delta.weeks
    mine = book.lines.campaign == row
    custom = book.lines.custom
    if custom[mine].any():
        custom = custom.copy()
        custom[mine] = _shift_columns(custom[mine], n)
    lines = replace(
        book.lines,
        start=book.lines.start + n * mine,
        end=book.lines.end + n * mine,
        custom=custom,
    )
    theirs = book.effects.campaign == row
    effects = replace(book.effects, start=book.effects.start + n * theirs, end=book.effects.end + n * theirs)
    moved = np.arange(book.count) == row
    campaigns = replace(book, start=book.start + n * moved, end=book.end + n * moved, lines=lines, effects=effects)
    return replace(inputs, campaigns=campaigns)


def _scale_campaign(inputs: YearInputs, delta: ScaleCampaign) -> YearInputs:
    """Uplift values (units and percent lines alike), post-promotion dips and halo / cannibalisation x f, so
    the campaign's whole lift scales by f (pre-buy and launch transfers are shares of that lift); budget x f."""
    if not delta.factor >= 0:
        raise DeltaError(f"campaign {delta.campaign_id}: factor {delta.factor} must be 0 or more")
    book = inputs.campaigns
    row = _row_of(book, delta.campaign_id)
    f = float(delta.factor)
    by_line = np.where(book.lines.campaign == row, f, 1.0)
    lines = replace(book.lines, value=book.lines.value * by_line, dip_pct=book.lines.dip_pct * by_line)
    effects = replace(book.effects, pct=book.effects.pct * np.where(book.effects.campaign == row, f, 1.0))
    budget = book.budget * np.where(np.arange(book.count) == row, f, 1.0)
    return replace(inputs, campaigns=replace(book, budget=budget, lines=lines, effects=effects))


def _drop_campaign(inputs: YearInputs, delta: DropCampaign) -> YearInputs:
    book = inputs.campaigns
    row = _row_of(book, delta.campaign_id)
    old = book.lines
    keep_line = old.campaign != row
    # rows and line indices after the dropped ones move up
    new_line = np.cumsum(keep_line) - 1

    def renumber(campaign: np.ndarray) -> np.ndarray:
        return campaign - (campaign > row)

    lines = UpliftLines(
        **{name: getattr(old, name)[keep_line] for name in UpliftLines.__dataclass_fields__ if name != "campaign"},
        campaign=renumber(old.campaign[keep_line]),
    )
    keep_effect = book.effects.campaign != row
    effects = FamilyEffects(
        campaign=renumber(book.effects.campaign[keep_effect]),
        product=book.effects.product[keep_effect],
        start=book.effects.start[keep_effect],
        end=book.effects.end[keep_effect],
        pct=book.effects.pct[keep_effect],
    )
    transfer_line = book.transfers.line.astype(np.int64)
    keep_transfer = keep_line[transfer_line]
    transfers = Transfers(
        line=new_line[transfer_line[keep_transfer]],
        predecessor=book.transfers.predecessor[keep_transfer],
        pct=book.transfers.pct[keep_transfer],
    )
    kept = np.arange(book.count) != row
    campaigns = CampaignBook(
        ids=book.ids[kept],
        names=tuple(name for k, name in enumerate(book.names) if k != row),
        budget=book.budget[kept],
        start=book.start[kept],
        end=book.end[kept],
        lines=lines,
        effects=effects,
        transfers=transfers,
    )
    return replace(inputs, campaigns=campaigns)


def _volume_target(inputs: YearInputs, delta: VolumeTarget) -> YearInputs:
    families = len(inputs.catalogue.family_codes)
    if not 0 <= delta.family < families:
        raise DeltaError(f"family {delta.family}: not in the plan")
    if not 0 <= delta.month < 12:
        raise DeltaError(f"month {delta.month}: must be 0..11")
    if not delta.units >= 0:
        raise DeltaError(f"units {delta.units}: must be 0 or more")
    products = np.flatnonzero(inputs.catalogue.family == delta.family)
    weeks = np.flatnonzero(inputs.calendar.month_of_week == delta.month)
    code = inputs.catalogue.family_codes[delta.family]
    if products.size == 0:
        raise DeltaError(f"family {code}: has no products in the plan")
    if weeks.size == 0:
        raise DeltaError(f"month {delta.month}: has no weeks in the plan")
    cells = np.ix_(products, weeks)
    block = inputs.baseline[cells]
    total = float(block.sum())
    # With nothing to scale the target is spread evenly over the family's products and the month's weeks.
    target = block * (delta.units / total) if total > 0 else np.full(block.shape, delta.units / block.size)
    baseline = inputs.baseline.copy()
    baseline[cells] = target
    return replace(inputs, baseline=baseline)


def _add_shift(inputs: YearInputs, delta: AddShift) -> YearInputs:
    costs = inputs.costs
    resources = costs.planned_shifts.shape[0]
    if not 0 <= delta.resource < resources:
        raise DeltaError(f"resource {delta.resource}: not in the plan")
    if not 0 <= delta.first_month <= delta.last_month < 12:
        raise DeltaError(f"months {delta.first_month}..{delta.last_month}: must run forward within 0..11")
    month = inputs.calendar.month_of_week
    weeks = (month >= delta.first_month) & (month <= delta.last_month)
    added = np.zeros_like(costs.planned_shifts, dtype=float)
    added[delta.resource, weeks] = delta.shifts
    planned = costs.planned_shifts + added
    if (planned < 0).any():
        code = inputs.production.resource_codes[delta.resource]
        raise DeltaError(f"resource {code}: {delta.shifts} shifts would leave fewer than no planned shifts")
    return replace(inputs, costs=replace(costs, planned_shifts=planned))


_APPLY: dict[type, Callable[[YearInputs, Any], YearInputs]] = {
    AddCampaign: _add_campaign,
    MoveCampaign: _move_campaign,
    ScaleCampaign: _scale_campaign,
    DropCampaign: _drop_campaign,
    VolumeTarget: _volume_target,
    AddShift: _add_shift,
}
