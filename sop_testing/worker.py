"""Real Celery workers for tests: one in a thread of the test process, or one as a subprocess (to SIGKILL).

The suite runs tasks eagerly (REDIS_URL is empty while settings load). `celery_broker` points the project's
Celery app and the CELERY_* settings at this session's Redis database for one test and restores the embedded
configuration afterwards. Worker tests need `@pytest.mark.django_db(transaction=True)`: the worker uses its own
database connection, so it only sees committed rows (the fixtures request `transactional_db` to enforce it).
"""

from __future__ import annotations

import contextlib
import itertools
import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import pytest

from .local import REPO, local_dir, unavailable, wait_until

if TYPE_CHECKING:
    from celery import Celery
    from celery.worker import WorkController

    from .redis import RedisServer

_names = itertools.count(1)


def _forget_connections(app: Any) -> None:
    """Drop pooled broker connections and the cached result backend so the next use reads the new URLs.

    Celery keeps them in private attributes, and its pools in kombu's process-wide registry keyed by URL.
    """
    from kombu import pools

    pools.reset()
    app._after_fork()
    # The producer pool is cached on app.amqp too (the control mailbox publishes through it): after the reset
    # above it is closed, and the next ping would fail with "Acquire on closed pool".
    app.amqp._producer_pool = None
    with contextlib.suppress(AttributeError):
        del app.control.mailbox.producer_pool  # a cached property holding the old pool
    app._backend_cache = None
    app._local.__dict__.pop("backend", None)


@contextlib.contextmanager
def celery_pointed_at(url: str) -> Iterator[Celery]:
    """Send tasks through `url` (broker and result backend) instead of running them eagerly: in the Celery app,
    and in the CELERY_* settings that /healthz and the services read."""
    from django.test import override_settings

    from sop_portal.celery import app

    keys = ("broker_url", "result_backend", "task_always_eager", "worker_hijack_root_logger")
    # Reading app.conf loads it from the settings if nothing has yet: before they are overridden below.
    saved = {key: app.conf[key] for key in keys}
    _forget_connections(app)
    # The worker must not take over logging from pytest.
    app.conf.update(broker_url=url, result_backend=url, task_always_eager=False, worker_hijack_root_logger=False)
    try:
        with override_settings(CELERY_BROKER_URL=url, CELERY_RESULT_BACKEND=url, CELERY_TASK_ALWAYS_EAGER=False):
            yield app
    finally:
        _forget_connections(app)
        app.conf.update(saved)


@pytest.fixture
def celery_broker(redis_server: RedisServer) -> Iterator[str]:
    """This session's Redis database, emptied, as broker and result backend of the app and of settings."""
    import redis

    redis.Redis.from_url(redis_server.url).flushdb()
    with celery_pointed_at(redis_server.url):
        yield redis_server.url


def _close_worker_connections(**_: Any) -> None:
    # The worker thread opens its own database connection; left open it would block the flush after the
    # test and DROP DATABASE at the end of the session.
    if threading.current_thread() is not threading.main_thread():
        from django.db import connections

        connections.close_all()


@pytest.fixture
def celery_worker(celery_broker: str, transactional_db: None) -> Iterator[WorkController]:
    """A real worker (solo pool) consuming from Redis in a thread of this process; `.hostname` names it."""
    import celery.contrib.testing.tasks  # noqa: F401  (registers celery.ping for the start-up check)
    from celery.contrib.testing.worker import start_worker
    from celery.signals import task_postrun

    from sop_portal.celery import app

    from . import tasks  # noqa: F401  (the smoke test's task)

    task_postrun.connect(_close_worker_connections, weak=False)
    try:
        with start_worker(app, pool="solo", perform_ping_check=True, shutdown_timeout=30) as worker:
            yield worker
    finally:
        task_postrun.disconnect(_close_worker_connections)


def suite_database_url() -> str:
    """URL of the database this session's tests use: pytest-django created it as `test_<NAME>` (`_sN` added for
    a concurrent session) and put that name into the connection settings, so a subprocess given this URL
    works on the same rows as the test."""
    from django.db import connection

    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    return f"postgres://{credentials}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{quote(db['NAME'], safe='')}"


def subprocess_environment(redis_url: str, **extra: str) -> dict[str, str]:
    """Environment for a project process (worker, manage.py) that must share the test's database and broker."""
    return {
        **os.environ,
        "DATABASE_URL": suite_database_url(),
        "REDIS_URL": redis_url,
        "DJANGO_SETTINGS_MODULE": "sop_portal.settings",
        # Outside pytest the settings insist on a key.
        "SECRET_KEY": "test-only-subprocess-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        "DEBUG": "0",
        **extra,
    }


class WorkerProcess:
    """`celery -A sop_portal worker --pool solo` as a child process, ready once it answers a ping."""

    def __init__(self, app: Celery, redis_url: str, include: tuple[str, ...], env: dict[str, str]) -> None:
        self.app = app
        self.name = f"pytest{os.getpid()}-{next(_names)}@{socket.gethostname()}"
        self.log = local_dir("logs") / f"worker-{self.name.split('@')[0]}.log"
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "sop_portal",
            "worker",
            "--pool",
            "solo",
            "--loglevel",
            "INFO",
            "-n",
            self.name,
            "--without-mingle",
            "--without-gossip",
        ]
        for module in include:
            command += ["-I", module]
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                command,
                cwd=REPO,
                env=subprocess_environment(redis_url, **env),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    @property
    def pid(self) -> int:
        return self.process.pid

    def answers_ping(self) -> bool:
        return bool(self.app.control.ping(destination=[self.name], timeout=0.5))

    def wait_ready(self, timeout: float = 30) -> None:
        def ready() -> bool:
            if self.process.poll() is not None:
                raise RuntimeError(f"worker exited with {self.process.returncode}; see {self.log}")
            return self.answers_ping()

        wait_until(ready, timeout, f"worker {self.name} (log: {self.log})")

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """SIGKILL by default: the crash, with the task still unacknowledged in Redis."""
        self.process.send_signal(sig)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()  # warm shutdown: finish the current task
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture
def celery_worker_process(celery_broker: str, transactional_db: None) -> Iterator[Callable[..., WorkerProcess]]:
    """Factory: `start(include=("my.tasks",), CELERY_VISIBILITY_TIMEOUT="5")` runs a worker subprocess against
    the test database (see suite_database_url) and this session's Redis, waits until it answers a ping and
    returns it; call `.kill()` to crash it. Every worker still running is stopped after the test."""
    from django.db import connection

    from sop_portal.celery import app

    if connection.vendor != "postgresql":
        unavailable("a worker subprocess needs the suite on PostgreSQL (the SQLite test database is in memory)")
    started: list[WorkerProcess] = []

    def start(include: tuple[str, ...] = ("sop_testing.tasks",), **env: str) -> WorkerProcess:
        worker = WorkerProcess(app, celery_broker, include, env)
        started.append(worker)
        worker.wait_ready()
        return worker

    yield start
    for worker in started:
        worker.stop()
