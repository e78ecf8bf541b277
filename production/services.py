"""The only writers of the MPS: replanning publishes revisions, rough-cut loads and their alerts."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import numpy as np
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from sop_portal.alerts.services import AlertOutcome
from sop_portal.errors import InputError, StaleEdit
from sop_portal.jobs import services as jobs
from sop_portal.jobs.models import Job
from sop_portal.masterdata.models import Product
from sop_portal.masterdata.services import today
from sop_portal.masterdata.weeks import week_label, week_start

from . import after_revision, plan_alerts, rough_cut
from .causes import Cause
from .models import (
    BillOfCapacity,
    FirmPlannedOrder,
    Measure,
    MpsItem,
    MpsItemChange,
    MpsItemPlan,
    MpsRevision,
    Resource,
    ScheduledReceipt,
)
from .plan_inputs import PlanningWindow, build_batch, on_window
from .planning.engine import run_mps
from .planning.revision_diff import changed_cells, round_quantities

MEASURES: list[str] = list(Measure.values)
INPUT_MEASURES = {"forecast", "customer_orders", "scheduled_receipts", "returns_supply"}
REVISION_LOCK = 7_340_001  # pg advisory lock id: one revision is published at a time


@dataclass
class ReplanOutcome:
    revision: MpsRevision | None
    items_planned: int
    items_changed: int = 0
    cells_changed: int = 0
    alerts: AlertOutcome = field(default_factory=AlertOutcome)
    changed_products: list[int] = field(default_factory=list)


def planning_window() -> PlanningWindow:
    return PlanningWindow(week_start(today()), settings.PLANNING_HORIZON_WEEKS)


def _serialise_publishing() -> None:
    # SQLite already serialises writers (transaction_mode IMMEDIATE); Postgres needs an explicit lock so two
    # replans never read the same "previous plan" and publish conflicting revisions.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [REVISION_LOCK])


def _stored_plans(items: Sequence[MpsItem], window: PlanningWindow) -> np.ndarray:
    """The latest plan of each item as (items, measures, weeks), shifted onto `window`; 0 where none."""
    out = np.zeros((len(items), len(MEASURES), window.weeks))
    plans = MpsItemPlan.objects.filter(item__in=[i.pk for i in items]).values_list("item_id", "first_week", "values")
    row_of = {item.pk: i for i, item in enumerate(items)}
    for item_id, first_week, values in plans:
        # Measure by measure: a plan stored before a measure existed simply lacks it (0).
        for m, measure in enumerate(MEASURES):
            out[row_of[item_id], m] = on_window(values.get(measure, []), first_week, window)
    return out


def _new_plans(items: Sequence[MpsItem], window: PlanningWindow) -> np.ndarray:
    batch = build_batch(items, window)
    result = run_mps(batch)
    rows = {m: getattr(batch if m in INPUT_MEASURES else result, m) for m in MEASURES}
    return round_quantities(np.stack([rows[m] for m in MEASURES], axis=1))


def _product_ids(products: Iterable[Product | int] | None) -> list[int] | None:
    if products is None:
        return None
    return sorted({p.pk if isinstance(p, Product) else int(p) for p in products})


def _no_progress(percent: int, message: str) -> None:
    return None


def regenerate_mps(
    products: Iterable[Product | int] | None = None,
    *,
    cause: Cause | Sequence[Cause],
    requested_by: Any = None,
    item_causes: Mapping[int, Sequence[Cause]] | None = None,
    progress: Callable[[int, str], None] = _no_progress,
    on_publish: Callable[[ReplanOutcome], None] | None = None,
) -> ReplanOutcome:
    """Replan `products` (all when None); publish a revision holding only the changed cells, if any.

    Then refresh the rough-cut load of the resources those changes touch and reconcile shortage and overload
    alerts. An unchanged plan publishes nothing, which also makes a repeated run harmless. `item_causes`
    (item id → causes) names, line by line, what moved each item; items not in it carry the revision's causes.

    The engine runs before the publishing transaction (so `progress` can be reported meanwhile); an input
    that changes in between triggers its own replan through the outbox. `on_publish` runs inside the
    publishing transaction (also when nothing changed), so a caller can record the outcome atomically with it.
    """
    causes = [cause] if isinstance(cause, Cause) else list(cause)
    if not causes:
        raise ValueError("a revision needs a cause")
    window = planning_window()
    ids = _product_ids(products)
    query = MpsItem.objects.select_related("product", "plant").order_by("pk")
    items = list(query if ids is None else query.filter(product_id__in=ids))
    if not items:
        outcome = ReplanOutcome(revision=None, items_planned=0)
        if on_publish is not None:
            on_publish(outcome)
        return outcome
    progress(10, f"Planning {len(items):,} items over {window.weeks} weeks")
    new = _new_plans(items, window)
    progress(60, "Comparing with the published plan")
    with transaction.atomic():
        outcome = _publish_changes(items, new, window, ids, causes, requested_by, item_causes or {}, progress)
        if on_publish is not None:
            on_publish(outcome)
        return outcome


def _publish_changes(
    items: list[MpsItem],
    new: np.ndarray,
    window: PlanningWindow,
    ids: list[int] | None,
    causes: list[Cause],
    requested_by: Any,
    item_causes: Mapping[int, Sequence[Cause]],
    progress: Callable[[int, str], None],
) -> ReplanOutcome:
    _serialise_publishing()
    old = _stored_plans(items, window)
    mask = changed_cells(old, new)
    changed = np.flatnonzero(mask.any(axis=(1, 2)))
    if changed.size == 0:
        return ReplanOutcome(revision=None, items_planned=len(items))

    progress(75, f"Publishing {int(changed.size):,} changed items")
    revision = _publish(items, changed, old, new, mask, window, causes, requested_by, item_causes)
    changed_items = [items[i] for i in changed]
    mps_row = MEASURES.index(Measure.MPS)
    loads = rough_cut.refresh_loads(
        revision,
        changed_items,
        old[changed, mps_row],
        new[changed, mps_row],
        window,
        full=ids is None,
    )
    progress(90, "Checking capacity and raising alerts")
    alerts = plan_alerts.reconcile(
        revision, items, new[:, MEASURES.index(Measure.PROJECTED_AVAILABLE)], window, loads, item_causes
    )
    return ReplanOutcome(
        revision=revision,
        items_planned=len(items),
        items_changed=int(changed.size),
        cells_changed=int(mask.sum()),
        alerts=alerts,
        changed_products=sorted({items[i].product_id for i in changed}),
    )


def _publish(
    items: Sequence[MpsItem],
    changed: np.ndarray,
    old: np.ndarray,
    new: np.ndarray,
    mask: np.ndarray,
    window: PlanningWindow,
    causes: list[Cause],
    requested_by: Any,
    item_causes: Mapping[int, Sequence[Cause]],
) -> MpsRevision:
    last = MpsRevision.objects.order_by("-number").values_list("number", flat=True).first() or 0
    revision = MpsRevision.objects.create(
        number=last + 1,
        trigger=causes[0].type,
        causes=[c.as_json() for c in causes],
        requested_by=requested_by if getattr(requested_by, "is_authenticated", False) else None,
        first_week=window.first_week,
        items_changed=int(changed.size),
        cells_changed=int(mask.sum()),
        summary=f"{int(changed.size)} of {len(items)} items changed, {int(mask.sum())} cells",
    )
    revision_causes = [c.as_json() for c in causes]
    changes, plans = [], []
    pab = new[:, MEASURES.index(Measure.PROJECTED_AVAILABLE)]
    for i in changed:
        item = items[i]
        cells: dict[str, dict[str, list[Any]]] = {}
        for m, measure in enumerate(MEASURES):
            weeks = np.flatnonzero(mask[i, m])
            if weeks.size:
                cells[measure] = {
                    "weeks": weeks.tolist(),
                    "old": old[i, m, weeks].tolist(),
                    "new": new[i, m, weeks].tolist(),
                }
        own = item_causes.get(item.pk)
        changes.append(
            MpsItemChange(
                revision=revision,
                item=item,
                cells=cells,
                cell_count=int(mask[i].sum()),
                causes=[c.as_json() for c in own] if own else revision_causes,
            )
        )
        short = np.flatnonzero(pab[i] < 0)
        plans.append(
            MpsItemPlan(
                item=item,
                revision=revision,
                first_week=window.first_week,
                values={m: new[i, k].tolist() for k, m in enumerate(MEASURES)},
                shortage=bool(short.size),
                first_shortage_week=window.first_week + timedelta(weeks=int(short[0])) if short.size else None,
                below_safety_stock=bool((pab[i] < item.safety_stock - 1e-9).any()),
            )
        )
    MpsItemChange.objects.bulk_create(changes, batch_size=2000)
    MpsItemPlan.objects.bulk_create(
        plans,
        batch_size=2000,
        update_conflicts=True,
        unique_fields=["item"],
        update_fields=["revision", "first_week", "values", "shortage", "first_shortage_week", "below_safety_stock"],
    )
    return revision


def request_replan(
    products: Iterable[Product | int] | None = None, *, requested_by: Any = None, cause: Cause | None = None
) -> Job:
    """Queue a replan (the page and the API answer at once and poll the job)."""
    ids = _product_ids(products)
    who = getattr(requested_by, "username", "") if requested_by is not None else ""
    cause = cause or Cause(MpsRevision.Trigger.MANUAL, f"user:{who}", f"Replan requested by {who or 'the system'}")
    scope = "all" if ids is None else ",".join(map(str, ids))
    return jobs.enqueue(
        "production.replan",
        {"products": ids, "cause": cause.as_json()},
        requested_by=requested_by,
        coalesce_key=f"replan:{scope}"[:120],
    )


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def replan_job(job: Job) -> dict[str, Any]:
    """The work of a queued replan job; reports progress on the job row as it goes."""
    payload = job.payload
    cause = Cause(**{k: payload["cause"][k] for k in ("type", "ref", "label")})
    result: dict[str, Any] = dict(job.result or {})
    if "revision" not in result:

        def record_outcome(outcome: ReplanOutcome) -> None:
            # In the publishing transaction: a re-run after a crash finds the revision recorded.
            result.update(
                revision=outcome.revision.number if outcome.revision else None,
                items_planned=outcome.items_planned,
                items_changed=outcome.items_changed,
                cells_changed=outcome.cells_changed,
                alerts_raised=len(outcome.alerts.raised),
                alerts_resolved=len(outcome.alerts.resolved),
                products=outcome.changed_products,
                causes=[cause.as_json()],
            )
            after_revision.record(job, result)

        regenerate_mps(
            payload.get("products"),
            cause=cause,
            requested_by=job.requested_by,
            progress=lambda percent, message: jobs.report(job, percent, message),
            on_publish=record_outcome,
        )
    after_revision.run_stages(job, result)
    message = (
        f"Revision {result['revision']}: {_count(result['items_changed'], 'item')}, "
        f"{_count(result['cells_changed'], 'cell')} changed"
        if result["revision"]
        else f"No change: {_count(result['items_planned'], 'item')} planned, the published plan stands"
    )
    jobs.finish(job, result, message)
    return result


# --- Production master data -------------------------------------------------------------------------------


def create_resource(*, plant: Any, code: str, name: str, weekly_capacity: float) -> Resource:
    resource = Resource(plant=plant, code=code, name=name, weekly_capacity=weekly_capacity)
    resource.full_clean()
    resource.save()
    return resource


@transaction.atomic
def set_bill_of_capacity(rows: Iterable[tuple[int, int, float, float]]) -> int:
    """(product id, resource id, run hours per unit, setup hours per lot) rows, replacing existing lines."""
    lines = [
        BillOfCapacity(product_id=p, resource_id=r, run_hours_per_unit=run, setup_hours_per_lot=setup)
        for p, r, run, setup in rows
    ]
    for row, line in enumerate(lines, start=1):
        if line.run_hours_per_unit < 0 or line.setup_hours_per_lot < 0:
            raise InputError("hours", "must be zero or more", row=row)
    BillOfCapacity.objects.bulk_create(
        lines,
        batch_size=5000,
        update_conflicts=True,
        unique_fields=["product", "resource"],
        update_fields=["run_hours_per_unit", "setup_hours_per_lot"],
    )
    return len(lines)


@transaction.atomic
def create_mps_items(items: Sequence[MpsItem]) -> int:
    """Create MPS items in bulk after validating each (row numbers count from 1).

    Field checks run here without queries; the rules across fields are database constraints (a bulk insert
    that breaks one fails whole).
    """
    for row, item in enumerate(items, start=1):
        try:
            item.clean_fields(exclude=["product", "plant"])
        except ValidationError as exc:
            field_name, messages = next(iter(exc.message_dict.items()))
            raise InputError(field_name, messages[0], row=row) from exc
    MpsItem.objects.bulk_create(items, batch_size=5000)
    return len(items)


@transaction.atomic
def add_scheduled_receipts(receipts: Sequence[ScheduledReceipt]) -> int:
    ScheduledReceipt.objects.bulk_create(receipts, batch_size=5000)
    return len(receipts)


def update_resource(resource: Resource, **changes: Any) -> Resource:
    for name, value in changes.items():
        setattr(resource, name, value)
    resource.full_clean()
    resource.save(update_fields=list(changes))
    return resource


MPS_ITEM_FIELDS = (
    "demand_share", "on_hand", "safety_stock", "lead_time", "demand_time_fence", "planning_time_fence",
    "demand_inside_dtf", "demand_outside_dtf", "lot_rule", "lot_qty", "poq_periods", "fixed_lot_repeats",
    "min_lot", "max_lot", "lot_multiple", "atp_rule",
)  # fmt: skip


@transaction.atomic
def update_mps_item(item: MpsItem, *, expected_version: int | None, actor: Any = None, **changes: Any) -> MpsItem:
    """Change an item's planning parameters (409 on a stale version) and queue its replan in the same
    transaction, so the plan follows the parameters."""
    current = MpsItem.objects.select_for_update().select_related("product").get(pk=item.pk)
    if expected_version is not None and current.version != expected_version:
        raise StaleEdit(f"MPS item {current}", current.version)
    for name, value in changes.items():
        if name not in MPS_ITEM_FIELDS:
            raise InputError(name, "is not an MPS parameter")
        setattr(current, name, value)
    try:
        current.full_clean(exclude=["product", "plant"], validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        name, messages = next(iter(exc.message_dict.items()))
        raise InputError(name, messages[0]) from exc
    # The database constraints again, in words a planner reads.
    if current.lot_rule in ("fixed", "eoq") and not current.lot_qty:
        raise InputError("lot_qty", f"a {current.lot_rule} lot rule needs a lot quantity above zero")
    if current.max_lot is not None and current.max_lot < current.min_lot:
        raise InputError("max_lot", "must be at least min_lot")
    current.version += 1
    current.save()
    label = f"Planning parameters of {current} changed ({', '.join(sorted(changes))})"
    request_replan([current.product_id], requested_by=actor, cause=Cause("parameters", f"item:{current.pk}", label))
    return current


@transaction.atomic
def add_firm_planned_order(item: MpsItem, *, week: Any, quantity: float, note: str = "", actor: Any = None) -> Any:
    if week != week_start(week):
        raise InputError("week", "must be the Monday of an ISO week")
    if quantity is None or quantity <= 0:
        raise InputError("quantity", "must be more than zero")
    order = FirmPlannedOrder.objects.create(
        item=item, week=week, quantity=quantity, note=note, created_by=actor if getattr(actor, "pk", None) else None
    )
    label = f"Firm planned order {quantity:g} in {week_label(week)} for {item}"
    request_replan([item.product_id], requested_by=actor, cause=Cause("parameters", f"fpo:{order.pk}", label))
    return order


@transaction.atomic
def delete_firm_planned_order(order: Any, *, actor: Any = None) -> None:
    item, label = order.item, f"Firm planned order {order.quantity:g} in {week_label(order.week)} removed"
    order.delete()
    request_replan([item.product_id], requested_by=actor, cause=Cause("parameters", f"item:{item.pk}", label))
