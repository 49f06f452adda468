"""Manual invoices, voids, estimates, the PDF and the emails."""

from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest
from django.core import mail
from pypdf import PdfReader

from fairbill.core.errors import InvalidInput, Refused
from fairbill.core.services import settings_update
from fairbill.customers.services import customer_create
from fairbill.invoicing.models import Invoice
from fairbill.invoicing.pdf import invoice_pdf
from fairbill.invoicing.services import invoice_create
from fairbill.notifications.models import EmailLog
from fairbill.notifications.services import email_resend, email_template_update, template_get
from fairbill.payments.services import (
    credit_add,
    credit_apply,
    credit_balance,
    invoice_void,
    payment_record,
)

ON = date(2027, 5, 3)
LINES = [
    {"description": "Consulting", "quantity": "2.5", "unit_price": "80.00"},
    {"description": "Domain", "quantity": "1", "unit_price": "9.99"},
]


@pytest.fixture
def invoice(customer, admin, gb_vat, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return invoice_create(actor=admin, customer=customer, lines=LINES, issue_date=ON)


def test_manual_invoice_is_taxed_and_numbered(invoice):
    assert invoice.number == "INV-00001"
    assert (invoice.subtotal, invoice.tax, invoice.total) == (
        Decimal("209.99"),
        Decimal("42.00"),
        Decimal("251.99"),
    )
    assert invoice.due_date == date(2027, 5, 10)
    assert invoice.kind == "manual"


def test_customer_without_vat_pays_no_tax(business, admin, gb_vat):
    exempt = customer_create(
        actor=admin, name="Charity", email="c@example.org", country="GB", vat_applies=False
    )
    invoice = invoice_create(actor=admin, customer=exempt, lines=LINES, issue_date=ON)
    assert invoice.tax == Decimal("0.00")
    assert invoice.total == Decimal("209.99")


def test_region_rate_wins_over_the_country_rate(business, admin, system):
    from fairbill.catalog.services import tax_rate_create

    tax_rate_create(actor=system, country="US", name="Sales tax", rate="4")
    tax_rate_create(actor=system, country="US", region="NY", name="Sales tax", rate="8.875")
    ny = customer_create(
        actor=admin,
        name="NY Inc",
        email="ny@example.com",
        country="US",
        region="ny",
        currency="USD",
    )
    invoice = invoice_create(
        actor=admin,
        customer=ny,
        issue_date=ON,
        lines=[{"description": "Work", "unit_price": "100.00"}],
    )
    assert invoice.tax == Decimal("8.88")


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ([], "at least one line"),
        ([{"description": "", "unit_price": "1"}], "description"),
        ([{"description": "x", "unit_price": "1.001"}], "2 decimal places"),
        ([{"description": "x", "unit_price": 1.5}], "decimal string"),
        ([{"description": "x", "quantity": "0", "unit_price": "1"}], "quantity"),
        ([{"description": "x", "unit_price": "-5"}], "negative"),
    ],
)
def test_bad_manual_invoices_are_refused(customer, admin, lines, message):
    with pytest.raises(InvalidInput, match=message):
        invoice_create(actor=admin, customer=customer, lines=lines, issue_date=ON)
    assert not Invoice.objects.exists()


def test_due_date_before_issue_date_is_refused(customer, admin):
    with pytest.raises(InvalidInput, match="due date"):
        invoice_create(
            actor=admin, customer=customer, lines=LINES, issue_date=ON, due_date=date(2027, 5, 1)
        )


def test_invoice_numbers_use_prefix_padding_and_start(customer, admin, system):
    settings_update(
        actor=system, invoice_prefix="2027/", invoice_number_padding=3, invoice_start_number=500
    )
    first = invoice_create(actor=admin, customer=customer, lines=LINES, issue_date=ON)
    second = invoice_create(actor=admin, customer=customer, lines=LINES, issue_date=ON)
    assert (first.number, second.number) == ("2027/500", "2027/501")
    with pytest.raises(InvalidInput, match="already used"):
        settings_update(actor=system, invoice_start_number=501)
    settings_update(actor=system, invoice_prefix="B-", invoice_start_number=502)
    third = invoice_create(actor=admin, customer=customer, lines=LINES, issue_date=ON)
    assert third.number == "B-502"


def test_a_paid_invoice_is_not_voided(invoice, admin):
    payment_record(actor=admin, invoice=invoice, amount="100.00", method="cash", on=ON)
    with pytest.raises(Refused, match="Issue a credit note") as refused:
        invoice_void(actor=admin, invoice=invoice, reason="Wrong customer", on=ON)
    assert refused.value.code == "issue_credit_note"
    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_paid) == ("unpaid", Decimal("100.00"))
    assert credit_balance(invoice.customer) == 0


def test_an_emailed_invoice_is_not_voided(invoice, admin):
    # the fixture's invoice was emailed when issued
    with pytest.raises(Refused) as refused:
        invoice_void(actor=admin, invoice=invoice, reason="Wrong customer", on=ON)
    assert refused.value.message == (
        f"Invoice {invoice.number} can't be voided: it was emailed to the customer. "
        "Issue a credit note instead."
    )


def test_void_returns_credit_used_to_the_account(customer, admin, gb_vat):
    # an invoice never emailed (its email is still queued) and never paid
    invoice = invoice_create(actor=admin, customer=customer, lines=LINES, issue_date=ON)
    credit_add(actor=admin, customer=invoice.customer, amount="100.00", reason="x", on=ON)
    credit_apply(actor=admin, invoice=invoice, amount="100.00", on=ON)
    invoice_void(actor=admin, invoice=invoice, reason="Wrong customer", on=ON)
    invoice.refresh_from_db()
    assert (invoice.status, invoice.balance) == ("void", Decimal("0"))
    assert credit_balance(invoice.customer) == Decimal("100.00")
    with pytest.raises(Refused, match="already void"):
        invoice_void(actor=admin, invoice=invoice, reason="again", on=ON)
    with pytest.raises(Refused):
        payment_record(actor=admin, invoice=invoice, amount="1.00", method="cash", on=ON)


def test_overpayment_becomes_credit(invoice, admin):
    payment_record(actor=admin, invoice=invoice, amount="300.00", method="bank_transfer", on=ON)
    invoice.refresh_from_db()
    assert invoice.status == "paid"
    assert credit_balance(invoice.customer) == Decimal("48.01")


def pdf_text(invoice) -> str:
    reader = PdfReader(BytesIO(invoice_pdf(invoice)))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_pdf_shows_the_invoice(invoice, admin):
    payment_record(actor=admin, invoice=invoice, amount="51.99", method="cash", on=ON)
    invoice.refresh_from_db()
    text = pdf_text(invoice)
    for expected in [
        "INV-00001",
        "Acme Hosting Ltd",
        "GB980780684",
        "01234567",
        "Jane Smith",
        "1 High Street",
        "Consulting",
        "£200.00",
        "VAT 20% on £209.99",
        "£42.00",
        "£251.99",
        "Amount paid",
        "£51.99",
        "Balance due",
        "£200.00",
    ]:
        assert expected in text, expected


def test_invoice_email_has_the_pdf_and_the_amounts(invoice):
    [message] = mail.outbox
    assert message.to == ["jane@example.com"]
    assert message.subject == "Invoice INV-00001 from Acme Hosting Ltd"
    html = message.alternatives[0][0]
    assert "£251.99" in html
    assert "10 May 2027" in html
    assert message.attachments[0][0] == "INV-00001.pdf"
    assert message.attachments[0][1].startswith(b"%PDF")
    log = EmailLog.objects.get()
    assert (log.status, log.to) == ("sent", "jane@example.com")


def test_no_pdf_when_the_setting_is_off(
    customer, admin, system, django_capture_on_commit_callbacks
):
    settings_update(actor=system, attach_pdf=False)
    with django_capture_on_commit_callbacks(execute=True):
        invoice_create(actor=admin, customer=customer, lines=LINES, issue_date=ON)
    assert mail.outbox[0].attachments == []


def test_edited_template_with_cc_and_priority_is_used_and_resend_logs_again(
    invoice, admin, django_capture_on_commit_callbacks
):
    email_template_update(
        actor=admin,
        key="invoice_issued",
        subject="Bill {{ invoice.number }}",
        cc="accounts@example.com",
        priority="high",
    )
    log = EmailLog.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        email_resend(actor=admin, log=log)
    message = mail.outbox[-1]
    assert message.subject == "Bill INV-00001"
    assert message.cc == ["accounts@example.com"]
    assert message.extra_headers["X-Priority"] == "1"
    assert EmailLog.objects.count() == 2


def test_broken_template_is_refused(business, admin):
    with pytest.raises(InvalidInput, match="template error"):
        email_template_update(actor=admin, key="reminder", subject="{% if %}")


def test_failed_sending_is_logged_not_raised(
    invoice, settings, admin, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.billing.failing_backend.Backend"
    with django_capture_on_commit_callbacks(execute=True):
        email_resend(actor=admin, log=EmailLog.objects.get())
    failed = EmailLog.objects.order_by("-pk").first()
    assert failed.status == "failed"
    assert "SMTP is down" in failed.error


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("cc", "not an email, also@bad", "CC: “not an email”, “also@bad” are not email addresses"),
        ("bcc", "ok@example.com, nope", "BCC: “nope” is not an email address"),
        ("reply_to", "reply@", "Reply-To: “reply@” is not an email address"),
        ("from_email", "a@example.com, b@example.com", "From: give one address"),
    ],
)
def test_template_addresses_are_checked_one_by_one(business, admin, field, value, message):
    with pytest.raises(InvalidInput, match=message):
        email_template_update(actor=admin, key="reminder", **{field: value})
    assert getattr(template_get("reminder"), field) == ""


def test_template_addresses_are_stored_tidy(business, admin):
    template = email_template_update(
        actor=admin,
        key="reminder",
        cc=" accounts@example.com ,Boss <boss@example.com>,",
        from_email="Acme Billing <billing@acme.example>",
    )
    assert template.cc == "accounts@example.com, Boss <boss@example.com>"
    assert template.from_email == "Acme Billing <billing@acme.example>"
