"""A private PostgreSQL cluster in `.local/pg`: initialised once and reused, started on first need.

The suite runs on it whenever PostgreSQL is installed and DATABASE_URL is not set (the plugin fixes the URL
before Django reads its settings; this module starts the server just before pytest-django creates
`test_sop_portal` on it). fsync is off: the data is disposable, speed is not.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
from pathlib import Path
from typing import Any

import pytest

from . import leases
from .local import LOCAL, local_dir, pid_alive, port_or_free, run_as, services_lock, tail, unavailable, wait_until

PREFERRED_PORT = int(os.environ.get("SOP_PG_PORT", "5440"))
PG_DIR = LOCAL / "pg"
DATA = PG_DIR / "data"
SOCKETS = PG_DIR / "run"
LOG = PG_DIR / "postgres.log"
DEV_DATABASE = "sop_portal"
SETTINGS = "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
# The stash key under which the plugin records that the suite's DATABASE_URL is this private server.
PRIVATE = pytest.StashKey[bool]()


def bindir() -> Path | None:
    """SOP_PG_BIN if set (and only it), else Debian's /usr/lib/postgresql/<major>/bin, newest first, else PATH."""
    if os.environ.get("SOP_PG_BIN"):
        candidates = [Path(os.environ["SOP_PG_BIN"])]
    else:
        debian = Path("/usr/lib/postgresql").glob("*/bin")
        candidates = sorted(debian, key=lambda p: int(re.sub(r"\D", "", p.parent.name) or 0), reverse=True)
        if pg_ctl := shutil.which("pg_ctl"):
            candidates.append(Path(pg_ctl).parent)
    return next((c for c in candidates if (c / "pg_ctl").exists() and (c / "initdb").exists()), None)


def url(port: int, database: str = DEV_DATABASE) -> str:
    return f"postgres://postgres@127.0.0.1:{port}/{database}"


def running_port() -> int | None:
    """Port of the cluster in .local/pg if its postmaster is alive (postmaster.pid: pid, datadir, start, port)."""
    try:
        lines = (DATA / "postmaster.pid").read_text().splitlines()
        pid, port = int(lines[0]), int(lines[3])
    except (OSError, ValueError, IndexError):
        return None
    return port if pid_alive(pid) else None


def planned_port() -> int:
    """The port the suite's URL names before anything starts: the running server's, else 5440 if free."""
    return running_port() or port_or_free(PREFERRED_PORT)


def ensure_running(port: int | None = None) -> int:
    with services_lock():
        if running := running_port():
            return running
        binaries = bindir()
        if binaries is None:
            raise RuntimeError("PostgreSQL is not installed: no pg_ctl under /usr/lib/postgresql/*/bin")
        _initialise(binaries)
        port = port_or_free(port or PREFERRED_PORT)
        # Unix socket paths are limited to ~107 bytes; deep checkouts get TCP only.
        sockets = shlex.quote(str(SOCKETS)) if len(str(SOCKETS)) < 90 else "''"
        options = f"-p {port} -h 127.0.0.1 -k {sockets} {SETTINGS}"
        result = run_as(
            "postgres",
            [str(binaries / "pg_ctl"), "-D", str(DATA), "-l", str(LOG), "-w", "-t", "60", "-o", options, "start"],
        )
        if result.returncode != 0:
            raise RuntimeError(f"pg_ctl start failed:\n{result.stdout}{result.stderr}\n{tail(LOG)}")
        return port


def _initialise(binaries: Path) -> None:
    # "initdb (PostgreSQL) 15.14" → "15", as PG_VERSION in a data directory made by that version says.
    version = run_as("postgres", [str(binaries / "initdb"), "--version"]).stdout
    major = re.findall(r"\d+", version)[:1]
    version_file = DATA / "PG_VERSION"
    if version_file.exists() and [version_file.read_text().strip()] == major:
        return
    # A half-made or other-version cluster: the data is disposable, start afresh.
    shutil.rmtree(DATA, ignore_errors=True)
    local_dir("pg", owner="postgres")
    local_dir("pg/run", owner="postgres")
    result = run_as(
        "postgres",
        [
            str(binaries / "initdb"),
            "-D",
            str(DATA),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
        ],
    )
    if result.returncode != 0:
        raise RuntimeError(f"initdb failed (the postgres user must be able to write {PG_DIR}):\n{result.stderr}")


def stop() -> bool:
    """Fast shutdown (SIGINT to the postmaster: sessions are rolled back). True if a server was running."""
    try:
        pid = int((DATA / "postmaster.pid").read_text().splitlines()[0])
    except (OSError, ValueError, IndexError):
        return False
    if not pid_alive(pid):
        return False
    os.kill(pid, signal.SIGINT)
    try:
        wait_until(lambda: not pid_alive(pid), 30, "PostgreSQL to shut down")
    except TimeoutError:
        os.kill(pid, signal.SIGQUIT)
    return True


def create_database(port: int, name: str) -> None:
    import psycopg2

    connection = psycopg2.connect(host="127.0.0.1", port=port, user="postgres", dbname="postgres")
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cursor.fetchone() is None:
                cursor.execute(f'CREATE DATABASE "{name}"')
    finally:
        connection.close()


def prepare_suite_database(config: pytest.Config) -> None:
    """Called just before pytest-django creates the test database: start the server, name the database."""
    from django.conf import settings

    database: Any = settings.DATABASES["default"]
    slot = leases.session_slot()
    if config.stash.get(PRIVATE, False):
        # Connections are lazy: nothing has used the port yet, so it can still follow the actual server.
        database["PORT"] = ensure_running(int(database["PORT"]))
    if slot and database["ENGINE"] != "django.db.backends.sqlite3":
        test = database.setdefault("TEST", {})
        test["NAME"] = f"{test.get('NAME') or 'test_' + database['NAME']}_s{slot}"


@pytest.fixture(scope="session")
def postgres_database(django_db_setup: None) -> dict[str, Any]:
    """The suite's test database, for tests that need PostgreSQL itself; skips (or fails) on SQLite."""
    from django.db import connection

    if connection.vendor != "postgresql":
        if bindir() is None:
            unavailable("PostgreSQL is not installed (apt-get install postgresql): the suite runs on SQLite")
        unavailable(f"DATABASE_URL points at {connection.vendor}, not PostgreSQL")
    return dict(connection.settings_dict)
