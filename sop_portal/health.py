"""`/healthz`: is the portal able to do its job? Database, broker and worker, as JSON for load balancers and compose.

200 when every part is healthy, 503 otherwise. Without REDIS_URL tasks run in-process, so broker and worker
report "embedded" and count as healthy.
"""

from __future__ import annotations

import time
from typing import Any

from celery import shared_task
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .celery import app

HEARTBEAT_KEY = "sop:beat-heartbeat"


@shared_task(name="sop_portal.health.heartbeat", ignore_result=True)
def heartbeat() -> None:
    """Beat sends this every minute; its timestamp tells /healthz that beat and a worker are alive."""
    cache.set(HEARTBEAT_KEY, time.time(), timeout=None)


def check_database() -> dict[str, Any]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure means unhealthy; the message helps the operator
        return {"ok": False, "error": str(exc)[:200]}
    return {"ok": True, "vendor": connection.vendor}


def check_broker() -> dict[str, Any]:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return {"ok": True, "mode": "embedded"}
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=1)
    except Exception as exc:
        return {"ok": False, "error": str(exc)[:200]}
    return {"ok": True, "mode": "redis"}


def check_workers(timeout: float = 1.0) -> dict[str, Any]:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return {"ok": True, "mode": "embedded", "workers": []}
    try:
        replies = app.control.ping(timeout=timeout)
    except Exception as exc:
        return {"ok": False, "error": str(exc)[:200], "workers": []}
    names = sorted(name for reply in replies or [] for name in reply)
    result: dict[str, Any] = {"ok": bool(names), "workers": names}
    beat = cache.get(HEARTBEAT_KEY)
    if beat is not None:
        result["beat_seconds_ago"] = round(time.time() - float(beat), 1)
    return result


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    database = check_database()
    broker = check_broker()
    workers = check_workers() if broker["ok"] else {"ok": False, "error": "broker unreachable", "workers": []}
    healthy = database["ok"] and broker["ok"] and workers["ok"]
    body = {"status": "ok" if healthy else "unhealthy", "database": database, "broker": broker, "worker": workers}
    return JsonResponse(body, status=200 if healthy else 503)
