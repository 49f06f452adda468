"""My Account: login (customers only, lockout, login report), password reset and change,
overview, invoices, PDF, contact details."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.core import mail

from fairbill.accounts.models import LoginAttempt
from fairbill.core.models import Event
from fairbill.customers.services import customer_note_add
from fairbill.payments.services import credit_add, payment_record
from tests.conftest import STAFF_PASSWORD
from tests.portal.conftest import CUSTOMER_PASSWORD

pytestmark = pytest.mark.django_db


def test_customer_logs_in_and_sees_my_account(client, alice):
    response = client.post("/account/login/", {"username": "alice", "password": CUSTOMER_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/account/"
    page = client.get("/account/").content.decode()
    assert "Hello, Alice Able" in page
    attempt = LoginAttempt.objects.get()
    assert (attempt.result, attempt.area, attempt.username) == ("success", "account", "alice")


def test_wrong_password_is_refused_and_recorded(client, alice):
    response = client.post("/account/login/", {"username": "alice", "password": "nope-nope"})
    assert response.status_code == 200
    assert "don&#x27;t match" in response.content.decode()
    attempt = LoginAttempt.objects.get()
    assert (attempt.result, attempt.area) == ("failure", "account")
    assert "nope" not in str(LoginAttempt.objects.values().get())


def test_staff_can_not_log_in_to_my_account(client, admin_user):
    response = client.post("/account/login/", {"username": "admin", "password": STAFF_PASSWORD})
    assert response.status_code == 200
    assert "This is My Account, for customers" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert LoginAttempt.objects.get().result == "failure"


def test_a_logged_in_staff_user_is_refused_my_account_pages(client, admin_user, alice):
    client.force_login(admin_user)
    assert client.get("/account/").status_code == 403
    assert client.get(f"/account/invoices/{alice.invoices.get().pk}/").status_code == 403


def test_repeated_failures_lock_the_account_out(client, alice, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/account/login/", {"username": "alice", "password": "wrong-password"})
    # then even the right password is refused for a while
    response = client.post("/account/login/", {"username": "alice", "password": CUSTOMER_PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert LoginAttempt.objects.filter(result="locked", area="account").exists()


def test_logout(alice_client):
    response = alice_client.post("/account/logout/")
    assert response.status_code == 302
    assert response["Location"] == "/account/login/"
    assert alice_client.get("/account/").status_code == 302


def test_password_reset_by_email_uses_the_password_reset_text(client, alice):
    # when the customer asks for a reset link
    response = client.post("/account/password/reset/", {"email": "alice@example.com"})
    assert response["Location"] == "/account/password/reset/sent/"
    # then the email uses the stored "password_reset" text with a working link
    message = mail.outbox[-1]
    assert message.subject == "Reset your Acme Hosting Ltd password"
    assert "alice" in message.body
    link = next(w for w in message.body.split() if "/account/password/reset/" in w).rstrip(".")
    path = link.split("127.0.0.1:8000", 1)[-1].split('"')[0]
    # and following it lets them choose a new password
    response = client.get(path, follow=True)
    assert response.status_code == 200
    form_url = response.redirect_chain[-1][0]
    response = client.post(
        form_url,
        {"new_password1": "another-long-password-9", "new_password2": "another-long-password-9"},
    )
    assert response["Location"] == "/account/password/reset/done/"
    alice.user.refresh_from_db()
    assert alice.user.check_password("another-long-password-9")


def test_password_reset_is_not_sent_to_staff(client, admin_user):
    client.post("/account/password/reset/", {"email": "admin@example.com"})
    assert mail.outbox == []


def test_customer_changes_password(alice_client, alice):
    response = alice_client.post(
        "/account/password/",
        {
            "old_password": CUSTOMER_PASSWORD,
            "new_password1": "a-brand-new-password-7",
            "new_password2": "a-brand-new-password-7",
        },
    )
    assert response.status_code == 302
    alice.user.refresh_from_db()
    assert alice.user.check_password("a-brand-new-password-7")
    assert Event.objects.filter(action="customer.password_changed", customer_id=alice.pk).exists()


def test_overview_shows_balance_credit_packages_invoices_and_public_notes(
    alice_client, alice, system, bronze
):
    from fairbill.subscriptions.services import subscription_create

    subscription_create(
        actor=system, customer=alice, package=bronze, cycle="monthly", start_date=date(2027, 2, 1)
    )
    credit_add(actor=system, customer=alice, amount="7.50", reason="Goodwill", on=date(2027, 1, 2))
    customer_note_add(actor=system, customer=alice, body="Your server moves on 1 May.", public=True)
    customer_note_add(actor=system, customer=alice, body="Difficult customer", public=False)
    with time_machine.travel("2027-03-01 10:00Z", tick=False):
        alice_client.force_login(alice.user)  # a session of that day
        page = alice_client.get("/account/").content.decode()
    assert "£50.00" in page  # balance due (the invoice of the fixture)
    assert "overdue" in page
    assert "£7.50" in page
    assert "Bronze" in page
    assert "1 Feb 2027" in page
    assert alice.invoices.get().number in page
    assert "Your server moves on 1 May." in page
    assert "Difficult customer" not in page


def test_invoice_list_filters_paid_due_and_overdue(alice_client, alice, system):
    from fairbill.invoicing.services import invoice_create

    paid = invoice_create(
        actor=system,
        customer=alice,
        lines=[{"description": "Paid one", "unit_price": "10.00"}],
        issue_date=date(2027, 3, 1),
    )
    payment_record(
        actor=system, invoice=paid, amount="10.00", method="bank_transfer", on=date(2027, 3, 2)
    )
    due = invoice_create(
        actor=system,
        customer=alice,
        lines=[{"description": "Due one", "unit_price": "20.00"}],
        issue_date=date(2027, 3, 5),
    )
    overdue = alice.invoices.get(issue_date=date(2027, 1, 10))
    with time_machine.travel("2027-03-06 10:00Z", tick=False):
        alice_client.force_login(alice.user)  # a session of that day
        pages = {
            show: alice_client.get(f"/account/invoices/?show={show}").content.decode()
            for show in ("", "paid", "due", "overdue")
        }
    assert all(i.number in pages[""] for i in (paid, due, overdue))
    assert paid.number in pages["paid"]
    assert due.number not in pages["paid"]
    assert due.number in pages["due"]
    assert overdue.number in pages["due"]
    assert overdue.number in pages["overdue"]
    assert due.number not in pages["overdue"]


def test_invoice_page_and_pdf(alice_client, alice, shop):
    invoice = alice.invoices.get()
    page = alice_client.get(f"/account/invoices/{invoice.pk}/").content.decode()
    assert invoice.number in page
    assert "Consulting" in page
    # bank transfer instructions quote the invoice number
    assert "sort code 01-02-03" in page
    assert f"Reference: {invoice.number}" in page
    response = alice_client.get(f"/account/invoices/{invoice.pk}/pdf/")
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert f'filename="{invoice.number}.pdf"' in response["Content-Disposition"]


def test_customer_updates_contact_details_and_address(alice_client, alice):
    response = alice_client.post(
        "/account/details/",
        {
            "name": "Alice Able-Smith",
            "company": "Able Ltd",
            "email": "alice@able.example",
            "phone": "+44 20 7946 0000",
            "address_line1": "5 New Street",
            "address_line2": "",
            "city": "Leeds",
            "postcode": "LS1 1AA",
            "country": "GB",
            "region": "West Yorkshire",
            # fields My Account must not change, even if posted
            "currency": "USD",
            "status": "active",
            "vat_applies": "",
        },
    )
    assert response.status_code == 302
    alice.refresh_from_db()
    assert (alice.name, alice.city, alice.region) == ("Alice Able-Smith", "Leeds", "West Yorkshire")
    assert alice.email == "alice@able.example"
    assert alice.currency == "GBP"
    assert alice.vat_applies is True
    event = Event.objects.get(action="customer.updated", customer_id=alice.pk)
    assert event.actor_kind == "customer"
    assert event.data["city"] == [None, "Leeds"] or event.data["city"][1] == "Leeds"


def details_data(**overrides):
    data = {
        "name": "Alice Able",
        "email": "alice@example.com",
        "address_line1": "1 Road",
        "city": "Leeds",
        "country": "GB",
    }
    data.update(overrides)
    return data


def test_a_new_email_is_where_password_reset_links_go(client, alice_client, alice):
    # when the customer changes their email address in My Account
    response = alice_client.post("/account/details/", details_data(email="Alice@New.example"))
    assert response.status_code == 302
    alice_client.post("/account/logout/")
    # then a password reset for the new address reaches them there, and the old one gets none
    client.post("/account/password/reset/", {"email": "alice@example.com"})
    assert mail.outbox == []
    client.post("/account/password/reset/", {"email": "alice@new.example"})
    assert [m.to for m in mail.outbox] == [["alice@new.example"]]


def test_an_email_of_another_customer_is_refused(alice_client, alice, bob):
    response = alice_client.post("/account/details/", details_data(email="BOB@example.com"))
    assert response.status_code == 200
    errors = response.context["form"].errors["email"]
    assert errors == ["Another account uses this email address. Please contact us if it is yours."]
    alice.refresh_from_db()
    assert alice.email == "alice@example.com"


def test_details_errors_are_shown_on_the_fields(alice_client, alice):
    response = alice_client.post(
        "/account/details/",
        {"name": "", "email": "nope", "address_line1": "x", "city": "y", "country": "GB"},
    )
    errors = response.context["form"].errors
    assert "name" in errors
    assert "email" in errors
    alice.refresh_from_db()
    assert alice.name == "Alice Able"


def test_region_is_a_select_for_a_country_with_regional_rates(alice_client, shop):
    page = alice_client.post(
        "/account/details/", {"refresh": "region", "country": "US", "region": "NY"}
    ).content.decode()
    assert '<select name="region"' in page
    assert '<option value="NY" selected>NY</option>' in page


def test_credit_balance_amounts_are_decimal(alice, system):
    from fairbill.portal.selectors import account_summary

    summary = account_summary(customer=alice, as_of=date(2027, 1, 1))
    assert summary.balance_due == Decimal("50.00")
    assert isinstance(summary.credit, Decimal)


def test_einvoice_downloads_of_own_invoices_only(alice_client, alice, bob):
    invoice = alice.invoices.get()
    page = alice_client.get(f"/account/invoices/{invoice.pk}/").content.decode()
    assert f"/account/invoices/{invoice.pk}/einvoice/cii/" in page
    for syntax, root in (("cii", b"CrossIndustryInvoice"), ("ubl", b"<Invoice")):
        response = alice_client.get(f"/account/invoices/{invoice.pk}/einvoice/{syntax}/")
        assert response.status_code == 200
        assert root in response.content
        assert f'filename="{invoice.number}.{syntax}.xml"' in response["Content-Disposition"]
    foreign = bob.invoices.get()
    assert alice_client.get(f"/account/invoices/{foreign.pk}/einvoice/cii/").status_code == 404
    assert alice_client.get(f"/account/invoices/{invoice.pk}/einvoice/pdf/").status_code == 404
