"""Read `mps_simulate` items (already-decoded JSON dicts) into one `MpsBatch`, refusing bad input by field name.

Series of the whole batch go through one `np.array` call per field; only scalars are read item by item. The
slow element-by-element scan runs only to name the culprit once a fast check has failed.

Where docs/mps-simulate.md gives no default, we choose the neutral value of its example item: `min_lot` 0,
`max_lot` null (no cap), `lot_multiple` 1; a resource's `setup_per_lot` defaults to 0. `periods`, `on_hand`,
`forecast` and `customer_orders` are required. Unknown fields are refused, so that a misspelt parameter
(`saftey_stock`) cannot silently plan with the default. Series values must be finite and >= 0; `on_hand` may
be negative (a backlog carried into period 1).

Error messages start with the field: `items[3].lot_rule.qty: must be > 0` in a batch, `lot_rule.qty: ...` for
a single item. `at` below is that prefix (`items[3].` or empty).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from itertools import chain
from typing import Any

import numpy as np

from .inputs import AtpRule, DemandRule, LotRule, MpsBatch, MpsInputError

ITEM_FIELDS = frozenset(
    {
        "periods",
        "on_hand",
        "safety_stock",
        "lead_time",
        "forecast",
        "customer_orders",
        "scheduled_receipts",
        "firm_planned_orders",
        "demand_time_fence",
        "planning_time_fence",
        "demand_rule",
        "lot_rule",
        "min_lot",
        "max_lot",
        "lot_multiple",
        "fixed_lot_repeats",
        "atp_rule",
        "resources",
    }
)
REQUIRED = ("periods", "on_hand", "forecast", "customer_orders")
DEMAND_RULES = {
    "orders": DemandRule.ORDERS,
    "forecast": DemandRule.FORECAST,
    "max": DemandRule.MAX,
    "sum": DemandRule.SUM,
}
LOT_RULES = {
    "lot_for_lot": LotRule.LOT_FOR_LOT,
    "fixed": LotRule.FIXED,
    "period_order_quantity": LotRule.PERIOD_ORDER_QUANTITY,
    "eoq": LotRule.EOQ,
}
ATP_RULES = {"discrete_lookahead": AtpRule.DISCRETE_LOOKAHEAD, "discrete_no_lookahead": AtpRule.DISCRETE_NO_LOOKAHEAD}
RESOURCE_FIELDS = frozenset({"capacity", "run_per_unit", "setup_per_lot"})
# Bounds that keep arrays a sane size: 10,000 periods is 190 years of weeks; a batch holds at most 20 million
# item-periods (the 10,000 x 104 benchmark holds about 1 million).
MAX_PERIODS = 10_000
MAX_CELLS = 20_000_000
MAX_WHOLE = 1_000_000


def parse_items(items: Sequence[Any], *, batch: bool) -> MpsBatch:
    """`batch=True` names fields `items[i].field`; a single item names them `field`."""
    n = len(items)
    prefixes = [f"items[{i}]." for i in range(n)] if batch else [""] * n
    scalars = [_item_scalars(item, at) for item, at in zip(items, prefixes, strict=True)]
    horizon = np.array([s["periods"] for s in scalars], dtype=np.int64).reshape(n)
    periods = int(horizon.max()) if n else 1
    if n * periods > MAX_CELLS:
        raise MpsInputError(f"items: {n} items x {periods} periods is more than {MAX_CELLS:,} item-periods")
    everyone = list(range(n))

    def series(field: str, required: bool) -> np.ndarray:
        values = [item.get(field) for item in items]
        where = Where(prefixes, everyone, field)
        return _series(values, everyone, horizon, periods, where, required)

    def column(key: str, dtype: type) -> np.ndarray:
        return np.array([s[key] for s in scalars], dtype=dtype).reshape(n)

    forecast = series("forecast", True)
    customer_orders = series("customer_orders", True)
    scheduled_receipts = series("scheduled_receipts", False)
    firm_planned_orders = series("firm_planned_orders", False)
    names, run, setup, capacity, uses = _bill_of_capacity(items, prefixes, horizon, periods)
    return MpsBatch(
        forecast=forecast,
        customer_orders=customer_orders,
        scheduled_receipts=scheduled_receipts,
        firm_planned_orders=firm_planned_orders,
        horizon=horizon,
        on_hand=column("on_hand", float),
        safety_stock=column("safety_stock", float),
        lead_time=column("lead_time", np.int64),
        demand_time_fence=column("demand_time_fence", np.int64),
        planning_time_fence=column("planning_time_fence", np.int64),
        demand_inside_dtf=column("inside_dtf", np.int8),
        demand_outside_dtf=column("outside_dtf", np.int8),
        lot_rule=column("lot_rule", np.int8),
        lot_qty=column("lot_qty", float),
        poq_periods=column("poq_periods", np.int64),
        fixed_lot_repeats=column("fixed_lot_repeats", bool),
        min_lot=column("min_lot", float),
        max_lot=column("max_lot", float),
        lot_multiple=column("lot_multiple", float),
        atp_rule=column("atp_rule", np.int8),
        resource_names=names,
        run_per_unit=run,
        setup_per_lot=setup,
        capacity=capacity,
        uses_resource=uses,
    )


class Where:
    """Names the j-th series of a field in an error message, built only when there is an error."""

    def __init__(self, prefixes: list[str], rows: list[int], field: str) -> None:
        self.prefixes, self.rows, self.field = prefixes, rows, field

    def __call__(self, j: int) -> str:
        return f"{self.prefixes[self.rows[j]]}{self.field}"


def _item_scalars(item: Any, at: str) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise MpsInputError(f"{at[:-1] or 'input'}: must be an object")
    unknown = sorted(set(item) - ITEM_FIELDS)
    if unknown:
        raise MpsInputError(f"{at}{unknown[0]}: unknown field")
    for field in REQUIRED:
        if field not in item:
            raise MpsInputError(f"{at}{field}: missing")
    out: dict[str, Any] = {
        "periods": _whole(item["periods"], at, "periods", minimum=1, maximum=MAX_PERIODS),
        "on_hand": _number(item["on_hand"], at, "on_hand"),
        "safety_stock": _number(item.get("safety_stock", 0), at, "safety_stock", minimum=0.0),
        "lead_time": _whole(item.get("lead_time", 0), at, "lead_time", minimum=0),
        "demand_time_fence": _whole(item.get("demand_time_fence", 0), at, "demand_time_fence", minimum=0),
        "planning_time_fence": _whole(item.get("planning_time_fence", 0), at, "planning_time_fence", minimum=0),
        "fixed_lot_repeats": _flag(item.get("fixed_lot_repeats", True), at, "fixed_lot_repeats"),
        "atp_rule": _choice(item.get("atp_rule", "discrete_lookahead"), ATP_RULES, at, "atp_rule"),
    }
    out.update(_demand_rule(item.get("demand_rule", {}), at))
    out.update(_lot_rule(item.get("lot_rule", {"type": "lot_for_lot"}), at))
    min_lot = _number(item.get("min_lot", 0), at, "min_lot", minimum=0.0)
    max_lot = item.get("max_lot")
    if max_lot is None:
        max_lot = math.inf
    else:
        max_lot = _number(max_lot, at, "max_lot", above=0.0)
        if max_lot < min_lot:
            raise MpsInputError(f"{at}max_lot: must be >= min_lot ({_show(min_lot)})")
    out["min_lot"] = min_lot
    out["max_lot"] = max_lot
    out["lot_multiple"] = _number(item.get("lot_multiple", 1), at, "lot_multiple", above=0.0)
    return out


def _demand_rule(rule: Any, at: str) -> dict[str, int]:
    _object(rule, {"inside_dtf", "outside_dtf"}, at, "demand_rule")
    return {
        "inside_dtf": _choice(rule.get("inside_dtf", "orders"), DEMAND_RULES, at, "demand_rule.inside_dtf"),
        "outside_dtf": _choice(rule.get("outside_dtf", "max"), DEMAND_RULES, at, "demand_rule.outside_dtf"),
    }


def _lot_rule(rule: Any, at: str) -> dict[str, Any]:
    _object(rule, {"type", "qty", "periods"}, at, "lot_rule")
    if "type" not in rule:
        raise MpsInputError(f"{at}lot_rule.type: missing")
    code = _choice(rule["type"], LOT_RULES, at, "lot_rule.type")
    qty, periods = 0.0, 1
    if code in (LotRule.FIXED, LotRule.EOQ):
        if "qty" not in rule:
            raise MpsInputError(f"{at}lot_rule.qty: missing")
        qty = _number(rule["qty"], at, "lot_rule.qty", above=0.0)
    elif code == LotRule.PERIOD_ORDER_QUANTITY:
        if "periods" not in rule:
            raise MpsInputError(f"{at}lot_rule.periods: missing")
        periods = _whole(rule["periods"], at, "lot_rule.periods", minimum=1)
    return {"lot_rule": code, "lot_qty": qty, "poq_periods": periods}


def _bill_of_capacity(
    items: Sequence[Any], prefixes: list[str], horizon: np.ndarray, periods: int
) -> tuple[tuple[str, ...], np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Resources of the whole batch in order of first mention; an item only loads the ones it lists."""
    specs: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    for i, item in enumerate(items):
        resources = item.get("resources")
        if resources is None:
            continue
        if not isinstance(resources, dict):
            raise MpsInputError(f"{prefixes[i]}resources: must be an object keyed by resource name")
        for name, spec in resources.items():
            field = f"resources.{name}"
            _object(spec, RESOURCE_FIELDS, prefixes[i], field)
            for required in ("capacity", "run_per_unit"):
                if required not in spec:
                    raise MpsInputError(f"{prefixes[i]}{field}.{required}: missing")
            specs.setdefault(name, []).append((i, spec))
    n, r = len(items), len(specs)
    run = np.zeros((n, r))
    setup = np.zeros((n, r))
    uses = np.zeros((n, r), dtype=bool)
    capacity = np.zeros((n, r, periods))
    for k, (name, listed) in enumerate(specs.items()):
        rows = [i for i, _ in listed]
        for i, spec in listed:
            at = f"{prefixes[i]}resources.{name}."
            run[i, k] = _number(spec["run_per_unit"], at, "run_per_unit", minimum=0.0)
            setup[i, k] = _number(spec.get("setup_per_lot", 0), at, "setup_per_lot", minimum=0.0)
        uses[rows, k] = True
        where = Where(prefixes, rows, f"resources.{name}.capacity")
        capacity[rows, k, :] = _series([spec["capacity"] for _, spec in listed], rows, horizon, periods, where, True)
    return tuple(specs), run, setup, capacity, uses


def _series(
    values: list[Any], rows: list[int], horizon: np.ndarray, periods: int, where: Where, required: bool
) -> np.ndarray:
    """(len(values), periods) float array; `values[j]` belongs to item `rows[j]`, None means not given (zeros)."""
    out = np.zeros((len(values), periods))
    present = [j for j, v in enumerate(values) if v is not None]
    if len(present) < len(values) and required:
        missing = next(j for j, v in enumerate(values) if v is None)
        raise MpsInputError(f"{where(missing)}: missing")
    for j in present:
        if type(values[j]) is not list:
            raise MpsInputError(f"{where(j)}: must be a list of numbers")
    if not present:
        return out
    own = horizon[[rows[j] for j in present]]
    lengths = np.fromiter((len(values[j]) for j in present), dtype=np.int64, count=len(present))
    if (lengths != own).any():
        j = present[int(np.argmax(lengths != own))]
        raise MpsInputError(f"{where(j)}: must have {horizon[rows[j]]} numbers, got {len(values[j])}")
    rectangular = len(present) == len(values) and bool((own == periods).all())
    block = np.array(values) if rectangular else np.array(list(chain.from_iterable(values[j] for j in present)))
    if block.dtype.kind not in "iuf" or block.ndim != (2 if rectangular else 1):
        _name_bad_element(values, present, where)
    block = block.astype(float, copy=False)
    if not np.isfinite(block).all() or (block < 0).any():
        _name_bad_element(values, present, where)
    if rectangular:
        out[:] = block
    else:
        target = np.zeros((len(present), periods))
        target[np.arange(periods)[None, :] < own[:, None]] = block
        out[present] = target
    return out


def _name_bad_element(values: list[Any], present: list[int], where: Where) -> None:
    for j in present:
        for k, x in enumerate(values[j]):
            if not _finite(x):
                raise MpsInputError(f"{where(j)}[{k}]: must be a finite number")
            if x < 0:
                raise MpsInputError(f"{where(j)}[{k}]: must be >= 0")


def _object(value: Any, known: set[str] | frozenset[str], at: str, field: str) -> None:
    if not isinstance(value, dict):
        raise MpsInputError(f"{at}{field}: must be an object")
    unknown = sorted(set(value) - known)
    if unknown:
        raise MpsInputError(f"{at}{field}.{unknown[0]}: unknown field")


def _number(value: Any, at: str, field: str, *, minimum: float | None = None, above: float | None = None) -> float:
    if not _finite(value):
        raise MpsInputError(f"{at}{field}: must be a number")
    if minimum is not None and value < minimum:
        raise MpsInputError(f"{at}{field}: must be >= {_show(minimum)}")
    if above is not None and value <= above:
        raise MpsInputError(f"{at}{field}: must be > {_show(above)}")
    return float(value)


def _whole(value: Any, at: str, field: str, *, minimum: int, maximum: int = MAX_WHOLE) -> int:
    if type(value) is float and value.is_integer():
        value = int(value)
    if type(value) is not int:
        raise MpsInputError(f"{at}{field}: must be a whole number")
    if value < minimum:
        raise MpsInputError(f"{at}{field}: must be >= {minimum}")
    if value > maximum:
        raise MpsInputError(f"{at}{field}: must be <= {maximum}")
    return value


def _finite(value: Any) -> bool:
    if type(value) not in (int, float):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:  # an int too large for a float
        return False


def _flag(value: Any, at: str, field: str) -> bool:
    if type(value) is not bool:
        raise MpsInputError(f"{at}{field}: must be true or false")
    return value


def _choice(value: Any, choices: Mapping[str, int], at: str, field: str) -> int:
    if not isinstance(value, str) or value not in choices:
        raise MpsInputError(f"{at}{field}: unknown rule {value!r} (one of {', '.join(choices)})")
    return int(choices[value])


def _show(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)
