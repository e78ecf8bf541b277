"""Suite-wide wiring. The service fixtures come from the `sop_testing` plugin (loaded with `-p` in pyproject):

- postgres_database: the test database when the suite runs on PostgreSQL (skips on SQLite)
- redis_server, celery_broker, celery_worker (thread), celery_worker_process (subprocess factory, for crashes)
- smtp_server, smtp_mailbox: real SMTP delivery captured by aiosmtpd
- chromium, page: Playwright on the system Chromium, `page` opens relative URLs on live_server

A missing binary skips the tests that need it; with SOP_REQUIRE_SERVICES=1 (CI) they fail instead.
"""

from __future__ import annotations

import pytest

from sop_testing.postgres import prepare_suite_database


@pytest.fixture(scope="session")
def django_db_modify_db_settings(
    django_db_modify_db_settings_parallel_suffix: None, request: pytest.FixtureRequest
) -> None:
    """Runs just before pytest-django creates the test database: start the private PostgreSQL and give this
    session its own test database name when another session is using the server too."""
    prepare_suite_database(request.config)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Transactional tests (live server, real workers) end with a flush that also wipes what data migrations
    created — the six departments, the returns reason taxonomy — so a later transactional test would start
    without them. Serialized rollback restores that data at the start of each such test."""
    for item in items:
        marker = item.get_closest_marker("django_db")
        kwargs = dict(marker.kwargs) if marker else {}
        transactional = kwargs.get("transaction") or {"live_server", "transactional_db"} & set(
            getattr(item, "fixturenames", ())
        )
        if transactional and not kwargs.get("serialized_rollback"):
            item.add_marker(pytest.mark.django_db(*(marker.args if marker else ()), **{
                **kwargs, "transaction": True, "serialized_rollback": True,
            }))  # fmt: skip
