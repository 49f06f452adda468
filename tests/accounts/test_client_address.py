"""The address recorded for a login: REMOTE_ADDR, or the proxy's X-Forwarded-For entry."""

from __future__ import annotations

from fairbill.accounts.models import LoginAttempt

WRONG = "not-the-password"  # noqa: S105 (test data)


def post_login(client, forwarded_for: str):
    return client.post(
        "/login/",
        {"username": "admin", "password": WRONG},
        headers={"X-Forwarded-For": forwarded_for},
    )


def test_forwarded_for_is_ignored_without_a_proxy(client, admin_user, settings):
    # given Fairbill reached directly
    settings.BEHIND_PROXY = False
    # when a visitor sends a made-up X-Forwarded-For
    post_login(client, "203.0.113.7")
    # then the connection's own address is recorded
    assert LoginAttempt.objects.get().ip_address == "127.0.0.1"


def test_behind_a_proxy_the_address_it_appended_is_recorded(client, admin_user, settings):
    # given Fairbill behind a reverse proxy that appends the visitor's address
    settings.BEHIND_PROXY = True
    # when a visitor sent a forged entry before it
    post_login(client, "198.51.100.1, 203.0.113.7")
    # then the proxy's entry (the last) is recorded
    assert LoginAttempt.objects.get().ip_address == "203.0.113.7"


def test_behind_a_proxy_lockout_is_per_visitor_address(client, admin_user, settings):
    # given five failures from one visitor behind the proxy
    settings.BEHIND_PROXY = True
    for _ in range(5):
        post_login(client, "203.0.113.7")
    # when the same username is tried from another visitor's address
    response = client.post(
        "/login/",
        {"username": "admin", "password": "correct-horse-battery-staple"},
        headers={"X-Forwarded-For": "203.0.113.8"},
    )
    # then that visitor is not locked out
    assert response.status_code == 302
