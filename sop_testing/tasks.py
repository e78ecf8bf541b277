"""A task for the service tests only: it writes a row, so a round trip proves broker, worker and database."""

from __future__ import annotations

from typing import Any

from sop_portal.celery import app


@app.task(bind=True, name="sop_testing.describe_department")
def describe_department(self: Any, code: str, description: str) -> str:
    from sop_portal.organisation.models import Department

    Department.objects.filter(code=code).update(description=description)
    # Only a message consumed from a broker queue has delivery info: proof the task did not run eagerly.
    return str(self.request.delivery_info["routing_key"])
