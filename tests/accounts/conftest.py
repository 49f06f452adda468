from __future__ import annotations

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.conftest import STAFF_PASSWORD


@pytest.fixture
def login(client):
    """Post the staff login form like a browser."""

    def post(username: str, password: str = STAFF_PASSWORD, **extra: str):
        return client.post("/login/", {"username": username, "password": password, **extra})

    return post


@pytest.fixture
def totp_device(admin_user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=admin_user, name="phone", confirmed=True)


def token_for(device: TOTPDevice) -> str:
    """The code an authenticator app would show now for this device."""
    value = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    return f"{value:0{device.digits}d}"


def wrong_token_for(device: TOTPDevice) -> str:
    return f"{(int(token_for(device)) + 1) % 10**device.digits:0{device.digits}d}"
