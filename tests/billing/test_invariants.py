"""Money invariants over random sequences of invoices, payments, credit, credit notes and
voids."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fairbill.core.aggregates import MoneySum
from fairbill.core.errors import FairbillError
from fairbill.core.money import quantize
from fairbill.customers.services import customer_create
from fairbill.invoicing.models import CreditNote, CreditNoteTax, Invoice
from fairbill.invoicing.services import invoice_create
from fairbill.payments.credit_notes import credit_note_issue
from fairbill.payments.models import Allocation, CreditEntry, Payment
from fairbill.payments.services import (
    credit_add,
    credit_apply,
    credit_balance,
    invoice_void,
    payment_record,
)

ON = date(2027, 5, 1)
cents = st.integers(min_value=1, max_value=50_000).map(lambda c: Decimal(c) / 100)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("invoice"), st.integers(0, 1), cents),
        st.tuples(st.just("pay"), st.integers(0, 1), st.integers(0, 9), cents, cents),
        st.tuples(st.just("credit"), st.integers(0, 1), cents),
        st.tuples(st.just("apply"), st.integers(0, 1), st.integers(0, 9), cents),
        st.tuples(st.just("void"), st.integers(0, 1), st.integers(0, 9)),
        st.tuples(st.just("credit_note"), st.integers(0, 1), st.integers(0, 9), cents),
        st.tuples(st.just("credit_rest"), st.integers(0, 1), st.integers(0, 9), st.booleans()),
    ),
    min_size=1,
    max_size=14,
)


class Rollback(Exception):
    pass


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=operations)
def test_money_invariants_hold_after_any_sequence(ops, business, gb_vat, admin):
    try:
        with transaction.atomic():
            customers = [
                customer_create(actor=admin, name=f"C{n}", email=f"c{n}@example.com", country="GB")
                for n in range(2)
            ]
            for op in ops:
                try:
                    apply(op, customers, admin)
                except FairbillError:
                    pass  # refused operations must leave nothing behind: checked below
            check_invariants(customers)
            raise Rollback
    except Rollback:
        pass


def pick(customer, index):
    invoices = list(Invoice.objects.filter(customer=customer).order_by("pk"))
    return invoices[index % len(invoices)] if invoices else None


def apply(op, customers, actor):
    kind, who, *rest = op
    customer = customers[who]
    if kind == "invoice":
        invoice_create(
            actor=actor,
            customer=customer,
            issue_date=ON,
            lines=[{"description": "Work", "quantity": "1", "unit_price": str(rest[0])}],
        )
    elif kind == "credit":
        credit_add(actor=actor, customer=customer, amount=str(rest[0]), reason="test", on=ON)
    elif (invoice := pick(customer, rest[0])) is not None:
        if kind == "pay":
            use = min(rest[2], credit_balance(customer), invoice.balance)
            payment_record(
                actor=actor,
                invoice=invoice,
                amount=str(rest[1]),
                method="bank_transfer",
                on=ON,
                apply_credit=str(use),
                confirm_overpayment=True,
            )
        elif kind == "apply":
            credit_apply(actor=actor, invoice=invoice, amount=str(rest[1]), on=ON)
        elif kind == "void":
            invoice_void(actor=actor, invoice=invoice, reason="test", on=ON)
        elif kind == "credit_note":  # a net amount of it
            credit_note_issue(
                actor=actor, invoice=invoice, reason="test", on=ON, amount=str(rest[1])
            )
        elif kind == "credit_rest":  # all that is left, the paid part refunded or as credit
            refund = {"method": "cash", "date": ON.isoformat()} if rest[1] else None
            credit_note_issue(actor=actor, invoice=invoice, reason="test", on=ON, refund=refund)


def total(queryset, field="amount"):
    return queryset.aggregate(s=MoneySum(field))["s"] or Decimal(0)


def check_invariants(customers):
    for customer in customers:
        entries = CreditEntry.objects.filter(customer=customer)
        balance = credit_balance(customer)
        assert balance >= 0
        assert balance == total(entries)
        live = Invoice.objects.filter(customer=customer).exclude(status="void")
        for invoice in Invoice.objects.filter(customer=customer):
            for amount in (
                invoice.total,
                invoice.balance,
                invoice.amount_paid,
                invoice.credit_applied,
            ):
                assert amount == quantize(amount, "GBP")
                assert amount >= 0
            if invoice.status == "void":
                assert invoice.balance == 0
                continue
            notes = CreditNote.objects.filter(invoice=invoice)
            assert invoice.balance == (
                invoice.total
                - invoice.credit_applied
                - invoice.amount_paid
                - invoice.credited
                + invoice.credit_returned
            )
            assert 0 <= invoice.credited <= invoice.total
            assert invoice.credited == total(notes, "total")
            assert invoice.credit_returned == total(notes, "to_credit") + total(notes, "refunded")
            assert invoice.credit_returned <= invoice.amount_paid + invoice.credit_applied
            assert total(notes, "to_credit") == total(
                entries.filter(invoice=invoice, kind="credit_note")
            )
            for tax in invoice.taxes.all():  # per rate, never more credited than invoiced
                at_rate = CreditNoteTax.objects.filter(credit_note__invoice=invoice, rate=tax.rate)
                assert total(at_rate, "net") <= tax.net
                assert total(at_rate, "tax") <= tax.tax
                if total(at_rate, "net") == tax.net:
                    assert total(at_rate, "tax") == tax.tax
            assert invoice.amount_paid == total(Allocation.objects.filter(invoice=invoice))
            assert invoice.credit_applied == -total(entries.filter(invoice=invoice, kind="applied"))
            if invoice.status == "credited":
                assert (invoice.credited, invoice.balance) == (invoice.total, 0)
            else:
                assert invoice.credited < invoice.total
                assert (invoice.status == "paid") == (invoice.balance == 0)
        payments = Payment.objects.filter(customer=customer)
        for payment in payments:
            allocated = total(payment.allocations.all())
            assert allocated <= payment.amount
            assert (
                allocated + total(entries.filter(payment=payment, kind="overpayment"))
                == payment.amount
            )
        # money is conserved: what came in is on invoices or still on account
        came_in = total(payments) + total(entries.filter(kind="added"))
        used = total(live, "amount_paid") + total(live, "credit_applied")
        given_back_as_credit = total(entries.filter(kind="credit_note"))
        assert came_in + given_back_as_credit == used + balance
        # balance due is the sum of unpaid balances
        assert total(live.filter(status="unpaid"), "balance") == total(live, "balance")
    for model in (Invoice, CreditNote):  # gapless, each its own sequence
        sequences = sorted(model.objects.values_list("sequence", flat=True))
        assert len(sequences) == len(set(sequences))
        if sequences:
            assert sequences == list(range(sequences[0], sequences[0] + len(sequences)))
