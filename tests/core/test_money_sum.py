"""Sums of amounts are exact on SQLite too (it adds decimals as floating point)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from fairbill.payments.models import CreditEntry
from fairbill.payments.services import credit_add, credit_balance, credit_balances


def test_a_credit_balance_is_exact_to_the_cent(db, admin, customer):
    # given credit entries whose float sum is not exact (0.1 + 0.2 != 0.3 in floating point)
    for amount in ("0.10", "0.20", "41.91", "9.61"):
        credit_add(
            actor=admin,
            customer=customer,
            amount=Decimal(amount),
            reason="test",
            on=date(2026, 11, 30),
        )
    CreditEntry.objects.create(
        customer=customer,
        amount=Decimal("-51.82"),
        kind=CreditEntry.Kind.APPLIED,
        currency=customer.currency,
        reason="test",
        created_on=date(2026, 11, 30),
        created_at=datetime(2026, 11, 30, 12, tzinfo=UTC),
    )
    # when the balance is summed by the database
    balance = credit_balance(customer)
    # then it is exactly zero, with the currency's two places, not a float's residue
    assert str(balance) == "0.00"
    assert balance.as_tuple().exponent == -2
    assert credit_balances([customer.pk]) == {}
