"""Estimates: created as drafts, sent with their PDF, accepted into one invoice exactly once,
declined, expired."""

from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest
from django.core import mail
from django.db import transaction
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from fairbill.catalog.models import TaxRate
from fairbill.core.errors import InvalidInput, Refused
from fairbill.core.models import Event
from fairbill.customers.merge import customer_merge
from fairbill.customers.services import customer_create
from fairbill.invoicing.estimate_pdf import estimate_pdf
from fairbill.invoicing.estimates import (
    estimate_accept,
    estimate_create,
    estimate_decline,
    estimate_send,
)
from fairbill.invoicing.models import Estimate, Invoice
from fairbill.invoicing.services import invoice_create
from fairbill.notifications.models import EmailLog

ON = date(2027, 5, 3)
TWO_DAYS = [{"description": "Website audit (days)", "quantity": "2", "unit_price": "50.00"}]


@pytest.fixture
def estimate(customer, admin, gb_vat):
    return estimate_create(
        actor=admin, customer=customer, lines=TWO_DAYS, issue_date=ON, valid_until=date(2027, 6, 1)
    )


def test_estimate_is_taxed_like_an_invoice_and_numbered_on_its_own(estimate):
    # 2 × £50.00 = £100.00 net, 20% VAT = £20.00, total £120.00
    assert (estimate.subtotal, estimate.tax, estimate.total) == (
        Decimal("100.00"),
        Decimal("20.00"),
        Decimal("120.00"),
    )
    assert estimate.number == "EST-00001"
    assert estimate.status == Estimate.Status.DRAFT
    [line] = estimate.lines.all()
    assert (line.amount, line.tax_rate) == (Decimal("100.00"), Decimal("20.0000"))


def test_accepted_estimate_becomes_one_invoice_numbered_as_invoices(estimate, admin, customer):
    invoice_create(actor=admin, customer=customer, lines=TWO_DAYS, issue_date=ON)  # INV-00001
    invoice = estimate_accept(actor=admin, estimate=estimate, on=date(2027, 5, 10))
    assert invoice.number == "INV-00002"
    assert (invoice.kind, invoice.status) == (Invoice.Kind.MANUAL, Invoice.Status.UNPAID)
    assert (invoice.subtotal, invoice.tax, invoice.total) == (
        Decimal("100.00"),
        Decimal("20.00"),
        Decimal("120.00"),
    )
    assert invoice.issue_date == date(2027, 5, 10)
    assert "From estimate EST-00001" in invoice.notes
    estimate.refresh_from_db()
    assert estimate.status == Estimate.Status.ACCEPTED
    assert estimate.invoice == invoice
    assert invoice.estimate == estimate
    assert [(li.description, li.quantity, li.unit_price) for li in invoice.lines.all()] == [
        ("Website audit (days)", Decimal("2"), Decimal("50.00"))
    ]


def test_second_accept_is_refused_and_makes_no_second_invoice(estimate, admin):
    first = estimate_accept(actor=admin, estimate=estimate, on=ON)
    with pytest.raises(Refused, match=f"already accepted \\(invoice {first.number}\\)"):
        estimate_accept(actor=admin, estimate=estimate, on=ON)
    # also from a stale copy of the row, as a double click would hold
    stale = Estimate.objects.get(pk=estimate.pk)
    stale.status, stale.invoice_id = Estimate.Status.SENT, None
    with pytest.raises(Refused, match="already accepted"):
        estimate_accept(actor=admin, estimate=stale, on=ON)
    assert Invoice.objects.count() == 1
    assert Event.objects.filter(action="estimate.accepted").count() == 1


def test_expired_estimate_cannot_be_accepted(estimate, admin):
    with pytest.raises(Refused, match="expired on 1 Jun 2027") as refused:
        estimate_accept(actor=admin, estimate=estimate, on=date(2027, 6, 2))
    assert refused.value.code == "expired"
    assert Invoice.objects.count() == 0
    # the last valid day is still fine
    assert estimate_accept(actor=admin, estimate=estimate, on=date(2027, 6, 1)).total == Decimal(
        "120.00"
    )


def test_declined_estimate_cannot_be_accepted(estimate, admin):
    estimate_decline(actor=admin, estimate=estimate, on=ON, reason="Too expensive")
    estimate.refresh_from_db()
    assert (estimate.status, estimate.decline_reason) == ("declined", "Too expensive")
    with pytest.raises(Refused, match="was declined"):
        estimate_accept(actor=admin, estimate=estimate, on=ON)
    assert Invoice.objects.count() == 0


def test_accepted_estimate_cannot_be_declined(estimate, admin):
    estimate_accept(actor=admin, estimate=estimate, on=ON)
    with pytest.raises(Refused, match="already accepted"):
        estimate_decline(actor=admin, estimate=estimate, on=ON)


def test_accept_is_refused_when_the_tax_changed_since(estimate, admin, gb_vat):
    TaxRate.objects.filter(pk=gb_vat.pk).update(rate=Decimal("25"))
    with pytest.raises(Refused, match="£120.00 but an invoice today would be £125.00"):
        estimate_accept(actor=admin, estimate=estimate, on=ON)
    # nothing half-written: no invoice, no number used, the estimate still open
    assert Invoice.objects.count() == 0
    estimate.refresh_from_db()
    assert (estimate.status, estimate.invoice_id) == ("draft", None)


def test_send_emails_the_estimate_with_its_pdf(estimate, admin, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        estimate_send(actor=admin, estimate=estimate, on=ON)
    estimate.refresh_from_db()
    assert estimate.status == Estimate.Status.SENT
    assert estimate.sent_at is not None
    [email] = mail.outbox
    assert email.to == ["jane@example.com"]
    assert email.subject == "Estimate EST-00001 from Acme Hosting Ltd"
    assert "£120.00" in email.body
    assert "valid until 1 June 2027" in email.body
    assert "/account/estimates/" in email.body
    [(name, content, mimetype)] = email.attachments
    assert (name, mimetype) == ("EST-00001.pdf", "application/pdf")
    assert content.startswith(b"%PDF")
    assert EmailLog.objects.get().template == "estimate_sent"
    assert Event.objects.filter(action="estimate.sent", subject_id=estimate.pk).exists()


def test_expired_estimate_is_not_sent(estimate, admin):
    with pytest.raises(Refused, match="expired"):
        estimate_send(actor=admin, estimate=estimate, on=date(2027, 7, 1))
    assert EmailLog.objects.count() == 0


def test_pdf_is_titled_estimate_with_its_valid_until(estimate):
    reader = PdfReader(BytesIO(estimate_pdf(estimate)))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Estimate" in text
    assert "EST-00001" in text
    assert "VALID UNTIL" in text.upper()
    assert "1 Jun 2027" in text
    assert "£120.00" in text
    assert "Invoice" not in text


def test_bad_lines_and_dates_are_refused_and_nothing_is_written(customer, admin, gb_vat):
    with pytest.raises(InvalidInput, match="line 1: give a description"):
        estimate_create(
            actor=admin,
            customer=customer,
            lines=[{"description": "", "quantity": "1", "unit_price": "5.00"}],
            issue_date=ON,
        )
    with pytest.raises(InvalidInput, match="valid until: can't be before"):
        estimate_create(
            actor=admin,
            customer=customer,
            lines=TWO_DAYS,
            issue_date=ON,
            valid_until=date(2027, 5, 1),
        )
    assert Estimate.objects.count() == 0


def test_status_changes_are_recorded_as_events(estimate, admin):
    estimate_send(actor=admin, estimate=estimate, on=ON)
    invoice = estimate_accept(actor=admin, estimate=estimate, on=ON)
    actions = list(
        Event.objects.filter(subject_type="estimate", subject_id=estimate.pk)
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["estimate.created", "estimate.sent", "estimate.accepted"]
    accepted = Event.objects.get(action="estimate.accepted")
    assert accepted.data["invoice"] == invoice.number


def test_merge_moves_the_estimates(estimate, admin, system):
    duplicate = customer_create(
        actor=system, name="Jane S.", email="jane.s@example.com", country="GB"
    )
    moved = customer_merge(actor=admin, target=duplicate, source=estimate.customer)
    estimate.refresh_from_db()
    assert estimate.customer == duplicate
    assert {item.label: item.count for item in moved}["estimates"] == 1


class Rollback(Exception):
    pass


lines_strategy = st.lists(
    st.fixed_dictionaries(
        {
            "description": st.just("Work"),
            "quantity": st.integers(1, 4000).map(lambda q: str(Decimal(q) / 4)),
            "unit_price": st.integers(-5_000, 500_000).map(lambda c: str(Decimal(c) / 100)),
        }
    ),
    min_size=1,
    max_size=6,
)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(lines=lines_strategy)
def test_the_invoice_always_bills_exactly_what_the_estimate_quoted(lines, customer, admin, gb_vat):
    try:
        with transaction.atomic():
            try:
                estimate = estimate_create(
                    actor=admin, customer=customer, lines=lines, issue_date=ON
                )
            except InvalidInput:
                assume(False)  # a negative total: refused, as for an invoice
            invoice = estimate_accept(actor=admin, estimate=estimate, on=ON)
            assert (invoice.subtotal, invoice.tax, invoice.total) == (
                estimate.subtotal,
                estimate.tax,
                estimate.total,
            )
            assert [li.amount for li in invoice.lines.all()] == [
                li.amount for li in estimate.lines.all()
            ]
            assert invoice.balance == estimate.total
            raise Rollback
    except Rollback:
        pass
