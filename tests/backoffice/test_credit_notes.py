"""Crediting an invoice from the back office: the form, the review of the figures, issuing
once, the credit note page and list, and the void button that points to a credit note."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from html import escape

import pytest
import time_machine

from fairbill.automation.billing_run import billing_run
from fairbill.core.actors import Actor
from fairbill.customers.services import customer_create
from fairbill.invoicing.models import CreditNote, Invoice
from fairbill.invoicing.services import invoice_create
from fairbill.payments.credit_notes import credit_note_issue
from fairbill.payments.models import CreditEntry
from fairbill.payments.services import credit_balance, payment_record
from tests.backoffice.conftest import bill_and_pay, messages_of

ISSUED = date(2027, 3, 1)
TODAY = date(2027, 3, 5)
TOKEN = "k" * 24


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(f"{TODAY.isoformat()} 10:00Z", tick=False):
        yield


LINES = [
    {"description": "Design", "quantity": "1", "unit_price": "50.00"},
    {"description": "Hosting", "quantity": "2", "unit_price": "25.00"},
]


@pytest.fixture
def invoice(customer, admin, gb_vat, django_capture_on_commit_callbacks):
    """£120.00: two £50.00 lines (Design 1 × £50, Hosting 2 × £25), £100.00 + 20% VAT,
    emailed to the customer when issued."""
    with django_capture_on_commit_callbacks(execute=True):
        return invoice_create(actor=admin, customer=customer, lines=LINES, issue_date=ISSUED)


def _line(invoice, description):
    return invoice.lines.get(description=description)


def _post(client, invoice, step="review", **fields):
    data = {
        "scope": "lines",
        "reason": "Design was not delivered",
        "money": "credit",
        "token": TOKEN,
        "refund_method": "",
        "refund_date": "",
        "refund_reference": "",
        "step": step,
    }
    data.update(fields)
    return client.post(f"/invoices/{invoice.pk}/credit/", data)


def test_the_invoice_page_offers_credit_and_not_void_once_the_invoice_was_sent(
    staff_client, invoice
):
    # given an issued invoice that was emailed to the customer
    # when staff open its page
    page = staff_client.get(f"/invoices/{invoice.pk}/").content.decode()
    # then it offers Credit… and, instead of the void form, says why with a link to Credit…
    credit_url = f"/invoices/{invoice.pk}/credit/"
    assert f'href="{credit_url}" id="credit-invoice">Credit…' in page
    assert 'id="void-refused"' in page
    assert "it was emailed to the customer" in page
    assert "Void invoice</button>" not in page
    assert page.count(f'href="{credit_url}"') == 2


def test_an_invoice_never_sent_nor_paid_still_offers_void(staff_client, customer, admin, gb_vat):
    # given an invoice whose email is still queued (never sent) and no payment
    unsent = invoice_create(actor=admin, customer=customer, lines=LINES, issue_date=ISSUED)
    page = staff_client.get(f"/invoices/{unsent.pk}/").content.decode()
    # then the void form is there, and so is Credit…
    assert "Void invoice</button>" in page
    assert 'id="void-refused"' not in page
    assert 'id="credit-invoice"' in page


def test_voiding_a_sent_invoice_is_refused_with_a_link_to_credit_it(staff_client, invoice):
    response = staff_client.post(f"/invoices/{invoice.pk}/void/", {"reason": "Mistake"})
    page = response.content.decode()
    said = f"Invoice {invoice.number} can't be voided: it was emailed to the customer. Issue a "
    assert page.count(escape(said + "credit note instead.")) == 1
    assert f'href="/invoices/{invoice.pk}/credit/">Issue a credit note</a>' in page
    assert 'id="void-refused"' in page
    assert "Void invoice</button>" not in page
    assert "/api/v1" not in page
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.UNPAID


def test_the_review_shows_the_worked_figures_of_crediting_one_line(staff_client, invoice):
    # given the £120.00 invoice of two £50 lines
    design = _line(invoice, "Design")
    # when staff choose the Design line and ask for the review
    response = _post(staff_client, invoice, **{f"line_{design.pk}": "on"})
    # then the review shows £50.00 + £10.00 VAT = £60.00, all off the £120.00 balance
    assert response.status_code == 200
    assert response.templates[0].name == "backoffice/credit_notes/review.html"
    plan = response.context["plan"]
    assert (plan.totals.subtotal, plan.totals.tax, plan.totals.total) == (
        Decimal("50.00"),
        Decimal("10.00"),
        Decimal("60.00"),
    )
    assert (plan.to_balance, plan.to_credit, plan.refunded) == (Decimal("60.00"), 0, 0)
    page = response.content.decode()
    assert '<td class="num" data-testid="subtotal">£50.00</td>' in page
    assert 'VAT 20% on £50.00</th><td class="num">£10.00</td>' in page
    assert '<td class="num" data-testid="total">£60.00</td>' in page
    assert '<dd data-testid="to-balance">£60.00' in page
    assert '<dd data-testid="due-after">£60.00</dd>' in page
    assert '<dd data-testid="credited-after">£60.00 of £120.00</dd>' in page
    # and nothing was written yet
    assert not CreditNote.objects.exists()


def test_issuing_after_the_review_writes_the_reviewed_note_once(staff_client, invoice):
    design = _line(invoice, "Design")
    fields = {f"line_{design.pk}": "on"}
    # when staff issue the reviewed note, and the same submission arrives a second time
    first = _post(staff_client, invoice, step="issue", **fields)
    second = _post(staff_client, invoice, step="issue", **fields)
    # then one £60.00 note exists, both answers lead to it, and £60.00 is still due
    note = CreditNote.objects.get()
    assert (note.subtotal, note.tax, note.total) == (
        Decimal("50.00"),
        Decimal("10.00"),
        Decimal("60.00"),
    )
    assert first.url == second.url == f"/credit-notes/{note.pk}/"
    invoice.refresh_from_db()
    assert (invoice.credited, invoice.balance) == (Decimal("60.00"), Decimal("60.00"))
    assert note.reason == "Design was not delivered"


def test_the_credit_note_page_shows_its_invoice_figures_and_money(staff_client, invoice):
    design = _line(invoice, "Design")
    _post(staff_client, invoice, step="issue", **{f"line_{design.pk}": "on"})
    note = CreditNote.objects.get()
    page = staff_client.get(f"/credit-notes/{note.pk}/").content.decode()
    assert f"Credit note {note.number}" in page
    assert (
        f'href="/invoices/{invoice.pk}/" id="note-invoice">{invoice.number}</a> of 1 Mar 2027'
        in (page)
    )
    assert "Design was not delivered" in page
    assert '<td class="num" data-testid="total">£60.00</td>' in page
    assert "<dt>Balance reduced</dt><dd>£60.00</dd>" in page
    # and the invoice page lists it
    invoice_page = staff_client.get(f"/invoices/{invoice.pk}/").content.decode()
    assert f'href="/credit-notes/{note.pk}/">{note.number}</a>' in invoice_page
    assert f"Credit note {note.number} for £60.00 on invoice {invoice.number}" in invoice_page


def test_the_credit_note_pdf_downloads(staff_client, invoice):
    _post(staff_client, invoice, step="issue", scope="all")
    note = CreditNote.objects.get()
    response = staff_client.get(f"/credit-notes/{note.pk}/pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert f'filename="{note.number}.pdf"' in response["Content-Disposition"]
    # and its e-invoice: type 381 naming the invoice it corrects
    xml = staff_client.get(f"/credit-notes/{note.pk}/einvoice/cii")
    assert xml.status_code == 200
    assert b"<ram:TypeCode>381</ram:TypeCode>" in xml.content
    assert invoice.number.encode() in xml.content
    assert b"<CreditNote" in staff_client.get(f"/credit-notes/{note.pk}/einvoice/ubl").content


def test_crediting_part_of_a_line_by_quantity(staff_client, invoice):
    # one of Hosting's 2 × £25: £25 + £5 VAT
    hosting = _line(invoice, "Hosting")
    response = _post(
        staff_client, invoice, **{f"line_{hosting.pk}": "on", f"quantity_{hosting.pk}": "1"}
    )
    assert response.context["plan"].totals.total == Decimal("30.00")


def test_a_paid_invoice_credited_with_a_refund_recorded_by_hand(staff_client, admin, invoice):
    # given the £120.00 invoice paid in full by bank transfer
    payment_record(actor=admin, invoice=invoice, amount="120.00", method="bank_transfer", on=TODAY)
    fields = {
        "scope": "all",
        "money": "refund",
        "refund_method": "bank_transfer",
        "refund_date": "2027-03-05",
        "refund_reference": "REF-77",
    }
    # when the review is asked for, then the whole £120.00 is shown as refunded
    review = _post(staff_client, invoice, **fields)
    plan = review.context["plan"]
    assert (plan.to_balance, plan.to_credit, plan.refunded) == (0, 0, Decimal("120.00"))
    assert "Bank transfer on 5 Mar 2027 · REF-77" in review.content.decode()
    # and issuing records the refund, with no account credit
    _post(staff_client, invoice, step="issue", **fields)
    note = CreditNote.objects.get()
    assert (note.refunded, note.refund_reference) == (Decimal("120.00"), "REF-77")
    assert credit_balance(invoice.customer) == 0


def test_a_paid_invoice_credited_as_account_credit(staff_client, admin, invoice):
    payment_record(actor=admin, invoice=invoice, amount="120.00", method="bank_transfer", on=TODAY)
    design = _line(invoice, "Design")
    review = _post(staff_client, invoice, **{f"line_{design.pk}": "on"})
    assert review.context["plan"].to_credit == Decimal("60.00")
    assert '<dd data-testid="to-credit">£60.00</dd>' in review.content.decode()
    _post(staff_client, invoice, step="issue", **{f"line_{design.pk}": "on"})
    assert CreditEntry.objects.get(kind=CreditEntry.Kind.CREDIT_NOTE).amount == Decimal("60.00")


def _refused(response, text):
    assert response.status_code == 422
    assert response.templates[0].name == "backoffice/credit_notes/form.html"
    errors = [str(e) for errs in response.context["form"].errors.values() for e in errs]
    assert any(text in e for e in errors), errors
    assert not CreditNote.objects.exists()


def test_an_amount_beyond_what_is_left_of_a_line_is_refused(staff_client, invoice):
    design = _line(invoice, "Design")
    fields = {f"line_{design.pk}": "on", f"amount_{design.pk}": "50.01"}
    _refused(_post(staff_client, invoice, **fields), "only £50.00 is left to credit")
    _refused(_post(staff_client, invoice, step="issue", **fields), "only £50.00 is left")


def test_a_second_note_beyond_what_is_left_is_refused(staff_client, invoice):
    design = _line(invoice, "Design")
    _post(staff_client, invoice, step="issue", **{f"line_{design.pk}": "on"})
    # the same line again, with a new form
    response = _post(staff_client, invoice, token="n" * 24, **{f"line_{design.pk}": "on"})
    assert response.status_code == 422
    assert CreditNote.objects.count() == 1


@pytest.mark.parametrize("amount", ["-5.00", "0", "1e2", "abc", "5.001"])
def test_a_negative_zero_or_malformed_amount_is_refused(staff_client, invoice, amount):
    design = _line(invoice, "Design")
    response = _post(
        staff_client, invoice, **{f"line_{design.pk}": "on", f"amount_{design.pk}": amount}
    )
    assert response.status_code == 422
    assert not CreditNote.objects.exists()


@pytest.mark.parametrize("quantity", ["-1", "0", "3", "x"])
def test_a_quantity_outside_the_line_is_refused(staff_client, invoice, quantity):
    hosting = _line(invoice, "Hosting")
    response = _post(
        staff_client, invoice, **{f"line_{hosting.pk}": "on", f"quantity_{hosting.pk}": quantity}
    )
    assert response.status_code == 422
    assert not CreditNote.objects.exists()


def test_another_invoices_lines_are_not_credited(staff_client, admin, system, invoice, gb_vat):
    # given another customer's invoice
    other = customer_create(actor=system, name="Other", email="other@example.com", country="GB")
    theirs = invoice_create(
        actor=admin,
        customer=other,
        lines=[{"description": "Theirs", "quantity": "1", "unit_price": "80.00"}],
        issue_date=ISSUED,
    )
    foreign = theirs.lines.get()
    # when its line's id (and a made-up one) is sent with this invoice's form
    response = _post(staff_client, invoice, **{f"line_{foreign.pk}": "on", "line_999999": "on"})
    # then no line is chosen here, and nothing is credited on either invoice
    _refused(response, "Choose at least one line")
    theirs.refresh_from_db()
    assert theirs.credited == 0


@pytest.mark.parametrize("reason", ["Wrong\x00item", "   "])
def test_a_reason_a_database_cant_store_or_a_blank_one_is_refused(staff_client, invoice, reason):
    response = _post(staff_client, invoice, scope="all", reason=reason)
    assert response.status_code == 422
    assert "reason" in response.context["form"].errors


def test_undecodable_bytes_in_the_reason_are_not_a_server_error(staff_client, invoice):
    body = (f"scope=all&money=credit&token={TOKEN}&step=review&reason=Bad%ED%A0%80text").encode()
    response = staff_client.post(
        f"/invoices/{invoice.pk}/credit/", body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code in (200, 422)
    assert not CreditNote.objects.exists()


def test_a_refund_on_an_unpaid_invoice_is_refused_at_the_review(staff_client, invoice):
    fields = {"money": "refund", "refund_method": "cash", "refund_date": "2027-03-05"}
    _refused(_post(staff_client, invoice, scope="all", **fields), "nothing to refund")


def test_a_forged_token_is_refused(staff_client, invoice):
    _refused(_post(staff_client, invoice, scope="all", token="short"), "not one we gave out")


def test_an_invoice_credited_in_full_offers_no_credit(staff_client, invoice):
    _post(staff_client, invoice, step="issue", scope="all")
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.CREDITED
    page = staff_client.get(f"/invoices/{invoice.pk}/").content.decode()
    assert 'id="credit-invoice"' not in page
    response = staff_client.get(f"/invoices/{invoice.pk}/credit/")
    assert response.status_code == 302
    assert "nothing left to credit" in messages_of(staff_client.get(response.url))[0]


def test_staff_without_the_invoices_privilege_cant_credit(client_with, invoice):
    client = client_with("customers")
    assert _post(client, invoice, scope="all", step="issue").status_code == 403
    assert not CreditNote.objects.exists()


def test_the_list_filters_by_customer_and_dates(staff_client, admin, system, invoice, gb_vat):
    other = customer_create(actor=system, name="Zed Other", email="z@example.com", country="GB")
    theirs = invoice_create(
        actor=admin,
        customer=other,
        lines=[{"description": "Theirs", "quantity": "1", "unit_price": "80.00"}],
        issue_date=ISSUED,
    )
    _post(staff_client, invoice, step="issue", scope="all")
    _post(staff_client, theirs, step="issue", scope="all", token="z" * 24)
    mine, zed = CreditNote.objects.order_by("pk")
    everything = staff_client.get("/credit-notes/").content.decode()
    assert mine.number in everything
    assert zed.number in everything
    by_name = staff_client.get("/credit-notes/?customer=Zed").content.decode()
    assert zed.number in by_name
    assert mine.number not in by_name
    later = staff_client.get("/credit-notes/?issued_from=2027-03-06").content.decode()
    assert mine.number not in later
    assert "No credit notes match" in later


def test_the_customer_page_lists_its_credit_notes(staff_client, invoice):
    _post(staff_client, invoice, step="issue", scope="all")
    note = CreditNote.objects.get()
    page = staff_client.get(f"/customers/{invoice.customer_id}/invoices/").content.decode()
    assert f'<a href="/credit-notes/{note.pk}/">{note.number}</a>' in page
    # and the invoice credited in full is listed apart, with its status
    assert "Void and credited invoices (1)" in page
    assert f'">{invoice.number}</a> · credited · 1 Mar 2027' in page


def test_the_list_pages_by_cursor(staff_client, admin, customer, gb_vat):
    # given 26 credit notes, one on each of 26 invoices
    for n in range(26):
        one = invoice_create(
            actor=admin,
            customer=customer,
            lines=[{"description": f"Work {n}", "unit_price": "10.00"}],
            issue_date=ISSUED,
        )
        credit_note_issue(actor=admin, invoice=one, reason="x", on=TODAY)
    # when staff open the list, 25 show with a Next link; the next page has the oldest one
    first = staff_client.get("/credit-notes/")
    assert len(first.context["page"].object_list) == 25
    after = first.context["page"].next_cursor
    assert after
    second = staff_client.get("/credit-notes/", {"after": after})
    assert [n.number for n in second.context["page"].object_list] == ["CN-00001"]


def test_resending_the_credit_note_email(
    staff_client, invoice, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _post(staff_client, invoice, step="issue", scope="all")
    note = CreditNote.objects.get()
    assert note.number in mailoutbox[-1].subject
    sent = len(mailoutbox)
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(f"/credit-notes/{note.pk}/email/")
    assert response.status_code == 302
    assert len(mailoutbox) == sent + 1
    assert note.number in mailoutbox[-1].subject
    assert mailoutbox[-1].to == ["jane@example.com"]


def test_a_renewal_credited_in_full_can_reverse_the_renewal(staff_client, customer, gold):
    # given a monthly Gold started 5 February and renewed on 5 March (renews next 5 April)
    sub, _ = bill_and_pay(customer, gold, date(2027, 2, 5))
    billing_run(as_of=TODAY, actor=Actor.system("billing run"))
    renewal = Invoice.objects.get(kind=Invoice.Kind.RENEWAL, issue_date=TODAY)
    sub.refresh_from_db()
    assert sub.renewal_date == date(2027, 4, 5)
    # when staff credit it, the form offers to reverse the renewal too
    form = staff_client.get(f"/invoices/{renewal.pk}/credit/").content.decode()
    assert "Also reverse the renewal" in form
    fields = {"scope": "all", "reverse_renewal": "on", "reason": "Renewed by mistake"}
    review = _post(staff_client, renewal, **fields).content.decode()
    assert "Reversed: the package" in review
    _post(staff_client, renewal, step="issue", **fields)
    # then the note is issued and the subscription renews on 5 March again
    note = CreditNote.objects.get()
    assert note.reversed_renewal
    sub.refresh_from_db()
    assert sub.renewal_date == date(2027, 3, 5)


def test_a_manual_invoice_does_not_offer_to_reverse_a_renewal(staff_client, invoice):
    form = staff_client.get(f"/invoices/{invoice.pk}/credit/").content.decode()
    assert "Also reverse the renewal" not in form
    # and a forged field is ignored
    _post(staff_client, invoice, step="issue", scope="all", reverse_renewal="on")
    assert not CreditNote.objects.get().reversed_renewal


def test_change_from_the_review_keeps_the_choices(staff_client, invoice):
    design = _line(invoice, "Design")
    response = _post(
        staff_client, invoice, step="edit", **{f"line_{design.pk}": "on", "reason": "Kept"}
    )
    form = response.context["form"]
    assert response.templates[0].name == "backoffice/credit_notes/form.html"
    assert form[f"line_{design.pk}"].value() is True
    assert form["reason"].value() == "Kept"
    assert form["token"].value() == TOKEN
    assert not form.errors


def test_figures_that_changed_since_the_review_issue_nothing(staff_client, admin, invoice):
    # given a review of the whole £120.00 invoice: all of it off the balance
    review = _post(staff_client, invoice, scope="all")
    reviewed = review.context["plan"].figures
    design, hosting = _line(invoice, "Design"), _line(invoice, "Hosting")
    assert reviewed == f"{design.pk}:50.00,{hosting.pk}:50.00|120.00|120.00|0.00|0.00"
    assert f'name="reviewed" value="{reviewed}"' in review.content.decode()
    # when a £20.00 payment comes in before staff press Issue
    payment_record(actor=admin, invoice=invoice, amount="20.00", method="cash", on=TODAY)
    response = _post(staff_client, invoice, step="issue", scope="all", reviewed=reviewed)
    # then nothing is issued and the form asks for a new review
    _refused(response, "The invoice changed since the review")
    invoice.refresh_from_db()
    assert (invoice.credited, invoice.balance) == (0, Decimal("100.00"))
    # and the new review shows £100.00 off the balance and £20.00 as account credit
    plan = _post(staff_client, invoice, scope="all").context["plan"]
    assert (plan.to_balance, plan.to_credit) == (Decimal("100.00"), Decimal("20.00"))


def test_the_reviewed_figures_issue_the_note(staff_client, invoice):
    review = _post(staff_client, invoice, scope="all")
    _post(staff_client, invoice, step="issue", scope="all", reviewed=review.context["plan"].figures)
    assert CreditNote.objects.get().total == Decimal("120.00")


def test_a_form_kept_from_before_issues_no_second_note_silently(staff_client, invoice):
    # given the Design line credited with a form
    design, hosting = _line(invoice, "Design"), _line(invoice, "Hosting")
    review = _post(staff_client, invoice, **{f"line_{design.pk}": "on"})
    _post(
        staff_client,
        invoice,
        step="issue",
        reviewed=review.context["plan"].figures,
        **{f"line_{design.pk}": "on"},
    )
    # when the same page (same token), brought back with the browser, credits Hosting
    review = _post(staff_client, invoice, **{f"line_{hosting.pk}": "on"})
    response = _post(
        staff_client,
        invoice,
        step="issue",
        reviewed=review.context["plan"].figures,
        **{f"line_{hosting.pk}": "on"},
    )
    # then nothing more is issued, and a fresh form says why
    assert CreditNote.objects.count() == 1
    assert response.url == f"/invoices/{invoice.pk}/credit/"
    fresh = staff_client.get(response.url)
    assert "already used to issue credit note CN-00001" in messages_of(fresh)[0]
    assert fresh.context["form"]["token"].value() != TOKEN
