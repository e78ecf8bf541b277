"""Turn what a revision shows — shortages and overloads — into alerts naming the revision and its causes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta

import numpy as np

from sop_portal.alerts.models import Alert, Severity
from sop_portal.alerts.services import AlertOutcome, Condition
from sop_portal.alerts.services import reconcile as reconcile_alerts
from sop_portal.masterdata.weeks import week_label
from sop_portal.organisation import departments

from .causes import Cause
from .models import MpsItem, MpsRevision
from .plan_inputs import PlanningWindow
from .rough_cut import LoadRow

# Above this peak utilisation an overload needs more than overtime: it is critical.
CRITICAL_UTILISATION = 1.2


def shortage_key(item_id: int) -> str:
    return f"shortage:item:{item_id}"


def overload_key(resource_id: int) -> str:
    return f"overload:resource:{resource_id}"


def _cause_text(causes: list[dict[str, str]]) -> str:
    return "; ".join(c["label"] for c in causes)


def shortage(item: MpsItem, pab: np.ndarray, window: PlanningWindow, cause: dict) -> Condition | None:
    short = np.flatnonzero(pab < -1e-9)
    if not short.size:
        return None
    first = int(short[0])
    worst = int(short[np.argmin(pab[short])])
    # Inside the lead time or planning time fence no new receipt can be planned: someone must expedite.
    frozen = max(item.lead_time, item.planning_time_fence)
    week = window.first_week + timedelta(weeks=first)
    message = (
        f"{item.product.sku} {item.product.name} at {item.plant.name}: projected available "
        f"{pab[first]:,.0f} in {week_label(week)}, short in {short.size} week(s), worst {pab[worst]:,.0f} in "
        f"{week_label(window.first_week + timedelta(weeks=worst))}"
        + (" — inside the frozen zone, expedite or re-promise" if first < frozen else "")
        + f". Cause: {_cause_text(cause['causes'])}."
    )
    return Condition(
        key=shortage_key(item.pk),
        type=Alert.Type.SHORTAGE,
        severity=Severity.CRITICAL if first < frozen else Severity.WARNING,
        subject_type="product",
        subject_id=item.product.sku,
        subject_label=f"{item.product.sku} {item.product.name} @ {item.plant.code}",
        message=message,
        cause=cause,
        departments=(departments.OPERATIONS, departments.SALES),
        signature=f"{week_label(week)}:{pab[first]:.3f}:{short.size}:{worst}:{pab[worst]:.3f}",
    )


def overload(row: LoadRow, window: PlanningWindow, cause: dict) -> Condition | None:
    over = np.flatnonzero(row.overload > 1e-9)
    if not over.size:
        return None
    with np.errstate(divide="ignore", invalid="ignore"):
        utilisation = np.where(row.capacity > 0, row.load / row.capacity, np.inf)
    worst = int(over[np.argmax(utilisation[over])])
    peak = float(utilisation[worst])
    resource = row.resource

    def week(k: int) -> str:
        return week_label(window.first_week + timedelta(weeks=k))

    peak_text = f"{peak:.0%}" if np.isfinite(peak) else "no capacity"
    message = (
        f"{resource.name} at {resource.plant.name}: overloaded in {over.size} week(s) from {week(int(over[0]))}; "
        f"worst {week(worst)} at {peak_text} ({row.load[worst]:,.1f} h of {row.capacity[worst]:,.1f} h). "
        f"Cause: {_cause_text(cause['causes'])}."
    )
    return Condition(
        key=overload_key(resource.pk),
        type=Alert.Type.OVERLOAD,
        severity=Severity.CRITICAL if peak >= CRITICAL_UTILISATION else Severity.WARNING,
        subject_type="resource",
        subject_id=resource.code,
        subject_label=f"{resource.name} ({resource.plant.code})",
        message=message,
        cause=cause,
        departments=(departments.OPERATIONS,),
        signature=f"{week(int(over[0]))}:{over.size}:{week(worst)}:{row.load[worst]:.3f}:{row.capacity[worst]:.3f}",
    )


def reconcile(
    revision: MpsRevision,
    items: Sequence[MpsItem],
    projected_available: np.ndarray,
    window: PlanningWindow,
    loads: Sequence[LoadRow],
    item_causes: Mapping[int, Sequence[Cause]],
) -> AlertOutcome:
    conditions: list[Condition] = []
    for i, item in enumerate(items):
        own = item_causes.get(item.pk)
        cause = {"revision": revision.number, "causes": [c.as_json() for c in own] if own else revision.causes}
        found = shortage(item, projected_available[i], window, cause)
        if found:
            conditions.append(found)
    revision_cause = {"revision": revision.number, "causes": revision.causes}
    for row in loads:
        found = overload(row, window, revision_cause)
        if found:
            conditions.append(found)
    scope = [shortage_key(item.pk) for item in items] + [overload_key(row.resource.pk) for row in loads]
    return reconcile_alerts(scope, conditions)
