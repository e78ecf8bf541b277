"""Which environment variables the settings module reads, and which ones `.env.example` documents.

Read from the source, not from a running process, so a variable read only in one branch (the security settings
when DEBUG is off) still counts. The syntax tree rather than a regex: a call split over lines
(`os.environ.get(\n    "EMAIL_BACKEND", ...)`) is still found.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SETTINGS_PY = ROOT / "sop_portal" / "settings.py"
ENV_EXAMPLE = ROOT / ".env.example"

# The helpers settings.py defines around os.environ; their first argument is the variable's name.
ENV_HELPERS = {"env_bool", "env_int", "env_list"}
# dj_database_url.config() reads DATABASE_URL unless told otherwise with env=.
DJ_DATABASE_URL_DEFAULT = "DATABASE_URL"

# `NAME=value` or `# NAME=value` (a documented, optional variable). Prose lines never start with `NAME=`.
ASSIGNMENT = re.compile(r"^#? ?([A-Z][A-Z0-9_]*)=(.*)$")


def _is_os_environ(node: ast.expr) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "environ"
        and isinstance(node.value, ast.Name)
        and node.value.id == "os"
    )


def _first_str_arg(call: ast.Call) -> str | None:
    if call.args and isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str):
        return call.args[0].value
    return None


def _names_read(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and _is_os_environ(node.value):
            key = node.slice
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                names.add(key.value)
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name: str | None = None
        if isinstance(func, ast.Name) and func.id in ENV_HELPERS:
            name = _first_str_arg(node)
        elif isinstance(func, ast.Attribute):
            reads_environ = func.attr in {"get", "pop", "setdefault"} and _is_os_environ(func.value)
            is_getenv = func.attr == "getenv" and isinstance(func.value, ast.Name) and func.value.id == "os"
            if reads_environ or is_getenv:
                name = _first_str_arg(node)
            elif func.attr == "config" and isinstance(func.value, ast.Name) and func.value.id == "dj_database_url":
                env_kw = next((kw.value for kw in node.keywords if kw.arg == "env"), None)
                if isinstance(env_kw, ast.Constant) and isinstance(env_kw.value, str):
                    name = env_kw.value
                else:
                    name = DJ_DATABASE_URL_DEFAULT
        if name is not None:
            names.add(name)
    return names


def settings_env_vars(path: Path = SETTINGS_PY) -> set[str]:
    """Every environment variable name the settings module reads."""
    return _names_read(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))


def env_example_entries(path: Path = ENV_EXAMPLE) -> list[tuple[str, list[str]]]:
    """(name, the comment lines directly above it) for each variable in `.env.example`, in file order."""
    entries: list[tuple[str, list[str]]] = []
    comments: list[str] = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.rstrip()
        match = ASSIGNMENT.match(line)
        if match:
            entries.append((match.group(1), comments))
            comments = []
        elif line.startswith("#"):
            comments.append(line.lstrip("# "))
        else:
            comments = []
    return entries


def env_example_vars(path: Path = ENV_EXAMPLE) -> set[str]:
    return {name for name, _ in env_example_entries(path)}
