"""The `mps_simulate` command and its contract (docs/mps-simulate.md).

These tests take no `db` fixture: pytest-django refuses database access without one, so passing them also
shows that the command touches no database.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from production.planning.contract import simulate, simulate_json
from production.planning.inputs import MpsInputError

from .test_engine_textbook import CONTRACT_EXAMPLE

ROOT = Path(__file__).resolve().parents[2]
EXPECTED = {
    "gross_requirements": [23, 20, 20, 20, 30, 30, 30, 30],
    "projected_available": [22, 2, 42, 22, 52, 22, 52, 22],
    "mps": [0, 0, 60, 0, 60, 0, 60, 0],
    "mps_release": [0, 0, 60, 0, 60, 0, 60, 0],
    "atp": [7, 0, 48, 0, 60, 0, 60, 0],
    "cumulative_atp": [7, 7, 55, 55, 115, 115, 175, 175],
    "load": {"Assembly": [0, 0, 30, 0, 30, 0, 30, 0]},
    "overload": {"Assembly": [0, 0, 0, 0, 0, 0, 0, 0]},
}


def example(**changes: Any) -> dict[str, Any]:
    item = copy.deepcopy(CONTRACT_EXAMPLE)
    item.update(changes)
    return item


def run_command(*args: str) -> str:
    out = StringIO()
    call_command("mps_simulate", *args, stdout=out)
    return out.getvalue()


def manage(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """The command as a planner runs it, in its own process (settings want a key outside the test suite)."""
    env = {**os.environ, "SECRET_KEY": os.environ.get("SECRET_KEY") or "mps-simulate-test-key-" + "x" * 40}
    return subprocess.run(
        [sys.executable, "manage.py", "mps_simulate", *args],
        cwd=ROOT, env=env, input=stdin, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_command_prints_the_plan_of_the_contract_example(tmp_path: Path) -> None:
    path = tmp_path / "item.json"
    path.write_text(json.dumps(CONTRACT_EXAMPLE))
    assert json.loads(run_command(str(path))) == EXPECTED


def test_command_reads_standard_input_and_prints_whole_numbers_as_integers() -> None:
    done = manage("-", stdin=json.dumps(CONTRACT_EXAMPLE))
    assert (done.returncode, done.stderr) == (0, "")
    assert json.loads(done.stdout) == EXPECTED
    assert '"mps":[0,0,60,0,60,0,60,0]' in done.stdout  # 60, not 60.0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "input: not valid JSON"),
        (
            json.dumps({"items": [CONTRACT_EXAMPLE, example(lot_rule={"type": "fixed", "qty": -5})]}),
            "items[1].lot_rule.qty: must be > 0",
        ),
    ],
)
def test_bad_input_exits_2_with_one_line_naming_the_field(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content)
    done = manage(str(path))
    assert done.returncode == 2
    assert done.stdout == ""
    assert len(done.stderr.strip().splitlines()) == 1
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_missing_file_exits_2(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match=r"^file: cannot read .*nothing\.json") as raised:
        run_command(str(tmp_path / "nothing.json"))
    assert raised.value.returncode == 2


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({k: v for k, v in CONTRACT_EXAMPLE.items() if k != "forecast"}, "forecast: missing"),
        (example(customer_orders=[1, 2, 3]), "customer_orders: must have 8 numbers, got 3"),
        (example(forecast=[20, 20, "x", 20, 30, 30, 30, 30]), "forecast[2]: must be a finite number"),
        (example(scheduled_receipts=[0, 0, -1, 0, 0, 0, 0, 0]), "scheduled_receipts[2]: must be >= 0"),
        (example(lot_rule={"type": "fixed", "qty": 0}), "lot_rule.qty: must be > 0"),
        (example(lot_rule={"type": "fixed"}), "lot_rule.qty: missing"),
        (example(lot_rule={"type": "magic"}), "lot_rule.type: unknown rule 'magic'"),
        (example(lot_rule={"type": "period_order_quantity", "periods": 0}), "lot_rule.periods: must be >= 1"),
        (example(demand_rule={"inside_dtf": "guess"}), "demand_rule.inside_dtf: unknown rule 'guess'"),
        (example(atp_rule="cumulative"), "atp_rule: unknown rule 'cumulative'"),
        (example(lead_time=-1), "lead_time: must be >= 0"),
        (example(periods=0), "periods: must be >= 1"),
        (example(min_lot=-3), "min_lot: must be >= 0"),
        (example(max_lot=0), "max_lot: must be > 0"),
        (example(min_lot=50, max_lot=40), "max_lot: must be >= min_lot (50)"),
        (example(lot_multiple=0), "lot_multiple: must be > 0"),
        (example(fixed_lot_repeats="yes"), "fixed_lot_repeats: must be true or false"),
        (example(saftey_stock=5), "saftey_stock: unknown field"),
        (example(resources={"Assembly": {"run_per_unit": 1}}), "resources.Assembly.capacity: missing"),
        (
            example(resources={"Assembly": {"capacity": [1] * 7, "run_per_unit": 1}}),
            "resources.Assembly.capacity: must have 8 numbers, got 7",
        ),
        ({"items": [CONTRACT_EXAMPLE, example(periods=9)]}, "items[1].forecast: must have 9 numbers, got 8"),
        ({"items": {"a": 1}}, "items: must be a list of items"),
        ([1, 2], "input: must be a JSON object"),
    ],
)
def test_bad_input_names_the_field(payload: Any, message: str) -> None:
    with pytest.raises(MpsInputError) as raised:
        simulate(payload)
    assert str(raised.value).startswith(message)


def test_command_error_for_bad_input_carries_exit_code_2(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(example(lot_rule={"type": "fixed", "qty": -60})))
    with pytest.raises(CommandError, match=r"^lot_rule\.qty: must be > 0$") as raised:
        run_command(str(path))
    assert raised.value.returncode == 2


def test_fractions_stay_floats_and_whole_numbers_become_integers() -> None:
    text = simulate_json(json.dumps(example(
        resources={"Assembly": {"capacity": [25] * 8, "run_per_unit": 0.45, "setup_per_lot": 1}}
    )))  # fmt: skip
    # 0.45 x 60 + 1 = 28.000000000000004 in floats: rounded to 28; overload 28 - 25 = 3
    assert '"load":{"Assembly":[0,0,28,0,28,0,28,0]}' in text
    assert '"overload":{"Assembly":[0,0,3,0,3,0,3,0]}' in text
    text = simulate_json(json.dumps(example(
        resources={"Assembly": {"capacity": [25] * 8, "run_per_unit": 0.25, "setup_per_lot": 0.5}}
    )))  # fmt: skip
    assert '"load":{"Assembly":[0,0,15.5,0,15.5,0,15.5,0]}' in text


def test_batch_gives_each_item_in_order_with_its_own_horizon() -> None:
    short = {"periods": 3, "on_hand": 5, "forecast": [10, 10, 10], "customer_orders": [0, 0, 0]}
    out = simulate({"items": [CONTRACT_EXAMPLE, short]})
    assert out["items"][0] == EXPECTED
    assert (
        out["items"][1]
        == simulate(short)
        == {
            "gross_requirements": [10, 10, 10],
            "projected_available": [0, 0, 0],
            "mps": [5, 10, 10],
            "mps_release": [5, 10, 10],
            "atp": [10, 10, 10],
            "cumulative_atp": [10, 20, 30],
            "load": {},
            "overload": {},
        }
    )
    assert simulate({"items": []}) == {"items": []}


def test_defaults_are_the_contract_defaults() -> None:
    """Only the required fields: lot-for-lot, orders inside / max outside a fence of 0, look-ahead ATP."""
    minimal = {"periods": 3, "on_hand": 10, "forecast": [20, 20, 20], "customer_orders": [25, 5, 0]}
    assert simulate(minimal) == {
        "gross_requirements": [25, 20, 20],
        "projected_available": [0, 0, 0],
        "mps": [15, 20, 20],
        "mps_release": [15, 20, 20],
        "atp": [0, 15, 20],
        "cumulative_atp": [0, 15, 35],
        "load": {},
        "overload": {},
    }
