"""Back office → the customer page as the daily tool: invoices by due / overdue / paid,
credit added and applied, emails with Resend, changed packages, the signup email, log in as
the customer, and a bounded number of queries."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.core import mail

from fairbill.core.models import Event
from fairbill.customers.services import customer_login_create
from fairbill.invoicing.services import invoice_create
from fairbill.notifications.models import EmailLog
from fairbill.notifications.services import email_queue
from fairbill.payments.services import credit_add, payment_record
from tests.backoffice.conftest import bill_and_pay, messages_of

TODAY = date(2027, 3, 15)


@pytest.fixture(autouse=True)
def _frozen_clock():
    with time_machine.travel("2027-03-15 10:00:00+00:00", tick=False):
        yield


def issue(actor, customer, amount, on, **kwargs):
    return invoice_create(
        actor=actor,
        customer=customer,
        lines=[{"description": "Consulting", "quantity": "1", "unit_price": amount}],
        issue_date=on,
        **kwargs,
    )


def page(client, customer, tab=""):
    """The customer page's tab ("" for the overview)."""
    return client.get(f"/customers/{customer.pk}/{tab}")


def test_invoices_are_split_into_overdue_due_and_paid_with_totals(staff_client, customer, system):
    # given one overdue, one due and one paid invoice
    late = issue(system, customer, "40.00", date(2027, 1, 1))
    due = issue(system, customer, "25.00", TODAY)
    paid = issue(system, customer, "60.00", TODAY)
    payment_record(actor=system, invoice=paid, amount="60.00", method="cash", on=TODAY)
    # when the customer page's invoices open
    response = page(staff_client, customer, "invoices/")
    groups = {g["key"]: g for g in response.context["invoice_groups"]}
    # then each invoice is in its group, with the group's amount
    assert [i.number for i in groups["overdue"]["invoices"]] == [late.number]
    assert [i.number for i in groups["due"]["invoices"]] == [due.number]
    assert [i.number for i in groups["paid"]["invoices"]] == [paid.number]
    assert (groups["overdue"]["amount"], groups["due"]["amount"], groups["paid"]["amount"]) == (
        Decimal("40.00"),
        Decimal("25.00"),
        Decimal("60.00"),
    )
    html = response.content.decode()
    assert 'id="invoices-overdue"' in html
    # and the overview says what is left to pay, and how many are overdue
    overview = page(staff_client, customer)
    assert overview.context["open_balance"] == Decimal("65.00")
    assert overview.context["overdue_count"] == 1
    html = overview.content.decode()
    assert "£65.00" in html
    assert "1 overdue" in html
    assert f'href="/customers/{customer.pk}/invoices/"' in html


def test_credit_added_and_applied_are_shown_with_the_balance(staff_client, customer, system):
    credit_add(actor=system, customer=customer, amount="30.00", reason="Goodwill", on=TODAY)
    invoice = issue(system, customer, "10.00", TODAY)
    payment_record(
        actor=system, invoice=invoice, amount="0", method="cash", on=TODAY, apply_credit="10.00"
    )
    response = page(staff_client, customer, "credit/")
    assert response.context["credit"] == Decimal("20.00")
    assert response.context["credit_added"] == Decimal("30.00")
    assert response.context["credit_applied"] == Decimal("10.00")
    html = response.content.decode()
    assert "Applied to invoices £10.00" in html
    assert "Goodwill" in html


def test_add_credit_from_the_customer_page(staff_client, customer):
    response = staff_client.post(
        f"/customers/{customer.pk}/credit/", {"amount": "15.50", "reason": "Refund"}, follow=True
    )
    assert "Credit added." in messages_of(response)
    assert response.context["credit"] == Decimal("15.50")


def test_emails_are_listed_and_each_can_be_resent(
    staff_client, customer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        log = email_queue(template="credit_added", customer_id=customer.pk, context={})
    html = page(staff_client, customer, "emails/").content.decode()
    assert "Credit added" in html
    assert f"/customers/{customer.pk}/emails/{log.pk}/resend/" in html
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(f"/customers/{customer.pk}/emails/{log.pk}/resend/")
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert EmailLog.objects.filter(template="credit_added").count() == 2
    assert Event.objects.filter(action="email.resent", customer_id=customer.pk).exists()


def test_an_email_of_another_customer_is_not_found(staff_client, customer, system):
    from fairbill.customers.services import customer_create

    other = customer_create(actor=system, name="Bob", email="bob@example.com", country="GB")
    log = email_queue(template="credit_added", customer_id=other.pk, context={})
    response = staff_client.post(f"/customers/{customer.pk}/emails/{log.pk}/resend/")
    assert response.status_code == 404


def test_signup_email_is_resent_when_one_was_logged(
    staff_client, customer, system, django_capture_on_commit_callbacks
):
    customer_login_create(actor=system, customer=customer, username="jane")
    first = email_queue(template="signup", customer_id=customer.pk, context={"username": "jane"})
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(f"/customers/{customer.pk}/signup-email/", follow=True)
    assert any("Signup email sent again" in m for m in messages_of(response))
    copy = EmailLog.objects.filter(template="signup").exclude(pk=first.pk).get()
    assert copy.context == {"username": "jane"}
    assert mail.outbox[-1].to == ["jane@example.com"]
    assert "jane" in mail.outbox[-1].body


def test_signup_email_is_queued_when_none_was_logged(
    staff_client, customer, system, django_capture_on_commit_callbacks
):
    customer_login_create(actor=system, customer=customer, username="jane")
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(f"/customers/{customer.pk}/signup-email/")
    log = EmailLog.objects.get(template="signup")
    assert log.context["username"] == "jane"
    assert "Welcome to Acme Hosting Ltd" in mail.outbox[-1].subject


def test_signup_email_without_a_login_says_so(staff_client, customer):
    response = staff_client.post(f"/customers/{customer.pk}/signup-email/", follow=True)
    assert "Jane Smith has no My Account login to send." in messages_of(response)
    assert not EmailLog.objects.exists()
    assert "Re-send signup email" not in response.content.decode()


def test_login_as_button_for_staff_with_the_privilege_and_a_customer_with_a_login(
    staff_client, customer, system
):
    assert "Log in to My Account" not in page(staff_client, customer).content.decode()
    customer_login_create(actor=system, customer=customer, username="jane")
    html = page(staff_client, customer).content.decode()
    assert "Log in to My Account" in html
    assert f'action="/customers/{customer.pk}/login-as/"' in html


def test_login_as_button_hidden_without_the_privilege(client_with, customer, system):
    customer_login_create(actor=system, customer=customer, username="jane")
    html = page(client_with("customers"), customer).content.decode()
    assert "Log in to My Account" not in html


def test_the_login_as_button_logs_in_to_my_account(staff_client, customer, system):
    customer_login_create(actor=system, customer=customer, username="jane")
    response = staff_client.post(f"/customers/{customer.pk}/login-as/")
    assert response.status_code == 302
    assert Event.objects.filter(action="customer.login_as", customer_id=customer.pk).exists()


def test_actions_link_to_new_invoice_wizard_and_merge(staff_client, customer, bronze, gb_vat):
    bill_and_pay(customer, bronze, date(2027, 3, 1))
    html = page(staff_client, customer).content.decode()
    assert f"/invoices/new?customer={customer.pk}" in html
    assert f"/customers/{customer.pk}/change/" in html
    assert f"/customers/{customer.pk}/merge/" in html


def test_new_invoice_shows_the_customers_currency_and_vat_rate(staff_client, customer, gb_vat):
    html = staff_client.get(f"/invoices/new?customer={customer.pk}").content.decode()
    assert "Unit price (GBP)" in html
    assert "VAT 20% added to every line" in html


def test_the_page_stays_within_a_fixed_number_of_queries(
    staff_client, customer, bronze, gold, gb_vat, system, django_assert_max_num_queries
):
    # given 10 packages (some changed) and 100 invoices, payments, credit and emails
    for n in range(10):
        bill_and_pay(customer, bronze if n % 2 else gold, date(2027, 3, 1))
    for n in range(90):
        invoice = issue(system, customer, "12.00", date(2027, 1, 1 + n % 28))
        if n % 3 == 0:
            payment_record(actor=system, invoice=invoice, amount="12.00", method="cash", on=TODAY)
    credit_add(actor=system, customer=customer, amount="5.00", reason="Goodwill", on=TODAY)
    for _ in range(5):
        email_queue(template="credit_added", customer_id=customer.pk, context={})
    # when the page opens, then the number of queries does not grow with them
    with django_assert_max_num_queries(40):
        response = page(staff_client, customer)
    assert response.status_code == 200
    assert len(response.context["subscriptions"]) == 10
