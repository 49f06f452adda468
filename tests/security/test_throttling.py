"""Finding 6: one address trying many usernames (or codes, or password resets) is slowed
down, counted in the database so that every process sees the same count; the per-account
lockout stays as it was."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import time_machine
from django.contrib.auth import SESSION_KEY
from django.db import connection
from django_otp.plugins.otp_totp.models import TOTPDevice

from fairbill.accounts.models import ThrottleCount
from tests.accounts.conftest import token_for, wrong_token_for
from tests.conftest import STAFF_PASSWORD

NOW = "2027-03-15 10:01Z"
ATTACKER = "203.0.113.9"


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.THROTTLE_ATTEMPTS = 10
    settings.THROTTLE_MINUTES = 15


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def post_from(client, ip, url, data):
    return client.post(url, data, REMOTE_ADDR=ip)


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/login/", "/account/login/"])
def test_one_address_trying_many_usernames_is_throttled(client, clock, admin_user, url):
    # when one address tries ten different usernames, once each (no per-account lockout)
    for n in range(10):
        response = post_from(client, ATTACKER, url, {"username": f"user{n}", "password": "x"})
        assert response.status_code == 200, n
    # then the next attempt, even with the right password, is refused with a clear page
    response = post_from(client, ATTACKER, url, {"username": "admin", "password": STAFF_PASSWORD})
    assert response.status_code == 429
    page = response.content.decode()
    assert "Too many attempts" in page
    assert "try again in 14 minutes" in page
    assert int(response["Retry-After"]) == 14 * 60
    assert SESSION_KEY not in client.session
    # while another address is not affected
    other = post_from(client, "198.51.100.7", "/login/", {"username": "u", "password": "x"})
    assert other.status_code == 200


@pytest.mark.django_db
def test_the_throttle_ends_with_its_window(client, clock, admin_user):
    for n in range(10):
        post_from(client, ATTACKER, "/login/", {"username": f"user{n}", "password": "x"})
    clock.shift(15 * 60)
    response = post_from(
        client, ATTACKER, "/login/", {"username": "admin", "password": STAFF_PASSWORD}
    )
    assert response.status_code == 302
    assert SESSION_KEY in client.session


@pytest.mark.django_db
def test_wrong_codes_from_one_address_are_throttled(client, clock, admin_user):
    device = TOTPDevice.objects.create(user=admin_user, name="phone", confirmed=True)
    device.throttling_enabled = False  # django-otp's per-device delay is not what is tested
    for _ in range(10):
        post_from(client, ATTACKER, "/login/", {"username": "admin", "password": STAFF_PASSWORD})
        post_from(client, ATTACKER, "/login/verify/", {"token": wrong_token_for(device)})
    post_from(client, ATTACKER, "/login/", {"username": "admin", "password": STAFF_PASSWORD})
    response = post_from(client, ATTACKER, "/login/verify/", {"token": token_for(device)})
    assert response.status_code == 429
    assert SESSION_KEY not in client.session


@pytest.mark.django_db
def test_password_reset_requests_from_one_address_are_throttled(client, clock, business):
    for n in range(10):
        response = post_from(
            client, ATTACKER, "/account/password/reset/", {"email": f"x{n}@example.com"}
        )
        assert response.status_code == 302
    response = post_from(client, ATTACKER, "/account/password/reset/", {"email": "y@example.com"})
    assert response.status_code == 429


@pytest.mark.django_db
def test_the_per_account_lockout_still_works_below_the_address_limit(client, clock, admin_user):
    for _ in range(5):
        post_from(client, ATTACKER, "/login/", {"username": "admin", "password": "wrong"})
    response = post_from(
        client, ATTACKER, "/login/", {"username": "admin", "password": STAFF_PASSWORD}
    )
    assert response.status_code == 429
    assert "Too many failed attempts" in response.content.decode()


# Across processes (PostgreSQL) --------------------------------------------------------------

HITS = """
from datetime import datetime
from fairbill.accounts.throttle import throttle_hit
for _ in range({n}):
    throttle_hit(scope="login", ip_address="{ip}", now=datetime.fromisoformat("{now}"))
"""


def database_url() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_the_count_is_shared_by_processes_on_postgresql(client, settings, clock):
    if connection.vendor != "postgresql":
        pytest.skip("shared counting across processes is tested on PostgreSQL")
    # given two other processes (two web workers) each counting 15 failures from one address
    env = {
        **os.environ,
        "FAIRBILL_DATABASE_URL": database_url(),
        "FAIRBILL_LOG_LEVEL": "WARNING",
        "FAIRBILL_THROTTLE_ATTEMPTS": "20",
    }
    code = HITS.format(n=15, ip=ATTACKER, now="2027-03-15T10:01:00+00:00")
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "fairbill", "shell", "-c", code],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    for process in processes:
        _, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
    # then every failure was counted once, in one row
    assert list(ThrottleCount.objects.values_list("ip_address", "count")) == [(ATTACKER, 30)]
    # and this process (a third worker) refuses the address
    settings.THROTTLE_ATTEMPTS = 20
    response = post_from(client, ATTACKER, "/login/", {"username": "u", "password": "x"})
    assert response.status_code == 429
