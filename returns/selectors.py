"""Reads for the returns pages, the API and the campaign panel: frames out of the database, rates out of
planning/rates.py. Every rate is per order-week cohort; the current week is left out (its orders have not had
time to come back), and the baseline is the same number of weeks just before the period.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd
from django.db.models import Count, F, Max, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from campaigns.models import Campaign
from sop_portal.masterdata import services as masterdata
from sop_portal.masterdata.models import Channel, Product, ProductFamily
from sop_portal.masterdata.weeks import week_label, week_start

from . import feedback
from . import policy as policies
from .models import Disposition, ReturnAnomaly, ReturnLine, ReturnReason, ReturnsPolicy, ShippedQuantity
from .planning.rates import Detection, compare, detect, pareto, rate, weekly_rates

PERIODS = (13, 26, 52)


@dataclass(frozen=True)
class Scope:
    """What the dashboard looks at: `weeks` order weeks before the current one, optionally one family/channel."""

    weeks: int = 26
    family: int | None = None
    channel: str = ""
    today: date = field(default_factory=lambda: masterdata.today())

    @property
    def end(self) -> date:
        return week_start(self.today)

    @property
    def start(self) -> date:
        return self.end - timedelta(weeks=self.weeks)

    @property
    def baseline_start(self) -> date:
        return self.start - timedelta(weeks=self.weeks)

    def lines(self) -> QuerySet[ReturnLine]:
        lines = ReturnLine.objects.all()
        if self.family:
            lines = lines.filter(product__family_id=self.family)
        if self.channel:
            lines = lines.filter(channel=self.channel)
        return lines

    def shipments(self) -> QuerySet[ShippedQuantity]:
        shipped = ShippedQuantity.objects.all()
        if self.family:
            shipped = shipped.filter(product__family_id=self.family)
        if self.channel:
            shipped = shipped.filter(channel=self.channel)
        return shipped


def _period(weeks: pd.Series, scope: Scope) -> np.ndarray:
    return np.where(weeks.to_numpy() >= scope.start, "current", "baseline")


def returns_frame(scope: Scope) -> pd.DataFrame:
    """Returned units per product, channel, order week, campaign and reason over the baseline and the period."""
    rows = list(
        scope.lines()
        .filter(order_week__gte=scope.baseline_start, order_week__lt=scope.end)
        .values("product_id", "channel", "order_week", "campaign_id", "reason_id")
        .annotate(
            returned=Sum("quantity"),
            restockable=Sum("quantity", filter=Q(disposition__in=[Disposition.RESTOCK, Disposition.REFURBISH])),
            family_id=F("product__family_id"),
            group_id=Coalesce("reason__parent_id", "reason_id"),
        )
        .values_list("product_id", "family_id", "channel", "order_week", "campaign_id", "reason_id", "group_id",
                     "returned", "restockable")
        .order_by()
    )  # fmt: skip
    columns = ["product_id", "family_id", "channel", "week", "campaign_id", "reason_id", "group_id", "returned",
               "restockable"]  # fmt: skip
    frame = pd.DataFrame(rows, columns=columns)
    frame["campaign_id"] = frame["campaign_id"].fillna(0).astype(np.int64)
    frame[["returned", "restockable"]] = frame[["returned", "restockable"]].astype(float).fillna(0.0)
    frame["period"] = _period(frame["week"], scope)
    return frame


def shipments_frame(scope: Scope) -> pd.DataFrame:
    rows = list(
        scope.shipments()
        .filter(week__gte=scope.baseline_start, week__lt=scope.end)
        .values_list("product_id", "product__family_id", "channel", "week", "quantity")
        .order_by()
    )
    frame = pd.DataFrame(rows, columns=["product_id", "family_id", "channel", "week", "shipped"])
    frame["shipped"] = frame["shipped"].astype(float)
    frame["period"] = _period(frame["week"], scope)
    return frame


@dataclass
class Dashboard:
    scope: Scope
    policy: ReturnsPolicy
    kpis: dict[str, Any]
    trend: dict[str, Any]
    reasons: list[dict[str, Any]]
    reason_groups: list[dict[str, Any]]
    channels: list[dict[str, Any]]
    families: list[dict[str, Any]]
    products: list[dict[str, Any]]
    campaigns: list[dict[str, Any]]
    anomalies: list[ReturnAnomaly]


def dashboard(scope: Scope) -> Dashboard:
    policy = policies.current()
    detection = policies.detection(policy)
    returns = returns_frame(scope)
    shipments = shipments_frame(scope)
    current_r = returns[returns["period"] == "current"]
    current_s = shipments[shipments["period"] == "current"]
    names = _names(returns, shipments)

    returned, shipped = float(current_r["returned"].sum()), float(current_s["shipped"].sum())
    base_returned = float(returns.loc[returns["period"] == "baseline", "returned"].sum())
    base_shipped = float(shipments.loc[shipments["period"] == "baseline", "shipped"].sum())
    overall = _verdict(returned, shipped, _nan_rate(base_returned, base_shipped), detection)
    kpis = {
        "returned": returned,
        "shipped": shipped,
        "rate": overall["rate"],
        "baseline_rate": overall["baseline_rate"],
        "anomaly": overall["anomaly"],
        "restockable_share": float(current_r["restockable"].sum()) / returned if returned else None,
        "lines": int(scope.lines().filter(order_week__gte=scope.start, order_week__lt=scope.end).count()),
        "awaiting": ReturnAnomaly.objects.filter(
            status__in=[ReturnAnomaly.Status.OPEN, ReturnAnomaly.Status.ACKNOWLEDGED]
        ).count(),
    }
    return Dashboard(
        scope=scope,
        policy=policy,
        kpis=kpis,
        trend=_trend(returns, shipments, scope, detection),
        reasons=_reasons(current_r, returns, shipments, "reason_id", names["reason"], detection, shipped),
        reason_groups=_reasons(current_r, returns, shipments, "group_id", names["reason"], detection, shipped),
        channels=_rows(compare(returns, shipments, ["channel"], detection=detection), "channel", names["channel"]),
        families=_rows(compare(returns, shipments, ["family_id"], detection=detection), "family_id", names["family"]),
        products=_products(returns, shipments, names, detection),
        campaigns=_campaigns(returns, shipments, scope, detection),
        anomalies=list(
            ReturnAnomaly.objects.exclude(status=ReturnAnomaly.Status.RESOLVED)
            .select_related("product", "campaign__owner", "campaign__owner_department", "alert")
            .order_by("status", "-p_value", "-created")[:20]
        ),
    )


def _nan_rate(returned: float, shipped: float) -> float:
    return float(rate(returned, shipped))


def _verdict(returned: float, shipped: float, baseline: float, detection: Detection) -> dict[str, Any]:
    verdict = detect(np.array([returned]), np.array([shipped]), np.array([baseline]), detection)
    return {
        "rate": _plain(verdict.rate[0]),
        "baseline_rate": _plain(verdict.baseline[0]),
        "ratio": _plain(verdict.ratio[0]),
        "p_value": _plain(verdict.p_value[0]),
        "anomaly": bool(verdict.anomaly[0]),
    }


def _plain(value: Any) -> float | None:
    value = float(value)
    return None if np.isnan(value) or np.isinf(value) else value


def _names(returns: pd.DataFrame, shipments: pd.DataFrame) -> dict[str, dict[Any, str]]:
    product_ids = set(returns["product_id"]) | set(shipments["product_id"])
    return {
        "product": dict(Product.objects.filter(pk__in=product_ids).values_list("pk", "name")),
        "sku": dict(Product.objects.filter(pk__in=product_ids).values_list("pk", "sku")),
        "family": dict(ProductFamily.objects.values_list("pk", "name")),
        "channel": dict(Channel.choices),
        "reason": feedback.reason_names(),
    }


def _rows(table: pd.DataFrame, key: str, names: dict[Any, str]) -> list[dict[str, Any]]:
    out = []
    for record in table.to_dict("records"):
        out.append(
            {
                "key": record[key],
                "name": names.get(record[key], str(record[key])),
                "returned": record["returned"],
                "shipped": record["shipped"],
                "rate": _plain(record["rate"]),
                "baseline_rate": _plain(record["baseline_rate"]),
                "ratio": _plain(record["ratio"]),
                "p_value": _plain(record["p_value"]),
                "anomaly": bool(record["anomaly"]),
            }
        )
    return out


def _trend(returns: pd.DataFrame, shipments: pd.DataFrame, scope: Scope, detection: Detection) -> dict[str, Any]:
    weeks = [scope.baseline_start + timedelta(weeks=k) for k in range(scope.weeks * 2)]
    table = weekly_rates(returns, shipments, weeks)
    baseline = table[table["week"] < scope.start]
    base_rate = _nan_rate(baseline["returned"].sum(), baseline["shipped"].sum())
    return {
        "labels": [week_label(w) for w in weeks],
        "rate": [None if np.isnan(r) else round(float(r) * 100, 3) for r in table["rate"]],
        "returned": table["returned"].round(1).tolist(),
        "shipped": table["shipped"].round(1).tolist(),
        "baseline": None if np.isnan(base_rate) else round(base_rate * 100, 3),
        "threshold": None if np.isnan(base_rate) else round(base_rate * (1 + detection.margin) * 100, 3),
        "split": week_label(scope.start),
    }


def _reasons(
    current: pd.DataFrame, returns: pd.DataFrame, shipments: pd.DataFrame, key: str, names: dict[int, str],
    detection: Detection, shipped: float,
) -> list[dict[str, Any]]:  # fmt: skip
    """Pareto of returned units by reason, each reason's rate (its returns / all shipped units) against its
    rate in the baseline weeks."""
    table = pareto(current.rename(columns={key: "reason"}), "reason")
    base = returns[returns["period"] == "baseline"].groupby(key)["returned"].sum()
    base_shipped = float(shipments.loc[shipments["period"] == "baseline", "shipped"].sum())
    baseline = np.array([_nan_rate(base.get(r, 0.0), base_shipped) for r in table["reason"]])
    verdict = detect(table["returned"].to_numpy(), np.full(len(table), shipped), baseline, detection)
    groups = {r.pk: r.parent_id or r.pk for r in ReturnReason.objects.all()}
    rows = []
    for i, (reason, units, share, cumulative) in enumerate(
        zip(table["reason"], table["returned"], table["share"], table["cumulative"], strict=True)
    ):
        rows.append(
            {"key": int(reason), "name": names.get(int(reason), "?"), "group": groups.get(int(reason)),
             "returned": float(units), "share": float(share), "cumulative": float(cumulative),
             "rate": _plain(verdict.rate[i]), "baseline_rate": _plain(verdict.baseline[i]),
             "ratio": _plain(verdict.ratio[i]), "anomaly": bool(verdict.anomaly[i])}
        )  # fmt: skip
    return rows


def _products(
    returns: pd.DataFrame, shipments: pd.DataFrame, names: dict[str, dict[Any, str]], detection: Detection
) -> list[dict[str, Any]]:
    """Products with the most returns above what their baseline explains (family rate for thin history)."""
    base_r = returns[returns["period"] == "baseline"].groupby("family_id")["returned"].sum()
    base_s = shipments[shipments["period"] == "baseline"].groupby("family_id")["shipped"].sum()
    family_rate = (base_r / base_s).replace([np.inf], np.nan)
    family_of = {
        **dict(zip(shipments["product_id"], shipments["family_id"], strict=True)),
        **dict(zip(returns["product_id"], returns["family_id"], strict=True)),
    }
    parent = pd.Series({pid: family_rate.get(fid, np.nan) for pid, fid in family_of.items()}, dtype=float)
    table = compare(returns, shipments, ["product_id"], detection=detection, parent_rate=parent)
    rows = _rows(table.head(10), "product_id", names["product"])
    for entry in rows:
        entry["sku"] = names["sku"].get(entry["key"], "")
    return rows


def _campaigns(
    returns: pd.DataFrame, shipments: pd.DataFrame, scope: Scope, detection: Detection
) -> list[dict[str, Any]]:
    """Each campaign with returns in the period or its baseline: its sales' return rate against the rate of the
    same products' sales outside any campaign."""
    attributed = returns[returns["campaign_id"] != 0]
    ids = sorted(set(attributed["campaign_id"]))
    if not ids:
        return []
    campaigns = {c.pk: c for c in Campaign.objects.filter(pk__in=ids).select_related("owner_department", "owner")}
    lines = [line for c in campaigns.values() for line in c.lines.all()]
    cells = feedback._campaign_cells(shipments, lines)
    outside_r = returns[returns["campaign_id"] == 0].groupby("product_id")["returned"].sum()
    outside_s = shipments[cells == 0].groupby("product_id")["shipped"].sum()
    out = []
    for cid in ids:
        campaign = campaigns.get(cid)
        if campaign is None:
            continue
        mine_r = attributed[attributed["campaign_id"] == cid]
        mine_s = shipments[cells == cid]
        products = sorted(set(mine_r["product_id"]) | set(mine_s["product_id"]))
        base = _nan_rate(sum(outside_r.get(p, 0.0) for p in products), sum(outside_s.get(p, 0.0) for p in products))
        figures = _verdict(float(mine_r["returned"].sum()), float(mine_s["shipped"].sum()), base, detection)
        top = feedback.top_reasons(mine_r, 1)
        out.append(
            {"campaign": campaign, "returned": float(mine_r["returned"].sum()),
             "shipped": float(mine_s["shipped"].sum()), "top_reason": top[0]["reason"] if top else "",
             "top_share": top[0]["share"] if top else None, **figures}
        )  # fmt: skip
    return sorted(out, key=lambda r: (-(r["ratio"] or 0), r["campaign"].name))


# --- One campaign: the panel on its page ------------------------------------------------------------------


def campaign_returns(campaign: Campaign, today: date | None = None) -> dict[str, Any]:
    """The returns the campaign's sales brought back, per product against the rate of the product's sales outside
    any campaign (the weeks of the returns policy, and back to the campaign's start), the top reasons with what
    customers said, and the anomalies it has to answer for."""
    policy = policies.current()
    detection = policies.detection(policy)
    end = week_start(today or masterdata.today())
    start = min(end - timedelta(weeks=policy.recent_weeks + policy.baseline_weeks), week_start(campaign.start_date))
    campaign_lines = list(campaign.lines.select_related("product"))
    ids = [line.product_id for line in campaign_lines]
    returns = feedback._returns(ids, start, end)
    shipments = feedback._shipments(ids, start, end)
    cells = feedback._campaign_cells(shipments, feedback._campaign_products(ids, start, end))
    mine_r = returns[returns["campaign_id"] == campaign.pk]
    returned = mine_r.groupby("product_id")["returned"].sum()
    shipped = shipments[cells == campaign.pk].groupby("product_id")["shipped"].sum()
    outside_r = returns[returns["campaign_id"] == 0].groupby("product_id")["returned"].sum()
    outside_s = shipments[cells == 0].groupby("product_id")["shipped"].sum()
    rows = []
    for line in campaign_lines:
        pid = line.product_id
        r, n = float(returned.get(pid, 0.0)), float(shipped.get(pid, 0.0))
        base = _nan_rate(outside_r.get(pid, 0.0), outside_s.get(pid, 0.0))
        rows.append({"product": line.product, "returned": r, "shipped": n, **_verdict(r, n, base, detection)})
    total_r, total_s = float(returned.sum()), float(shipped.sum())
    comments = list(
        ReturnLine.objects.filter(campaign=campaign)
        .exclude(comment="")
        .values("comment")
        .annotate(times=Count("id"), last=Max("return_week"))
        .order_by("-times", "-last", "comment")
        .values_list("comment", flat=True)[:3]
    )
    return {
        "campaign": campaign,
        "rows": rows,
        "returned": total_r,
        "shipped": total_s,
        "rate": _plain(rate(total_r, total_s)),
        "reasons": feedback.top_reasons(mine_r, 5),
        "comments": comments,
        "anomalies": list(
            ReturnAnomaly.objects.filter(campaign=campaign).select_related("product").order_by("status", "-created")
        ),
    }
