"""Consensus demand from the database: baseline forecast + the uplift of the campaigns that count.

Reads only what the asked-for products need: the campaigns whose lines touch them directly, as a launch's
predecessor, or through halo / cannibalisation in their family.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from django.db.models import Q

from sop_portal.masterdata.models import Product
from sop_portal.masterdata.series import baseline_forecast
from sop_portal.masterdata.weeks import week_index

from .models import COUNTING, Campaign, CampaignProduct
from .planning.uplift import Contribution, FamilyEffects, Transfers, UpliftLines, consensus_demand

PROFILE_CODES = {"flat": 0, "ramp_up": 1, "peak_and_decay": 2, "custom": 3}
KIND_CODES = {"percent": 0, "units": 1}


@dataclass(frozen=True)
class ProductConsensus:
    product_ids: list[int]
    baseline: np.ndarray  # (P, W)
    demand: np.ndarray  # (P, W)
    contributions: dict[int, Contribution]  # campaign id → rows into product_ids
    campaigns: dict[int, Campaign]


def _lines_touching(
    product_ids: Sequence[int],
    first_week: date,
    weeks: int,
    statuses: Sequence[str],
    include: Collection[int] = (),
    exclude: Collection[int] = (),
) -> list:
    families = set(Product.objects.filter(pk__in=product_ids).values_list("family_id", flat=True))
    window_end = first_week + timedelta(weeks=weeks)
    touching = (
        Q(product_id__in=product_ids)
        | Q(predecessor_id__in=product_ids)
        | (Q(product__family_id__in=families) & (Q(halo_pct__gt=0) | Q(cannibalisation_pct__gt=0)))
    )
    counted = Q(campaign__status__in=statuses) | Q(campaign_id__in=list(include))
    return list(
        CampaignProduct.objects.filter(touching, counted)
        .exclude(campaign_id__in=list(exclude))
        # Dips and pre-buys reach a few weeks past the campaign dates: keep a margin of a year.
        .filter(
            campaign__end_date__gte=first_week - timedelta(weeks=52),
            campaign__start_date__lt=window_end + timedelta(weeks=52),
        )
        .select_related("campaign", "product")
        .order_by("campaign_id", "product_id")
    )


def consensus_for(
    product_ids: Sequence[int],
    first_week: date,
    weeks: int,
    *,
    statuses: Sequence[str] = COUNTING,
    include: Collection[int] = (),
    exclude: Collection[int] = (),
) -> ProductConsensus:
    """Demand per product and week for `product_ids` (in that order), with each campaign's contribution.

    `include` counts these campaigns whatever their status (a what-if), `exclude` leaves these out.
    """
    requested = list(product_ids)
    lines = _lines_touching(requested, first_week, weeks, statuses, include, exclude)
    extra = {line.product_id for line in lines} | {line.predecessor_id for line in lines if line.predecessor_id}
    universe = requested + sorted(extra - set(requested))
    row = {pid: i for i, pid in enumerate(universe)}
    baseline = baseline_forecast(universe, first_week, weeks)
    campaigns = {line.campaign_id: line.campaign for line in lines}
    result = consensus_demand(
        baseline, _uplift_lines(lines, row, first_week, weeks), _family_effects(lines, requested, row, first_week),
        _transfers(lines, row),
    )  # fmt: skip
    n = len(requested)
    contributions = {}
    for campaign_id, contribution in result.contributions.items():
        mine = contribution.products < n
        if mine.any():
            contributions[campaign_id] = Contribution(contribution.products[mine], contribution.lift[mine])
    return ProductConsensus(requested, baseline[:n], result.demand[:n], contributions, campaigns)


def _uplift_lines(lines: list, row: dict[int, int], first_week: date, weeks: int) -> UpliftLines:
    n = len(lines)
    starts = np.array([week_index(first_week, line.campaign.start_date) for line in lines], dtype=np.int64)
    custom = np.zeros((n, weeks))
    for i, line in enumerate(lines):
        if line.profile == "custom":
            for k, factor in enumerate(line.custom_profile or []):
                if 0 <= starts[i] + k < weeks:
                    custom[i, starts[i] + k] = float(factor)
    return UpliftLines(
        campaign=np.array([line.campaign_id for line in lines], dtype=np.int64),
        product=np.array([row[line.product_id] for line in lines], dtype=np.int64),
        start=starts,
        end=np.array([week_index(first_week, line.campaign.end_date) for line in lines], dtype=np.int64),
        kind=np.array([KIND_CODES[line.uplift_kind] for line in lines], dtype=np.int8),
        value=np.array([line.uplift_value for line in lines], dtype=float),
        profile=np.array([PROFILE_CODES[line.profile] for line in lines], dtype=np.int8),
        custom=custom,
        decay_weeks=np.array([line.decay_weeks for line in lines], dtype=np.int64),
        prebuy_pct=np.array([line.prebuy_pct for line in lines], dtype=float),
        prebuy_weeks=np.array([line.prebuy_weeks for line in lines], dtype=np.int64),
        dip_pct=np.array([line.dip_pct for line in lines], dtype=float),
        dip_weeks=np.array([line.dip_weeks for line in lines], dtype=np.int64),
    )


def _family_effects(lines: list, requested: list[int], row: dict[int, int], first_week: date) -> FamilyEffects:
    """Halo / cannibalisation of each line on the requested products of its family it does not itself lift."""
    members: dict[int, list[int]] = {}
    for pid, family_id in Product.objects.filter(pk__in=requested).values_list("pk", "family_id"):
        members.setdefault(family_id, []).append(pid)
    in_campaign: dict[int, set[int]] = {}
    for line in lines:
        in_campaign.setdefault(line.campaign_id, set()).add(line.product_id)
    campaign, product, start, end, pct = [], [], [], [], []
    for line in lines:
        net = line.halo_pct - line.cannibalisation_pct
        if not net:
            continue
        for pid in members.get(line.product.family_id, []):
            if pid not in in_campaign[line.campaign_id]:
                campaign.append(line.campaign_id)
                product.append(row[pid])
                start.append(week_index(first_week, line.campaign.start_date))
                end.append(week_index(first_week, line.campaign.end_date))
                pct.append(net)
    return FamilyEffects(
        campaign=np.array(campaign, dtype=np.int64), product=np.array(product, dtype=np.int64),
        start=np.array(start, dtype=np.int64), end=np.array(end, dtype=np.int64), pct=np.array(pct, dtype=float),
    )  # fmt: skip


def _transfers(lines: list, row: dict[int, int]) -> Transfers:
    launch = [(i, line) for i, line in enumerate(lines) if line.predecessor_id and line.transfer_pct > 0]
    return Transfers(
        line=np.array([i for i, _ in launch], dtype=np.int64),
        predecessor=np.array([row[line.predecessor_id] for _, line in launch], dtype=np.int64),
        pct=np.array([line.transfer_pct for _, line in launch], dtype=float),
    )


# Public names of the builders above, for readers that choose the lines themselves: joint budgeting
# (sop_portal/budgeting/base_inputs.py) reads every counted line of a fiscal year once for all products.
def uplift_lines(lines: list, row: dict[int, int], first_week: date, weeks: int) -> UpliftLines:
    return _uplift_lines(lines, row, first_week, weeks)


def family_effects(lines: list, requested: list[int], row: dict[int, int], first_week: date) -> FamilyEffects:
    return _family_effects(lines, requested, row, first_week)


def transfers(lines: list, row: dict[int, int]) -> Transfers:
    return _transfers(lines, row)


def affected_products(campaign: Campaign) -> set[int]:
    """Every product whose demand this campaign moves: its lines, their predecessors, and with halo or
    cannibalisation the rest of their families."""
    lines = list(campaign.lines.select_related("product"))
    products = {line.product_id for line in lines} | {line.predecessor_id for line in lines if line.predecessor_id}
    families = {line.product.family_id for line in lines if line.halo_pct or line.cannibalisation_pct}
    if families:
        products |= set(Product.objects.filter(family_id__in=families).values_list("pk", flat=True))
    return products
