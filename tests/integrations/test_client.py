"""The Basecamp client against the fake server: pagination, retries, refresh, errors."""

from __future__ import annotations

import io
import logging

import pytest

from fairbill.integrations.basecamp.crypto import decrypt
from fairbill.integrations.basecamp.errors import Missing, Reconnect, Unavailable
from fairbill.integrations.basecamp.models import Connection
from fairbill.integrations.basecamp.services import basecamp_client, connection_test
from tests.fakes.basecamp import ACCOUNT_ID, ACCOUNT_NAME


def _people(fake_count: int, fake) -> None:
    for n in range(fake_count):
        fake.add_person(f"Client {n:02d}", f"client{n:02d}@example.com", company=(7, "Many"))


def test_connecting_stores_tokens_encrypted_and_picks_the_bc3_account(connected, fake):
    connection = Connection.objects.get()
    assert connection.account_id == ACCOUNT_ID
    assert connection.account_name == ACCOUNT_NAME
    # the tokens in the database are not the tokens Basecamp gave
    access = decrypt(connection.access_token_encrypted)
    assert access in fake.access_tokens
    assert access not in connection.access_token_encrypted
    assert "fake-refresh" not in connection.refresh_token_encrypted


def test_lists_follow_the_link_header_over_several_pages(connected, fake):
    _people(40, fake)  # 46 people: pages of 15, 30, then 1
    client = basecamp_client()
    people = client.people()
    assert len(people) == len(fake.people) == 46
    pages = [r for r in fake.requests if r["path"].endswith("/people.json")]
    assert [r["query"].get("page") for r in pages] == [None, "2", "3"]


def test_every_request_identifies_fairbill_with_a_contact(connected, fake, business):
    basecamp_client().projects()
    agents = {r["user_agent"] for r in fake.requests}
    assert agents
    assert all(a.startswith("Fairbill billing (") for a in agents)


def test_rate_limit_waits_for_retry_after_then_succeeds(connected, fake, waits):
    fake.fail(f"/{ACCOUNT_ID}/projects.json", 429, headers={"Retry-After": "7"})
    projects = basecamp_client().projects()
    assert len(projects) == 4
    assert waits == [7.0]


def test_server_error_is_retried_with_backoff(connected, fake, waits):
    fake.fail(f"/{ACCOUNT_ID}/projects.json", 500)
    fake.fail(f"/{ACCOUNT_ID}/projects.json", 503)
    assert len(basecamp_client().projects()) == 4
    assert waits == [1.0, 2.0]


def test_retries_are_bounded(connected, fake, waits):
    fake.fail(f"/{ACCOUNT_ID}/projects.json", 500, times=10)
    with pytest.raises(Unavailable, match="HTTP 500"):
        basecamp_client().projects()
    assert len(waits) == 4  # 5 attempts


def test_expired_token_is_refreshed_once_and_saved(connected, fake):
    before = Connection.objects.get().access_token_encrypted
    fake.expire_tokens()
    assert len(basecamp_client().projects()) == 4
    after = Connection.objects.get()
    assert after.access_token_encrypted != before
    assert decrypt(after.access_token_encrypted) in fake.access_tokens
    assert [r["path"] for r in fake.requests].count("/authorization/token") == 2  # code + refresh


def test_token_past_its_expiry_is_refreshed_before_the_request(connected, fake):
    Connection.objects.update(expires_at="2000-01-01T00:00:00Z")
    basecamp_client().projects()
    paths = [r["path"] for r in fake.requests]
    assert paths[-2:] == ["/authorization/token", f"/{ACCOUNT_ID}/projects.json"]


def test_revoked_access_asks_to_reconnect(connected, fake):
    fake.revoke()
    with pytest.raises(Reconnect, match="reconnect in Settings → Integrations → Basecamp"):
        basecamp_client().projects()


def test_missing_resource_is_explained(connected, fake):
    with pytest.raises(Missing, match="deleted, or the connected user can't see it"):
        basecamp_client().get("/projects/1.json", what="project 1")


def test_connection_test_names_the_account(connected):
    assert connection_test().startswith(ACCOUNT_NAME)


@pytest.fixture
def all_logs():
    """Every log record at DEBUG and above, formatted (works without pytest's logging plugin)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield stream
    root.removeHandler(handler)
    root.setLevel(level)


def test_no_token_ever_reaches_the_logs(connected, fake, all_logs):
    fake.expire_tokens()
    fake.fail(f"/{ACCOUNT_ID}/people.json", 429, headers={"Retry-After": "1"})
    client = basecamp_client()
    client.people()
    client.projects()
    fake.revoke()
    with pytest.raises(Reconnect):
        client.projects()
    secrets = list(fake.access_tokens | fake.refresh_tokens)
    issued = [decrypt(Connection.objects.get().access_token_encrypted)]
    logged = all_logs.getvalue()
    text = logged + repr(client._tokens)
    assert "Basecamp GET" in logged  # requests were logged…
    for token in secrets + issued:
        assert token not in text  # …without their tokens
    assert "fake-access-" not in text
    assert "fake-refresh-" not in text


def test_requests_are_logged_by_method_path_and_status_only(connected, fake, all_logs):
    projects = basecamp_client().projects()
    basecamp_client().timesheet(project_id=projects[0]["id"], start="2027-03-01", end="2027-03-31")
    logged = all_logs.getvalue()
    assert f"Basecamp GET /{ACCOUNT_ID}/projects.json → 200" in logged
    # httpx's own line (the whole URL, query string included) is not logged
    assert "HTTP Request" not in logged
    assert "start_date=" not in logged
