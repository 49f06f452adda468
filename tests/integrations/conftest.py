"""A fake Basecamp on a local port, Fairbill pointed at it, and a connected account."""

from __future__ import annotations

import pytest

from fairbill.integrations.basecamp import services
from fairbill.integrations.basecamp.services import (
    connection_authorize,
    connection_credentials_save,
)
from tests.fakes.basecamp import CLIENT_ID, CLIENT_SECRET, FakeBasecamp, demo_data, serve


@pytest.fixture
def fake():
    with serve(demo_data(FakeBasecamp())) as running:
        yield running


@pytest.fixture
def waits(monkeypatch):
    """The waits the client asked for, instead of sleeping."""
    slept: list[float] = []
    monkeypatch.setattr(services, "SLEEP", slept.append)
    return slept


@pytest.fixture
def basecamp_settings(settings, fake, waits):
    settings.BASECAMP_LAUNCHPAD_URL = fake.base_url
    settings.BASECAMP_API_URL = fake.base_url
    return settings


@pytest.fixture
def credentials(business, admin, basecamp_settings):
    return connection_credentials_save(
        actor=admin,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        redirect_uri="http://testserver/integrations/basecamp/callback/",
    )


@pytest.fixture
def connected(credentials, admin, fake):
    code = fake.issue_code(credentials.redirect_uri)
    return connection_authorize(actor=admin, code=code)
