"""TOTP second step for staff, the 2FA requirement, and setting up a device."""

from __future__ import annotations

from django.contrib.auth import SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from fairbill.accounts.models import LoginAttempt
from fairbill.core.services import settings_update
from tests.accounts.conftest import token_for, wrong_token_for


def logged_in(client) -> bool:
    return SESSION_KEY in client.session


def test_staff_with_a_device_is_asked_for_a_code(client, login, totp_device):
    # when a staff user with TOTP gives the right password
    response = login("admin")
    # then they are asked for a code and are not logged in yet
    assert response["Location"] == "/login/verify/"
    assert not logged_in(client)
    assert client.get("/").status_code == 302


def test_a_valid_code_completes_the_login(client, login, totp_device):
    # given the password step passed
    login("admin")
    # when the current code is given
    response = client.post("/login/verify/", {"token": token_for(totp_device)})
    # then the user is logged in, verified, and reaches the dashboard
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200
    assert LoginAttempt.objects.get().result == LoginAttempt.Result.SUCCESS


def test_a_wrong_code_is_refused(client, login, totp_device):
    # given the password step passed
    login("admin")
    # when a wrong code is given
    response = client.post("/login/verify/", {"token": wrong_token_for(totp_device)})
    # then the code is refused, nobody is logged in, and the failure is recorded
    assert response.status_code == 200
    assert "wrong or has expired" in response.content.decode()
    assert not logged_in(client)
    assert LoginAttempt.objects.get().result == LoginAttempt.Result.FAILURE


def test_a_code_is_useless_without_the_password_step(client, totp_device):
    # when someone posts a valid code without having given the password
    response = client.post("/login/verify/", {"token": token_for(totp_device)})
    # then they are sent back to the login page
    assert response["Location"] == "/login/"
    assert not logged_in(client)


def test_the_next_page_survives_the_code_step(client, login, totp_device):
    # given a login that started from a page
    login("admin", next="/customers/")
    # when the code is given
    response = client.post("/login/verify/", {"token": token_for(totp_device)})
    # then the user lands on that page
    assert response["Location"] == "/customers/"


def test_required_2fa_sends_staff_without_a_device_to_set_it_up(client, login, admin, admin_user):
    # given the business requires two-factor authentication for staff
    settings_update(actor=admin, require_staff_2fa=True)
    login("admin")
    # when a staff user without a device opens a back-office page
    response = client.get("/")
    # then they are sent to the two-factor setup page
    assert response.status_code == 302
    assert response["Location"] == "/staff/two-factor/"


def test_two_factor_page_offers_a_new_device(staff_client, admin_user):
    # when a staff user opens the two-factor page
    response = staff_client.get("/staff/two-factor/")
    # then a QR code is shown for a new, unconfirmed device
    assert response.status_code == 200
    assert "<svg" in response.content.decode()
    device = TOTPDevice.objects.get(user=admin_user)
    assert not device.confirmed


def test_two_factor_setup_confirms_the_device_with_a_valid_code(staff_client, admin_user):
    # given the setup page opened (which creates the device)
    staff_client.get("/staff/two-factor/")
    device = TOTPDevice.objects.get(user=admin_user)
    # when the app's current code is typed
    response = staff_client.post("/staff/two-factor/", {"token": token_for(device)})
    # then the device is confirmed and the user goes on to the dashboard
    assert response["Location"] == "/"
    device.refresh_from_db()
    assert device.confirmed
    assert staff_client.get("/").status_code == 200


def test_two_factor_setup_refuses_a_wrong_code(staff_client, admin_user):
    # given the setup page opened
    staff_client.get("/staff/two-factor/")
    device = TOTPDevice.objects.get(user=admin_user)
    # when a wrong code is typed
    response = staff_client.post("/staff/two-factor/", {"token": wrong_token_for(device)})
    # then the device stays unconfirmed
    assert response.status_code == 200
    device.refresh_from_db()
    assert not device.confirmed


def test_required_2fa_is_satisfied_once_a_device_is_set_up(staff_client, admin, admin_user):
    # given the business requires 2FA and the user set up a device
    settings_update(actor=admin, require_staff_2fa=True)
    staff_client.get("/staff/two-factor/")
    device = TOTPDevice.objects.get(user=admin_user)
    staff_client.post("/staff/two-factor/", {"token": token_for(device)})
    # when they open the dashboard
    response = staff_client.get("/")
    # then it opens
    assert response.status_code == 200


def test_two_factor_setup_is_for_staff_only(client, customer, system):
    # given a customer logged in
    from fairbill.customers.services import customer_login_create

    user = customer_login_create(
        actor=system, customer=customer, username="jane", password="a-long-passphrase-1"
    )
    client.force_login(user)
    # when they open the staff two-factor page
    response = client.get("/staff/two-factor/")
    # then they are sent to the staff login and no device is made for them
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=user).exists()


def test_a_session_without_the_code_cannot_turn_two_factor_off(client, admin_user, totp_device):
    # given a session that is logged in but never passed the code step
    client.force_login(admin_user)
    # when it asks to remove the device
    response = client.post("/staff/two-factor/", {"action": "remove"})
    # then it is sent to log in properly and the device stays
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
    assert TOTPDevice.objects.filter(pk=totp_device.pk, confirmed=True).exists()


def test_a_verified_user_can_turn_two_factor_off(client, login, totp_device):
    # given a staff user logged in with password and code
    login("admin")
    client.post("/login/verify/", {"token": token_for(totp_device)})
    # when they turn two-factor off
    response = client.post("/staff/two-factor/", {"action": "remove"})
    # then the device is gone
    assert response.status_code == 302
    assert not TOTPDevice.objects.exists()
