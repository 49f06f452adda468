"""Estimates made before accepting issued the invoice itself: "invoiced" becomes "accepted",
and an "accepted" estimate without an invoice goes back to "sent" (accepting now invoices)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection

from tests.migrations.test_model_moves import latest, migrate

pytestmark = pytest.mark.django_db(transaction=True)


def test_old_estimate_statuses_migrate_forward():
    from fairbill.customers.models import Customer

    # given a database from before, with an invoiced estimate and one only marked accepted
    migrate([("invoicing", "0005_tax_treatment")])
    at = datetime(2027, 1, 1, tzinfo=UTC)
    customer = Customer.objects.create(
        name="Ada", email="ada@example.com", currency="GBP", created_at=at, updated_at=at
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO invoicing_invoice (customer_id, number, sequence, kind, status, "
            "currency, subtotal, tax, total, credit_applied, amount_paid, balance, bill_to, "
            "seller, notes, created_at, void_reason) VALUES (%s, 'INV-1', 1, 'manual', "
            "'unpaid', 'GBP', 1, 0, 1, 0, 0, 1, '{}', '{}', '', %s, '')",
            [customer.pk, at],
        )
        cursor.execute("SELECT id FROM invoicing_invoice")
        [(invoice_id,)] = cursor.fetchall()
        for number, status, invoice in [
            ("EST-1", "invoiced", invoice_id),
            ("EST-2", "accepted", None),
        ]:
            cursor.execute(
                "INSERT INTO invoicing_estimate (customer_id, number, status, currency, "
                "issue_date, subtotal, tax, total, notes, created_at, invoice_id) VALUES "
                "(%s, %s, %s, 'GBP', '2027-01-01', 1, 0, 1, '', %s, %s)",
                [customer.pk, number, status, at, invoice],
            )
    # when it migrates forward
    migrate(latest())
    # then the statuses follow the new rule, which the database now enforces
    from fairbill.invoicing.models import Estimate

    assert dict(Estimate.objects.values_list("number", "status")) == {
        "EST-1": "accepted",
        "EST-2": "sent",
    }
