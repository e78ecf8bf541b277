"""From the HTTP request that saves an approved campaign's edit to its MPS revision and alerts committed.

Real services: the private PostgreSQL and Redis of the test suite (started from .local/ if needed) and a
Celery worker process. 5,000 SKUs of demo data; one approved promotion on three products is edited N times
(each edit waits for its revision before the next, so every edit is one measurement). Prints:

    BENCH campaign_to_revision skus=5000 n=20 p50_ms=... p95_ms=... debounce_ms=150

The pipeline's debounce window (edits wait that long for more edits) counts inside the figure.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np

SKUS = 5000
EDITS = 20
DATABASE = "sop_bench_pipeline"
REDIS_DB = 14


def _services() -> tuple[str, str]:
    from sop_testing import leases, postgres, redis

    if postgres.bindir() is None or redis.binary() is None:
        raise SystemExit("bench_campaign_pipeline needs postgresql and redis-server installed (see .ci/run)")
    leases.hold_manual()
    pg_port = postgres.ensure_running()
    import psycopg2

    admin = psycopg2.connect(host="127.0.0.1", port=pg_port, user="postgres", dbname="postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
    admin.close()
    postgres.create_database(pg_port, DATABASE)
    redis_port = redis.ensure_running()
    return postgres.url(pg_port, DATABASE), f"redis://127.0.0.1:{redis_port}/{REDIS_DB}"


def main() -> None:
    database_url, redis_url = _services()
    os.environ.update(
        DATABASE_URL=database_url, REDIS_URL=redis_url, DEBUG="1", DJANGO_SETTINGS_MODULE="sop_portal.settings",
        ALLOWED_HOSTS="testserver,127.0.0.1,localhost", LOG_LEVEL="WARNING",
    )
    import django

    django.setup()
    import redis
    from django.core.management import call_command
    from django.test import Client

    redis.Redis.from_url(redis_url).flushdb()
    call_command("migrate", verbosity=0)
    call_command("seed_demo", skus=SKUS, quiet=True, stdout=open(os.devnull, "w"))  # noqa: SIM115
    campaign, planner = _approved_promotion()

    log = Path(".local/logs/bench-worker.log")
    log.parent.mkdir(parents=True, exist_ok=True)
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "sop_portal", "worker", "--pool", "solo", "--loglevel", "WARNING",
         "-n", f"bench{os.getpid()}@%h", "--without-mingle", "--without-gossip"],
        env={**os.environ, "DEBUG": "0", "SECRET_KEY": "bench-only-key-0123456789-abcdefghijklmnopqrstuvwxyz"},
        stdout=log.open("ab"), stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        _wait_for_worker()
        client = Client()
        client.force_login(planner)
        timings = [_one_edit(client, campaign.pk, uplift) for uplift in np.linspace(60, 100, EDITS + 1)]
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    measured = np.array(timings[1:]) * 1000  # the first edit warms the worker's caches up
    from django.conf import settings

    print(
        f"BENCH campaign_to_revision skus={SKUS} n={measured.size} p50_ms={np.percentile(measured, 50):.0f} "
        f"p95_ms={np.percentile(measured, 95):.0f} debounce_ms={settings.PIPELINE_DEBOUNCE_SECONDS * 1000:.0f}"
    )


def _approved_promotion() -> tuple[Any, Any]:
    from campaigns import services
    from production.services import planning_window
    from sop_portal.masterdata.models import Product
    from sop_portal.organisation.models import Department
    from tests.factories import make_user

    planner = make_user("bench.marketing", departments={"marketing": 20})
    approver = make_user("bench.ops", departments={"operations": 30})
    window = planning_window()
    products = list(Product.objects.filter(family__code="beverages", status="active").order_by("sku")[:3])
    campaign = services.create_campaign(
        actor=planner, name="Benchmark promotion", owner_department=Department.objects.get(code="marketing"),
        start_date=window.first_week + timedelta(weeks=6), end_date=window.first_week + timedelta(weeks=9, days=4),
        lines=[{"product": p, "uplift_kind": "percent", "uplift_value": 40} for p in products],
    )  # fmt: skip
    campaign = services.transition(campaign, "submit", actor=planner)
    return services.transition(campaign, "approve", actor=approver), planner


def _wait_for_worker() -> None:
    from sop_portal.celery import app

    deadline = time.monotonic() + 60
    while not app.control.ping(timeout=0.5):
        if time.monotonic() > deadline:
            raise SystemExit("the benchmark worker did not start; see .local/logs/bench-worker.log")
    # Let the approval's own pipeline run finish before measuring.
    from sop_portal.jobs.models import Job

    while Job.objects.filter(status__in=["queued", "running"]).exists():
        time.sleep(0.05)


def _one_edit(client: Any, campaign_id: int, uplift: float) -> float:
    from campaigns.models import Campaign, PipelineEvent
    from sop_portal.jobs.models import Job

    campaign = Campaign.objects.get(pk=campaign_id)
    lines = [
        {"sku": line.product.sku, "uplift_kind": "percent", "uplift_value": round(float(uplift), 1)}
        for line in campaign.lines.select_related("product")
    ]
    started = time.perf_counter()
    response = client.patch(
        f"/api/v1/campaigns/{campaign_id}/", {"lines": lines}, content_type="application/json",
        HTTP_IF_MATCH=f'"{campaign.version}"',
    )  # fmt: skip
    if response.status_code != 200:
        raise SystemExit(f"edit refused: {response.status_code} {response.content[:300]!r}")
    event = PipelineEvent.objects.filter(campaign_id=campaign_id).order_by("-pk").first()
    if event is None or event.job_id is None:
        raise SystemExit("the edit wrote no pipeline event")
    while True:
        job = Job.objects.filter(pk=event.job_id).values("status", "finished").first()
        if job and job["status"] in ("done", "failed"):
            break
        time.sleep(0.002)
    elapsed = time.perf_counter() - started
    finished = Job.objects.get(pk=event.job_id)
    if finished.status == "failed" or not finished.result.get("revision"):
        raise SystemExit(f"the edit published no revision: {finished.status} {finished.error or finished.message}")
    return elapsed


if __name__ == "__main__":
    main()
