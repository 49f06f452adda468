"""Clients for the API tests (other keys than the administrator's) and billing data."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import time_machine

from fairbill.accounts.services import api_key_create, api_key_revoke, staff_create
from fairbill.catalog.services import option_create
from fairbill.core.actors import Actor
from fairbill.invoicing.services import invoice_create
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


@pytest.fixture
def billing_clerk(client, db):
    """A client whose staff user only has the invoices privilege."""
    user = staff_create(
        actor=Actor.system("tests"),
        username="clerk",
        email="clerk@example.com",
        password=STAFF_PASSWORD,
        privileges=["invoices"],
    )
    _, raw = api_key_create(actor=Actor.system("tests"), user=user, name="invoices")
    return ApiClient(client, raw)


@pytest.fixture
def today():
    """The API's "today": 10 March 2027, noon in London."""
    with time_machine.travel("2027-03-10 12:00Z", tick=False):
        yield date(2027, 3, 10)


@pytest.fixture
def storage(bronze, system):
    """A quantity option (per GB) offered with Bronze."""
    return option_create(
        actor=system,
        name="Extra storage",
        kind="quantity",
        unit="GB",
        max_quantity=100,
        package_ids=[bronze.pk],
        prices=[
            {"cycle": "monthly", "price": Decimal("0.50")},
            {"cycle": "annually", "price": Decimal("5.00")},
        ],
    )


@pytest.fixture
def region(bronze, system):
    return option_create(
        actor=system,
        name="Region",
        kind="choice",
        choices=["London", "Frankfurt"],
        package_ids=[bronze.pk],
        prices=[
            {"cycle": "monthly", "choice": "London", "price": Decimal("0")},
            {"cycle": "monthly", "choice": "Frankfurt", "price": Decimal("2.00")},
        ],
    )


@pytest.fixture
def invoice(customer, admin, gb_vat):
    """An unpaid manual invoice: 2 × £50.00 + 20% VAT = £120.00, due 8 March 2027."""
    return invoice_create(
        actor=admin,
        customer=customer,
        lines=[{"description": "Consulting", "quantity": "2", "unit_price": "50.00"}],
        issue_date=date(2027, 3, 1),
        due_date=date(2027, 3, 8),
    )
