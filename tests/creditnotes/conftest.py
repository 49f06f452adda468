from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from fairbill.catalog.services import option_create
from fairbill.invoicing.services import invoice_create
from tests.billing.conftest import billing, gold  # noqa: F401  (shared billing driver)

ISSUED = date(2027, 3, 1)
START = date(2027, 3, 1)


@pytest.fixture
def two_lines(customer, admin, gb_vat):
    """£120.00: two £50.00 lines, £100.00 + 20% VAT."""
    return invoice_create(
        actor=admin,
        customer=customer,
        lines=[
            {"description": "Design", "quantity": "1", "unit_price": "50.00"},
            {"description": "Hosting", "quantity": "2", "unit_price": "25.00"},
        ],
        issue_date=ISSUED,
    )


@pytest.fixture
def gold_with_options(billing, gold, system):  # noqa: F811
    """A subscription to Gold £40 + Priority support £15 + Backup plan £12 a month, and its
    first renewal invoice, billed on 1 March 2027: £67.00 + 20% VAT = £80.40."""
    options = [
        option_create(
            actor=system,
            name=name,
            kind="checkbox",
            package_ids=[gold.pk],
            prices=[{"cycle": "monthly", "price": price}],
        )
        for name, price in (("Priority support", "15.00"), ("Backup plan", "12.00"))
    ]
    sub = billing.subscribe(
        package="Gold",
        start=START,
        price="40.00",
        setup_fee="0",
        options=[{"option_id": option.pk} for option in options],
    )
    billing.run(as_of=START)
    [march] = billing.invoices(sub)
    assert march.total == Decimal("80.40")
    return sub, march
