"""Campaign uplift as whole arrays: every campaign line x every week at once (no Django).

A campaign line lifts one product over the campaign weeks. The lift per week is
    percent of baseline:  baseline[p, w] x value / 100 x profile[w]
    units per week:       value x profile[w]
where the profile shapes the campaign over its weeks:
    flat            1 every week
    ramp_up         rises linearly to 1 in the last week (1/n, 2/n, ..., 1)
    peak_and_decay  1 in the first week, then halves every `decay_weeks` weeks (advertising wear-out)
    custom          the planner's own factor per campaign week
Around the campaign:
    pre-buy         `prebuy_pct` % of the line's total lift is bought in the `prebuy_weeks` weeks before the
                    start (retailers stock up), spread evenly: it adds to those weeks
    post-promotion  for `dip_weeks` weeks after the end, demand falls by `dip_pct` % of baseline (pantries full)
    dip
Launches ramp a new product up to its rate over `ramp_weeks` (the ramp_up profile over the ramp, flat after),
and take `transfer_pct` % of the launched volume away from the predecessor. Halo and cannibalisation move the
other products of the family by +/- a % of their baseline during the campaign weeks.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np


class Profile(IntEnum):
    FLAT = 0
    RAMP_UP = 1
    PEAK_AND_DECAY = 2
    CUSTOM = 3


class UpliftKind(IntEnum):
    PERCENT = 0
    UNITS = 1


@dataclass(frozen=True)
class UpliftLines:
    """L campaign lines; weeks are indices into the planning window (may start before it or end after it)."""

    campaign: np.ndarray  # (L,) campaign index, for keeping each campaign's contribution
    product: np.ndarray  # (L,) product row
    start: np.ndarray  # (L,) first campaign week
    end: np.ndarray  # (L,) last campaign week, inclusive
    kind: np.ndarray  # (L,) UpliftKind
    value: np.ndarray  # (L,) percent or units per week
    profile: np.ndarray  # (L,) Profile
    custom: np.ndarray  # (L, W) factor per window week for CUSTOM lines (aligned to the window), else 0
    decay_weeks: np.ndarray  # (L,) half-life in weeks for PEAK_AND_DECAY
    prebuy_pct: np.ndarray  # (L,)
    prebuy_weeks: np.ndarray  # (L,)
    dip_pct: np.ndarray  # (L,)
    dip_weeks: np.ndarray  # (L,)

    @property
    def count(self) -> int:
        return int(self.product.shape[0])


def profile_factors(lines: UpliftLines, weeks: int) -> np.ndarray:
    """(L, W) profile factor of each line in each window week (0 outside the campaign)."""
    w = np.arange(weeks)[None, :]
    start, end = lines.start[:, None], lines.end[:, None]
    inside = (w >= start) & (w <= end)
    length = np.maximum(end - start + 1, 1)
    since = (w - start).astype(float)
    factors = np.where(lines.profile[:, None] == Profile.RAMP_UP, (since + 1) / length, 1.0)
    half_life = np.maximum(lines.decay_weeks[:, None].astype(float), 1e-9)
    factors = np.where(lines.profile[:, None] == Profile.PEAK_AND_DECAY, 0.5 ** (since / half_life), factors)
    factors = np.where(lines.profile[:, None] == Profile.CUSTOM, lines.custom, factors)
    return np.where(inside, factors, 0.0)


def line_lift(lines: UpliftLines, baseline: np.ndarray) -> np.ndarray:
    """(L, W) demand each line adds, pre-buy and post-promotion dip included (negative where demand falls)."""
    weeks = baseline.shape[1]
    base = baseline[lines.product]  # (L, W)
    factors = profile_factors(lines, weeks)
    per_week = np.where(
        lines.kind[:, None] == UpliftKind.PERCENT, base * lines.value[:, None] / 100.0, lines.value[:, None]
    )
    lift = per_week * factors
    # Pre-buy: a share of the whole campaign's lift, bought evenly in the weeks just before the start. The
    # total is taken over the campaign weeks inside the window (what the plan can see).
    w = np.arange(weeks)[None, :]
    pre_weeks = lines.prebuy_weeks[:, None]
    in_prebuy = (w >= lines.start[:, None] - pre_weeks) & (w < lines.start[:, None]) & (pre_weeks > 0)
    prebuy_total = lift.sum(axis=1, keepdims=True) * lines.prebuy_pct[:, None] / 100.0
    lift = lift + np.where(in_prebuy, prebuy_total / np.maximum(pre_weeks, 1), 0.0)
    dip_weeks = lines.dip_weeks[:, None]
    in_dip = (w > lines.end[:, None]) & (w <= lines.end[:, None] + dip_weeks)
    return lift - np.where(in_dip, base * lines.dip_pct[:, None] / 100.0, 0.0)


@dataclass(frozen=True)
class FamilyEffects:
    """Halo (+) and cannibalisation (-) of a campaign on the other products of a family, in % of baseline."""

    campaign: np.ndarray  # (E,)
    product: np.ndarray  # (E,) the other product moved
    start: np.ndarray  # (E,)
    end: np.ndarray  # (E,)
    pct: np.ndarray  # (E,) + halo, - cannibalisation


def family_lift(effects: FamilyEffects, baseline: np.ndarray) -> np.ndarray:
    weeks = baseline.shape[1]
    w = np.arange(weeks)[None, :]
    inside = (w >= effects.start[:, None]) & (w <= effects.end[:, None])
    return np.where(inside, baseline[effects.product] * effects.pct[:, None] / 100.0, 0.0)


@dataclass(frozen=True)
class Transfers:
    """A launch taking volume from its predecessor: `pct` % of the launch line's lift, week by week."""

    line: np.ndarray  # (T,) index of the launch line in UpliftLines
    predecessor: np.ndarray  # (T,) product row
    pct: np.ndarray  # (T,)


@dataclass(frozen=True)
class Contribution:
    """What one campaign adds to the products it touches (negative where it takes demand away)."""

    products: np.ndarray  # (k,) product rows, sorted
    lift: np.ndarray  # (k, W)


@dataclass(frozen=True)
class Consensus:
    demand: np.ndarray  # (P, W) baseline + every counted campaign's lift, never below zero
    contributions: dict[int, Contribution]  # campaign index → its lift on the products it touches


def consensus_demand(
    baseline: np.ndarray,
    lines: UpliftLines,
    effects: FamilyEffects | None = None,
    transfers: Transfers | None = None,
) -> Consensus:
    """Consensus demand = baseline + every line's lift + family effects + launch transfers.

    Each campaign's contribution is kept separately (it is what names the campaign in the MPS diff). Where the
    negatives (dips, cannibalisation, transfers) would push demand below zero, demand stops at zero and the
    contributions are scaled down in proportion, so they still add up to what the plan sees.
    """
    weeks = baseline.shape[1]
    rows: list[np.ndarray] = []
    owners: list[np.ndarray] = []
    lifts: list[np.ndarray] = []
    if lines.count:
        lift = line_lift(lines, baseline)
        rows.append(lines.product)
        owners.append(lines.campaign)
        lifts.append(lift)
        if transfers is not None and transfers.line.size:
            rows.append(transfers.predecessor)
            owners.append(lines.campaign[transfers.line])
            lifts.append(-np.maximum(lift[transfers.line], 0.0) * transfers.pct[:, None] / 100.0)
    if effects is not None and effects.product.size:
        rows.append(effects.product)
        owners.append(effects.campaign)
        lifts.append(family_lift(effects, baseline))
    if not rows:
        return Consensus(baseline.copy(), {})
    row, owner, lift = np.concatenate(rows), np.concatenate(owners), np.concatenate(lifts)
    added = np.zeros_like(baseline)
    np.add.at(added, row, lift)
    raw = baseline + added
    demand = np.maximum(raw, 0.0)
    # Scale the lifts of cells that went below zero so contributions sum to demand - baseline.
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(added != 0, (demand - baseline) / added, 1.0)
    contributions: dict[int, Contribution] = {}
    for campaign in np.unique(owner):
        mine = owner == campaign
        touched, position = np.unique(row[mine], return_inverse=True)
        share = np.zeros((touched.size, weeks))
        np.add.at(share, position, lift[mine])
        contributions[int(campaign)] = Contribution(touched, share * scale[touched])
    return Consensus(demand, contributions)
