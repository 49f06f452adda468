"""The daily totals kept by the money services equal a recomputation from the invoices and
payments, after any sequence of operations; `fairbill check-totals` finds and fixes a
difference."""

from __future__ import annotations

import importlib
import io
import threading
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.apps import apps as django_apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fairbill.automation.billing_run import billing_run
from fairbill.core.errors import FairbillError
from fairbill.core.models import DailyTotal
from fairbill.core.totals import Delta, Key, daily_totals_add
from fairbill.customers.merge import customer_merge
from fairbill.customers.services import customer_create
from fairbill.invoicing.models import Invoice
from fairbill.invoicing.services import invoice_create
from fairbill.invoicing.totals import (
    InvoiceState,
    TaxFigures,
    invoice_deltas,
    invoices_totals_add,
)
from fairbill.payments.credit_notes import credit_note_issue
from fairbill.payments.models import Dispute, Payment
from fairbill.payments.refunds import dispute_record, payment_refund, refundable
from fairbill.payments.services import (
    credit_add,
    credit_apply,
    credit_balance,
    credit_remove,
    invoice_void,
    payment_record,
)
from fairbill.reports.totals import kept, totals_differences
from fairbill.subscriptions.services import subscription_create

START = date(2027, 1, 28)
amounts = st.integers(min_value=1, max_value=50_000).map(lambda c: Decimal(c) / 100)
days = st.integers(0, 70)
who = st.integers(0, 2)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("invoice"), who, amounts, days),
        st.tuples(st.just("run"), days),
        st.tuples(st.just("pay"), who, st.integers(0, 9), amounts, amounts, st.booleans(), days),
        st.tuples(st.just("credit"), who, amounts, days),
        st.tuples(st.just("uncredit"), who, amounts, days),
        st.tuples(st.just("apply"), who, st.integers(0, 9), amounts, days),
        st.tuples(st.just("void"), who, st.integers(0, 9), days),
        st.tuples(st.just("credit_note"), who, st.integers(0, 9), amounts, st.booleans(), days),
        st.tuples(st.just("refund"), who, st.integers(0, 9), amounts, days),
        st.tuples(st.just("dispute_lost"), who, st.integers(0, 9), amounts, days),
        st.tuples(
            st.just("merge"),
        ),
    ),
    min_size=1,
    max_size=16,
)


class Rollback(Exception):
    pass


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=operations)
def test_kept_totals_equal_a_recomputation_after_any_sequence(ops, business, gb_vat, bronze, admin):
    try:
        with transaction.atomic():
            customers = [
                customer_create(
                    actor=admin,
                    name=f"C{n}",
                    email=f"c{n}@example.com",
                    country="GB",
                    vat_applies=n != 1,
                )
                for n in range(3)
            ]
            for customer in customers[::2]:  # renewals for two of them
                subscription_create(
                    actor=admin,
                    customer=customer,
                    package=bronze,
                    cycle="monthly",
                    start_date=START,
                )
            for op in ops:
                try:
                    with transaction.atomic():
                        apply(op, customers, admin)
                except FairbillError:
                    pass  # a refused operation must leave the totals as they were
            assert totals_differences() == []
            raise Rollback
    except Rollback:
        pass


payment_ops = st.lists(
    st.one_of(
        st.tuples(st.just("refund"), st.integers(0, 9), amounts, days),
        st.tuples(st.just("dispute_lost"), st.integers(0, 9), amounts, days),
        st.tuples(st.just("pay"), st.integers(0, 9), amounts, days),
        st.tuples(st.just("credit_note"), st.integers(0, 9), amounts, days),
    ),
    min_size=1,
    max_size=10,
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(paid=st.lists(amounts, min_size=1, max_size=3), ops=payment_ops)
def test_refunds_and_lost_disputes_keep_the_totals_after_any_sequence(
    paid, ops, business, gb_vat, admin
):
    """Invoices with 20% VAT paid (some overpaid), then payments refunded, disputes lost,
    more payments and credit notes, in any order."""
    try:
        with transaction.atomic():
            customer = customer_create(actor=admin, name="R", email="r@example.com", country="GB")
            for amount in paid:
                invoice = invoice_create(
                    actor=admin,
                    customer=customer,
                    issue_date=START,
                    lines=[{"description": "Work", "unit_price": "40.00"}],
                )
                payment_record(
                    actor=admin,
                    invoice=invoice,
                    amount=str(amount),
                    method="card",
                    on=START,
                    confirm_overpayment=True,
                )
            for kind, index, amount, day in ops:
                on = START + timedelta(days=day)
                try:
                    with transaction.atomic():
                        if kind in ("refund", "dispute_lost"):
                            payments = list(Payment.objects.order_by("pk"))
                            payment_change(kind, payments[index % len(payments)], amount, on, admin)
                        elif (invoice := pick(customer, index)) is not None and kind == "pay":
                            payment_record(
                                actor=admin,
                                invoice=invoice,
                                amount=str(amount),
                                method="cash",
                                on=on,
                                confirm_overpayment=True,
                            )
                        elif invoice is not None:
                            credit_note_issue(
                                actor=admin,
                                invoice=invoice,
                                reason="test",
                                on=on,
                                amount=str(amount),
                            )
                except FairbillError:
                    pass  # a refused operation must leave the totals as they were
            assert totals_differences() == []
            raise Rollback
    except Rollback:
        pass


def pick(customer, index):
    invoices = list(Invoice.objects.filter(customer=customer).order_by("pk"))
    return invoices[index % len(invoices)] if invoices else None


def apply(op, customers, actor):
    kind, *rest = op
    if kind == "run":
        billing_run(as_of=START + timedelta(days=rest[0]), actor=actor)
        return
    if kind == "merge":
        customer_merge(actor=actor, target=customers[0], source=customers[2])
        return
    customer, *rest = rest
    customer = customers[customer]
    on = START + timedelta(days=rest[-1])
    if kind == "invoice":
        invoice_create(
            actor=actor,
            customer=customer,
            issue_date=on,
            lines=[{"description": "Work", "quantity": "1", "unit_price": str(rest[0])}],
        )
    elif kind == "credit":
        credit_add(actor=actor, customer=customer, amount=str(rest[0]), reason="test", on=on)
    elif kind == "uncredit":
        credit_remove(actor=actor, customer=customer, amount=str(rest[0]), reason="test", on=on)
    elif kind in ("refund", "dispute_lost"):
        payments = list(Payment.objects.filter(customer=customer).order_by("pk"))
        if payments:
            payment_change(kind, payments[rest[0] % len(payments)], rest[1], on, actor)
    elif (invoice := pick(customer, rest[0])) is not None:
        if kind == "pay":
            use = min(rest[2], credit_balance(customer), invoice.balance)
            payment_record(
                actor=actor,
                invoice=invoice,
                amount=str(rest[1]),
                method="cash" if rest[3] else "bank_transfer",
                on=on,
                apply_credit=str(use),
                confirm_overpayment=True,
            )
        elif kind == "apply":
            credit_apply(actor=actor, invoice=invoice, amount=str(rest[1]), on=on)
        elif kind == "void":
            invoice_void(actor=actor, invoice=invoice, reason="test", on=on)
        elif kind == "credit_note":  # part of the invoice, or all that is left of it
            credit_note_issue(
                actor=actor,
                invoice=invoice,
                reason="test",
                on=max(on, invoice.issue_date),
                amount=None if rest[2] else str(rest[1]),
            )


def payment_change(kind, payment, amount, on, actor):
    """A payment refunded (by hand: it has no gateway) or lost in a dispute."""
    on = max(on, payment.received_on)
    if kind == "refund":
        payment_refund(
            actor=actor, payment=payment, amount=str(amount), reason="test", on=on, gateway=None
        )
        return
    if refundable(payment) == 0:
        return
    dispute_record(
        actor=actor,
        payment=payment,
        reference=f"dp_{Dispute.objects.count()}",
        amount=min(amount, refundable(payment)),
        reason="fraudulent",
        status="lost",
        on=on,
    )


def row(measure, day, label="", rate=Decimal(0)):
    return DailyTotal.objects.get(currency="GBP", measure=measure, day=day, label=label, rate=rate)


def test_an_invoice_paid_then_another_voided_move_their_days(customer, admin, gb_vat):
    # given two invoices of 100.00 + 20% VAT issued on 5 March, due on 12 March
    first, second = (
        invoice_create(
            actor=admin,
            customer=customer,
            issue_date=date(2027, 3, 5),
            lines=[{"description": "Work", "unit_price": "100.00"}],
        )
        for _ in range(2)
    )
    # when the first is paid on 9 March by cheque and the second voided
    payment_record(
        actor=admin, invoice=first, amount="120.00", method="cheque", on=date(2027, 3, 9)
    )
    invoice_void(actor=admin, invoice=second, reason="sent twice", on=date(2027, 3, 10))
    # then sales and tax count the first only, on its issue date
    sales = row("sales", date(2027, 3, 5))
    assert (sales.count, sales.net, sales.tax, sales.total) == (1, 10000, 2000, 12000)
    vat = row("tax", date(2027, 3, 5), "VAT", Decimal(20))
    assert (vat.count, vat.net, vat.tax) == (1, 10000, 2000)
    # it is paid on 9 March, by cheque; nothing is left unpaid on 12 March
    paid = row("paid", date(2027, 3, 9))
    assert (paid.count, paid.total) == (1, 12000)
    cheque = row("payments", date(2027, 3, 9), "cheque")
    assert (cheque.count, cheque.total) == (1, 12000)
    unpaid = row("unpaid", date(2027, 3, 12))
    assert (unpaid.count, unpaid.total) == (0, 0)
    assert totals_differences() == []


def test_a_refund_and_a_lost_dispute_keep_the_totals_in_step(customer, admin, gb_vat):
    # given two invoices of 100.00 + 20% VAT issued on 5 March, due on 12 March, each paid
    # 120.00 by card on 9 March
    payments = []
    for _ in range(2):
        invoice = invoice_create(
            actor=admin,
            customer=customer,
            issue_date=date(2027, 3, 5),
            lines=[{"description": "Work", "unit_price": "100.00"}],
        )
        payments.append(
            payment_record(
                actor=admin, invoice=invoice, amount="120.00", method="card", on=date(2027, 3, 9)
            )
        )
    # when 10.01 of the first payment is refunded on 10 March
    payment_refund(
        actor=admin,
        payment=payments[0],
        amount="10.01",
        reason="Goodwill",
        on=date(2027, 3, 10),
        gateway=None,
    )
    # then a credit note of 10.01 (8.34 + 1.67 of VAT) counts on 10 March; the invoice
    # stays paid
    credited = row("credited", date(2027, 3, 10))
    assert (credited.count, credited.net, credited.tax, credited.total) == (1, 834, 167, 1001)
    vat = row("credit_tax", date(2027, 3, 10), "VAT", Decimal(20))
    assert (vat.net, vat.tax) == (834, 167)
    # when the second payment is disputed and the dispute lost on 11 March
    dispute_record(
        actor=admin,
        payment=payments[1],
        reference="dp_1",
        amount=Decimal("120.00"),
        reason="fraudulent",
        status="lost",
        on=date(2027, 3, 11),
    )
    # then only the first counts as paid on 9 March, and the second's 120.00 is unpaid on
    # its due date again; the card payments received stay as they were
    paid = row("paid", date(2027, 3, 9))
    assert (paid.count, paid.total) == (1, 12000)
    unpaid = row("unpaid", date(2027, 3, 12))
    assert (unpaid.count, unpaid.total) == (1, 12000)
    card = row("payments", date(2027, 3, 9), "card")
    assert (card.count, card.total) == (2, 24000)
    assert totals_differences() == []


def test_check_totals_reports_a_tampered_total_and_fix_rewrites_it(customer, admin, gb_vat, capsys):
    # given an invoice of 120.00 issued on 5 March, and its sales total changed by hand
    invoice_create(
        actor=admin,
        customer=customer,
        issue_date=date(2027, 3, 5),
        lines=[{"description": "Work", "unit_price": "100.00"}],
    )
    call_command("check-totals")
    assert "match" in capsys.readouterr().out
    DailyTotal.objects.filter(measure="sales").update(net=1)
    # when the totals are checked, the difference is printed and the command fails
    with pytest.raises(CommandError, match="1 daily total"):
        call_command("check-totals")
    out = capsys.readouterr().out
    assert "GBP sales 2027-03-05: kept count 1, net 0.01" in out
    assert "recomputed count 1, net 100.00, tax 20.00, total 120.00" in out
    # then --fix rewrites it, and the next check passes
    call_command("check-totals", "--fix")
    assert "rewrote" in capsys.readouterr().out
    assert row("sales", date(2027, 3, 5)).net == 10000
    call_command("check-totals")
    assert len(kept()) == 3  # sales, tax, unpaid


@pytest.mark.django_db(transaction=True)
def test_two_transactions_adding_to_one_day_both_count(business, system):
    """On PostgreSQL, two transactions that both read a day's total add to it at once: both
    count (an upsert that adds: a read then a write would lose one)."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writer at a time")
    key = Key("GBP", "payments", date(2027, 3, 9), "cash")
    daily_totals_add([Delta(key, 1, total=100)])
    both_read = threading.Barrier(2)

    def add() -> None:
        try:
            with transaction.atomic():
                assert DailyTotal.objects.get(measure="payments").total == 100
                both_read.wait(timeout=10)  # each has seen 100 before either adds
                daily_totals_add([Delta(key, 1, total=250)])
        finally:
            connections.close_all()

    threads = [threading.Thread(target=add) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    total = DailyTotal.objects.get(measure="payments", day=date(2027, 3, 9))
    assert (total.count, total.total) == (3, 600)


def test_the_migration_fills_the_totals_from_the_invoices_and_payments(customer, admin, gb_vat):
    # given an invoice paid by cash and another unpaid, and the totals emptied
    for amount in ("100.00", "40.00"):
        invoice = invoice_create(
            actor=admin,
            customer=customer,
            issue_date=date(2027, 3, 5),
            lines=[{"description": "Work", "unit_price": amount}],
        )
    payment_record(actor=admin, invoice=invoice, amount="48.00", method="cash", on=date(2027, 3, 6))
    DailyTotal.objects.all().delete()
    # when the data migration runs
    migration = importlib.import_module("fairbill.reports.migrations.0001_daily_totals_fill")
    migration.fill(django_apps, None)
    # then the totals are back, equal to a recomputation
    assert totals_differences() == []
    sales = row("sales", date(2027, 3, 5))
    assert (sales.count, sales.total) == (2, 16800)
    assert row("payments", date(2027, 3, 6), "cash").total == 4800


@pytest.mark.django_db
def test_the_demo_history_keeps_its_totals():
    # given the demo business: months of orders, daily billing runs, payments and credit
    call_command("demo", stdout=io.StringIO())
    # then every total kept on the way equals a recomputation
    assert DailyTotal.objects.filter(measure="payments").exists()
    assert totals_differences() == []


rows_tax = st.tuples(
    st.sampled_from([("VAT", Decimal("20")), ("VAT", Decimal("20.00")), ("VAT", Decimal("5"))]),
    amounts,
    amounts,
)
invoice_rows = st.lists(
    st.tuples(
        st.sampled_from(["unpaid", "paid"]),
        st.sampled_from(["GBP", "EUR"]),
        days,
        days,
        amounts,
        amounts,
        amounts,
        st.lists(rows_tax, max_size=2),
    ),
    min_size=1,
    max_size=12,
)


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=invoice_rows)
def test_a_batch_of_issued_invoices_adds_what_each_invoice_adds(rows):
    # given issued invoices as the rows invoices_save inserts (several in one state, some not)
    invoices = []
    for status, currency, issue, due, subtotal, tax, balance, taxes in rows:
        invoice = {
            "status": status,
            "currency": currency,
            "issue_date": START + timedelta(days=issue),
            "due_date": START + timedelta(days=due),
            "paid_on": START + timedelta(days=issue) if status == "paid" else None,
            "subtotal": subtotal,
            "tax": tax,
            "total": subtotal + tax,
            "balance": balance if status == "unpaid" else Decimal("0.00"),
        }
        tax_rows = [{"name": n, "rate": r, "net": net, "tax": t} for (n, r), net, t in taxes]
        invoices.append((invoice, tax_rows))

    def kept_rows():
        return sorted(
            DailyTotal.objects.values_list(
                "currency", "measure", "day", "label", "rate", "count", "net", "tax", "total"
            )
        )

    # when the batch is added at once, and (another time) each invoice's own deltas
    with transaction.atomic():
        invoices_totals_add(invoices)
        batch = kept_rows()
        transaction.set_rollback(True)
    with transaction.atomic():
        daily_totals_add(
            d
            for invoice, taxes in invoices
            for d in invoice_deltas(
                invoice_state_of(invoice),
                [TaxFigures(t["name"], t["rate"], t["net"], t["tax"]) for t in taxes],
            )
        )
        one_by_one = kept_rows()
        transaction.set_rollback(True)
    # then the daily totals are the same
    assert batch == one_by_one


def invoice_state_of(invoice):
    return InvoiceState(**{name: invoice[name] for name in InvoiceState.__dataclass_fields__})
