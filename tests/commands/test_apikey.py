"""`fairbill apikey create|list|revoke`."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from fairbill.accounts.models import ApiKey
from fairbill.accounts.services import api_key_authenticate
from fairbill.core.errors import NotFound

KEY = re.compile(r"\bfb_[A-Za-z0-9_-]{20,}")


def apikey(*args: str) -> str:
    out = io.StringIO()
    call_command("apikey", *args, stdout=out)
    return out.getvalue()


def created_key(output: str) -> str:
    return KEY.findall(output)[0]


def test_apikey_create_prints_a_key_that_authenticates(admin_user):
    # when a key is created for a staff user
    out = apikey("create", "--staff", "admin", "--name", "accounting")
    # then the printed key authenticates as that user, and the output says how to use it
    key = api_key_authenticate(created_key(out))
    assert key.user == admin_user
    assert key.name == "accounting"
    assert "Authorization: Bearer" in out


def test_apikey_create_stores_only_a_hash(admin_user):
    # when a key is created
    raw = created_key(apikey("create", "--staff", "admin"))
    # then the database doesn't hold the key itself
    stored = ApiKey.objects.get()
    assert raw not in {stored.key_hash, stored.prefix, stored.name}
    assert stored.key_hash == ApiKey.hash(raw)


def test_apikey_create_refuses_an_unknown_staff_user(db):
    # when the staff user doesn't exist
    with pytest.raises(CommandError, match="No staff user 'nobody'"):
        apikey("create", "--staff", "nobody")
    # then no key was made
    assert not ApiKey.objects.exists()


def test_apikey_create_refuses_a_customer_login(customer, system):
    # given a customer with a My Account login
    from fairbill.customers.services import customer_login_create

    customer_login_create(
        actor=system, customer=customer, username="jane", password="a-long-passphrase-1"
    )
    # when a key is asked for that login
    with pytest.raises(CommandError, match="No staff user 'jane'"):
        apikey("create", "--staff", "jane")
    # then no key was made
    assert not ApiKey.objects.exists()


def test_apikey_list_shows_prefix_and_never_the_key(admin_user):
    # given a key
    raw = created_key(apikey("create", "--staff", "admin", "--name", "reports"))
    # when keys are listed
    out = apikey("list")
    # then the key's prefix and name are shown, not the key
    assert raw[:10] in out
    assert "reports" in out
    assert raw not in out


def test_apikey_revoke_stops_the_key_from_authenticating(admin_user):
    # given a key
    raw = created_key(apikey("create", "--staff", "admin"))
    # when it is revoked by its prefix
    out = apikey("revoke", raw[:10])
    # then it no longer authenticates and is no longer listed as active
    assert "revoked" in out
    with pytest.raises(NotFound):
        api_key_authenticate(raw)
    assert raw[:10] not in apikey("list")
    assert raw[:10] in apikey("list", "--all")


def test_apikey_revoke_leaves_other_keys_alone(admin_user):
    # given two keys
    first = created_key(apikey("create", "--staff", "admin", "--name", "one"))
    second = created_key(apikey("create", "--staff", "admin", "--name", "two"))
    # when the first is revoked
    apikey("revoke", first[:10])
    # then the second still works
    assert api_key_authenticate(second).name == "two"


def test_apikey_revoke_refuses_an_unknown_prefix(admin_user):
    # when no key has the prefix
    with pytest.raises(CommandError, match="No API key"):
        apikey("revoke", "fb_nothing")
