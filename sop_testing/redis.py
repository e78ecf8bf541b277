"""A private Redis in `.local/redis`, no persistence, started on first need and reused while it runs."""

from __future__ import annotations

import os
import shutil
import signal
from dataclasses import dataclass

import pytest

from . import leases
from .local import (
    LOCAL,
    installed,
    local_dir,
    pid_alive,
    port_or_free,
    run_as,
    services_lock,
    tail,
    unavailable,
    wait_until,
)

PREFERRED_PORT = int(os.environ.get("SOP_REDIS_PORT", "6390"))
REDIS_DIR = LOCAL / "redis"
PIDFILE = REDIS_DIR / "redis.pid"
PORTFILE = REDIS_DIR / "port"
LOG = REDIS_DIR / "redis.log"


@dataclass(frozen=True)
class RedisServer:
    port: int
    db: int

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/{self.db}"


def binary() -> str | None:
    return installed("SOP_REDIS_SERVER", shutil.which("redis-server"), "/usr/bin/redis-server")


def _pid() -> int | None:
    try:
        pid = int(PIDFILE.read_text().strip())
    except (OSError, ValueError):
        return None
    return pid if pid_alive(pid) else None


def ping(port: int) -> bool:
    import redis

    try:
        return bool(redis.Redis(port=port, socket_timeout=1, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def running_port() -> int | None:
    try:
        port = int(PORTFILE.read_text().strip())
    except (OSError, ValueError):
        return None
    return port if _pid() and ping(port) else None


def ensure_running() -> int:
    with services_lock():
        if running := running_port():
            return running
        executable = binary()
        if executable is None:
            raise RuntimeError("redis-server is not installed")
        local_dir("redis", owner="redis")
        port = port_or_free(PREFERRED_PORT)
        # --daemonize: the server outlives this process, so `make services` and later sessions can reuse it.
        result = run_as(
            "redis",
            [
                executable,
                "--bind",
                "127.0.0.1",
                "--port",
                str(port),
                "--daemonize",
                "yes",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(REDIS_DIR),
                "--pidfile",
                str(PIDFILE),
                "--logfile",
                str(LOG),
            ],
        )
        if result.returncode != 0:
            raise RuntimeError(f"redis-server failed to start:\n{result.stdout}{result.stderr}\n{tail(LOG)}")
        try:
            wait_until(lambda: ping(port), 15, f"Redis on port {port}")
        except TimeoutError as exc:
            raise RuntimeError(f"{exc}\n{tail(LOG)}") from exc
        PORTFILE.write_text(str(port))
        return port


def stop() -> bool:
    pid = _pid()
    if pid is None:
        return False
    os.kill(pid, signal.SIGTERM)
    try:
        wait_until(lambda: not pid_alive(pid), 15, "Redis to shut down")
    except TimeoutError:
        os.kill(pid, signal.SIGKILL)
    PORTFILE.unlink(missing_ok=True)
    return True


@pytest.fixture(scope="session")
def redis_server() -> RedisServer:
    """The private Redis, with a database of this session's own (see leases)."""
    if binary() is None:
        unavailable("Redis is not installed (apt-get install redis-server)")
    return RedisServer(port=ensure_running(), db=leases.session_slot() + 1)
