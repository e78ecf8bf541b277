"""Which return rates are anomalies, and who must answer for them (read-only; services.raise_anomalies writes).

Two questions, each with its own alert so that one spike never raises two:
- a campaign's sales: the returns attributed to campaign c for product p, against the units of p shipped in
  c's channels in the weeks c ran. Baseline: p's rate on sales no campaign drove, over the policy's recent and
  baseline weeks, pulled towards its family's rate when p has little history. Alerted to marketing, sales and
  the campaign owner's department: the owner must acknowledge and answer.
- a product's other sales: returns and shipments not in any campaign, in the policy's recent order weeks
  against the baseline weeks before them. Alerted to marketing and sales.

Rates are per order-week cohort (see planning/rates.py); the current week is left out, its orders have had no
time to come back. A shipment cell (product, channel, week) counts as a campaign's when the week overlaps the
campaign's dates and the channel is the campaign's (blank = all): shipments are weekly, attribution of a
return is by its order date.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd
from django.db.models import Count, Max, Sum

from campaigns.models import COUNTING, Campaign, CampaignProduct
from sop_portal.alerts.models import Alert, Severity
from sop_portal.alerts.services import Condition
from sop_portal.masterdata.models import Product
from sop_portal.masterdata.weeks import week_label, week_start
from sop_portal.organisation import departments

from . import policy as policies
from .models import ReturnLine, ReturnReason, ReturnsPolicy, ShippedQuantity
from .planning.rates import detect, rate, shrunk_baseline

TOP_REASONS = 3
SAMPLE_COMMENTS = 3


def product_key(product_id: int) -> str:
    return f"returns:product:{product_id}"


def campaign_key(campaign_id: int, product_id: int) -> str:
    return f"returns:campaign:{campaign_id}:product:{product_id}"


@dataclass
class Finding:
    key: str
    product: Product
    campaign: Campaign | None
    first_week: date
    last_week: date
    returned: float
    shipped: float
    rate: float
    baseline_rate: float
    p_value: float
    top_reasons: list[dict[str, Any]] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)

    @property
    def departments(self) -> tuple[str, ...]:
        codes = [departments.MARKETING, departments.SALES]
        if self.campaign is not None and self.campaign.owner_department.code not in codes:
            codes.append(self.campaign.owner_department.code)
        return tuple(codes)

    @property
    def ratio(self) -> float:
        return self.rate / self.baseline_rate if self.baseline_rate else 0.0

    def condition(self, cause: dict[str, Any], alpha: float) -> Condition:
        product = f"{self.product.sku} {self.product.name}"
        if self.campaign is not None:
            subject = f"{product} sold in campaign '{self.campaign.name}'"
            label = f"{self.campaign.name}: {self.product.sku}"
            owner = self.campaign.owner
            ask = (
                f" {owner.get_full_name() or owner.get_username()} ({self.campaign.owner_department.name}), "
                "please acknowledge and answer with the action taken."
            )
        else:
            subject = f"{product} (sales outside campaigns)"
            label = f"{self.product.sku} {self.product.name}"
            ask = " Sales and marketing, please acknowledge and answer with the action taken."
        reasons = ", ".join(f"{r['reason']} {r['share']:.0%}" for r in self.top_reasons)
        said = "; ".join(f"“{c}”" for c in self.comments)
        message = (
            f"Return rate of {subject}, orders {week_label(self.first_week)} to {week_label(self.last_week)}: "
            f"{self.returned:,.0f} of {self.shipped:,.0f} units returned ({self.rate:.1%}) against a baseline of "
            f"{self.baseline_rate:.1%} — {self.ratio:.1f} times the baseline, p = {self.p_value:.1g}. "
            f"Top reasons: {reasons}." + (f" Customers say: {said}." if said else "") + ask
        )
        critical = self.ratio >= 3 and self.p_value < alpha / 100
        return Condition(
            key=self.key,
            type=Alert.Type.RETURNS_ANOMALY,
            severity=Severity.CRITICAL if critical else Severity.WARNING,
            subject_type="campaign" if self.campaign is not None else "product",
            subject_id=str(self.campaign.pk) if self.campaign is not None else self.product.sku,
            subject_label=label[:200],
            message=message,
            cause=cause,
            departments=self.departments,
        )


@dataclass
class Evaluation:
    scope: list[str]  # every key looked at: its alert is raised, kept or resolved
    findings: list[Finding]


def evaluate(product_ids: Sequence[int], today: date, policy: ReturnsPolicy | None = None) -> Evaluation:
    policy = policy or policies.current()
    detection = policies.detection(policy)
    this_week = week_start(today)
    recent_start = this_week - timedelta(weeks=policy.recent_weeks)
    lookback = recent_start - timedelta(weeks=policy.baseline_weeks)
    products = {p.pk: p for p in Product.objects.filter(pk__in=product_ids).select_related("family")}
    if not products:
        return Evaluation([], [])
    ids = sorted(products)
    campaign_lines = _campaign_products(ids, lookback, this_week)
    campaigns = {line.campaign_id: line.campaign for line in campaign_lines}
    earliest = min([lookback, *(week_start(c.start_date) for c in campaigns.values())])
    returns = _returns(ids, earliest, this_week)
    shipments = _shipments(ids, earliest, this_week)
    cells = _campaign_cells(shipments, campaign_lines)

    # The product's own (non-campaign) history, pulled towards its family's rate over the baseline weeks.
    outside_r = returns[returns["campaign_id"] == 0]
    outside_s = shipments[cells == 0]
    family = {pid: products[pid].family_id for pid in ids}
    family_rate = _family_rates(list(set(family.values())), lookback, recent_start)

    def window(frame: pd.DataFrame, column: str, value: str, start: date, end: date) -> pd.Series:
        picked = frame[(frame["week"] >= start) & (frame["week"] < end)]
        return picked.groupby("product_id")[value].sum().reindex(ids, fill_value=0.0)

    parent = np.array([family_rate.get(family[pid], np.nan) for pid in ids])
    history_r = window(outside_r, "week", "returned", lookback, this_week).to_numpy()
    history_s = window(outside_s, "week", "shipped", lookback, this_week).to_numpy()
    product_baseline = pd.Series(shrunk_baseline(history_r, history_s, parent, detection.prior_units), index=ids)

    findings: list[Finding] = []
    scope = [product_key(pid) for pid in ids]
    # Outside campaigns: recent weeks against the weeks before them.
    base_r = window(outside_r, "week", "returned", lookback, recent_start)
    base_s = window(outside_s, "week", "shipped", lookback, recent_start)
    recent_r = window(outside_r, "week", "returned", recent_start, this_week)
    recent_s = window(outside_s, "week", "shipped", recent_start, this_week)
    baseline = shrunk_baseline(base_r.to_numpy(), base_s.to_numpy(), parent, detection.prior_units)
    verdict = detect(recent_r.to_numpy(), recent_s.to_numpy(), baseline, detection)
    for i in np.flatnonzero(verdict.anomaly).tolist():
        pid = ids[i]
        mask = (outside_r["product_id"] == pid) & (outside_r["week"] >= recent_start)
        findings.append(
            _finding(product_key(pid), products[pid], None, recent_start, this_week, recent_r.iloc[i],
                     recent_s.iloc[i], verdict, i, outside_r[mask])
        )  # fmt: skip

    # Each campaign's sales of each of its products.
    pairs = sorted({(line.campaign_id, line.product_id) for line in campaign_lines if line.product_id in products})
    if pairs:
        in_campaign = returns[returns["campaign_id"] != 0]
        r = in_campaign.groupby(["campaign_id", "product_id"])["returned"].sum()
        s = shipments.assign(campaign_id=cells).groupby(["campaign_id", "product_id"])["shipped"].sum()
        returned = np.array([r.get(p, 0.0) for p in pairs])
        shipped = np.array([s.get(p, 0.0) for p in pairs])
        base = np.array([product_baseline[pid] for _, pid in pairs])
        verdict = detect(returned, shipped, base, detection)
        for i, (cid, pid) in enumerate(pairs):
            scope.append(campaign_key(cid, pid))
            if verdict.anomaly[i]:
                c = campaigns[cid]
                mask = (in_campaign["campaign_id"] == cid) & (in_campaign["product_id"] == pid)
                end = min(week_start(c.end_date) + timedelta(weeks=1), this_week)
                findings.append(
                    _finding(campaign_key(cid, pid), products[pid], c, week_start(c.start_date), end, returned[i],
                             shipped[i], verdict, i, in_campaign[mask])
                )  # fmt: skip
    _add_comments(findings, this_week)
    return Evaluation(scope, findings)


def _finding(
    key: str, product: Product, campaign: Campaign | None, first: date, end: date, returned: float, shipped: float,
    verdict: Any, i: int, lines: pd.DataFrame,
) -> Finding:  # fmt: skip
    return Finding(
        key=key, product=product, campaign=campaign, first_week=first, last_week=end - timedelta(weeks=1),
        returned=float(returned), shipped=float(shipped), rate=float(verdict.rate[i]),
        baseline_rate=float(verdict.baseline[i]), p_value=float(verdict.p_value[i]),
        top_reasons=top_reasons(lines),
    )  # fmt: skip


def top_reasons(lines: pd.DataFrame, count: int = TOP_REASONS) -> list[dict[str, Any]]:
    """The reasons with most returned units: [{"reason_id", "reason", "units", "share"}]."""
    if lines.empty:
        return []
    by_reason = lines.groupby("reason_id")["returned"].sum().sort_values(ascending=False, kind="stable")
    total = float(by_reason.sum())
    names = reason_names()
    top = by_reason.head(count)
    return [
        {"reason_id": rid, "reason": names.get(rid, "?"), "units": float(units), "share": float(units) / total}
        for rid, units in zip(top.index.astype(int).tolist(), top.tolist(), strict=True)
    ]


def reason_names() -> dict[int, str]:
    return {r.pk: str(r) for r in ReturnReason.objects.select_related("parent")}


def _add_comments(findings: list[Finding], this_week: date) -> None:
    """What customers said most often, from the top reason first (one query per reason shown)."""
    for finding in findings:
        lines = ReturnLine.objects.filter(product=finding.product).exclude(comment="")
        if finding.campaign is not None:
            lines = lines.filter(campaign=finding.campaign)
        else:
            lines = lines.filter(campaign__isnull=True, order_week__gte=finding.first_week, order_week__lt=this_week)
        said: list[str] = []
        for reason in finding.top_reasons:
            common = (
                lines.filter(reason_id=reason["reason_id"])
                .values("comment")
                .annotate(times=Count("id"), last=Max("return_week"))
                .order_by("-times", "-last", "comment")
                .values_list("comment", flat=True)[:SAMPLE_COMMENTS]
            )
            said.extend(c for c in common if c not in said)
            if len(said) >= SAMPLE_COMMENTS:
                break
        finding.comments = [c[:200] for c in said[:SAMPLE_COMMENTS]]


def _campaign_products(product_ids: Sequence[int], lookback: date, this_week: date) -> list[CampaignProduct]:
    return list(
        CampaignProduct.objects.filter(
            product_id__in=product_ids,
            campaign__status__in=COUNTING,
            campaign__end_date__gte=lookback,
            campaign__start_date__lt=this_week,
        )
        .select_related("campaign__owner", "campaign__owner_department")
        .order_by("campaign_id", "product_id")
    )


def _returns(product_ids: Sequence[int], start: date, end: date) -> pd.DataFrame:
    rows = list(
        ReturnLine.objects.filter(product_id__in=product_ids, order_week__gte=start, order_week__lt=end)
        .values("product_id", "order_week", "campaign_id", "reason_id")
        .annotate(returned=Sum("quantity"))
        .values_list("product_id", "order_week", "campaign_id", "reason_id", "returned")
        .order_by()
    )
    frame = pd.DataFrame(rows, columns=["product_id", "week", "campaign_id", "reason_id", "returned"])
    frame["campaign_id"] = frame["campaign_id"].fillna(0).astype(np.int64)
    frame["returned"] = frame["returned"].astype(float)
    return frame


def _shipments(product_ids: Sequence[int], start: date, end: date) -> pd.DataFrame:
    rows = list(
        ShippedQuantity.objects.filter(product_id__in=product_ids, week__gte=start, week__lt=end)
        .values_list("product_id", "channel", "week", "quantity")
        .order_by()
    )
    frame = pd.DataFrame(rows, columns=["product_id", "channel", "week", "shipped"])
    frame["shipped"] = frame["shipped"].astype(float)
    return frame


def _campaign_cells(shipments: pd.DataFrame, lines: Sequence[CampaignProduct]) -> np.ndarray:
    """The campaign (0 = none) each shipment row belongs to; the latest-starting one where campaigns overlap."""
    owner = np.zeros(len(shipments), dtype=np.int64)
    if shipments.empty:
        return owner
    product = shipments["product_id"].to_numpy()
    channel = shipments["channel"].astype(str).to_numpy()
    week = shipments["week"].to_numpy()
    started = np.full(len(shipments), date.min)
    for line in lines:
        c = line.campaign
        inside = (
            (product == line.product_id)
            & (week >= week_start(c.start_date))
            & (week <= c.end_date)
            & ((c.channel == "") | (channel == c.channel))
            & (started <= c.start_date)
        )
        owner[inside] = c.pk
        started[inside] = c.start_date
    return owner


def _family_rates(family_ids: list[int], start: date, end: date) -> dict[int, float]:
    returned = dict(
        ReturnLine.objects.filter(product__family_id__in=family_ids, order_week__gte=start, order_week__lt=end)
        .values("product__family_id")
        .annotate(units=Sum("quantity"))
        .values_list("product__family_id", "units")
        .order_by()
    )
    shipped = dict(
        ShippedQuantity.objects.filter(product__family_id__in=family_ids, week__gte=start, week__lt=end)
        .values("product__family_id")
        .annotate(units=Sum("quantity"))
        .values_list("product__family_id", "units")
        .order_by()
    )
    # NaN for a family that shipped nothing in those weeks: no baseline to borrow.
    return {fid: float(rate(returned.get(fid, 0.0), shipped.get(fid, 0.0))) for fid in family_ids}
