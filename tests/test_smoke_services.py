"""One real round trip per service: when these pass, the machine can run every other service test."""

from __future__ import annotations

import signal
from typing import TYPE_CHECKING, Any

import pytest
from django.core.mail import send_mail
from django.db import connection

from sop_portal.organisation import departments
from sop_portal.organisation.models import Department, Membership, Role
from sop_testing.local import free_port
from sop_testing.smtp import ReceivedMail
from sop_testing.tasks import describe_department
from sop_testing.worker import celery_pointed_at

if TYPE_CHECKING:
    from django.test import Client
    from playwright.sync_api import Page
    from pytest_django.live_server_helper import LiveServer


@pytest.mark.services
@pytest.mark.slow
@pytest.mark.django_db
def test_suite_runs_on_postgresql(postgres_database: dict[str, Any]) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_database(), current_setting('server_version_num')::int")
        database, version = cursor.fetchone()

    assert database == postgres_database["NAME"]
    assert database.startswith("test_sop_portal")
    assert version >= 150000


@pytest.mark.services
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_task_goes_through_redis_to_a_worker_that_writes_the_database(celery_worker: Any) -> None:
    Department.objects.create(code="supply", name="Supply", description="")

    queue = describe_department.delay("supply", "Planned by the worker").get(timeout=10)

    assert queue == "celery"
    assert Department.objects.get(code="supply").description == "Planned by the worker"


@pytest.mark.services
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_worker_subprocess_works_on_the_test_database_and_can_be_killed(celery_worker_process: Any) -> None:
    Department.objects.create(code="returns-desk", name="Returns desk", description="")
    worker = celery_worker_process()

    queue = describe_department.delay("returns-desk", "Set by a worker process").get(timeout=10)
    worker.kill()

    assert queue == "celery"
    assert Department.objects.get(code="returns-desk").description == "Set by a worker process"
    assert worker.process.returncode == -signal.SIGKILL
    assert not worker.answers_ping()


@pytest.mark.services
@pytest.mark.slow
def test_mail_sent_through_django_smtp_backend_arrives(smtp_mailbox: list[ReceivedMail]) -> None:
    sent = send_mail(
        "Week 12 S&OP digest", "Two campaigns need approval.", "portal@sop.example.com", ["planner@sop.example.com"]
    )

    assert sent == 1
    [mail] = smtp_mailbox
    assert mail.rcpt_tos == ["planner@sop.example.com"]
    assert mail.message["Subject"] == "Week 12 S&OP digest"
    assert mail.message["To"] == "planner@sop.example.com"


@pytest.mark.services
@pytest.mark.slow
@pytest.mark.browser
def test_planner_logs_in_and_sees_the_dashboard(page: Page, live_server: LiveServer, django_user_model: Any) -> None:
    from playwright.sync_api import expect

    planner = django_user_model.objects.create_user(username="planner", password="Forecast-accuracy-2024")
    # Transactional tests flush the departments the data migration made: create the one we need.
    sales, _ = Department.objects.get_or_create(code=departments.SALES, defaults={"name": "Sales"})
    Membership.objects.create(user=planner, department=sales, role=Role.VIEWER)

    page.goto("/accounts/login/")
    page.locator("input[name=username]").fill("planner")
    page.locator("input[name=password]").fill("Forecast-accuracy-2024")
    page.locator("button[type=submit], input[type=submit]").first.click()

    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.locator("h1")).to_contain_text("Dashboard")


@pytest.mark.services
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_healthz_is_ok_with_redis_and_a_live_worker(client: Client, celery_worker: Any) -> None:
    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["broker"] == {"ok": True, "mode": "redis"}
    assert body["worker"]["ok"] is True
    assert body["worker"]["workers"] == [celery_worker.hostname]


@pytest.mark.slow
@pytest.mark.django_db
def test_healthz_is_503_when_the_broker_is_unreachable(client: Client) -> None:
    with celery_pointed_at(f"redis://127.0.0.1:{free_port()}/0"):
        response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unhealthy"
    assert body["database"]["ok"] is True
    assert body["broker"]["ok"] is False
    assert body["worker"]["ok"] is False


@pytest.mark.django_db
def test_healthz_without_redis_reports_embedded_mode(client: Client) -> None:
    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["broker"] == {"ok": True, "mode": "embedded"}
    assert body["worker"] == {"ok": True, "mode": "embedded", "workers": []}
