"""`python -m sop_testing start|stop|status|clean`: the test suite's private servers, for manual work.

`start` prints the variables to export (`eval "$(make -s services)"`); everything else goes to stderr.
"""

from __future__ import annotations

import argparse
import shutil
import sys

from . import leases, postgres, redis
from .local import LOCAL, services_lock


def _say(message: str) -> None:
    print(message, file=sys.stderr)


def start() -> int:
    if postgres.bindir() is None or redis.binary() is None:
        _say("PostgreSQL and Redis must be installed: apt-get install postgresql redis-server")
        return 1
    leases.hold_manual()
    pg_port = postgres.ensure_running()
    postgres.create_database(pg_port, postgres.DEV_DATABASE)
    redis_port = redis.ensure_running()
    _say(f"PostgreSQL in {postgres.PG_DIR} on port {pg_port}, Redis on port {redis_port}. Use them with:")
    print(f"export DATABASE_URL={postgres.url(pg_port)}")
    print(f"export REDIS_URL=redis://127.0.0.1:{redis_port}/0")
    return 0


def _stop_servers() -> None:
    stopped = [name for name, stop in (("PostgreSQL", postgres.stop), ("Redis", redis.stop)) if stop()]
    _say(f"Stopped {' and '.join(stopped)}." if stopped else "Nothing was running.")


def stop() -> int:
    still_used_by = leases.release(leases.MANUAL, _stop_servers)
    if still_used_by:
        _say(f"Still in use by pytest (pid {', '.join(map(str, still_used_by))}): the last session stops them.")
    return 0


def status() -> int:
    pg_port, redis_port = postgres.running_port(), redis.running_port()
    _say(f"PostgreSQL: {f'running on port {pg_port}' if pg_port else 'stopped'}")
    _say(f"Redis: {f'running on port {redis_port}' if redis_port else 'stopped'}")
    return 0


def clean() -> int:
    """Stop the servers and delete everything under .local/ (databases included)."""
    stop()
    with services_lock():
        if postgres.running_port() or redis.running_port():
            _say("Not removing .local/: the servers are still in use.")
            return 1
    shutil.rmtree(LOCAL)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m sop_testing", description=__doc__)
    parser.add_argument("command", choices=["start", "stop", "status", "clean"])
    command = parser.parse_args().command
    return {"start": start, "stop": stop, "status": status, "clean": clean}[command]()


if __name__ == "__main__":
    sys.exit(main())
