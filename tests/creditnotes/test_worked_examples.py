"""Credit notes worked out by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from fairbill.core.errors import Refused
from fairbill.core.models import BusinessSettings
from fairbill.invoicing.models import CreditNote, Invoice
from fairbill.payments.credit_notes import credit_note_issue
from fairbill.payments.models import CreditEntry
from fairbill.payments.services import credit_balance, payment_record

ON = date(2027, 3, 5)


def _credit(admin, invoice, **kwargs):
    kwargs.setdefault("reason", "Wrong item")
    kwargs.setdefault("on", ON)
    return credit_note_issue(actor=admin, invoice=invoice, **kwargs)


def test_crediting_one_of_two_lines_of_an_unpaid_invoice_reduces_its_balance(admin, two_lines):
    # given an unpaid £120.00 invoice (£100 + 20% VAT) of two £50 lines
    design = two_lines.lines.get(description="Design")
    # when the Design line is credited
    note = _credit(admin, two_lines, lines=[{"invoice_line_id": design.pk}])
    # then the note is £50 + £10 VAT = £60, and £60 remains due
    assert (note.subtotal, note.tax, note.total) == (
        Decimal("50.00"),
        Decimal("10.00"),
        Decimal("60.00"),
    )
    assert [(t.rate, t.net, t.tax) for t in note.taxes.all()] == [
        (Decimal("20.0000"), Decimal("50.00"), Decimal("10.00"))
    ]
    assert note.to_balance == Decimal("60.00")
    assert note.to_credit == 0
    two_lines.refresh_from_db()
    assert two_lines.status == Invoice.Status.UNPAID
    assert (two_lines.credited, two_lines.balance) == (Decimal("60.00"), Decimal("60.00"))
    assert note.number == "CN-00001"


def test_crediting_the_rest_settles_the_invoice_as_credited(admin, two_lines):
    _credit(admin, two_lines, lines=[{"invoice_line_id": two_lines.lines.first().pk}])
    note = _credit(admin, two_lines)
    two_lines.refresh_from_db()
    assert note.total == Decimal("60.00")
    assert two_lines.status == Invoice.Status.CREDITED
    assert (two_lines.credited, two_lines.balance) == (Decimal("120.00"), Decimal("0.00"))


def test_a_paid_invoice_credited_in_full_becomes_account_credit(admin, customer, two_lines):
    # given the £120.00 invoice paid in full
    payment_record(actor=admin, invoice=two_lines, amount="120.00", method="bank_transfer", on=ON)
    # when it is credited in full
    note = _credit(admin, two_lines, reason="Cancelled")
    # then the customer has £120.00 of account credit and the invoice is credited
    assert note.total == Decimal("120.00")
    assert note.to_credit == Decimal("120.00")
    assert credit_balance(customer) == Decimal("120.00")
    entry = CreditEntry.objects.get(kind=CreditEntry.Kind.CREDIT_NOTE)
    assert entry.amount == Decimal("120.00")
    assert entry.invoice_id == two_lines.pk
    two_lines.refresh_from_db()
    assert two_lines.status == Invoice.Status.CREDITED
    assert two_lines.balance == 0
    assert two_lines.credit_returned == Decimal("120.00")


def test_a_partly_paid_invoice_credited_takes_the_balance_first(admin, customer, two_lines):
    # £50 paid of £120: £70 due; crediting £100 net (£120) takes the £70 and gives £50 back
    payment_record(actor=admin, invoice=two_lines, amount="50.00", method="bank_transfer", on=ON)
    note = _credit(admin, two_lines)
    assert (note.to_balance, note.to_credit) == (Decimal("70.00"), Decimal("50.00"))
    assert credit_balance(customer) == Decimal("50.00")


def test_a_refund_by_hand_instead_of_account_credit(admin, customer, two_lines):
    payment_record(actor=admin, invoice=two_lines, amount="120.00", method="bank_transfer", on=ON)
    note = _credit(
        admin,
        two_lines,
        refund={"method": "bank_transfer", "date": "2027-03-06", "reference": "BACS 991"},
    )
    assert note.refunded == Decimal("120.00")
    assert note.to_credit == 0
    assert (note.refund_method, note.refund_date, note.refund_reference) == (
        "bank_transfer",
        date(2027, 3, 6),
        "BACS 991",
    )
    assert credit_balance(customer) == 0


def test_two_credit_notes_that_together_exceed_the_invoice_are_refused(admin, two_lines):
    # £80 net then £30 net: £110 > £100 net of the invoice
    _credit(admin, two_lines, amount="80.00")
    with pytest.raises(Refused, match="left to credit"):
        _credit(admin, two_lines, amount="30.00")
    two_lines.refresh_from_db()
    assert two_lines.credited == Decimal("96.00")  # £80 + £16 VAT: nothing more written
    assert CreditNote.objects.count() == 1
    # the remainder is exactly £20 net + £4 VAT
    last = _credit(admin, two_lines, amount="20.00")
    assert (last.subtotal, last.tax, last.total) == (
        Decimal("20.00"),
        Decimal("4.00"),
        Decimal("24.00"),
    )


def test_a_line_is_never_credited_beyond_what_is_left_of_it(admin, two_lines):
    hosting = two_lines.lines.get(description="Hosting")
    _credit(admin, two_lines, lines=[{"invoice_line_id": hosting.pk, "quantity": "1"}])
    with pytest.raises(Refused, match="only £25.00 is left"):
        _credit(admin, two_lines, lines=[{"invoice_line_id": hosting.pk, "amount": "25.01"}])


def test_the_note_that_completes_a_rate_takes_exactly_the_tax_left(admin, customer, gb_vat):
    # given three lines of £0.35 at 20%: net £1.05, tax £0.21 (0.21 exactly)
    from fairbill.invoicing.services import invoice_create

    invoice = invoice_create(
        actor=admin,
        customer=customer,
        lines=[{"description": f"Item {n}", "unit_price": "0.35"} for n in range(3)],
        issue_date=date(2027, 3, 1),
    )
    assert invoice.tax == Decimal("0.21")
    ids = list(invoice.lines.values_list("pk", flat=True))
    # each £0.35 line alone has tax £0.07; two notes of one line, then the last
    first = _credit(admin, invoice, lines=[{"invoice_line_id": ids[0]}])
    second = _credit(admin, invoice, lines=[{"invoice_line_id": ids[1]}])
    last = _credit(admin, invoice, lines=[{"invoice_line_id": ids[2]}])
    assert [n.tax for n in (first, second, last)] == [Decimal("0.07")] * 3
    assert sum(n.total for n in (first, second, last)) == invoice.total


def test_a_rounded_part_never_takes_more_tax_than_the_invoice_has(admin, customer, gb_vat):
    # given £0.02 + £0.01 at 20%: net £0.03, tax £0.01 (0.006 rounds up)
    from fairbill.invoicing.services import invoice_create

    invoice = invoice_create(
        actor=admin,
        customer=customer,
        lines=[
            {"description": "A", "unit_price": "0.02"},
            {"description": "B", "unit_price": "0.01"},
        ],
        issue_date=date(2027, 3, 1),
    )
    a, b = invoice.lines.order_by("position")
    # credit A: tax 0.004 → 0.00; then B completes the rate and takes the 0.01 left
    first = _credit(admin, invoice, lines=[{"invoice_line_id": a.pk}])
    last = _credit(admin, invoice, lines=[{"invoice_line_id": b.pk}])
    assert (first.tax, last.tax) == (Decimal("0.00"), Decimal("0.01"))
    invoice.refresh_from_db()
    assert invoice.credited == invoice.total == Decimal("0.04")


def test_numbering_is_gapless_and_separate_from_invoices(admin, customer, two_lines):
    settings = BusinessSettings.load()
    settings.credit_note_prefix = "CR-"
    settings.credit_note_start_number = 7
    settings.save()
    first = _credit(admin, two_lines, amount="10.00")
    # a refused note takes no number
    with pytest.raises(Refused):
        _credit(admin, two_lines, amount="1000.00")
    second = _credit(admin, two_lines, amount="10.00")
    assert [first.number, second.number] == ["CR-00007", "CR-00008"]
    assert two_lines.number == "INV-00001"
    from fairbill.invoicing.services import invoice_create

    later = invoice_create(
        actor=admin,
        customer=customer,
        lines=[{"description": "X", "unit_price": "1.00"}],
        issue_date=date(2027, 3, 2),
    )
    assert later.number == "INV-00002"


def test_a_void_invoice_or_a_credited_one_cannot_be_credited(admin, two_lines):
    _credit(admin, two_lines)
    with pytest.raises(Refused, match="credited in full"):
        _credit(admin, two_lines)


def test_the_same_form_submitted_twice_issues_one_note(admin, two_lines):
    first = _credit(admin, two_lines, amount="10.00", request_key="form-abc")
    again = _credit(admin, two_lines, amount="10.00", request_key="form-abc")
    assert again.pk == first.pk
    assert CreditNote.objects.count() == 1
