"""Who uses the private servers right now: the last user out stops them, and concurrent sessions never collide.

Each pytest session that needs a server leases a numbered slot (one JSON file per process under
`.local/leases/`). Slot N names the session's test database `test_<name>_sN` (slot 0 keeps Django's plain
`test_<name>`) and gives it Redis database N + 1, so two `make test` runs in one checkout neither drop each
other's database nor consume each other's tasks. `make services` holds the "manual" lease, which keeps the
servers up until `make services-stop`. Leases of dead processes are ignored and removed.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

from .local import LOCAL, pid_alive, services_lock

LEASES = LOCAL / "leases"
# Redis has databases 0-15: 0 is for `make services`, 1-15 for pytest sessions.
SLOTS = 15
MANUAL = LEASES / "manual.json"

_slot: int | None = None


def _own_lease() -> Path:
    return LEASES / f"{os.getpid()}.json"


def _live_leases() -> dict[Path, dict[str, int | None]]:
    live = {}
    for path in LEASES.glob("*.json"):
        try:
            lease = json.loads(path.read_text())
        except (OSError, ValueError):
            lease = {"pid": -1}
        pid = lease.get("pid")
        if pid is None or pid_alive(pid):
            live[path] = lease
        else:
            path.unlink(missing_ok=True)
    return live


def session_slot() -> int:
    """This process's slot, leased on first use so that runs needing no server leave no trace."""
    global _slot
    if _slot is None:
        with services_lock():
            taken = {lease.get("slot") for lease in _live_leases().values()}
            free = [slot for slot in range(SLOTS) if slot not in taken]
            if not free:
                raise RuntimeError(f"{SLOTS} pytest sessions already use the private servers; wait for one")
            LEASES.mkdir(parents=True, exist_ok=True)
            _own_lease().write_text(json.dumps({"pid": os.getpid(), "slot": free[0]}))
            _slot = free[0]
    return _slot


def hold_manual() -> None:
    with services_lock():
        LEASES.mkdir(parents=True, exist_ok=True)
        MANUAL.write_text(json.dumps({"pid": None}))


def release(lease: Path, stop_servers: Callable[[], None]) -> list[int]:
    """Drop a lease; stop the servers when it was the last. Returns the pids still holding leases."""
    with services_lock():
        lease.unlink(missing_ok=True)
        others = _live_leases()
        if not others:
            stop_servers()
    return sorted(pid for pid in (lease.get("pid") for lease in others.values()) if pid is not None)


def release_session(stop_servers: Callable[[], None]) -> None:
    global _slot
    if _slot is not None:
        release(_own_lease(), stop_servers)
        _slot = None
