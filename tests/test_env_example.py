""".env.example documents exactly the environment variables sop_portal/settings.py reads, each with its default."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from tests.settings_vars import ENV_EXAMPLE, env_example_entries, env_example_vars, settings_env_vars


def test_the_parser_finds_reads_in_every_form_settings_uses():
    names = settings_env_vars()

    # One of each form: a helper, os.environ.get split over lines, and dj_database_url's implicit name.
    assert {"DEBUG", "EMAIL_PORT", "ALLOWED_HOSTS", "SECRET_KEY", "EMAIL_BACKEND", "DATABASE_URL"} <= names


def test_the_parser_reads_subscripts_getenv_and_a_renamed_database_url(tmp_path: Path):
    source = tmp_path / "settings.py"
    source.write_text(
        "import os\nimport dj_database_url\n"
        'A = os.environ["ALPHA"]\nB = os.getenv("BETA")\nC = env_int(\n    "GAMMA", 3\n)\n'
        'D = dj_database_url.config(env="PRIMARY_DB")\nE = os.environ.get(name)\n',
        encoding="utf-8",
    )

    assert settings_env_vars(source) == {"ALPHA", "BETA", "GAMMA", "PRIMARY_DB"}


def test_every_variable_settings_reads_is_documented():
    missing = settings_env_vars() - env_example_vars()

    assert not missing, f"add to .env.example: {sorted(missing)}"


def test_every_documented_variable_is_read_by_settings():
    unknown = env_example_vars() - settings_env_vars()

    assert not unknown, f".env.example documents variables settings.py never reads: {sorted(unknown)}"


def test_each_variable_is_documented_once_with_its_default_and_an_example():
    entries = env_example_entries()
    twice = [name for name, count in Counter(name for name, _ in entries).items() if count > 1]
    undocumented = [name for name, comments in entries if not any("Default:" in line for line in comments)]
    no_example = [name for name, comments in entries if not any("Example" in line for line in comments)]

    assert not twice, f"documented more than once: {twice}"
    assert not undocumented, f"say the default (a 'Default:' comment line above): {undocumented}"
    assert not no_example, f"give an example in the comment above: {no_example}"


def test_copying_the_file_changes_nothing_until_a_line_is_uncommented():
    # A copied .env must not switch the portal into a half-configured mode; every line is opt-in.
    active = [
        line
        for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]

    assert active == []
