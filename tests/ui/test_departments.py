import pytest

from sop_portal.organisation.models import Membership, Role
from tests.factories import make_user

URL = "/accounts/departments/operations/"


def role_of(username: str, department: str = "operations") -> int | None:
    membership = Membership.objects.filter(user__username=username, department__code=department).first()
    return membership.role if membership else None


@pytest.fixture
def admin_client(client, db):
    client.force_login(make_user("olga", departments={"operations": Role.ADMIN}))
    return client


@pytest.mark.django_db
def test_members_page_lists_members_and_roles(admin_client):
    make_user("pete", departments={"operations": Role.PLANNER}, first_name="Pete", last_name="Planner")
    html = admin_client.get(URL).content.decode()
    assert "<h1>Operations</h1>" in html
    assert "pete" in html
    assert "Pete Planner" in html
    assert "Add a member" in html


@pytest.mark.django_db
def test_department_admin_adds_changes_and_removes_a_member(admin_client):
    make_user("newbie", departments={})

    added = admin_client.post(URL, {"action": "add", "add-username": "newbie", "add-role": Role.PLANNER})
    assert added.status_code == 302
    assert role_of("newbie") == Role.PLANNER
    assert "Added newbie to Operations as Planner." in admin_client.get(URL).content.decode()

    changed = admin_client.post(URL, {"action": "change", "username": "newbie", "role": Role.APPROVER})
    assert changed.status_code == 302
    assert role_of("newbie") == Role.APPROVER

    removed = admin_client.post(URL, {"action": "remove", "username": "newbie"})
    assert removed.status_code == 302
    assert role_of("newbie") is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"action": "add", "add-username": "ghost", "add-role": Role.VIEWER},
            "there is no user named &#x27;ghost&#x27;",
        ),
        ({"action": "add", "add-username": "", "add-role": Role.VIEWER}, "Username: This field is required."),
        ({"action": "add", "add-username": "pete", "add-role": Role.VIEWER}, "pete is already a member of Operations"),
        ({"action": "add", "add-username": "newbie", "add-role": "99"}, "Role: Select a valid choice."),
        ({"action": "change", "username": "newbie", "role": Role.ADMIN}, "newbie is not a member of Operations"),
        ({"action": "change", "username": "olga", "role": Role.VIEWER}, "the only admin of Operations"),
        ({"action": "remove", "username": "olga"}, "the only admin of Operations"),
    ],
)
def test_bad_member_changes_are_refused_with_the_field_named(admin_client, data, message):
    make_user("pete", departments={"operations": Role.PLANNER})
    make_user("newbie", departments={})
    before = set(Membership.objects.values_list("user__username", "department__code", "role"))

    response = admin_client.post(URL, data)

    assert response.status_code == 422
    assert message in response.content.decode()
    assert set(Membership.objects.values_list("user__username", "department__code", "role")) == before


@pytest.mark.django_db
def test_unknown_action_changes_nothing(admin_client):
    response = admin_client.post(URL, {"action": "promote-everyone"}, follow=True)
    assert "unknown action" in response.content.decode()


@pytest.mark.django_db
def test_non_admins_cannot_change_members(client):
    make_user("newbie", departments={})
    # An approver in Operations, and the admin of another department, are not admins of Operations.
    for username, departments in [
        ("approver", {"operations": Role.APPROVER}),
        ("sales-admin", {"sales": Role.ADMIN, "operations": Role.VIEWER}),
    ]:
        client.force_login(make_user(username, departments=departments))
        page = client.get(URL)
        assert page.status_code == 200
        assert "Add a member" not in page.content.decode()
        response = client.post(URL, {"action": "add", "add-username": "newbie", "add-role": Role.ADMIN})
        assert response.status_code == 403
    assert role_of("newbie") is None


@pytest.mark.django_db
def test_superuser_manages_any_department(client):
    client.force_login(make_user("root", departments={}, is_superuser=True))
    make_user("newbie", departments={})
    response = client.post(
        "/accounts/departments/finance/", {"action": "add", "add-username": "newbie", "add-role": Role.ADMIN}
    )
    assert response.status_code == 302
    assert role_of("newbie", "finance") == Role.ADMIN


@pytest.mark.django_db
def test_unknown_department_is_404(admin_client):
    assert admin_client.get("/accounts/departments/nope/").status_code == 404


@pytest.mark.django_db
def test_services_accept_a_role_by_number_or_name_and_name_the_field_when_wrong():
    from sop_portal.errors import InputError
    from sop_portal.organisation import services
    from sop_portal.organisation.models import Department

    operations = Department.objects.get(code="operations")
    make_user("newbie", departments={})
    assert services.add_member(operations, "newbie", "planner").role == Role.PLANNER
    assert services.change_role(operations, "newbie", "30").role == Role.APPROVER
    with pytest.raises(InputError) as error:
        services.change_role(operations, "newbie", "boss")
    assert error.value.field == "role"
    assert "Viewer, Planner, Approver, Admin" in str(error.value)
    with pytest.raises(InputError) as error:
        services.remove_member(operations, " ")
    assert error.value.field == "username"
