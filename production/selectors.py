"""Read-only queries behind the MPS pages and API (one place, so both show the same thing)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import Case, Exists, IntegerField, OuterRef, QuerySet, Value, When

from sop_portal.masterdata.weeks import week_label

from . import revisions
from .models import BillOfCapacity, Measure, MpsItem, MpsRevision, ResourceLoad
from .plan_inputs import PlanningWindow, on_window


def items_exceptions_first() -> QuerySet[MpsItem]:
    """Items with their exception flags, the ones that need a planner first: shortage, overload, below SS."""
    overloaded = BillOfCapacity.objects.filter(
        product_id=OuterRef("product_id"),
        resource__plant_id=OuterRef("plant_id"),
        resource__load__overloaded_weeks__gt=0,
    )
    return (
        MpsItem.objects.select_related("product", "product__family", "plant", "plan")
        .annotate(overload=Exists(overloaded))
        .annotate(
            urgency=Case(
                When(plan__shortage=True, then=Value(0)),
                When(overload=True, then=Value(1)),
                When(plan__below_safety_stock=True, then=Value(2)),
                When(plan__isnull=True, then=Value(4)),
                default=Value(3),
                output_field=IntegerField(),
            )
        )
        .order_by("urgency", "plan__first_shortage_week", "product__sku", "plant__code")
    )


@dataclass(frozen=True)
class Grid:
    weeks: list[str]
    week_starts: list[date]
    rows: list[tuple[str, str, list[float]]]  # (measure, label, values)
    safety_stock: float
    demand_time_fence: int
    planning_time_fence: int
    revision: int | None

    def row(self, measure: str) -> list[float]:
        return next(values for key, _, values in self.rows if key == measure)


def grid(item: MpsItem, window: PlanningWindow) -> Grid:
    """The MPS grid of one item over the current window (zeros until the item is first planned)."""
    weeks = [window.first_week + timedelta(weeks=k) for k in range(window.weeks)]
    plan = getattr(item, "plan", None)
    values: dict[str, Any] = plan.values if plan else {}
    stored_from = plan.first_week if plan else window.first_week
    rows = [
        (measure.value, measure.label, on_window(values.get(measure.value, []), stored_from, window).tolist())
        for measure in Measure
    ]
    return Grid(
        weeks=[week_label(w) for w in weeks],
        week_starts=weeks,
        rows=rows,
        safety_stock=item.safety_stock,
        demand_time_fence=item.demand_time_fence,
        planning_time_fence=item.planning_time_fence,
        revision=plan.revision.number if plan else None,
    )


@dataclass(frozen=True)
class DiffLine:
    sku: str
    product: str
    plant: str
    item_id: int
    measure: str
    measure_label: str
    week: str
    old: float
    new: float
    causes: str

    @property
    def text(self) -> str:
        return f"{self.week} {self.measure_label} {self.old:,.0f} → {self.new:,.0f}, cause: {self.causes}"


MEASURE_ORDER = {m.value: i for i, m in enumerate(Measure)}
MEASURE_LABEL = dict(Measure.choices)


def diff_lines(older: int, newer: int, item_ids: list[int] | None = None) -> list[DiffLine]:
    changes = revisions.diff(older, newer, item_ids)
    items = {
        i.pk: i
        for i in MpsItem.objects.filter(pk__in={c.item_id for c in changes}).select_related("product", "plant")
    }
    lines = [
        DiffLine(
            sku=items[c.item_id].product.sku,
            product=items[c.item_id].product.name,
            plant=items[c.item_id].plant.code,
            item_id=c.item_id,
            measure=c.measure,
            measure_label=MEASURE_LABEL.get(c.measure, c.measure),
            week=week_label(date.fromisoformat(c.week)),
            old=c.old,
            new=c.new,
            causes="; ".join(label or ref for ref, label in c.causes),
        )
        for c in changes
    ]
    return sorted(lines, key=lambda d: (d.sku, d.plant, MEASURE_ORDER.get(d.measure, 99), d.week))


def latest_revision() -> MpsRevision | None:
    return MpsRevision.objects.order_by("-number").first()


def resource_loads() -> QuerySet[ResourceLoad]:
    return ResourceLoad.objects.select_related("resource", "resource__plant", "revision").order_by(
        "-overloaded_weeks", "resource__code"
    )
