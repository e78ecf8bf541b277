"""The only writers of warehouse capacity, assignments and projected load, and of the alerts they raise.

`check_warehouses` re-projects the warehouses some products ship through and reconciles their alerts. Edits of
capacity, exceptions and thresholds only re-assess the stored load against them (the load does not move), so
they are cheap; new picking or receiving rates move the labour load, so they re-project the warehouse.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import transaction

from production.causes import Cause
from production.models import MpsRevision
from production.plan_inputs import PlanningWindow
from production.services import planning_window
from sop_portal.alerts.services import AlertOutcome, Condition
from sop_portal.alerts.services import reconcile as reconcile_alerts
from sop_portal.errors import InputError, StaleEdit
from sop_portal.masterdata.models import Product
from sop_portal.masterdata.weeks import week_label, week_start

from . import check, inputs, warehouse_alerts
from .models import CAPACITY_FIELD, Assignment, CapacityException, Dimension, Warehouse, WarehouseProjection
from .stored import stored

RATE_FIELDS = {"pick_rate", "receive_rate"}
CAPACITY_FIELDS = (*CAPACITY_FIELD.values(), *sorted(RATE_FIELDS), "warning_threshold", "critical_threshold")


@dataclass
class CheckOutcome:
    warehouses: list[Warehouse] = field(default_factory=list)
    alerts: AlertOutcome = field(default_factory=AlertOutcome)

    def as_json(self) -> dict[str, Any]:
        return {
            "warehouses": [w.code for w in self.warehouses],
            "alerts_raised": [a.pk for a in self.alerts.raised],
            "alerts_updated": [a.pk for a in self.alerts.updated],
            "alerts_resolved": [a.pk for a in self.alerts.resolved],
        }


def _causes(cause: Cause | Sequence[Cause]) -> list[Cause]:
    causes = [cause] if isinstance(cause, Cause) else list(cause)
    if not causes:
        raise ValueError("a warehouse check needs a cause")
    return causes


def warehouses_touching(product_ids: Iterable[int] | None) -> list[Warehouse]:
    """The warehouses these products ship through; every warehouse with products when None."""
    query = Warehouse.objects.filter(assignments__isnull=False)
    if product_ids is not None:
        query = query.filter(assignments__product_id__in=list(product_ids))
    return list(query.distinct().order_by("pk"))


@transaction.atomic
def check_warehouses(
    product_ids: Iterable[Product | int] | None = None,
    *,
    cause: Cause | Sequence[Cause],
    warehouses: Iterable[Warehouse] = (),
    revision: MpsRevision | None = None,
) -> CheckOutcome:
    """Re-project the warehouses `product_ids` ship through (all when None) plus `warehouses`, store each one's
    projection and reconcile its overload and order-fill alerts, naming `cause` and the MPS revision.

    A warehouse that no longer ships any product loses its projection and its alerts resolve.
    """
    causes = _causes(cause)
    ids = None if product_ids is None else {p.pk if isinstance(p, Product) else int(p) for p in product_ids}
    extra = {w.pk for w in warehouses}
    touched = {w.pk: w for w in warehouses_touching(ids)}
    touched.update({w.pk: w for w in Warehouse.objects.filter(pk__in=extra - set(touched))})
    if not touched:
        return CheckOutcome()
    chosen = [touched[pk] for pk in sorted(touched)]
    revision = revision or MpsRevision.objects.order_by("-number").first()
    checked = check.project_warehouses(chosen, planning_window(), revision)
    WarehouseProjection.objects.filter(warehouse__in=chosen).exclude(
        warehouse__in=[p.warehouse for p in checked.projections]
    ).delete()
    WarehouseProjection.objects.bulk_create(
        checked.projections,
        update_conflicts=True,
        unique_fields=["warehouse"],
        update_fields=[f.name for f in WarehouseProjection._meta.concrete_fields if not f.primary_key],
    )
    cause_json = {"revision": revision.number if revision else None, "causes": [c.as_json() for c in causes]}
    conditions: list[Condition] = []
    for projection in checked.projections:
        view = stored(projection)
        conditions += warehouse_alerts.overloads(view, cause_json)
        if fill := warehouse_alerts.fill_at_risk(view, cause_json):
            conditions.append(fill)
    scope = [key for w in chosen for key in warehouse_alerts.scope(w)]
    return CheckOutcome(chosen, reconcile_alerts(scope, conditions))


def _reassess(warehouse: Warehouse, cause: Cause) -> AlertOutcome:
    """The stored load against the warehouse's capacity now: capacity, utilisation and overload alerts."""
    projection = WarehouseProjection.objects.filter(warehouse=warehouse).select_related("revision").first()
    if projection is None:
        return AlertOutcome()
    projection.warehouse = warehouse
    view = stored(projection)
    capacity = inputs.capacity_by_week([warehouse], PlanningWindow(view.first_week, view.weeks))
    for name, value in check.assess(view.load[None], capacity, [warehouse])[0].items():
        setattr(projection, name, value)
    projection.save()
    causes = {"revision": projection.revision.number if projection.revision else None, "causes": [cause.as_json()]}
    conditions = warehouse_alerts.overloads(stored(projection), causes)
    return reconcile_alerts(warehouse_alerts.scope(warehouse, fill=False), conditions)


def _locked(warehouse: Warehouse, expected_version: int | None) -> Warehouse:
    current = Warehouse.objects.select_for_update().get(pk=warehouse.pk)
    if expected_version is not None and current.version != expected_version:
        raise StaleEdit(f"Warehouse {current.name}", current.version)
    return current


def _who(actor: Any) -> str:
    return getattr(actor, "username", "") or "the system"


def _field_list(names: Iterable[str]) -> str:
    """inbound_capacity, pick_rate → 'inbound capacity, picking rate', in CAPACITY_FIELDS order."""
    labels = {"pick_rate": "picking rate", "receive_rate": "receiving rate"}
    return ", ".join(labels.get(n, n.replace("_", " ")) for n in CAPACITY_FIELDS if n in set(names))


def _validate_capacity(warehouse: Warehouse) -> None:
    for name in CAPACITY_FIELD.values():
        value = getattr(warehouse, name)
        if value is not None and value < 0:
            raise InputError(name, "must be zero or more (leave it blank when not recorded)")
    for name in ("pick_rate", "receive_rate"):
        value = getattr(warehouse, name)
        if value is not None and value <= 0:
            raise InputError(name, "must be more than zero units per hour")
    if warehouse.labour_capacity is not None:
        for name in ("pick_rate", "receive_rate"):
            if getattr(warehouse, name) is None:
                raise InputError(name, "is needed to turn units into labour hours when labour capacity is set")
    if warehouse.warning_threshold is None or warehouse.warning_threshold <= 0:
        raise InputError("warning_threshold", "must be more than zero (0.85 is 85 %)")
    if warehouse.critical_threshold is None or warehouse.critical_threshold <= warehouse.warning_threshold:
        raise InputError("critical_threshold", "must be above the warning threshold")


@transaction.atomic
def update_capacity(
    warehouse: Warehouse, *, expected_version: int | None, actor: Any = None, **changes: Any
) -> Warehouse:
    """Change capacities, rates or thresholds (409 on a stale version), then re-assess the stored load."""
    current = _locked(warehouse, expected_version)
    unknown = set(changes) - set(CAPACITY_FIELDS)
    if unknown:
        raise InputError(sorted(unknown)[0], "is not a warehouse capacity setting")
    changed = {name: value for name, value in changes.items() if getattr(current, name) != value}
    if not changed:
        return current
    for name, value in changed.items():
        setattr(current, name, value)
    _validate_capacity(current)
    current.version += 1
    current.save()
    label = f"Capacity of {current.name} changed by {_who(actor)} ({_field_list(changed)})"
    cause = Cause("warehouse", f"warehouse:{current.code}@v{current.version}", label)
    if RATE_FIELDS & set(changed):
        # The rates turn units into labour hours: the load itself moves, so project it again.
        check_warehouses([], warehouses=[current], cause=cause)
    else:
        _reassess(current, cause)
    return current


@transaction.atomic
def set_capacity_exception(
    warehouse: Warehouse,
    *,
    expected_version: int | None,
    dimension: str,
    week: date,
    capacity: float,
    reason: str = "",
    actor: Any = None,
) -> CapacityException:
    """A week's capacity in one dimension (a holiday, a peak shift); replaces one already set for that week."""
    current = _locked(warehouse, expected_version)
    if dimension not in Dimension.values:
        raise InputError("dimension", f"must be one of {', '.join(Dimension.values)}")
    if week != week_start(week):
        raise InputError("week", "must be the Monday of an ISO week")
    if capacity is None or capacity < 0:
        raise InputError("capacity", "must be zero (closed) or more")
    if current.normal_capacity(dimension) is None:
        raise InputError("dimension", f"{Dimension(dimension).label.lower()} has no normal capacity to depart from")
    exception, _ = CapacityException.objects.update_or_create(
        warehouse=current, dimension=dimension, week=week, defaults={"capacity": capacity, "reason": reason[:120]}
    )
    current.version += 1
    current.save(update_fields=["version"])
    label = (
        f"{Dimension(dimension).label} capacity of {current.name} in {week_label(week)} set to {capacity:g} "
        f"by {_who(actor)}" + (f" ({reason})" if reason else "")
    )
    _reassess(current, Cause("warehouse", f"warehouse:{current.code}@v{current.version}", label))
    return exception


@transaction.atomic
def remove_capacity_exception(exception: CapacityException, *, expected_version: int | None, actor: Any = None) -> None:
    current = _locked(exception.warehouse, expected_version)
    label = (
        f"{Dimension(exception.dimension).label} capacity of {current.name} in {week_label(exception.week)} "
        f"back to normal ({_who(actor)})"
    )
    exception.delete()
    current.version += 1
    current.save(update_fields=["version"])
    _reassess(current, Cause("warehouse", f"warehouse:{current.code}@v{current.version}", label))


@transaction.atomic
def set_assignments(rows: Sequence[Mapping[str, Any]], *, actor: Any = None) -> CheckOutcome:
    """Assign products to warehouses: rows of product, warehouse, share_pct, units_per_case, units_per_pallet
    (row 1 is the first; an existing assignment of the same product and warehouse is replaced). A product's
    shares over all its warehouses must add up to 100 % at most. Then the warehouses involved are re-checked."""
    built: list[Assignment] = []
    seen: set[tuple[int, int]] = set()
    for row, data in enumerate(rows, start=1):
        product, warehouse = data.get("product"), data.get("warehouse")
        if not isinstance(product, Product):
            raise InputError("product", "is required", row=row)
        if not isinstance(warehouse, Warehouse):
            raise InputError("warehouse", "is required", row=row)
        if (product.pk, warehouse.pk) in seen:
            raise InputError("warehouse", f"{product.sku} is assigned to {warehouse.code} twice", row=row)
        seen.add((product.pk, warehouse.pk))
        share = data.get("share_pct")
        if share is None or not 0 < share <= 100:
            raise InputError("share_pct", "must be more than 0 and at most 100", row=row)
        per_case = data.get("units_per_case", 1)
        per_pallet = data.get("units_per_pallet")
        if per_case is None or per_case < 1 or int(per_case) != per_case:
            raise InputError("units_per_case", "must be a whole number of 1 or more", row=row)
        if per_pallet is None or int(per_pallet) != per_pallet or per_pallet < per_case:
            raise InputError("units_per_pallet", "must be a whole number, at least the units per case", row=row)
        built.append(
            Assignment(
                product=product, warehouse=warehouse, share_pct=float(share), units_per_case=int(per_case),
                units_per_pallet=int(per_pallet),
            )
        )  # fmt: skip
    _check_shares(built)
    Assignment.objects.bulk_create(
        built,
        batch_size=5000,
        update_conflicts=True,
        unique_fields=["product", "warehouse"],
        update_fields=["share_pct", "units_per_case", "units_per_pallet"],
    )
    products = sorted({a.product_id for a in built})
    label = f"Warehouse assignments of {len(products)} product{'s' if len(products) != 1 else ''} set by {_who(actor)}"
    return check_warehouses(products, cause=Cause("warehouse", "assignments", label))


def _check_shares(built: Sequence[Assignment]) -> None:
    """Each product's shares, old ones kept where not replaced, add up to 100 % at most."""
    total: dict[int, float] = defaultdict(float)
    new = {(a.product_id, a.warehouse_id) for a in built}
    for product_id, warehouse_id, share in Assignment.objects.filter(
        product_id__in={a.product_id for a in built}
    ).values_list("product_id", "warehouse_id", "share_pct"):
        if (product_id, warehouse_id) not in new:
            total[product_id] += share
    for row, assignment in enumerate(built, start=1):
        total[assignment.product_id] += assignment.share_pct
        if total[assignment.product_id] > 100 + 1e-9:
            raise InputError(
                "share_pct",
                f"{assignment.product.sku} would ship {total[assignment.product_id]:g} % of its demand "
                "through its warehouses; the shares add up to 100 % at most",
                row=row,
            )


@transaction.atomic
def remove_assignment(assignment: Assignment, *, actor: Any = None) -> CheckOutcome:
    warehouse, product = assignment.warehouse, assignment.product
    assignment.delete()
    label = f"{product.sku} no longer ships from {warehouse.name} ({_who(actor)})"
    return check_warehouses([product.pk], warehouses=[warehouse], cause=Cause("warehouse", "assignments", label))
