"""Finding 1: Django admin (/django-admin/) must not be a way around two-factor
authentication, must be off unless turned on, must keep audit Events read-only, and must
not be open to limited staff."""

from __future__ import annotations

import pytest
from django.contrib.auth import SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from fairbill.core.actors import Actor
from fairbill.core.models import Event
from fairbill.core.services import event_record
from tests.accounts.conftest import token_for
from tests.backoffice.conftest import make_staff
from tests.conftest import STAFF_PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def django_admin_on(settings):
    settings.DJANGO_ADMIN = True


@pytest.fixture
def device(admin_user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=admin_user, name="phone", confirmed=True)


def verified_admin_client(client, device):
    client.post("/login/", {"username": "admin", "password": STAFF_PASSWORD})
    client.post("/login/verify/", {"token": token_for(device)})
    assert SESSION_KEY in client.session
    return client


def test_a_stolen_password_can_not_remove_the_second_factor_through_django_admin(
    client, django_admin_on, business, admin_user, device
):
    # when an attacker with the administrator's password only logs in at /django-admin/login/
    client.post("/django-admin/login/", {"username": "admin", "password": STAFF_PASSWORD})
    # then they are not logged in: the admin's login is the back office's, code step included
    assert SESSION_KEY not in client.session
    # and the device list and its delete page are not theirs to open
    listing = client.get("/django-admin/otp_totp/totpdevice/", follow=True)
    assert listing.redirect_chain[-1][0].startswith("/login/?next=/django-admin/")
    assert "phone" not in listing.content.decode()
    client.post(f"/django-admin/otp_totp/totpdevice/{device.pk}/delete/", {"post": "yes"})
    assert TOTPDevice.objects.filter(pk=device.pk).exists()
    # and logging in at /login/ without a code still stops at the code step
    response = client.post("/login/", {"username": "admin", "password": STAFF_PASSWORD})
    assert response["Location"] == "/login/verify/"
    assert SESSION_KEY not in client.session


def test_a_password_only_session_from_the_back_office_login_can_not_use_django_admin(
    client, django_admin_on, business, admin_user, device
):
    # given the password step passed but not the code step
    client.post("/login/", {"username": "admin", "password": STAFF_PASSWORD})
    # when the admin's device delete page is posted
    client.post(f"/django-admin/otp_totp/totpdevice/{device.pk}/delete/", {"post": "yes"})
    # then the device is still there
    assert TOTPDevice.objects.filter(pk=device.pk).exists()


def test_the_admin_login_page_sends_to_the_back_office_login(client, django_admin_on, business):
    response = client.get("/django-admin/login/?next=/django-admin/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/django-admin/"


def test_an_administrator_verified_by_code_uses_django_admin(
    client, django_admin_on, business, admin_user, device
):
    verified_admin_client(client, device)
    assert client.get("/django-admin/").status_code == 200
    assert client.get("/django-admin/otp_totp/totpdevice/").status_code == 200


def test_django_admin_is_off_by_default(client, settings, business, admin_user, device):
    # given FAIRBILL_DJANGO_ADMIN is not set
    settings.DJANGO_ADMIN = False
    verified_admin_client(client, device)
    # then even a verified administrator finds no Django admin
    assert client.get("/django-admin/").status_code == 404
    assert client.get("/django-admin/login/").status_code == 404
    assert client.get("/django-admin/core/event/").status_code == 404


def test_limited_staff_can_not_open_django_admin(client, django_admin_on, business):
    # given a staff user with some privileges only
    client.force_login(make_staff("limited", ["customers", "reports"]))
    # when they open Django admin or its password change page
    for url in ["/django-admin/", "/django-admin/password_change/"]:
        response = client.get(url)
        # then they are refused
        assert response.status_code == 403, url


def test_audit_events_can_not_be_added_changed_or_deleted_in_django_admin(
    client, django_admin_on, business, admin_user, device
):
    # given a verified administrator and an Event
    verified_admin_client(client, device)
    event = event_record(actor=Actor.system("tests"), action="customer.created", subject=admin_user)
    count = Event.objects.count()
    # when they try to forge, edit and delete Events
    add = client.post(
        "/django-admin/core/event/add/",
        {"at_0": "2027-01-01", "at_1": "10:00", "actor_kind": "staff", "action": "x.login_as"},
    )
    change = client.post(f"/django-admin/core/event/{event.pk}/change/", {"action": "forged"})
    delete = client.post(f"/django-admin/core/event/{event.pk}/delete/", {"post": "yes"})
    bulk = client.post(
        "/django-admin/core/event/",
        {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"},
    )
    # then every one is refused and the log is unchanged
    assert add.status_code == 403
    assert change.status_code == 403
    assert delete.status_code == 403
    assert bulk.status_code in {200, 302, 403}
    assert Event.objects.count() == count
    event.refresh_from_db()
    assert event.action == "customer.created"
    # and the Event is readable
    assert client.get(f"/django-admin/core/event/{event.pk}/change/").status_code == 200
