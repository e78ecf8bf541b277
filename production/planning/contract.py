"""The `mps_simulate` contract (docs/mps-simulate.md): decoded JSON in, JSON-ready dict out, one item or a batch.

A batch goes through `run_mps` in one call. Numbers come out as integers when they are whole (60, not 60.0);
values are rounded to 9 decimals first so that float noise (0.30000000000000004) does not leak into the plan.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from .engine import MpsResult, run_mps
from .inputs import MpsBatch, MpsInputError
from .parse import parse_items

SERIES = ("gross_requirements", "projected_available", "mps", "mps_release", "atp", "cumulative_atp")
DECIMALS = 9
LARGEST_INT = 2.0**53  # beyond this a float is not an exact count any more; leave it a float


@contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Millions of fresh number lists (which hold no cycles) would make the cyclic GC rescan the heap many times."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def simulate(payload: Any) -> dict[str, Any]:
    """One item dict -> one output dict; `{"items": [...]}` -> `{"items": [...]}`. Raises MpsInputError."""
    with _no_cyclic_gc():
        return _simulate(payload)


def _simulate(payload: Any) -> dict[str, Any]:
    if isinstance(payload, dict) and "items" in payload:
        unknown = sorted(set(payload) - {"items"})
        if unknown:
            raise MpsInputError(f"{unknown[0]}: unknown field (a batch has only `items`)")
        items = payload["items"]
        if not isinstance(items, list):
            raise MpsInputError("items: must be a list of items")
        return {"items": _simulate_items(items, batch=True)}
    if not isinstance(payload, dict):
        raise MpsInputError('input: must be a JSON object (one item, or a batch {"items": [...]})')
    return _simulate_items([payload], batch=False)[0]


def simulate_json(text: str | bytes) -> str:
    """JSON text in, JSON text out; invalid JSON is an MpsInputError too."""
    with _no_cyclic_gc():
        try:
            payload = json.loads(text)
        except ValueError as exc:
            raise MpsInputError(f"input: not valid JSON ({exc})") from None
        return json.dumps(_simulate(payload), separators=(",", ":"))


def _simulate_items(items: list[Any], *, batch: bool) -> list[dict[str, Any]]:
    if not items:
        return []
    plan = parse_items(items, batch=batch)
    return render(plan, run_mps(plan))


def render(batch: MpsBatch, result: MpsResult) -> list[dict[str, Any]]:
    """Per-item output dicts, each array cut to the item's own number of periods."""
    horizons = batch.horizon.tolist()
    full = all(h == batch.periods for h in horizons)
    columns = {}
    for key in SERIES:
        rows = plain_numbers(getattr(result, key))
        columns[key] = rows if full else [row[:h] for row, h in zip(rows, horizons, strict=True)]
    load = plain_numbers(result.load)
    over = plain_numbers(result.overload)
    uses = batch.uses_resource.tolist()
    names = batch.resource_names
    out = []
    for i, h in enumerate(horizons):
        item: dict[str, Any] = {key: columns[key][i] for key in SERIES}
        mine = [r for r, used in enumerate(uses[i]) if used]
        item["load"] = {names[r]: load[i][r] if full else load[i][r][:h] for r in mine}
        item["overload"] = {names[r]: over[i][r] if full else over[i][r][:h] for r in mine}
        out.append(item)
    return out


def plain_numbers(values: np.ndarray) -> list[Any]:
    """Nested lists of Python numbers (2 or 3 levels), ints where the value is whole.

    Built as ints first and patched with the (usually few) fractional values, which is several times faster
    than going through an object array.
    """
    rounded = np.round(values, DECIMALS)
    rounded += 0.0  # turns -0.0 into 0.0
    whole = (rounded == np.floor(rounded)) & (np.abs(rounded) < LARGEST_INT)
    nested = np.where(whole, rounded, 0.0).astype(np.int64).tolist()
    if whole.all():
        return nested
    fractional = np.nonzero(~whole)
    patches = rounded[fractional].tolist()
    if values.ndim == 2:
        for i, t, value in zip(*(ix.tolist() for ix in fractional), patches, strict=True):
            nested[i][t] = value
    else:
        for i, r, t, value in zip(*(ix.tolist() for ix in fractional), patches, strict=True):
            nested[i][r][t] = value
    return nested
