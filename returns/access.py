"""Who may respond to an anomaly. Capabilities decide the kind of person (permissions.py); this adds which
anomaly: a campaign's is answered by its owner or the planners of the owner's department."""

from __future__ import annotations

from typing import Any

from sop_portal.organisation.permissions import can, can_in

from .models import ReturnAnomaly


def may_answer(user: Any, anomaly: ReturnAnomaly) -> bool:
    if not getattr(user, "is_authenticated", False) or anomaly.status == ReturnAnomaly.Status.RESOLVED:
        return False
    campaign = anomaly.campaign
    if campaign is None:
        return can(user, "returns.answer")
    return (
        user.is_superuser
        or campaign.owner_id == user.pk
        or can_in(user, "returns.answer", campaign.owner_department.code)
    )


def may_note(user: Any, anomaly: ReturnAnomaly) -> bool:
    """Customer service follows up in the thread; so may whoever may answer."""
    return can(user, "returns.import") or may_answer(user, anomaly)
