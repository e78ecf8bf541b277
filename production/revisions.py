"""Reading the versioned MPS: rebuild any revision from its stored changes, and diff any two revisions."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from .models import MpsItemChange

# (item id, measure, week ISO date) → value; a cell that is absent is 0.
Plan = dict[tuple[int, str, str], float]


@dataclass(frozen=True)
class CellChange:
    item_id: int
    measure: str
    week: str
    old: float
    new: float
    causes: tuple[tuple[str, str], ...]  # (ref, label) of the causes behind the latest change of this cell

    @property
    def delta(self) -> float:
        return self.new - self.old


def _changes(items: Iterable[int] | None, after: int, up_to: int) -> Iterator[tuple[int, str, str, float, float, Any]]:
    """(item, measure, week ISO date, old, new, causes) for every stored cell change, oldest revision first."""
    query = MpsItemChange.objects.filter(revision__number__gt=after, revision__number__lte=up_to)
    if items is not None:
        query = query.filter(item_id__in=list(items))
    rows = query.order_by("revision__number").values_list("item_id", "revision__first_week", "cells", "causes")
    for item_id, first_week, cells, causes in rows.iterator(chunk_size=2000):
        for measure, change in cells.items():
            for week, old, new in zip(change["weeks"], change["old"], change["new"], strict=True):
                yield item_id, measure, (first_week + timedelta(weeks=week)).isoformat(), old, new, causes


def rebuild(number: int, items: Iterable[int] | None = None) -> Plan:
    """The plan exactly as revision `number` published it (cells that are 0 are left out)."""
    plan: Plan = {}
    for item_id, measure, week, _, new, _ in _changes(items, 0, number):
        plan[(item_id, measure, week)] = new
    return {key: value for key, value in plan.items() if value != 0}


def diff(older: int, newer: int, items: Iterable[int] | None = None) -> list[CellChange]:
    """Every cell that differs between revision `older` and revision `newer`, ordered by item, measure, week."""
    first_old: dict[tuple[int, str, str], float] = {}
    last: dict[tuple[int, str, str], tuple[float, tuple[tuple[str, str], ...]]] = {}
    for item_id, measure, week, old, new, causes in _changes(items, older, newer):
        key = (item_id, measure, week)
        first_old.setdefault(key, old)
        last[key] = (new, tuple((c.get("ref", ""), c.get("label", "")) for c in causes))
    return sorted(
        (
            CellChange(key[0], key[1], key[2], first_old[key], new, causes)
            for key, (new, causes) in last.items()
            if abs(new - first_old[key]) > 1e-9
        ),
        key=lambda c: (c.item_id, c.measure, c.week),
    )
