"""Every write to the Basecamp connection, and the API client built from it."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx
from django.db import transaction

from fairbill.core import clock
from fairbill.core.actors import Actor
from fairbill.core.errors import InvalidInput, Refused
from fairbill.core.models import BusinessSettings
from fairbill.core.services import event_record
from fairbill.integrations.basecamp import conf
from fairbill.integrations.basecamp.client import (
    Basecamp,
    Http,
    Launchpad,
    TokenGrant,
    bc3_accounts,
)
from fairbill.integrations.basecamp.crypto import decrypt, encrypt
from fairbill.integrations.basecamp.errors import NotConnected, Reconnect
from fairbill.integrations.basecamp.models import Connection

# Tests swap these for a fake transport / a sleep that doesn't wait.
TRANSPORT: httpx.BaseTransport | None = None
SLEEP: Callable[[float], None] = time.sleep


def connection_get() -> Connection:
    return Connection.objects.get_or_create(pk=1)[0]


def _http() -> Http:
    business = BusinessSettings.load()
    return Http(
        contact=business.email or conf.default_redirect_uri(),
        max_retries=conf.max_retries(),
        sleep=SLEEP,
        transport=TRANSPORT,
    )


def launchpad_for(connection: Connection) -> Launchpad:
    if not connection.has_credentials:
        raise NotConnected(
            "Enter the client id, client secret and redirect URI of your Basecamp "
            "integration first."
        )
    secret = decrypt(connection.client_secret_encrypted)
    if secret is None:
        raise Reconnect(
            "The stored client secret can't be read (was SECRET_KEY changed?): "
            "enter it again and reconnect."
        )
    return Launchpad(
        base_url=conf.launchpad_url(),
        client_id=connection.client_id,
        client_secret=secret,
        redirect_uri=connection.redirect_uri,
        http=_http(),
    )


def basecamp_client() -> Basecamp:
    """A client for the connected account; refreshed tokens are saved as they come."""
    connection = connection_get()
    if not connection.is_connected:
        raise NotConnected()
    access = decrypt(connection.access_token_encrypted)
    refresh = decrypt(connection.refresh_token_encrypted)
    if not access or refresh is None:
        raise Reconnect()
    return Basecamp(
        account_href=f"{conf.api_url()}/{connection.account_id}",
        tokens=TokenGrant(access, refresh, connection.expires_at),
        launchpad=launchpad_for(connection),
        on_refresh=lambda grant: connection_tokens_save(grant=grant),
    )


@transaction.atomic
def connection_credentials_save(
    *, actor: Actor, client_id: str, client_secret: str, redirect_uri: str
) -> Connection:
    """Store the integration's OAuth credentials (the secret encrypted). An empty secret keeps
    the stored one. Changing the client id forgets the tokens (they belong to the old one)."""
    connection = Connection.objects.select_for_update().get_or_create(pk=1)[0]
    client_id = (client_id or "").strip()
    redirect_uri = (redirect_uri or "").strip()
    if not client_id:
        raise InvalidInput("client id: copy it from your integration on Launchpad.", "client_id")
    if not redirect_uri.startswith(("https://", "http://")):
        raise InvalidInput("redirect URI: give the full address, https://…", "redirect_uri")
    if not client_secret and not connection.client_secret_encrypted:
        raise InvalidInput("client secret: copy it from your integration.", "client_secret")
    changed_client = connection.client_id and connection.client_id != client_id
    connection.client_id = client_id
    connection.redirect_uri = redirect_uri
    if client_secret:
        connection.client_secret_encrypted = encrypt(client_secret.strip())
    if changed_client:
        _forget_tokens(connection)
    connection.updated_at = clock.now()
    connection.save()
    event_record(
        actor=actor,
        action="basecamp.credentials_saved",
        subject=connection,
        message="Basecamp integration credentials saved",
        data={"client_id": client_id, "redirect_uri": redirect_uri},
    )
    return connection


def connection_authorize(*, actor: Actor, code: str) -> Connection:
    """Trade the verification code for tokens and read which accounts they open. The HTTP
    calls happen before the transaction; one bc3 account is chosen at once."""
    code = (code or "").strip()
    if not code:
        raise InvalidInput("Basecamp sent no verification code; connect again.")
    launchpad = launchpad_for(connection_get())
    try:
        grant = launchpad.exchange(code)
        authorization = launchpad.authorization(grant.access_token)
    finally:
        launchpad.http.close()
    accounts = bc3_accounts(authorization)
    if not accounts:
        raise Refused("This Basecamp login has no Basecamp 4 account to connect.")
    identity = authorization.get("identity") or {}
    name = f"{identity.get('first_name', '')} {identity.get('last_name', '')}".strip()
    return _connection_tokens_store(actor=actor, grant=grant, accounts=accounts, identity=name)


@transaction.atomic
def _connection_tokens_store(
    *, actor: Actor, grant: TokenGrant, accounts: list[dict[str, Any]], identity: str
) -> Connection:
    connection = Connection.objects.select_for_update().get(pk=1)
    now = clock.now()
    connection.access_token_encrypted = encrypt(grant.access_token)
    connection.refresh_token_encrypted = encrypt(grant.refresh_token)
    connection.expires_at = grant.expires_at
    connection.accounts = accounts
    connection.identity_name = identity[:200]
    connection.account_id = None
    connection.account_name = connection.account_href = ""
    connection.connected_at = connection.updated_at = now
    connection.save()
    event_record(
        actor=actor,
        action="basecamp.authorized",
        subject=connection,
        message=f"Basecamp authorised by {identity or 'a Basecamp user'}",
        data={"accounts": [a["id"] for a in accounts]},
    )
    if len(accounts) == 1:
        connection = connection_account_choose(actor=actor, account_id=accounts[0]["id"])
    return connection


@transaction.atomic
def connection_account_choose(*, actor: Actor, account_id: int) -> Connection:
    connection = Connection.objects.select_for_update().get_or_create(pk=1)[0]
    account = next((a for a in connection.accounts if a["id"] == account_id), None)
    if account is None or not connection.has_tokens:
        raise InvalidInput("account: choose one of the accounts Basecamp offered.", "account")
    connection.account_id = account["id"]
    connection.account_name = str(account.get("name", ""))[:200]
    connection.account_href = f"{conf.api_url()}/{account['id']}"
    connection.updated_at = clock.now()
    connection.save()
    event_record(
        actor=actor,
        action="basecamp.connected",
        subject=connection,
        message=f"Basecamp account {connection.account_name} connected",
        data={"account_id": connection.account_id},
    )
    return connection


@transaction.atomic
def connection_tokens_save(*, grant: TokenGrant) -> None:
    """Keep refreshed tokens (the old refresh token may no longer work)."""
    connection = Connection.objects.select_for_update().get(pk=1)
    connection.access_token_encrypted = encrypt(grant.access_token)
    connection.refresh_token_encrypted = encrypt(grant.refresh_token)
    connection.expires_at = grant.expires_at
    connection.updated_at = clock.now()
    connection.save()
    event_record(
        actor=Actor.system("basecamp"),
        action="basecamp.token_refreshed",
        subject=connection,
        data={"expires_at": str(grant.expires_at)},
    )


@transaction.atomic
def connection_disconnect(*, actor: Actor) -> Connection:
    """Forget the tokens and the account; the integration's credentials stay."""
    connection = Connection.objects.select_for_update().get_or_create(pk=1)[0]
    name = connection.account_name
    _forget_tokens(connection)
    connection.updated_at = clock.now()
    connection.save()
    event_record(
        actor=actor,
        action="basecamp.disconnected",
        subject=connection,
        message=f"Basecamp {name or 'connection'} disconnected",
    )
    return connection


def _forget_tokens(connection: Connection) -> None:
    connection.access_token_encrypted = connection.refresh_token_encrypted = ""
    connection.expires_at = None
    connection.account_id = None
    connection.account_name = connection.account_href = connection.identity_name = ""
    connection.accounts = []
    connection.connected_at = None


def connection_test() -> str:
    """Call Basecamp with the stored tokens; the account's name and who is connected."""
    connection = connection_get()
    client = basecamp_client()
    try:
        profile = client.profile()
    finally:
        client.close()
    who = profile.get("name") or connection.identity_name
    return f"{connection.account_name} (as {who})" if who else connection.account_name
