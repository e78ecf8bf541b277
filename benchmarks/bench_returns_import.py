"""A 100,000-line returns CSV imported end to end: upload kept, file read, every row checked, campaigns
attributed, authorisations and lines written (COPY on PostgreSQL), the batch's outbox row queued.

Fresh database (SQLite in a temp dir, or BENCH_DATABASE_URL) with 2,000 SKUs, a year of weekly shipments per
channel and 40 approved campaigns to attribute to. The pipeline job the import queues (anomalies, MPS) is not
sent: it is the MPS benchmarks' subject. Prints:

    BENCH returns_import rows=100000 seconds=...
"""

from __future__ import annotations

import csv
import os
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np

from benchmarks.django_env import setup_django

ROWS = 100_000
SKUS = 2_000
CAMPAIGNS = 40
TARGET_SECONDS = 5.0


def _world(today: date) -> list[str]:
    from django.contrib.auth import get_user_model

    from campaigns.models import Campaign, CampaignProduct
    from returns import services
    from sop_portal.masterdata.models import Product, ProductFamily
    from sop_portal.organisation.models import Department

    services.ensure_taxonomy()
    family = ProductFamily.objects.create(code="bench", name="Bench")
    Product.objects.bulk_create(
        [Product(sku=f"SKU-{i:05d}", name=f"Product {i}", family=family, unit_cost=Decimal(1), unit_price=Decimal(2))
         for i in range(SKUS)],
        batch_size=1000,
    )  # fmt: skip
    ids = list(Product.objects.order_by("pk").values_list("pk", flat=True))
    owner = get_user_model().objects.create_user("bench-owner")
    department = Department.objects.get_or_create(code="marketing", defaults={"name": "Marketing"})[0]
    rng = np.random.default_rng(7)
    for c in range(CAMPAIGNS):
        start = today - timedelta(weeks=int(rng.integers(4, 50)))
        campaign = Campaign.objects.create(
            name=f"Campaign {c}", owner=owner, owner_department=department, start_date=start,
            end_date=start + timedelta(weeks=4), status="approved", channel=["", "retail", "online"][c % 3],
        )  # fmt: skip
        CampaignProduct.objects.bulk_create(
            [CampaignProduct(campaign=campaign, product_id=int(p), uplift_value=20)
             for p in rng.choice(ids, size=25, replace=False)]
        )  # fmt: skip
    monday = today - timedelta(days=today.weekday())
    weeks = [monday - timedelta(weeks=k) for k in range(1, 53)]
    services.record_shipments(
        (pid, channel, week, 100.0) for pid in ids[:200] for channel in ("retail", "online") for week in weeks
    )
    return [f"SKU-{i:05d}" for i in range(SKUS)]


def _write_csv(path: Path, skus: list[str], today: date) -> None:
    from returns.imports import COLUMNS
    from returns.taxonomy import TAXONOMY

    rng = np.random.default_rng(2027)
    reasons = [(code, sub) for code, _, subs in TAXONOMY for sub, _ in subs]
    channels = ["retail", "online", "wholesale"]
    dispositions = ["restock", "refurbish", "scrap", "return_to_vendor"]
    order_offset = rng.integers(10, 360, size=ROWS)
    delay = rng.integers(1, 10, size=ROWS)
    sku = rng.integers(0, len(skus), size=ROWS)
    reason = rng.integers(0, len(reasons), size=ROWS)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        number = 0
        line = 0
        for i in range(ROWS):
            if line == 0 or rng.random() < 0.75:  # about 1.3 lines per return
                number, line = number + 1, 0
            line += 1
            ordered = today - timedelta(days=int(order_offset[number % ROWS]))
            returned = ordered + timedelta(days=int(delay[number % ROWS]))
            code, sub = reasons[reason[i]]
            writer.writerow([
                f"RMA-{number:07d}", line, f"SO-{number:07d}", f"Customer {number % 997}", channels[number % 3],
                skus[sku[i]], 1 + i % 3, ordered.isoformat(), returned.isoformat(), code, sub,
                "Customer says it was not as expected" if i % 4 == 0 else "", "opened", dispositions[i % 4],
            ])  # fmt: skip


def main() -> None:
    database = setup_django()
    from django.db import connection

    from returns import services
    from returns.models import ImportBatch, ReturnLine
    from sop_portal.jobs import services as jobs
    from sop_portal.jobs.models import Job

    today = date.today()
    skus = _world(today)
    folder = Path(tempfile.mkdtemp(prefix="sop-bench-returns-"))
    path = folder / "returns.csv"
    _write_csv(path, skus, today)
    jobs._send = lambda job_id, kind, countdown=0: None  # time the import, not the pipeline

    started = time.perf_counter()
    batch = services.submit_import(path.read_bytes(), path.name, actor=None)
    services.run_import(Job.objects.get(pk=str(batch.import_job_id)))
    seconds = time.perf_counter() - started

    batch = ImportBatch.objects.get(pk=batch.pk)
    assert batch.status == ImportBatch.Status.LOADED, batch.errors[:5]
    assert batch.lines_created == ROWS == ReturnLine.objects.count(), batch.lines_created
    attributed = ReturnLine.objects.filter(campaign__isnull=False).count()
    print(
        f"BENCH returns_import rows={ROWS} seconds={seconds:.2f} database={database or connection.vendor} "
        f"returns={batch.returns_created} attributed={attributed} file_mb={os.path.getsize(path) / 1e6:.1f} "
        f"target_seconds={TARGET_SECONDS:g}"
    )


if __name__ == "__main__":
    main()
