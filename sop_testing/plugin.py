"""pytest plugin, loaded with `-p sop_testing.plugin` (pyproject addopts) so that it runs before Django's settings.

pytest-django imports the settings inside `pytest_load_initial_conftests`, before any conftest.py loads, and the
settings read DATABASE_URL and REDIS_URL once, at import. The hook wrapper below runs around that import and
sets, for its duration only:

- DATABASE_URL: the private PostgreSQL (`.local/pg`, port 5440 or a free one) when PostgreSQL is installed and
  DATABASE_URL is not already set; otherwise the variable is left alone (unset means SQLite).
- REDIS_URL: empty, so tasks run eagerly and the cache is local memory; worker tests switch to Redis for
  themselves (see sop_testing.worker).

Nothing starts here: PostgreSQL starts when pytest-django first sets up the test database (tests/conftest.py),
Redis, SMTP, Chromium and workers when a test asks for them, so `pytest tests/production` starts nothing.
"""

from __future__ import annotations

import os
from collections.abc import Generator

import pytest

# The fixture modules are registered here, and imported by the hooks only inside functions: imported at the
# top they would load before pytest could register them for assertion rewriting.
pytest_plugins = [
    "sop_testing.postgres",
    "sop_testing.redis",
    "sop_testing.worker",
    "sop_testing.smtp",
    "sop_testing.browser",
]


@pytest.hookimpl(wrapper=True)
def pytest_load_initial_conftests(early_config: pytest.Config) -> Generator[None, None, None]:
    from . import postgres

    with pytest.MonkeyPatch.context() as environment:
        environment.setenv("REDIS_URL", "")
        if not os.environ.get("DATABASE_URL") and postgres.bindir() is not None:
            environment.setenv("DATABASE_URL", postgres.url(postgres.planned_port()))
            early_config.stash[postgres.PRIVATE] = True
        return (yield)


def pytest_report_header(config: pytest.Config) -> str:
    from . import postgres

    if config.stash.get(postgres.PRIVATE, False):
        return f"database: private PostgreSQL in {postgres.PG_DIR} (started on first use)"
    return "database: DATABASE_URL" if os.environ.get("DATABASE_URL") else "database: SQLite (no PostgreSQL)"


def pytest_sessionstart(session: pytest.Session) -> None:
    # Celery copies its CELERY_* settings once, on first use. Make that now, from the settings as configured,
    # rather than inside whichever test first sends a task while it overrides them.
    from sop_portal.celery import app

    app.conf.task_always_eager  # noqa: B018


def _stop_servers() -> None:
    from . import postgres, redis

    postgres.stop()
    redis.stop()


def pytest_unconfigure(config: pytest.Config) -> None:
    from . import leases

    # The last session (or `make services-stop`) out stops the servers: CI never waits on a leftover daemon.
    leases.release_session(_stop_servers)
