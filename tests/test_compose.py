"""docker-compose.yml and the Dockerfile agree with the code: no Docker engine needed, only the files and imports.

Compose cannot run here, so these tests check what a typo would break at `docker compose up`: a command naming
a module that does not exist, a variable settings.py never reads, a health check or dependency pointing nowhere.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import re
import shlex
import time
from types import ModuleType
from typing import Any
from urllib.parse import urlparse

import pytest
import yaml
from celery import Celery
from celery.app.utils import find_app
from django.conf import settings
from django.core.cache import cache

from sop_portal.health import HEARTBEAT_KEY
from tests.settings_vars import ROOT, settings_env_vars

COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
REQUIRED_SERVICES = {"web", "worker", "beat", "postgres", "redis", "mailpit"}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return compose["services"]


def app_services(services: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The services that run the portal's own image (built from the Dockerfile)."""
    return {name: spec for name, spec in services.items() if "build" in spec}


def command_args(spec: dict[str, Any]) -> list[str]:
    command = spec["command"]
    return shlex.split(command) if isinstance(command, str) else [str(arg) for arg in command]


def dependants(services: dict[str, dict[str, Any]], target: str) -> dict[str, str]:
    """Service name → the condition it waits for on `target`."""
    found = {}
    for name, spec in services.items():
        depends_on = spec.get("depends_on", {})
        if isinstance(depends_on, list):
            depends_on = {dep: {"condition": "service_started"} for dep in depends_on}
        if target in depends_on:
            found[name] = depends_on[target].get("condition", "service_started")
    return found


def is_one_shot(services: dict[str, dict[str, Any]], name: str) -> bool:
    """Runs once and exits (like `migrate`): never restarted, waited for only until it completes."""
    waiting = dependants(services, name)
    return (
        services[name].get("restart") == "no"
        and bool(waiting)
        and set(waiting.values()) == {"service_completed_successfully"}
    )


def load_healthcheck_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("docker_healthcheck", ROOT / "docker" / "healthcheck.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def wsgi_target(args: list[str]) -> str:
    targets = [arg for arg in args if re.fullmatch(r"[A-Za-z_][\w.]*:[A-Za-z_]\w*", arg)]
    assert len(targets) == 1, f"expected one module:attribute argument in {args}"
    return targets[0]


def assert_is_wsgi_application(target: str) -> None:
    module_name, attribute = target.split(":")
    application = getattr(importlib.import_module(module_name), attribute, None)
    assert callable(application), f"{target} is not a WSGI callable"
    assert f"{module_name}.{attribute}" == settings.WSGI_APPLICATION


def test_the_six_services_exist(services: dict[str, dict[str, Any]]):
    assert set(services) >= REQUIRED_SERVICES


def test_every_long_running_service_has_a_health_check(services: dict[str, dict[str, Any]]):
    for name, spec in services.items():
        if is_one_shot(services, name):
            continue
        test = spec.get("healthcheck", {}).get("test")
        assert test, f"{name} has no health check"
        assert test[0] in {"CMD", "CMD-SHELL"}, name
        assert len(test) > 1, name


def test_only_migrate_is_one_shot(services: dict[str, dict[str, Any]]):
    assert [name for name in services if is_one_shot(services, name)] == ["migrate"]
    assert command_args(services["migrate"])[1:3] == ["manage.py", "migrate"]


def test_depends_on_names_real_services_and_conditions_they_can_meet(services: dict[str, dict[str, Any]]):
    for target in services:
        for dependant, condition in dependants(services, target).items():
            if condition == "service_healthy":
                assert "healthcheck" in services[target], f"{dependant} waits for {target} to be healthy"
            elif condition == "service_completed_successfully":
                assert is_one_shot(services, target), f"{dependant} waits for {target} to exit"
    for name, spec in services.items():
        assert set(spec.get("depends_on", {})) <= set(services), f"{name} depends on an unknown service"


def test_the_portal_processes_start_after_migrations(services: dict[str, dict[str, Any]]):
    for name in ("web", "worker", "beat"):
        assert dependants(services, "migrate")[name] == "service_completed_successfully"


def test_web_serves_the_real_wsgi_application(services: dict[str, dict[str, Any]]):
    args = command_args(services["web"])

    assert args[0] == "gunicorn"
    assert_is_wsgi_application(wsgi_target(args))


def test_worker_and_beat_run_the_projects_celery_app(services: dict[str, dict[str, Any]]):
    from sop_portal.celery import app as project_app

    for name, subcommand in (("worker", "worker"), ("beat", "beat")):
        args = command_args(services[name])
        assert args[:3] == ["celery", "-A", "sop_portal"], name
        assert args[3] == subcommand, name
        # The same lookup `celery -A` does.
        app = find_app(args[2])
        assert isinstance(app, Celery)
        assert app is project_app


def test_every_task_in_the_beat_schedule_is_registered():
    from sop_portal.celery import app

    app.loader.import_default_modules()
    scheduled = {str(entry["task"]) for entry in settings.CELERY_BEAT_SCHEDULE.values()}

    assert scheduled, "the beat schedule is empty"
    assert scheduled <= set(app.tasks), f"not registered: {sorted(scheduled - set(app.tasks))}"


def test_the_portals_processes_share_one_environment(compose: dict[str, Any], services: dict[str, dict[str, Any]]):
    envs = {name: spec.get("environment") for name, spec in app_services(services).items()}

    assert set(envs) == {"migrate", "web", "worker", "beat"}
    assert all(env == compose["x-env"] for env in envs.values())


def test_every_variable_compose_sets_is_one_settings_reads(compose: dict[str, Any]):
    unknown = set(compose["x-env"]) - settings_env_vars()

    assert not unknown, f"settings.py never reads {sorted(unknown)}"


def test_the_environment_points_at_the_compose_services_over_plain_http(
    compose: dict[str, Any], services: dict[str, dict[str, Any]]
):
    env = compose["x-env"]

    assert urlparse(env["DATABASE_URL"]).hostname == "postgres"
    assert urlparse(env["REDIS_URL"]).hostname == "redis"
    assert env["EMAIL_HOST"] == "mailpit"
    assert env["EMAIL_PORT"] == "1025"
    assert env["DEBUG"] == "0"
    # Served on http://localhost: HTTPS-only settings would make every login fail.
    for name in ("SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE"):
        assert env[name] == "0", name
    assert urlparse(env["PORTAL_BASE_URL"]).hostname in env["ALLOWED_HOSTS"].split(",")
    # The web health check asks 127.0.0.1, so that host must be allowed too.
    assert "127.0.0.1" in env["ALLOWED_HOSTS"].split(",")
    assert {"8000:8000"} <= set(services["web"]["ports"])
    assert {"8025:8025"} <= set(services["mailpit"]["ports"])


def test_postgres_credentials_match_the_database_url(compose: dict[str, Any], services: dict[str, dict[str, Any]]):
    url = urlparse(compose["x-env"]["DATABASE_URL"])
    pg = services["postgres"]["environment"]

    assert (url.username, url.password, url.path.lstrip("/")) == (
        pg["POSTGRES_USER"],
        pg["POSTGRES_PASSWORD"],
        pg["POSTGRES_DB"],
    )


def test_health_check_scripts_exist_and_know_the_mode_they_are_asked_for(services: dict[str, dict[str, Any]]):
    checks = load_healthcheck_script().CHECKS
    for name, spec in app_services(services).items():
        test = spec.get("healthcheck", {}).get("test", [])
        if "docker/healthcheck.py" in test:
            assert (ROOT / "docker" / "healthcheck.py").is_file()
            assert test[test.index("docker/healthcheck.py") + 1] in checks, name


def test_the_web_health_check_asks_the_port_gunicorn_binds(services: dict[str, dict[str, Any]]):
    args = command_args(services["web"])
    bind = args[args.index("--bind") + 1]

    assert urlparse(load_healthcheck_script().HEALTHZ_URL).port == int(bind.rsplit(":", 1)[1])


def test_beat_health_allows_for_the_heartbeat_interval():
    heartbeat = next(
        entry for entry in settings.CELERY_BEAT_SCHEDULE.values() if entry["task"] == "sop_portal.health.heartbeat"
    )

    # At least two missed heartbeats before beat counts as unhealthy.
    max_age = load_healthcheck_script().BEAT_MAX_AGE_SECONDS

    assert max_age >= 2 * float(str(heartbeat["schedule"]))


def dockerfile_instructions() -> list[tuple[str, str]]:
    text = DOCKERFILE.read_text(encoding="utf-8").replace("\\\n", " ")
    instructions = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            instructions.append((keyword.upper(), rest.strip()))
    return instructions


def test_the_dockerfile_builds_the_image_the_issue_asks_for():
    instructions = dockerfile_instructions()
    keywords = [keyword for keyword, _ in instructions]

    assert instructions[0] == ("FROM", "python:3.11-slim")
    user = [rest for keyword, rest in instructions if keyword == "USER"]
    assert user, "the image runs as root"
    assert user[-1] not in {"root", "0"}
    assert keywords.index("USER") > max(i for i, (k, _) in enumerate(instructions) if k == "RUN")
    runs = " ".join(rest for keyword, rest in instructions if keyword == "RUN")
    assert "pip install" in runs
    assert re.search(r"SECRET_KEY=\S+ .*manage\.py collectstatic --noinput", runs)


def test_the_dockerfiles_copies_and_command_point_at_real_files():
    instructions = dockerfile_instructions()
    for keyword, rest in instructions:
        if keyword == "COPY" and not rest.startswith("--from"):
            for source in rest.split()[:-1]:
                if not source.startswith("--"):
                    assert (ROOT / source).exists(), f"COPY {source}: no such file"
        if keyword in {"CMD", "ENTRYPOINT"}:
            args = json.loads(rest)
            if args[0] == "gunicorn":
                assert_is_wsgi_application(wsgi_target(args))
            for arg in args:
                if arg.endswith((".sh", ".py")):
                    assert (ROOT / arg).is_file(), f"{keyword} names {arg}: no such file"


def test_dockerignore_keeps_local_state_out_of_the_image():
    ignored = set((ROOT / ".dockerignore").read_text(encoding="utf-8").split())

    assert {".venv", ".local", ".env", "*.sqlite3", ".git"} <= ignored


# The health check script itself, run in-process against the embedded stack.


def test_beat_check_passes_on_a_recent_heartbeat_and_fails_on_none_or_an_old_one():
    check = load_healthcheck_script()
    try:
        cache.delete(HEARTBEAT_KEY)
        assert check.check_beat() is False
        cache.set(HEARTBEAT_KEY, time.time() - 10)
        assert check.check_beat() is True
        cache.set(HEARTBEAT_KEY, time.time() - check.BEAT_MAX_AGE_SECONDS - 1)
        assert check.check_beat() is False
    finally:
        cache.delete(HEARTBEAT_KEY)


@pytest.mark.django_db
def test_web_check_passes_when_healthz_answers_200(live_server: Any, monkeypatch: pytest.MonkeyPatch):
    check = load_healthcheck_script()
    monkeypatch.setattr(check, "HEALTHZ_URL", f"{live_server.url}/healthz")

    assert check.check_web() is True


def test_web_check_fails_when_nothing_listens(monkeypatch: pytest.MonkeyPatch):
    check = load_healthcheck_script()
    monkeypatch.setattr(check, "HEALTHZ_URL", "http://127.0.0.1:9/healthz")

    assert check.check_web() is False
