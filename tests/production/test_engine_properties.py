"""Properties of the MPS engine over random items with every rule mixed in one batch.

Quantities are whole numbers or halves, so float arithmetic is exact and engine and loop reference must agree
to the last bit.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from production.planning.contract import simulate
from production.planning.engine import MpsResult, run_mps
from production.planning.parse import parse_items
from production.planning.reference import run_mps_reference

# Several hundred random plans per property: seconds each, so the module is marked slow.
pytestmark = pytest.mark.slow

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
quantity = st.integers(0, 60).map(float) | st.sampled_from([0.0, 0.5, 12.5])
demand_rules = st.sampled_from(["orders", "forecast", "max", "sum"])


@st.composite
def items(draw: st.DrawFn, periods: int | None = None) -> dict[str, Any]:
    n = periods or draw(st.integers(1, 16))
    fence = st.integers(0, 3) | st.integers(0, n + 1)  # mostly short fences, so that planning happens
    series = st.lists(quantity, min_size=n, max_size=n)
    sparse = st.lists(st.sampled_from([0.0, 0.0, 0.0, 10.0, 25.0, 40.5]), min_size=n, max_size=n)
    lot_type = draw(st.sampled_from(["lot_for_lot", "fixed", "period_order_quantity", "eoq"]))
    lot: dict[str, Any] = {"type": lot_type}
    if lot_type in ("fixed", "eoq"):
        lot["qty"] = draw(st.sampled_from([1, 7, 20, 35.5, 60]))
    elif lot_type == "period_order_quantity":
        lot["periods"] = draw(st.integers(1, 4) | st.integers(1, n + 2))
    min_lot = draw(st.sampled_from([0, 0, 5, 30]))
    one: dict[str, Any] = {
        "periods": n,
        "on_hand": draw(st.integers(-20, 80)),
        "safety_stock": draw(st.sampled_from([0, 0, 5, 17.5])),
        "lead_time": draw(st.integers(0, 3)),
        "forecast": draw(series),
        "customer_orders": draw(series),
        "scheduled_receipts": draw(sparse),
        "firm_planned_orders": draw(sparse),
        "demand_time_fence": draw(fence),
        "planning_time_fence": draw(fence),
        "demand_rule": {"inside_dtf": draw(demand_rules), "outside_dtf": draw(demand_rules)},
        "lot_rule": lot,
        "min_lot": min_lot,
        "max_lot": draw(st.sampled_from([None, None, max(min_lot, 45), 200])),
        "lot_multiple": draw(st.sampled_from([1, 1, 0.5, 10])),
        "fixed_lot_repeats": draw(st.booleans()),
        "atp_rule": draw(st.sampled_from(["discrete_lookahead", "discrete_no_lookahead"])),
    }
    if draw(st.booleans()):
        one["resources"] = {
            name: {
                "capacity": draw(st.lists(st.sampled_from([0, 10, 30.5]), min_size=n, max_size=n)),
                "run_per_unit": draw(st.sampled_from([0, 0.25, 1, 1.5])),
                "setup_per_lot": draw(st.sampled_from([0, 2, 3.5])),
            }
            for name in draw(st.lists(st.sampled_from(["Assembly", "Test", "Pack"]), unique=True, max_size=3))
        }
    return one


batches = st.lists(items(), min_size=1, max_size=8)


def planned(batch_items: list[dict[str, Any]]) -> tuple[Any, MpsResult]:
    batch = parse_items(batch_items, batch=True)
    return batch, run_mps(batch)


@SETTINGS
@given(batches)
def test_engine_equals_the_loop_reference(batch_items: list[dict[str, Any]]) -> None:
    batch = parse_items(batch_items, batch=True)
    engine, loop = run_mps(batch), run_mps_reference(batch)
    for name in MpsResult.__dataclass_fields__:
        np.testing.assert_array_equal(getattr(engine, name), getattr(loop, name), err_msg=name)


@SETTINGS
@given(batches)
def test_projected_available_identity(batch_items: list[dict[str, Any]]) -> None:
    """PAB_t = PAB_{t-1} + scheduled receipts_t + MPS_t - gross_t, with PAB_0 = on hand and MPS incl. FPOs."""
    batch, result = planned(batch_items)
    before = np.concatenate([batch.on_hand[:, None], result.projected_available[:, :-1]], axis=1)
    expected = before + batch.scheduled_receipts + result.mps - result.gross_requirements
    np.testing.assert_array_equal(result.projected_available, expected)
    np.testing.assert_array_equal(result.mps, result.planned_receipts + batch.firm_planned_orders)


@SETTINGS
@given(batches)
def test_no_planned_receipt_inside_the_planning_time_fence_or_lead_time(batch_items: list[dict[str, Any]]) -> None:
    batch, result = planned(batch_items)
    periods = np.arange(1, batch.periods + 1)[None, :]
    frozen = (periods <= batch.planning_time_fence[:, None]) | (periods <= batch.lead_time[:, None])
    assert (result.planned_receipts[frozen] == 0).all()
    np.testing.assert_array_equal(result.mps[frozen], batch.firm_planned_orders[frozen])


@SETTINGS
@given(batches)
def test_receipts_only_when_projected_available_would_fall_below_safety_stock(
    batch_items: list[dict[str, Any]],
) -> None:
    batch, result = planned(batch_items)
    before = np.concatenate([batch.on_hand[:, None], result.projected_available[:, :-1]], axis=1)
    without_receipt = before + batch.scheduled_receipts + batch.firm_planned_orders - result.gross_requirements
    received = result.planned_receipts > 0
    assert (without_receipt[received] < batch.safety_stock[:, None].repeat(batch.periods, 1)[received]).all()


@SETTINGS
@given(batches)
def test_atp_accounts_for_every_unit(batch_items: list[dict[str, Any]]) -> None:
    """Look-ahead only moves ATP between periods: the total is on hand + supply - orders either way, and ATP is
    0 in periods without a receipt (other than period 1)."""
    batch, result = planned(batch_items)
    supply = result.mps + batch.scheduled_receipts
    total = batch.on_hand + supply.sum(axis=1) - batch.customer_orders.sum(axis=1)
    np.testing.assert_array_equal(result.cumulative_atp[:, -1], total)
    np.testing.assert_array_equal(result.cumulative_atp, np.cumsum(result.atp, axis=1))
    idle = supply <= 0
    idle[:, 0] = False
    assert (result.atp[idle] == 0).all()


@SETTINGS
@given(batches)
def test_batch_results_equal_per_item_results(batch_items: list[dict[str, Any]]) -> None:
    together = simulate({"items": batch_items})["items"]
    assert together == [simulate(one) for one in batch_items]
    for out, one in zip(together, batch_items, strict=True):
        assert all(len(out[key]) == one["periods"] for key in ("gross_requirements", "mps", "atp"))


def test_an_empty_batch_plans_nothing() -> None:
    one = {"periods": 3, "on_hand": 0, "forecast": [1, 2, 3], "customer_orders": [0, 0, 0]}
    one["resources"] = {"Assembly": {"capacity": [5, 5, 5], "run_per_unit": 1}}
    batch = parse_items([one], batch=True)
    fields = {name: getattr(batch, name) for name in batch.__dataclass_fields__}
    empty = type(batch)(**{name: v if name == "resource_names" else v[:0] for name, v in fields.items()})
    result = run_mps(empty)
    assert result.mps.shape == (0, 3)
    assert result.load.shape == (0, 1, 3)
    assert result.resource_load.tolist() == [[0, 0, 0]]
