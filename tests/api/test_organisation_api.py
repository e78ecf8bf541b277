"""Who am I, departments, token login and its throttling, and the schema / docs UI."""

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from sop_portal.organisation.models import Role

pytestmark = pytest.mark.django_db


def test_me_lists_departments_and_capabilities(api_as):
    body = api_as("mia", marketing=Role.PLANNER, sales=Role.VIEWER).get("/api/v1/me/").json()
    assert body["departments"] == {"marketing": "planner", "sales": "viewer"}
    assert body["capabilities"] == [
        "alerts.act", "budget.plan", "budget.view", "campaigns.plan", "forecast.edit", "portal.view", "returns.answer"
    ]


def test_departments_are_the_six_standard_ones(api_as):
    body = api_as("mia", marketing=Role.PLANNER).get("/api/v1/departments/").json()
    assert [d["code"] for d in body] == [
        "marketing", "sales", "operations", "warehouse", "finance", "customer-service",
    ]  # fmt: skip
    assert body[0]["members"] == [{"username": "mia", "role": "planner"}]


def test_token_login_then_token_auth():
    get_user_model().objects.create_user("tok", password="pw-Long-enough-1")
    client = APIClient()
    response = client.post("/api/v1/auth/token/", {"username": "tok", "password": "pw-Long-enough-1"})
    assert response.status_code == 200
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    assert client.get("/api/v1/me/").json()["username"] == "tok"


def test_repeated_wrong_token_logins_lock_the_account():
    get_user_model().objects.create_user("tok", password="pw-Long-enough-1")
    client = APIClient()
    for _ in range(5):
        wrong = client.post("/api/v1/auth/token/", {"username": "tok", "password": "nope"})
        assert wrong.status_code == 400
    locked = client.post("/api/v1/auth/token/", {"username": "tok", "password": "pw-Long-enough-1"})
    assert locked.status_code == 429
    assert locked.json() == {"detail": "Too many failed logins; try again in 15 minutes."}


def test_schema_needs_login_and_is_openapi_3(api_as):
    assert APIClient().get("/api/schema/").status_code == 401
    response = api_as("v", sales=Role.VIEWER).get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/products/{sku}/forecast/" in schema["paths"]


def test_docs_ui_is_served_from_local_static_files(api_as):
    html = api_as("v", sales=Role.VIEWER).get("/api/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()
