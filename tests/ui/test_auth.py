import pytest
from django.urls import reverse

from sop_portal.organisation.models import Role
from sop_portal.organisation.permissions import capabilities_of
from tests.factories import PASSWORD, make_user

LOGIN = "/accounts/login/"


@pytest.mark.django_db
def test_login_with_the_right_password_opens_the_dashboard(client):
    make_user("alice")
    response = client.post(LOGIN, {"username": "alice", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200


@pytest.mark.django_db
def test_login_page_has_the_form_a_planner_fills_in(client):
    html = client.get(LOGIN).content.decode()
    assert 'name="username"' in html
    assert 'name="password"' in html
    assert 'type="submit"' in html


@pytest.mark.django_db
def test_wrong_password_says_so_and_stays_on_the_login_page(client):
    make_user("alice")
    response = client.post(LOGIN, {"username": "alice", "password": "wrong"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_six_wrong_logins_lock_the_user_out(client, settings):
    make_user("alice")
    limit = settings.AXES_FAILURE_LIMIT  # 5 unless LOGIN_FAILURE_LIMIT says otherwise
    responses = [client.post(LOGIN, {"username": "alice", "password": f"wrong-{i}"}) for i in range(limit + 1)]
    assert [r.status_code for r in responses[: limit - 1]] == [200] * (limit - 1)
    locked = responses[-1]
    assert locked.status_code == 429
    assert "Too many failed logins, try again in 15 minutes" in locked.content.decode()
    # Even the right password is refused while locked out.
    right = client.post(LOGIN, {"username": "alice", "password": PASSWORD})
    assert right.status_code == 429
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_the_login_page(client):
    for path in ["/", "/products/", "/accounts/me/", "/accounts/departments/operations/"]:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"] == f"{LOGIN}?next={path}"


@pytest.mark.django_db
def test_logout_is_a_post_and_returns_to_the_login_page(client):
    client.force_login(make_user("alice"))
    assert client.get("/accounts/logout/").status_code == 405
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert client.get("/").status_code == 302


@pytest.mark.django_db
def test_logout_of_an_expired_session_does_not_ask_to_log_in_first(client):
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert response["Location"] == reverse("login")


@pytest.mark.django_db
def test_password_change(client):
    user = make_user("alice")
    client.force_login(user)
    assert client.get("/accounts/password_change/").status_code == 200
    bad = client.post(
        "/accounts/password_change/",
        {"old_password": "nope", "new_password1": "Brand-new-pw-9", "new_password2": "Brand-new-pw-9"},
    )
    assert bad.status_code == 200
    assert "Your old password was entered incorrectly" in bad.content.decode()
    good = client.post(
        "/accounts/password_change/",
        {"old_password": PASSWORD, "new_password1": "Brand-new-pw-9", "new_password2": "Brand-new-pw-9"},
    )
    assert good.status_code == 302
    assert good["Location"] == "/accounts/password_change/done/"
    user.refresh_from_db()
    assert user.check_password("Brand-new-pw-9")


@pytest.mark.django_db
def test_layout_shows_the_apps_the_user_menu_and_carries_the_csrf_token_for_htmx(client):
    client.force_login(make_user("alice", departments={"sales": Role.APPROVER}, first_name="Alice"))
    html = client.get("/").content.decode()
    assert '<meta name="csrf-token"' in html
    assert 'hx-headers=\'{"X-CSRFToken": ' in html
    for label in ["Dashboard", "Products", "Campaigns", "MPS", "Warehouses", "Returns", "Budget", "API docs"]:
        assert label in html
    assert 'href="/admin/"' not in html  # staff only
    assert 'Sales</span><span class="badge badge-role">Approver' in html
    assert 'action="/accounts/logout/"' in html


@pytest.mark.django_db
def test_staff_see_the_admin_link(client):
    client.force_login(make_user("root", departments={}, is_staff=True))
    assert 'href="/admin/"' in client.get("/").content.decode()


@pytest.mark.django_db
def test_my_departments_lists_memberships_and_capabilities(client):
    user = make_user("alice", departments={"operations": Role.PLANNER, "finance": Role.VIEWER})
    client.force_login(user)
    response = client.get("/accounts/me/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Operations" in html
    assert "Finance" in html
    rows = {row["cap"].name: row for row in response.context["capabilities"]}
    assert {name for name, row in rows.items() if row["granted"]} == capabilities_of(user)
    assert [d.code for d in rows["products.edit"]["via"]] == ["operations"]
    assert not rows["organisation.manage"]["granted"]
