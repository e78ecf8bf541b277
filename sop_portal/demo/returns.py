"""A year of returns for the demo: shipped units per channel, return lines with reasons, comments and
dispositions — and one campaign whose products came back far more often, for one reason.

Shipments split each product's sales history over the channels (each family sells differently online). Returns
follow each channel's usual rate and reasons: online buyers change their minds and get damaged parcels, shops
send back short-dated stock, wholesalers whole cases of the wrong item. The spike: the sales of the "Autumn
crisps promotion" (retail, closed) came back as stale — the promotion cleared old stock. The returns go in
through the returns import like a planner's file, and its pipeline runs at once: the anomaly alerts sales (the
campaign owner) and marketing, and the restocked units enter the MPS as a revision naming the batch.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import numpy as np
from django.db.models import Q

from campaigns.models import Campaign
from returns import pipeline
from returns import services as returns
from returns.models import ImportBatch, ReturnAuthorisation, ShippedQuantity
from returns.taxonomy import TAXONOMY
from sop_portal.jobs.models import Job
from sop_portal.jobs.runner import run_job
from sop_portal.masterdata.models import Product

from .run import Outcome, SeedRun

# A large catalogue (the 5,000-SKU benchmarks) gets returns for its first products and the campaign's only:
# a believable year without a million return lines.
MAX_PRODUCTS = 300
SPIKE_CAMPAIGN = "Autumn crisps promotion"
SPIKE_REASON = ("product-defect", "stale-or-expired")
SPIKE_RATE = 0.09  # of the campaign's retail sales, on top of the usual returns
PREFIX = "RMA-D"
CHANNELS = ("retail", "online", "wholesale")
# Share of each family's sales per channel.
CHANNEL_SHARE = {
    "beverages": (0.70, 0.15, 0.15),
    "snacks": (0.75, 0.10, 0.15),
    "personal-care": (0.55, 0.35, 0.10),
}
RETURN_RATE = {"retail": 0.010, "online": 0.035, "wholesale": 0.004}
# Units per return line, and days from order to return, per channel.
LINE_UNITS = {"retail": (1, 6), "online": (1, 2), "wholesale": (6, 24)}
RETURN_DAYS = {"retail": (2, 12), "online": (5, 21), "wholesale": (7, 28)}
# Weight of each reason group per channel (TAXONOMY order).
REASON_WEIGHTS = {
    "retail": (0.30, 0.15, 0.10, 0.10, 0.02, 0.23, 0.10),
    "online": (0.12, 0.22, 0.12, 0.10, 0.10, 0.26, 0.08),
    "wholesale": (0.20, 0.25, 0.05, 0.35, 0.10, 0.00, 0.05),
}
DISPOSITIONS = ("restock", "refurbish", "scrap", "return_to_vendor")
DISPOSITION_WEIGHTS = {
    "product-defect": (0.00, 0.25, 0.45, 0.30),
    "damaged-in-transit": (0.10, 0.30, 0.60, 0.00),
    "not-as-described": (0.70, 0.15, 0.15, 0.00),
    "wrong-item": (0.90, 0.00, 0.05, 0.05),
    "late-delivery": (0.90, 0.00, 0.10, 0.00),
    "changed-mind": (0.85, 0.05, 0.10, 0.00),
    "size-fit": (0.85, 0.05, 0.10, 0.00),
}
CONDITION = {"restock": "unopened", "refurbish": "opened", "scrap": "damaged", "return_to_vendor": "defective"}
COMMENTS = {
    "product-defect": ["Flat when opened", "Lid would not seal", "Leaked in the cupboard", "Pump does not work"],
    "damaged-in-transit": ["Box arrived crushed", "Two bottles dented", "Outer carton torn open",
                           "Seal split in transit"],
    "not-as-described": ["Tastes nothing like the advert", "Smaller than the picture", "Different scent from before"],
    "wrong-item": ["Ordered lemon, got orange", "Sent the 6-pack not the 12-pack", "Wrong product in the case"],
    "late-delivery": ["Arrived after the party", "Came a week late, no longer needed"],
    "changed-mind": ["No longer needed", "Bought too many", "Found it cheaper in town"],
    "size-fit": ["Pack too big for the cupboard", "Expected the larger bottle"],
}  # fmt: skip
SPIKE_COMMENTS = [
    "Best-before date already passed on the multipack",
    "Tasted stale, the packs were soft",
    "Short-dated: only two days left on the pack",
    "Whole promo case was out of date",
]
SHOPS = ["Corner Shop Ltd", "Northgate Stores", "FreshWay Market", "Parkside Grocers", "Hill Street Co-op"]
WHOLESALERS = ["Brakes Wholesale", "Metro Cash & Carry", "Unity Foodservice"]


def seed_returns(run: SeedRun) -> list[Outcome]:
    returns.ensure_taxonomy()
    _, spike_skus = _spike_cells(run)
    chosen = {s.sku for s in run.catalogue[:MAX_PRODUCTS]} | spike_skus
    products = {p.sku: p for p in Product.objects.filter(sku__in=chosen)}
    shipments = _seed_shipments(run, products)
    if ReturnAuthorisation.objects.filter(number__startswith=PREFIX).exists():
        return [shipments, Outcome("returns (a year)", 0, ReturnAuthorisation.objects.filter(
            number__startswith=PREFIX).count())]  # fmt: skip
    rows = _rows(run, products)
    batch = returns.import_rows(rows, source="Demo: a year of returns", actor=None, kind=ImportBatch.Kind.DEMO)
    if batch.status != ImportBatch.Status.LOADED:
        raise RuntimeError(f"demo returns rejected: {batch.errors[:3]}")
    revisions = _run_pipeline_now(batch)
    return [
        shipments,
        Outcome("returns (a year)", batch.returns_created, 0),
        Outcome("returns MPS revisions", revisions, 0),
    ]


def _history(run: SeedRun) -> tuple[np.ndarray, list[date]]:
    demand = run.demand
    weeks = [demand.history_start + timedelta(weeks=k) for k in range(demand.history.shape[1])]
    return demand.history, weeks


def _seed_shipments(run: SeedRun, products: dict[str, Product]) -> Outcome:
    history, weeks = _history(run)
    have = ShippedQuantity.objects.filter(week__gte=weeks[0], week__lte=weeks[-1]).exists()
    if have:
        return Outcome("shipped units per channel", 0, ShippedQuantity.objects.count())
    rows: list[tuple[int, str, date, float]] = []
    for i, spec in enumerate(run.catalogue):
        product = products.get(spec.sku)
        if product is None:
            continue
        shares = CHANNEL_SHARE.get(spec.family_code, (0.7, 0.2, 0.1))
        for k, week in enumerate(weeks):
            total = float(history[i, k])
            split = np.floor(np.array(shares) * total)
            split[0] += total - split.sum()  # whole units, summing to the week's sales
            rows.extend((product.pk, channel, week, float(q)) for channel, q in zip(CHANNELS, split, strict=True))
    return Outcome("shipped units per channel", returns.record_shipments(rows), 0)


def _spike_cells(run: SeedRun) -> tuple[Campaign | None, set[str]]:
    campaign = Campaign.objects.filter(Q(name=SPIKE_CAMPAIGN), ~Q(status="cancelled")).first()
    if campaign is None:
        return None, set()
    return campaign, set(campaign.lines.values_list("product__sku", flat=True))


def _rows(run: SeedRun, products: dict[str, Product]) -> list[dict[str, Any]]:
    rng = run.rng("returns")
    history, weeks = _history(run)
    today = run.options.today
    campaign, spike_skus = _spike_cells(run)
    groups = [code for code, _, _ in TAXONOMY]
    subs = {code: [sub for sub, _ in children] for code, _, children in TAXONOMY}
    rows: list[dict[str, Any]] = []
    number = 0

    def add(sku: str, channel: str, week: date, units: int, group: str, sub: str, comment: str, spike: bool) -> None:
        nonlocal number
        low, high = LINE_UNITS[channel]
        while units > 0:
            quantity = min(units, int(rng.integers(low, high + 1)))
            units -= quantity
            ordered = week + timedelta(days=int(rng.integers(0, 7)))
            if spike and campaign is not None:
                ordered = min(max(ordered, campaign.start_date), campaign.end_date)
            returned = ordered + timedelta(days=int(rng.integers(*RETURN_DAYS[channel])))
            if returned > today:
                continue  # not back yet
            disposition = str(rng.choice(DISPOSITIONS, p=DISPOSITION_WEIGHTS[group])) if not spike else "scrap"
            number += 1
            customer = (
                f"Online customer {int(rng.integers(10_000, 99_999))}" if channel == "online"
                else str(rng.choice(WHOLESALERS if channel == "wholesale" else SHOPS))
            )  # fmt: skip
            rows.append({
                "return_number": f"{PREFIX}{number:06d}", "order_reference": f"SO-{700000 + number}",
                "customer": customer, "channel": channel, "sku": sku, "quantity": quantity,
                "order_date": ordered.isoformat(), "return_date": returned.isoformat(), "reason": group,
                "sub_reason": sub, "comment": comment, "condition": CONDITION[disposition], "disposition": disposition,
            })  # fmt: skip

    for i, spec in enumerate(run.catalogue):
        if spec.sku not in products:
            continue
        shares = CHANNEL_SHARE.get(spec.family_code, (0.7, 0.2, 0.1))
        for k, week in enumerate(weeks):
            for c, channel in enumerate(CHANNELS):
                shipped = float(history[i, k]) * shares[c]
                units = int(rng.poisson(shipped * RETURN_RATE[channel]))
                if units:
                    g = int(rng.choice(len(groups), p=REASON_WEIGHTS[channel]))
                    group = groups[g]
                    sub = str(rng.choice(subs[group])) if rng.random() < 0.8 else ""
                    comment = str(rng.choice(COMMENTS[group])) if rng.random() < 0.35 else ""
                    add(spec.sku, channel, week, units, group, sub, comment, spike=False)
                in_spike = (
                    campaign is not None and spec.sku in spike_skus and channel in (campaign.channel or channel)
                    and campaign.start_date - timedelta(days=6) <= week <= campaign.end_date
                )  # fmt: skip
                if in_spike:
                    extra = int(rng.poisson(shipped * SPIKE_RATE))
                    for _ in range(max(extra // 6, 1)):
                        add(spec.sku, channel, week, min(6, extra), *SPIKE_REASON, str(rng.choice(SPIKE_COMMENTS)),
                            spike=True)  # fmt: skip
                        extra -= 6
                        if extra <= 0:
                            break
    return rows


def _run_pipeline_now(batch: ImportBatch) -> int:
    """Run the batch's pipeline job here, as a worker would; its on-commit message then finds it done."""
    if batch.pipeline_job_id is None:
        return 0
    job = Job.objects.get(pk=batch.pipeline_job_id)
    if job.status != Job.Status.QUEUED:
        return 0
    result = run_job(str(job.pk), pipeline.run_pipeline)
    return 1 if result and result.get("revision") else 0
