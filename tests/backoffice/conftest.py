"""Back-office test helpers: staff users with chosen privileges, data through the services."""

from __future__ import annotations

import pytest

from fairbill.accounts.services import staff_create
from fairbill.core.actors import Actor
from tests.conftest import STAFF_PASSWORD


def make_staff(username: str, privileges: list[str]):
    return staff_create(
        actor=Actor.system("tests"),
        username=username,
        email=f"{username}@example.com",
        password=STAFF_PASSWORD,
        privileges=privileges,
    )


@pytest.fixture
def client_with(client, business):
    """A client logged in as a staff user with only the given privileges."""

    def login(*privileges: str):
        client.force_login(make_staff("limited", list(privileges)))
        return client

    return login


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def form_errors(response, form: str = "form") -> dict[str, list[str]]:
    return {k: list(v) for k, v in response.context[form].errors.items()}
