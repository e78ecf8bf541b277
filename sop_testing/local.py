"""The `.local/` folder, service users, ports, and the skip-or-fail rule shared by every service fixture."""

from __future__ import annotations

import contextlib
import fcntl
import os
import pwd
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NoReturn

REPO = Path(__file__).resolve().parent.parent


def _others_can_reach(path: Path) -> bool:
    """Can a service user (postgres, redis) walk down to `path`? Not inside a home such as /root (mode 700)."""
    return all(os.stat(part).st_mode & 0o001 for part in [path, *path.parents] if part.exists())


def _local_folder() -> Path:
    # Root runs the servers as their own users; when they cannot reach the checkout (a clone under /root), the
    # servers' folder moves to /var/tmp, one per checkout, instead of failing at initdb.
    inside = REPO / ".local"
    if os.geteuid() != 0 or _others_can_reach(REPO):
        return inside
    import hashlib

    return Path("/var/tmp") / f"sop-portal-{hashlib.sha1(str(REPO).encode()).hexdigest()[:10]}"


LOCAL = _local_folder()


def require_services() -> bool:
    """CI sets SOP_REQUIRE_SERVICES=1: there a missing service is a failure, never a quiet skip."""
    return os.environ.get("SOP_REQUIRE_SERVICES", "").strip().lower() in {"1", "true", "yes", "on"}


def unavailable(reason: str) -> NoReturn:
    import pytest

    if require_services():
        pytest.fail(f"{reason} (SOP_REQUIRE_SERVICES=1 makes this a failure instead of a skip)", pytrace=False)
    pytest.skip(reason)


def local_dir(name: str, owner: str | None = None) -> Path:
    """`.local/<name>`, created and (when we are root) handed to the service user that must write into it."""
    LOCAL.mkdir(exist_ok=True)
    # Service users must be able to walk into .local even under a strict umask.
    LOCAL.chmod(0o755)
    path = LOCAL / name
    path.mkdir(parents=True, exist_ok=True)
    if owner and _switch_user(owner):
        shutil.chown(path, owner, owner)
    return path


def _switch_user(user: str) -> bool:
    """Root runs servers as their own system user (initdb refuses root); anyone else runs them as themselves."""
    if os.geteuid() != 0:
        return False
    try:
        pwd.getpwnam(user)
    except KeyError:
        return False
    return True


def installed(override: str, *defaults: str | None) -> str | None:
    """The executable named by the environment variable `override` if set (only it: setting it to a missing path
    shows what a machine without the service does), else the first of `defaults` that exists."""
    candidates = [os.environ[override]] if os.environ.get(override) else defaults
    return next((c for c in candidates if c and Path(c).exists()), None)


def run_as(user: str, command: list[str]) -> subprocess.CompletedProcess[str]:
    if _switch_user(user):
        command = ["runuser", "-u", user, "--", *command]
    # No inherited stdin/stdout: a daemon holding the caller's pipe would keep CI waiting forever.
    return subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, text=True, check=False)


def port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        # Servers bind with SO_REUSEADDR, so connections in TIME_WAIT after a restart do not make it busy.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_or_free(preferred: int) -> int:
    return preferred if port_is_free(preferred) else free_port()


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"gave up after {timeout:.0f} s waiting for {what}")
        time.sleep(0.05)


def tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return f"(no log at {path})"


@contextlib.contextmanager
def services_lock() -> Iterator[None]:
    """One process at a time starts, stops or leases the servers (several engineers share a checkout).

    Not re-entrant: flock on a second descriptor in the same process would wait for itself.
    """
    LOCAL.mkdir(exist_ok=True)
    with open(LOCAL / "services.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
