"""The Celery app of the digests benchmark's worker: the portal's own, warmed up as a worker that has been running
for a while is, before its processes are forked.

A fresh process pays about half a second of CPU the first time anything calls reverse(): it imports every app's
URL configuration. A long-running worker paid that at its first task of the day, not at each run of digests; the
benchmark measures the run, so the worker's parent imports the URLs and compiles the digest templates once, and
its processes start with them.

    celery -A benchmarks.digest_worker worker ...
"""

from __future__ import annotations

import django

django.setup()

from django.template.loader import get_template  # noqa: E402
from django.urls import reverse  # noqa: E402

from sop_portal.celery import app  # noqa: E402

reverse("alerts")
for name in ("digest.html", "digest.txt", "_alert.html", "_alert.txt", "_mps_change.html", "_mps_change.txt"):
    get_template(f"alerts/email/{name}")

__all__ = ["app"]
