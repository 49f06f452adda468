from __future__ import annotations

from datetime import date

import pytest

from fairbill.invoicing.services import invoice_create
from tests.billing.conftest import billing  # noqa: F401  (shared billing driver)

ISSUED = date(2027, 3, 1)


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
