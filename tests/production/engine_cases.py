"""Helpers for the MPS engine tests: build contract items tersely and run them through engine and loop oracle."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from production.planning.contract import render, simulate
from production.planning.engine import MpsResult, run_mps
from production.planning.parse import parse_items
from production.planning.reference import run_mps_reference


def item(forecast: Sequence[float], **fields: Any) -> dict[str, Any]:
    """A contract item with `periods` from the forecast and no orders unless given."""
    periods = len(forecast)
    return {"periods": periods, "on_hand": 0, "forecast": forecast, "customer_orders": [0] * periods, **fields}


def plan(*items: dict[str, Any]) -> list[dict[str, Any]]:
    """Contract output per item; also checks that engine and loop reference give the very same plan."""
    batch = parse_items(list(items), batch=True)
    engine, loop = run_mps(batch), run_mps_reference(batch)
    assert_same(engine, loop)
    rendered = render(batch, engine)
    assert rendered == simulate({"items": list(items)})["items"]
    return rendered


def plan_one(one: dict[str, Any]) -> dict[str, Any]:
    [out] = plan(one)
    assert out == simulate(one)
    return out


def assert_same(engine: MpsResult, loop: MpsResult) -> None:
    for name in MpsResult.__dataclass_fields__:
        np.testing.assert_allclose(getattr(engine, name), getattr(loop, name), rtol=0, atol=1e-9, err_msg=name)
