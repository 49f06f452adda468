"""A small shop for the order form and My Account tests: packages, options, tax rates, an
order form, and helpers to place orders and log customers in."""

from __future__ import annotations

from decimal import Decimal

import pytest

from fairbill.catalog.models import Option
from fairbill.catalog.services import (
    option_create,
    order_form_create,
    package_create,
    tax_rate_create,
)
from fairbill.core.services import settings_update
from fairbill.customers.models import Customer
from fairbill.customers.services import customer_create, customer_login_create
from fairbill.invoicing.services import invoice_create

CUSTOMER_PASSWORD = "a-sturdy-customer-password"  # noqa: S105 (test data)


@pytest.fixture(autouse=True)
def _portal_settings(settings):
    settings.STRIPE_SECRET_KEY = ""
    settings.STRIPE_WEBHOOK_SECRET = ""
    settings.STRIPE_PUBLISHABLE_KEY = ""
    settings.PAYMENT_GATEWAY = "offline"
    settings.ORDER_RATE_LIMIT = 5


@pytest.fixture
def shop(business, system):
    """Business terms and instructions, UK VAT and a New York rate, three packages (one
    inactive), three options and the "hosting" order form."""
    settings_update(
        actor=system,
        terms_url="https://acme.example/terms",
        payment_instructions="Bank: Acme Bank, sort code 01-02-03, account 12345678.",
        order_email="orders@acme.example",
        email="billing@acme.example",
    )
    tax_rate_create(actor=system, country="GB", name="VAT", rate="20")
    tax_rate_create(actor=system, country="US", region="NY", name="Sales tax", rate="4")
    bronze = package_create(
        actor=system,
        name="Bronze",
        description="One website.",
        prices=[
            {"cycle": "monthly", "price": Decimal("10.00"), "setup_fee": Decimal("5.00")},
            {"cycle": "annually", "price": Decimal("100.00"), "setup_fee": Decimal("0.00")},
        ],
    )
    silver = package_create(
        actor=system,
        name="Silver",
        prices=[{"cycle": "monthly", "price": Decimal("20.00"), "setup_fee": Decimal("0")}],
    )
    retired = package_create(
        actor=system,
        name="Retired",
        active=False,
        prices=[{"cycle": "monthly", "price": Decimal("1.00"), "setup_fee": Decimal("0")}],
    )
    storage = option_create(
        actor=system,
        name="Extra storage",
        kind=Option.Kind.QUANTITY,
        unit="10 GB",
        max_quantity=50,
        prices=[
            {"cycle": "monthly", "price": Decimal("2.50"), "setup_fee": Decimal("1.00")},
            {"cycle": "annually", "price": Decimal("25.00"), "setup_fee": Decimal("0")},
        ],
        package_ids=[bronze.pk, silver.pk],
    )
    support = option_create(
        actor=system,
        name="Priority support",
        kind=Option.Kind.CHECKBOX,
        prices=[{"cycle": "monthly", "price": Decimal("15.00"), "setup_fee": Decimal("0")}],
        package_ids=[silver.pk],
    )
    backup = option_create(
        actor=system,
        name="Backup plan",
        kind=Option.Kind.CHOICE,
        choices=["Daily", "Hourly"],
        prices=[
            {"cycle": "monthly", "price": Decimal("5.00"), "choice": "Daily"},
            {"cycle": "monthly", "price": Decimal("12.00"), "choice": "Hourly"},
        ],
        package_ids=[bronze.pk, silver.pk],
    )
    form = order_form_create(
        actor=system,
        name="Hosting",
        slug="hosting",
        description="Choose a package.",
        package_ids=[bronze.pk, silver.pk, retired.pk],
        option_ids=[storage.pk, support.pk, backup.pk],
    )
    return Shop(form, bronze, silver, retired, storage, support, backup)


class Shop:
    def __init__(self, form, bronze, silver, retired, storage, support, backup):
        self.form = form
        self.bronze = bronze
        self.silver = silver
        self.retired = retired
        self.storage = storage
        self.support = support
        self.backup = backup
        self.url = f"/order/{form.slug}/"

    def data(self, **overrides) -> dict[str, str]:
        """A valid order: Bronze monthly with 2 × storage, a UK address."""
        data = {
            "package": str(self.bronze.pk),
            "cycle": "monthly",
            f"option_{self.storage.pk}": "2",
            f"option_{self.backup.pk}": "",
            "name": "Nina Patel",
            "company": "",
            "email": "nina@example.com",
            "phone": "",
            "address_line1": "2 Mill Lane",
            "address_line2": "",
            "city": "Bath",
            "postcode": "BA1 1AA",
            "country": "GB",
            "region": "",
            "payment_method": "bank_transfer",
            "username": "nina",
            "password1": CUSTOMER_PASSWORD,
            "password2": CUSTOMER_PASSWORD,
            "terms": "on",
            "website": "",
            "action": "order",
        }
        data.update(overrides)
        return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def account(business, system):
    """Make a customer with a My Account login (and optionally an unpaid invoice)."""

    def make(name: str, email: str, username: str, invoice_amount: str | None = "50.00"):
        customer = customer_create(
            actor=system, name=name, email=email, country="GB", address_line1="1 Road"
        )
        customer_login_create(
            actor=system, customer=customer, username=username, password=CUSTOMER_PASSWORD
        )
        customer.refresh_from_db()
        if invoice_amount:
            from datetime import date

            invoice_create(
                actor=system,
                customer=customer,
                lines=[{"description": "Consulting", "unit_price": invoice_amount}],
                issue_date=date(2027, 1, 10),
            )
        return customer

    return make


@pytest.fixture
def alice(account) -> Customer:
    return account("Alice Able", "alice@example.com", "alice")


@pytest.fixture
def bob(account) -> Customer:
    return account("Bob Baker", "bob@example.com", "bob")


@pytest.fixture
def alice_client(client, alice):
    client.force_login(alice.user)
    return client
