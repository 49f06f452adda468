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


@pytest.fixture
def gold(business, system):
    from decimal import Decimal

    from fairbill.catalog.services import package_create

    return package_create(
        actor=system,
        name="Gold",
        prices=[
            {"cycle": "monthly", "price": Decimal("30.00"), "setup_fee": Decimal("20.00")},
            {"cycle": "annually", "price": Decimal("300.00"), "setup_fee": Decimal("0")},
        ],
    )


def bill_and_pay(customer, package, start, *, pay=True, actor=None):
    """A subscription started on `start`, its first period billed by the billing run (and
    paid when `pay`): the state the wizard and the customer page work from."""
    import time_machine

    from fairbill.automation.billing_run import billing_run
    from fairbill.invoicing.models import Invoice
    from fairbill.payments.services import payment_record
    from fairbill.subscriptions.services import subscription_create

    actor = actor or Actor.system("tests")
    with time_machine.travel(f"{start.isoformat()} 06:00Z", tick=False):
        sub = subscription_create(
            actor=actor,
            customer=customer,
            package=package,
            cycle="monthly",
            start_date=start,
            setup_fee="0",
        )
        billing_run(as_of=start, actor=Actor.system("billing run"))
        invoice = Invoice.objects.filter(lines__subscription=sub).distinct().get()
        if pay:
            payment_record(
                actor=actor,
                invoice=invoice,
                amount=invoice.balance,
                method="bank_transfer",
                on=start,
            )
    sub.refresh_from_db()
    invoice.refresh_from_db()
    return sub, invoice
