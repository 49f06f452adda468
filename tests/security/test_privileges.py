"""Finding 2: managing staff and API keys is not a way to more privileges. Nobody grants a
privilege they don't hold, nobody changes their own privileges, only an administrator
changes an administrator or makes an API key that acts as someone else."""

from __future__ import annotations

import pytest

from fairbill.accounts.models import PRIVILEGES, ApiKey, User
from fairbill.accounts.services import staff_create, staff_set_privileges
from fairbill.core.actors import Actor
from fairbill.core.errors import Refused
from fairbill.core.models import Event
from tests.backoffice.conftest import make_staff
from tests.conftest import STAFF_PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(client, business):
    """A staff user who manages staff (and reports) but is no administrator."""
    user = make_staff("manager", ["staff", "reports"])
    client.force_login(user)
    return user


def test_settings_alone_no_longer_opens_staff_or_api_keys(client, business):
    # given a staff user with only the settings privilege (the audit's attacker)
    user = make_staff("settingsonly", ["settings"])
    client.force_login(user)
    # when they try to give themselves every privilege and to make a key as the administrator
    mine = client.post(f"/settings/staff/{user.pk}/", {"privileges": list(PRIVILEGES)})
    key = client.post("/settings/api-keys/", {"name": "x", "user": user.pk})
    # then both are forbidden and nothing changed
    assert mine.status_code == 403
    assert key.status_code == 403
    user.refresh_from_db()
    assert user.privileges == ["settings"]
    assert not user.is_superuser
    assert not ApiKey.objects.exists()


def test_nobody_changes_their_own_privileges(client, manager):
    # when a staff manager posts their own privileges page with every privilege
    response = client.post(f"/settings/staff/{manager.pk}/", {"privileges": list(PRIVILEGES)})
    # then it is refused, and they are no administrator
    assert response.status_code == 200
    assert "your own privileges" in response.content.decode()
    manager.refresh_from_db()
    assert set(manager.privileges) == {"staff", "reports"}
    assert not manager.is_superuser


def test_an_administrator_can_not_change_their_own_privileges_either(admin_user, business):
    with pytest.raises(Refused):
        staff_set_privileges(actor=Actor.staff(admin_user), user=admin_user, privileges=["reports"])


def test_a_privilege_the_manager_does_not_hold_can_not_be_granted(client, manager):
    # given another staff user
    bob = make_staff("bob", ["reports"])
    # when the manager gives bob "invoices", which the manager doesn't hold
    response = client.post(f"/settings/staff/{bob.pk}/", {"privileges": ["reports", "invoices"]})
    # then it is refused
    assert response.status_code == 200
    assert "invoices" in response.content.decode().lower()
    bob.refresh_from_db()
    assert bob.privileges == ["reports"]


def test_a_new_staff_user_can_not_get_a_privilege_its_creator_does_not_hold(client, manager):
    response = client.post(
        "/settings/staff/new/",
        {
            "username": "accomplice",
            "email": "a@example.com",
            "password": STAFF_PASSWORD,
            "privileges": list(PRIVILEGES),
        },
    )
    assert response.status_code == 200
    assert not User.objects.filter(username="accomplice").exists()


def test_the_manager_grants_and_removes_what_they_hold(client, manager):
    bob = make_staff("bob", [])
    response = client.post(f"/settings/staff/{bob.pk}/", {"privileges": ["reports"]})
    assert response.status_code == 302
    bob.refresh_from_db()
    assert bob.privileges == ["reports"]
    event = Event.objects.filter(action="staff.privileges_changed").latest("id")
    assert event.actor_label == "manager"
    assert event.data["privileges"] == [[], ["reports"]]


def test_only_an_administrator_changes_an_administrators_privileges(client, manager, admin_user):
    # when the manager removes "reports" (which they hold) from the administrator
    response = client.post(
        f"/settings/staff/{admin_user.pk}/",
        {"privileges": [p for p in PRIVILEGES if p != "reports"]},
    )
    # then it is refused: that would demote an administrator
    assert response.status_code == 200
    admin_user.refresh_from_db()
    assert admin_user.is_administrator


def test_a_key_acting_as_another_user_is_refused_for_non_administrators(
    client, manager, admin_user
):
    # when the manager creates a key that acts as the administrator
    response = client.post("/settings/api-keys/", {"name": "x", "user": admin_user.pk})
    # then it is refused and no key exists
    assert response.status_code == 200
    assert not ApiKey.objects.exists()
    # while a key for themselves is made
    response = client.post("/settings/api-keys/", {"name": "mine", "user": manager.pk})
    assert ApiKey.objects.get().user == manager


def test_an_administrator_makes_a_key_for_another_staff_user(staff_client, business):
    bob = make_staff("bob", ["reports"])
    staff_client.post("/settings/api-keys/", {"name": "bob's", "user": bob.pk})
    key = ApiKey.objects.get()
    assert key.user == bob
    event = Event.objects.get(action="api_key.created")
    assert event.actor_label == "admin"
    assert event.data["user"] == "bob"


def test_the_command_line_is_the_operator_and_may_do_anything(db):
    user = staff_create(
        actor=Actor.system("createstaff"),
        username="root",
        email="root@example.com",
        password=STAFF_PASSWORD,
    )
    assert user.is_administrator
    assert "staff" in user.privileges


def test_every_privilege_change_is_an_event(admin_user, business):
    bob = make_staff("bob", ["reports"])
    staff_set_privileges(actor=Actor.staff(admin_user), user=bob, privileges=["customers"])
    created = Event.objects.get(action="staff.created", subject_id=bob.pk)
    changed = Event.objects.get(action="staff.privileges_changed", subject_id=bob.pk)
    assert created.data["privileges"] == ["reports"]
    assert changed.data["privileges"] == [["reports"], ["customers"]]
