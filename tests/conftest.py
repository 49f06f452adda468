"""Shared fixtures: real services, real database (SQLite or FAIRBILL_DATABASE_URL)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from fairbill.accounts.models import PRIVILEGES, User
from fairbill.accounts.services import api_key_create, staff_create
from fairbill.catalog.services import package_create, tax_rate_create
from fairbill.core.actors import Actor
from fairbill.core.services import settings_update
from fairbill.customers.services import customer_create

STAFF_PASSWORD = "correct-horse-battery-staple"  # noqa: S105 (test data)


@pytest.fixture(autouse=True)
def _test_settings(settings):
    # Argon2 is the production hasher; tests that check it set it back themselves.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Background tasks run at once (after commit), so emails land in mail.outbox.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    # VAT registers are never reached from tests: VIES answers "connection refused" (so
    # numbers end unverified) unless a test points it at its own pytest-httpserver.
    settings.VIES_URL = "http://127.0.0.1:9/vies"
    settings.HMRC_URL = "http://127.0.0.1:9/hmrc"
    settings.HMRC_CLIENT_ID = settings.HMRC_CLIENT_SECRET = ""
    settings.VAT_CHECK_RETRY_SECONDS = 0


@pytest.fixture
def system() -> Actor:
    return Actor.system("tests")


@pytest.fixture
def business(db, system):
    return settings_update(
        actor=system,
        company_name="Acme Hosting Ltd",
        currency="GBP",
        vat_number="GB980780684",
        company_number="01234567",
        country="GB",
        time_zone="Europe/London",
    )


@pytest.fixture
def admin_user(db) -> User:
    return staff_create(
        actor=Actor.system("tests"),
        username="admin",
        email="admin@example.com",
        password=STAFF_PASSWORD,
        privileges=list(PRIVILEGES),
    )


@pytest.fixture
def admin(admin_user) -> Actor:
    return Actor.staff(admin_user)


@pytest.fixture
def staff_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def api_key(admin_user) -> str:
    _, raw = api_key_create(actor=Actor.system("tests"), user=admin_user, name="tests")
    return raw


@pytest.fixture
def api(client, api_key):
    """A JSON client for /api/v1 authenticated with an administrator's API key."""
    return ApiClient(client, api_key)


class ApiClient:
    def __init__(self, client, key: str | None):
        self.client = client
        self.key = key

    def _headers(self, extra=None):
        headers = {"Authorization": f"Bearer {self.key}"} if self.key else {}
        return {**headers, **(extra or {})}

    def get(self, path, **params):
        return self.client.get(f"/api/v1{path}", params, headers=self._headers())

    def post(self, path, data=None, headers=None):
        return self.client.post(
            f"/api/v1{path}",
            data or {},
            content_type="application/json",
            headers=self._headers(headers),
        )

    def patch(self, path, data=None):
        return self.client.patch(
            f"/api/v1{path}", data or {}, content_type="application/json", headers=self._headers()
        )

    def delete(self, path):
        return self.client.delete(f"/api/v1{path}", headers=self._headers())


@pytest.fixture
def gb_vat(business, system):
    return tax_rate_create(actor=system, country="GB", name="VAT", rate="20")


@pytest.fixture
def bronze(business, system):
    return package_create(
        actor=system,
        name="Bronze",
        prices=[
            {"cycle": "monthly", "price": Decimal("10.00"), "setup_fee": Decimal("5.00")},
            {"cycle": "annually", "price": Decimal("100.00"), "setup_fee": Decimal("0.00")},
        ],
    )


@pytest.fixture
def customer(business, system):
    return customer_create(
        actor=system,
        name="Jane Smith",
        email="jane@example.com",
        country="GB",
        address_line1="1 High Street",
        city="London",
        postcode="SW1A 1AA",
    )


@pytest.fixture
def vies(httpserver, settings):
    """pytest-httpserver standing for VIES (answers from tests/fakes/vat_registers.py)."""
    from tests.fakes.vat_registers import VIES_BASE

    settings.VIES_URL = httpserver.url_for(VIES_BASE)
    return httpserver


@pytest.fixture
def eu_business(db, system):
    """An Irish business (EUR) with its VAT number."""
    return settings_update(
        actor=system,
        company_name="Cloud Éire Ltd",
        country="IE",
        vat_number="IE6388047V",
        currency="EUR",
        time_zone="Europe/Dublin",
        address_line1="1 Grand Canal Square",
        city="Dublin",
        postcode="D02 P820",
    )
