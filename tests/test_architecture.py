"""The rules of docs/architecture.md that a machine can check."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from tests.settings_vars import ROOT

APP_DIRS = ["sop_portal", "campaigns", "production", "fulfillment", "returns"]


def project_modules() -> Iterator[Path]:
    for app in APP_DIRS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" not in path.parts:
                yield path


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_planning_code_does_not_import_django():
    offenders = {
        str(path.relative_to(ROOT)): sorted(name for name in imported_modules(path) if name.split(".")[0] == "django")
        for path in project_modules()
        if "planning" in path.parts
    }

    assert not {path: names for path, names in offenders.items() if names}


def test_there_are_planning_modules_to_check():
    assert any("planning" in path.parts for path in project_modules())


def test_no_django_signals():
    users = [
        str(path.relative_to(ROOT))
        for path in project_modules()
        if any(name.startswith(("django.db.models.signals", "django.dispatch")) for name in imported_modules(path))
    ]

    assert users == [], "use a service, an outbox row and transaction.on_commit instead of signals"
