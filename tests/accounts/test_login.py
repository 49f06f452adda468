"""Staff login: password step, the login report, lockout, and customers kept out."""

from __future__ import annotations

import pytest
from django.contrib.auth import SESSION_KEY

from fairbill.accounts.models import LoginAttempt
from fairbill.customers.services import customer_login_create

WRONG = "not-the-password"  # noqa: S105 (test data)


def logged_in(client) -> bool:
    return SESSION_KEY in client.session


def test_staff_logs_in_and_reaches_the_dashboard(client, login, admin_user):
    # when a staff user posts the right username and password
    response = login("admin")
    # then they are sent to the dashboard and can open it
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_dashboard_sends_anonymous_visitors_to_the_login(client, db):
    # when someone not logged in opens the dashboard
    response = client.get("/")
    # then they are sent to the login page, coming back afterwards
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/"


def test_login_follows_next_to_a_page_of_this_site(login, admin_user):
    # when the login form carries a local next page
    response = login("admin", next="/customers/")
    # then the user is sent there
    assert response["Location"] == "/customers/"


def test_login_ignores_next_pointing_to_another_site(login, admin_user):
    # when the login form carries a next page on another host
    response = login("admin", next="https://evil.example/")
    # then the user is sent to the dashboard instead
    assert response["Location"] == "/"


def test_successful_login_is_recorded(login, admin_user):
    # when a staff user logs in
    login("admin")
    # then the login report has one success with the user and address
    attempt = LoginAttempt.objects.get()
    assert attempt.result == LoginAttempt.Result.SUCCESS
    assert attempt.user == admin_user
    assert attempt.username == "admin"
    assert attempt.ip_address == "127.0.0.1"
    assert attempt.area == "backoffice"


def test_wrong_password_is_refused_with_a_message(client, login, admin_user):
    # when the password is wrong
    response = login("admin", WRONG)
    # then the form says so and nobody is logged in
    assert response.status_code == 200
    assert "username and password don" in response.content.decode()
    assert not logged_in(client)


def test_wrong_password_is_recorded_without_the_password(login, admin_user):
    # when the password is wrong
    login("admin", WRONG)
    # then the report has a failure with username and IP, and nowhere the password tried
    attempt = LoginAttempt.objects.get()
    assert attempt.result == LoginAttempt.Result.FAILURE
    assert attempt.username == "admin"
    assert attempt.ip_address == "127.0.0.1"
    row = LoginAttempt.objects.filter(pk=attempt.pk).values().get()
    assert not any(WRONG in str(value) for value in row.values())


def test_unknown_username_is_recorded_as_a_failure(login, db):
    # when the username doesn't exist
    login("nobody", WRONG)
    # then that attempt is in the report too
    attempt = LoginAttempt.objects.get()
    assert (attempt.username, attempt.result, attempt.user) == ("nobody", "failure", None)


def test_five_failures_lock_out_the_next_attempt(client, login, admin_user):
    # given five wrong passwords, each recorded as a failure
    for _ in range(5):
        login("admin", WRONG)
    assert LoginAttempt.objects.filter(result="failure").count() == 5
    # when the right password is tried next
    response = login("admin")
    # then it is refused with the lockout page and recorded as locked
    assert response.status_code == 429
    assert "Too many failed attempts" in response.content.decode()
    assert not logged_in(client)
    latest = LoginAttempt.objects.first()
    assert latest.result == LoginAttempt.Result.LOCKED
    assert latest.username == "admin"
    assert latest.ip_address == "127.0.0.1"


def test_four_failures_do_not_lock_out(client, login, admin_user):
    # given four wrong passwords
    for _ in range(4):
        login("admin", WRONG)
    # when the right one is tried
    response = login("admin")
    # then the user is in
    assert response.status_code == 302
    assert logged_in(client)


def test_lockout_records_never_hold_the_password(login, admin_user):
    # given a lockout
    for _ in range(6):
        login("admin", WRONG)
    # then no login report row holds the password tried
    for row in LoginAttempt.objects.values():
        assert not any(WRONG in str(value) for value in row.values())


@pytest.fixture
def customer_login(customer, system):
    return customer_login_create(
        actor=system, customer=customer, username="jane", password="a-long-passphrase-1"
    )


def test_customer_login_cannot_enter_the_back_office(client, login, customer_login):
    # when a customer uses their own username and password on the staff login
    response = login("jane", "a-long-passphrase-1")
    # then they are told to use My Account, are not logged in, and the attempt is a failure
    assert response.status_code == 200
    assert "Customers log in at My Account" in response.content.decode()
    assert not logged_in(client)
    assert LoginAttempt.objects.get().result == LoginAttempt.Result.FAILURE


def test_logged_in_customer_cannot_open_the_dashboard(client, customer_login):
    # given a customer logged in (to My Account)
    client.force_login(customer_login)
    # when they open the back office
    response = client.get("/")
    # then they are sent to the staff login
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_inactive_staff_cannot_log_in(client, login, admin_user):
    # given a staff user who was deactivated
    admin_user.is_active = False
    admin_user.save(update_fields=["is_active"])
    # when they log in with the right password
    response = login("admin")
    # then they are refused
    assert response.status_code == 200
    assert not logged_in(client)


def test_logout_ends_the_session(staff_client):
    # when a logged-in staff user logs out
    response = staff_client.post("/logout/")
    # then the session is gone and the dashboard asks for a login again
    assert response["Location"] == "/login/"
    assert not logged_in(staff_client)
    assert staff_client.get("/").status_code == 302


def test_logout_needs_a_post(staff_client):
    # when logout is opened with GET (a link or an image could do that)
    response = staff_client.get("/logout/")
    # then nothing happens
    assert response.status_code == 405
    assert logged_in(staff_client)


def test_the_fifth_failure_shows_the_lockout_page(client, login, admin_user):
    # given four wrong passwords
    for _ in range(4):
        login("admin", WRONG)
    # when the fifth is wrong too
    response = login("admin", WRONG)
    # then the user is told the login is now blocked for a while
    assert response.status_code == 429
    assert "15 minutes" in response.content.decode()
