"""What a credit note changes on the account: a reversed renewal, suspension lifted, the
email with its PDF."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core import mail

from fairbill.core.errors import Refused
from fairbill.core.services import settings_update
from fairbill.invoicing.models import Invoice, InvoiceLine
from fairbill.notifications.models import EmailLog
from fairbill.payments.credit_notes import credit_note_issue
from fairbill.subscriptions.services import subscription_set_status


def test_a_renewal_credited_for_a_cancelled_package_moves_its_renewal_back(billing, admin):
    # given a monthly £10 + VAT package paid for May, renewed for June, then cancelled
    sub = billing.subscribe(start=date(2027, 5, 1), setup_fee="0")
    billing.run(as_of=date(2027, 5, 1))
    billing.pay(billing.invoices(sub)[0], on=date(2027, 5, 2))
    billing.run(as_of=date(2027, 6, 1))
    june = billing.invoices(sub)[-1]
    subscription_set_status(actor=admin, subscription=sub, status="cancelled", reason="Closed")
    # when June's renewal is credited in full and its renewal reversed
    note = credit_note_issue(
        actor=admin,
        invoice=june,
        reason="Package cancelled before June",
        on=date(2027, 6, 2),
        reverse_renewal=True,
    )
    # then £12.00 is credited, the invoice is settled, and the package renews on 1 June again
    assert note.total == Decimal("12.00")
    assert note.reversed_renewal
    june.refresh_from_db()
    assert (june.status, june.balance) == (Invoice.Status.CREDITED, Decimal("0.00"))
    sub.refresh_from_db()
    assert (sub.renewal_date, sub.renewed_on) == (date(2027, 6, 1), date(2027, 5, 1))
    assert InvoiceLine.objects.get(invoice=june, kind="package").period_reversed
    # a cancelled package is not billed again
    billing.assert_nothing_more_to_bill(as_of=date(2027, 7, 1))


def test_a_reversed_renewal_of_an_active_package_is_billed_again(billing, admin):
    sub = billing.subscribe(start=date(2027, 5, 1), setup_fee="0")
    billing.run(as_of=date(2027, 5, 1))
    [may] = billing.invoices(sub)
    credit_note_issue(
        actor=admin, invoice=may, reason="Wrong price", on=date(2027, 5, 2), reverse_renewal=True
    )
    # the next run bills May again (the corrected invoice), once
    billing.run(as_of=date(2027, 5, 3))
    assert billing.periods(sub) == [
        (date(2027, 5, 1), date(2027, 6, 1)),
        (date(2027, 5, 1), date(2027, 6, 1)),
    ]
    billing.assert_nothing_more_to_bill(as_of=date(2027, 5, 3))


def test_reversal_is_refused_when_a_later_period_was_billed(billing, admin):
    sub = billing.subscribe(start=date(2027, 5, 1), setup_fee="0")
    billing.run(as_of=date(2027, 5, 1))
    billing.run(as_of=date(2027, 6, 1))
    may = billing.invoices(sub)[0]
    with pytest.raises(Refused, match="credit the later period first"):
        credit_note_issue(
            actor=admin, invoice=may, reason="x", on=date(2027, 6, 2), reverse_renewal=True
        )
    may.refresh_from_db()
    assert may.credited == 0


def test_reversal_needs_the_package_line_credited_in_full(billing, admin):
    sub = billing.subscribe(start=date(2027, 5, 1), setup_fee="0")
    billing.run(as_of=date(2027, 5, 1))
    [may] = billing.invoices(sub)
    with pytest.raises(Refused, match="whole period of Bronze: Bronze .* is still billed"):
        credit_note_issue(
            actor=admin,
            invoice=may,
            reason="x",
            on=date(2027, 5, 2),
            amount="5.00",
            reverse_renewal=True,
        )


def test_crediting_the_overdue_invoice_lifts_the_suspension(billing, system, admin):
    # given a package suspended for its unpaid May invoice
    settings_update(actor=system, suspend_days_after_due=5)
    sub = billing.subscribe(start=date(2027, 5, 1), setup_fee="0")
    billing.run(as_of=date(2027, 5, 1))
    assert billing.run(as_of=date(2027, 5, 14)).suspensions == 1
    [may] = billing.invoices(sub)
    # when the invoice is credited in full
    with billing.on_commit(execute=True):
        credit_note_issue(actor=admin, invoice=may, reason="Goodwill", on=date(2027, 5, 15))
    # then nothing is overdue and the package is active again, with its email
    sub.refresh_from_db()
    assert sub.status == "active"
    assert EmailLog.objects.filter(template="unsuspended").count() == 1


def test_partly_crediting_the_overdue_invoice_leaves_the_suspension(billing, system, admin):
    settings_update(actor=system, suspend_days_after_due=5)
    sub = billing.subscribe(start=date(2027, 5, 1), setup_fee="0")
    billing.run(as_of=date(2027, 5, 1))
    billing.run(as_of=date(2027, 5, 14))
    [may] = billing.invoices(sub)
    credit_note_issue(actor=admin, invoice=may, reason="Part", on=date(2027, 5, 15), amount="5.00")
    sub.refresh_from_db()
    assert sub.status == "suspended"


def test_the_customer_is_emailed_the_credit_note_with_its_pdf(
    admin, two_lines, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        note = credit_note_issue(
            actor=admin, invoice=two_lines, reason="Duplicate line", on=date(2027, 3, 5)
        )
    [email] = [m for m in mail.outbox if note.number in m.subject]
    assert email.to == ["jane@example.com"]
    assert f"on invoice {two_lines.number}" in email.body
    assert "£120.00" in email.body
    [(name, content, mimetype)] = email.attachments
    assert (name, mimetype) == (f"{note.number}.pdf", "application/pdf")
    assert content.startswith(b"%PDF")
    log = EmailLog.objects.get(template="credit_note_issued")
    assert log.status == EmailLog.Status.SENT


def test_no_pdf_attached_when_the_setting_is_off(
    admin, system, two_lines, django_capture_on_commit_callbacks
):
    settings_update(actor=system, attach_pdf=False)
    with django_capture_on_commit_callbacks(execute=True):
        note = credit_note_issue(actor=admin, invoice=two_lines, reason="x", on=date(2027, 3, 5))
    [email] = [m for m in mail.outbox if note.number in m.subject]
    assert email.attachments == []


def test_an_invoice_whose_email_was_sent_is_not_voided_but_can_be_credited(
    admin, customer, gb_vat, django_capture_on_commit_callbacks
):
    from fairbill.invoicing.services import invoice_create
    from fairbill.payments.services import invoice_void

    with django_capture_on_commit_callbacks(execute=True):
        invoice = invoice_create(
            actor=admin,
            customer=customer,
            lines=[{"description": "X", "unit_price": "10.00"}],
            issue_date=date(2027, 3, 1),
        )
    with pytest.raises(Refused) as refused:
        invoice_void(actor=admin, invoice=invoice, reason="Wrong", on=date(2027, 3, 2))
    assert refused.value.code == "issue_credit_note"
    credit_note_issue(actor=admin, invoice=invoice, reason="Wrong", on=date(2027, 3, 2))
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.CREDITED


def test_voiding_an_unsent_invoice_skips_its_queued_email(admin, customer, gb_vat):
    from fairbill.invoicing.services import invoice_create
    from fairbill.payments.services import invoice_void, invoice_void_refusal

    # issued in a transaction whose email has not gone out yet (still queued)
    invoice = invoice_create(
        actor=admin,
        customer=customer,
        lines=[{"description": "X", "unit_price": "10.00"}],
        issue_date=date(2027, 3, 1),
    )
    assert EmailLog.objects.get(template="invoice_issued").status == EmailLog.Status.QUEUED
    assert invoice_void_refusal(invoice) == ""
    invoice_void(actor=admin, invoice=invoice, reason="Wrong customer", on=date(2027, 3, 1))
    log = EmailLog.objects.get(template="invoice_issued")
    assert log.status == EmailLog.Status.SKIPPED
    assert "voided before it was sent" in log.error


def test_the_reason_a_paid_invoice_cannot_be_voided(admin, two_lines):
    from fairbill.payments.services import invoice_void_refusal, payment_record

    payment_record(
        actor=admin, invoice=two_lines, amount="1.00", method="cash", on=date(2027, 3, 2)
    )
    assert "it has a payment. Issue a credit note" in invoice_void_refusal(two_lines)
