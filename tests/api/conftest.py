"""Clients for the API tests: other keys than the administrator's, and a way to count rows."""

from __future__ import annotations

import pytest

from fairbill.accounts.services import api_key_create, api_key_revoke, staff_create
from fairbill.core.actors import Actor
from tests.conftest import STAFF_PASSWORD, ApiClient


@pytest.fixture
def anonymous(client, db):
    """A client that sends no API key."""
    return ApiClient(client, None)


@pytest.fixture
def wrong_key(client, db):
    return ApiClient(client, "fb_not-a-key-anybody-was-given")


@pytest.fixture
def revoked_key(client, admin_user):
    key, raw = api_key_create(actor=Actor.system("tests"), user=admin_user, name="old")
    api_key_revoke(actor=Actor.system("tests"), key=key)
    return ApiClient(client, raw)


@pytest.fixture
def reporter(client, db):
    """A client whose staff user only has the reports privilege."""
    user = staff_create(
        actor=Actor.system("tests"),
        username="reporter",
        email="reporter@example.com",
        password=STAFF_PASSWORD,
        privileges=["reports"],
    )
    _, raw = api_key_create(actor=Actor.system("tests"), user=user, name="reports")
    return ApiClient(client, raw)
