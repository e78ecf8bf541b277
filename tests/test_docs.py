"""The README and docs/ describe what the code does: tables, targets, URLs and links are checked against it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import Resolver404, resolve

from sop_portal.organisation import departments as d
from sop_portal.organisation.models import Role
from sop_portal.organisation.permissions import CAPABILITIES
from tests.settings_vars import ROOT

README = ROOT / "README.md"
DOCS = ROOT / "docs"
MAKEFILE = ROOT / "Makefile"


def table_rows(path: Path, first_header: str) -> list[list[str]]:
    """Body rows of the Markdown table whose first header cell is `first_header`, cells stripped of backticks."""
    rows: list[list[str]] = []
    in_table = False
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("|"):
            in_table = False
            continue
        cells = [cell.strip().strip("`") for cell in line.strip().strip("|").split("|")]
        if cells[0] == first_header:
            in_table = True
        elif in_table and not set(cells[0]) <= {"-", ":"}:
            rows.append(cells)
    return rows


def test_the_capability_table_is_the_one_in_the_code():
    documented = {}
    for name, min_role, departments, description in table_rows(DOCS / "permissions.md", "Capability"):
        codes = d.ALL if departments == "all six" else frozenset(part.strip() for part in departments.split(","))
        documented[name] = (min_role, codes, description)

    in_code = {c.name: (c.min_role.label, c.departments, c.description) for c in CAPABILITIES.values()}

    assert documented == in_code, "docs/permissions.md's capability table must match CAPABILITIES"


def test_the_department_table_is_the_one_in_the_code():
    rows = [tuple(row) for row in table_rows(DOCS / "permissions.md", "Code")]

    assert rows == list(d.STANDARD_DEPARTMENTS)


def test_the_role_table_is_the_one_in_the_code():
    rows = [(label, int(value)) for label, value, _ in table_rows(DOCS / "permissions.md", "Role")]

    assert rows == [(role.label, role.value) for role in Role]


def test_the_readme_starts_with_exactly_make_run_and_make_test():
    text = README.read_text(encoding="utf-8")
    first_block = re.search(r"```\w*\n(.*?)```", text, flags=re.DOTALL)

    assert first_block is not None
    assert text.index("```") < text.index("\n## ")
    assert first_block.group(1).split("\n")[:-1] == ["make run", "make test"]


def test_every_make_target_the_readme_names_exists():
    if not MAKEFILE.exists():
        pytest.skip("no Makefile yet")
    named = set(re.findall(r"`make (\w[\w-]*)`", README.read_text(encoding="utf-8")))
    named |= {"run", "test"}
    defined = set(re.findall(r"^([\w-]+):", MAKEFILE.read_text(encoding="utf-8"), flags=re.MULTILINE))

    assert named <= defined, f"README names make targets the Makefile lacks: {sorted(named - defined)}"


@pytest.mark.parametrize("path", ["/healthz", "/api/v1/", "/api/schema/", "/api/docs/", "/api/redoc/", "/admin/"])
def test_the_urls_the_docs_name_exist(path: str):
    try:
        resolve(path)
    except Resolver404:
        pytest.fail(f"{path} does not resolve")


def test_relative_links_in_the_readme_and_docs_point_at_files():
    for page in [README, *sorted(DOCS.glob("*.md"))]:
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", page.read_text(encoding="utf-8")):
            if "://" in target:
                continue
            assert (page.parent / target).exists(), f"{page.relative_to(ROOT)} links to missing {target}"
