"""Back-office billing pages: invoices, payments, voids, manual invoices, packages and credit
on the customer page, the billing run page and the email templates."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import time_machine

from fairbill.core.models import Event
from fairbill.customers.services import customer_create
from fairbill.invoicing.models import BillingRun, Invoice
from fairbill.invoicing.services import invoice_create
from fairbill.notifications.models import EmailLog, EmailTemplate
from fairbill.payments.models import CreditEntry, Payment
from fairbill.payments.services import credit_add, credit_balance, invoice_void, payment_record
from fairbill.subscriptions.models import Subscription
from fairbill.subscriptions.services import subscription_create
from tests.backoffice.conftest import form_errors, messages_of

TODAY = date(2027, 3, 15)


@pytest.fixture(autouse=True)
def _frozen_clock():
    with time_machine.travel("2027-03-15 10:00:00+00:00", tick=False):
        yield


def issue(actor, customer, amount="100.00", on=TODAY, **kwargs) -> Invoice:
    return invoice_create(
        actor=actor,
        customer=customer,
        lines=[{"description": "Consulting", "quantity": "1", "unit_price": amount}],
        issue_date=on,
        **kwargs,
    )


def state(invoice: Invoice) -> tuple:
    invoice.refresh_from_db()
    return (
        invoice.status,
        invoice.balance,
        invoice.amount_paid,
        invoice.credit_applied,
        Payment.objects.count(),
        CreditEntry.objects.count(),
    )


# Invoice list


def test_invoice_list_shows_numbers_totals_and_an_overdue_badge(staff_client, customer, system):
    # given one overdue invoice and one paid invoice
    late = issue(system, customer, "40.00", on=date(2027, 1, 1))
    paid = issue(system, customer, "60.00")
    payment_record(actor=system, invoice=paid, amount="60.00", method="cash", on=TODAY)
    # when the list is opened
    html = staff_client.get("/invoices/").content.decode()
    # then both are listed, the late one as overdue, with the totals of the list
    assert late.number in html
    assert paid.number in html
    assert "badge-overdue" in html
    assert "£100.00" in html  # total of both
    assert "£40.00" in html  # balance left


def test_invoice_list_filters(staff_client, customer, business, system):
    other = customer_create(actor=system, name="Bob Jones", email="bob@example.com", country="GB")
    late = issue(system, customer, "40.00", on=date(2027, 1, 1))
    recent = issue(system, other, "60.00")
    void = issue(system, other, "70.00")
    invoice_void(actor=system, invoice=void, reason="Duplicate", on=TODAY)

    def numbers(query: str) -> set[str]:
        page = staff_client.get(f"/invoices/?{query}").context["page"]
        return {invoice.number for invoice in page.object_list}

    assert numbers("overdue=on") == {late.number}
    assert numbers("status=void") == {void.number}
    assert numbers("customer=bob") == {recent.number, void.number}
    assert numbers("issued_from=2027-03-01") == {recent.number, void.number}
    assert numbers("issued_to=2027-02-01") == {late.number}


def test_invoice_list_queries_are_bounded(
    staff_client, customer, system, django_assert_max_num_queries
):
    # given 60 invoices over several customers
    customers = [customer] + [
        customer_create(actor=system, name=f"Customer {n}", email=f"c{n}@example.com", country="GB")
        for n in range(5)
    ]
    for n in range(60):
        issue(system, customers[n % len(customers)], f"{n + 1}.00")
    # when the list is opened, then the number of queries does not grow with the rows
    with django_assert_max_num_queries(15):
        response = staff_client.get("/invoices/")
    assert len(response.context["page"].object_list) == 25
    with django_assert_max_num_queries(15):
        staff_client.get("/invoices/?page=3&status=unpaid&customer=customer")


# Invoice page


def test_invoice_page_shows_lines_tax_totals_and_history(staff_client, customer, gb_vat, system):
    customer.vat_applies = True
    customer.save()
    invoice = issue(system, customer, "100.00")
    credit_add(actor=system, customer=customer, amount="10.00", reason="Goodwill", on=TODAY)
    payment_record(
        actor=system, invoice=invoice, amount="50.00", method="cash", on=TODAY, apply_credit="10.00"
    )
    html = staff_client.get(f"/invoices/{invoice.pk}/").content.decode()
    assert "Consulting" in html
    assert "VAT 20% on £100.00" in html
    assert "£120.00" in html  # total
    assert "£60.00" in html  # balance
    assert "Acme Hosting Ltd" in html
    assert "Jane Smith" in html
    assert "invoice.issued" in html
    assert "payment.recorded" in html
    assert "Invoice issued" in html or "Invoiceissued" in html


def test_record_payment_with_credit_pays_the_invoice(staff_client, customer, system):
    invoice = issue(system, customer, "100.00")
    credit_add(actor=system, customer=customer, amount="30.00", reason="Goodwill", on=TODAY)
    # the form offers the balance and today
    form = staff_client.get(f"/invoices/{invoice.pk}/").context["payment_form"]
    assert form.initial["amount"] == Decimal("100.00")
    assert form.initial["on"] == TODAY
    response = staff_client.post(
        f"/invoices/{invoice.pk}/payment/",
        {"amount": "70.00", "method": "bank_transfer", "on": "2027-03-15", "apply_credit": "30.00"},
        follow=True,
    )
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID
    assert invoice.credit_applied == Decimal("30.00")
    assert credit_balance(customer) == 0
    assert messages_of(response) == [f"Invoice {invoice.number} is paid."]


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"amount": "-5.00"}, "amount", "can't be negative"),
        ({"amount": "10.005"}, "amount", "at most 2 decimal places"),
        ({"amount": "0", "apply_credit": "50.00"}, "apply_credit", "Only £20.00 of credit"),
        ({"amount": "abc"}, "amount", "is not a number"),
        ({"amount": "", "apply_credit": ""}, "amount", "Give an amount"),
        ({"amount": "1.00", "on": "9999-12-31"}, "on", "between 1 Jan 1900 and 31 Dec 2999"),
    ],
)
def test_bad_payments_are_refused_with_nothing_written(
    staff_client, customer, system, data, field, message
):
    invoice = issue(system, customer, "100.00")
    credit_add(actor=system, customer=customer, amount="20.00", reason="Goodwill", on=TODAY)
    before = state(invoice)
    response = staff_client.post(
        f"/invoices/{invoice.pk}/payment/",
        {"method": "cash", "on": "2027-03-15", **data},
    )
    assert response.status_code == 200
    errors = form_errors(response, "payment_form")
    assert message in " ".join(errors[field])
    assert state(invoice) == before


def test_void_needs_a_reason(staff_client, customer, system):
    invoice = issue(system, customer)
    response = staff_client.post(f"/invoices/{invoice.pk}/void/", {"reason": "  "})
    assert "Say why" in " ".join(form_errors(response, "void_form")["reason"])
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.UNPAID


def test_void_with_a_reason(staff_client, customer, system):
    invoice = issue(system, customer)
    staff_client.post(f"/invoices/{invoice.pk}/void/", {"reason": "Sent twice"})
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.VOID
    assert invoice.void_reason == "Sent twice"
    assert "Sent twice" in staff_client.get(f"/invoices/{invoice.pk}/").content.decode()


def test_resend_email_resends_the_invoice_email(
    staff_client, customer, system, mailoutbox, django_capture_on_commit_callbacks
):
    invoice = issue(system, customer)
    sent = len(mailoutbox)
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(f"/invoices/{invoice.pk}/email/")
    assert len(mailoutbox) == sent + 1
    assert invoice.number in mailoutbox[-1].subject
    assert Event.objects.filter(action="email.resent").count() == 1
    assert EmailLog.objects.filter(template="invoice_issued").count() == 2


def test_resend_email_queues_one_when_none_was_logged(
    staff_client, customer, system, mailoutbox, django_capture_on_commit_callbacks
):
    invoice = issue(system, customer)
    EmailLog.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(f"/invoices/{invoice.pk}/email/")
    assert EmailLog.objects.filter(template="invoice_issued").count() == 1
    assert invoice.number in mailoutbox[-1].subject


def test_pdf_download(staff_client, customer, system):
    invoice = issue(system, customer)
    response = staff_client.get(f"/invoices/{invoice.pk}/pdf")
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert f'attachment; filename="{invoice.number}.pdf"' == response["Content-Disposition"]


def test_invoice_actions_need_the_invoices_privilege(client_with, customer, system):
    invoice = issue(system, customer)
    client = client_with("customers", "settings", "packages", "reports")
    for url, data in [
        (
            f"/invoices/{invoice.pk}/payment/",
            {"amount": "100.00", "method": "cash", "on": "2027-03-15"},
        ),
        (f"/invoices/{invoice.pk}/void/", {"reason": "No"}),
        (f"/invoices/{invoice.pk}/email/", {}),
        (f"/invoices/new?customer={customer.pk}", {"lines-TOTAL_FORMS": "0"}),
        ("/billing/", {"as_of": "2027-03-15", "run": "1"}),
    ]:
        assert client.post(url, data).status_code == 403
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.UNPAID


# New manual invoice


def lines_data(*rows, total=5):
    data = {"lines-TOTAL_FORMS": str(total), "lines-INITIAL_FORMS": "0"}
    for n, (description, quantity, price) in enumerate(rows):
        data |= {
            f"lines-{n}-description": description,
            f"lines-{n}-quantity": quantity,
            f"lines-{n}-unit_price": price,
        }
    return data


def test_new_invoice_with_several_lines_ignoring_empty_rows(staff_client, customer):
    page = staff_client.get(f"/invoices/new?customer={customer.pk}").content.decode()
    assert "GBP" in page
    assert "Jane Smith" in page
    response = staff_client.post(
        f"/invoices/new?customer={customer.pk}",
        {
            **lines_data(("Setup work", "2", "40.00"), ("", "", ""), ("Domain", "", "12.50")),
            "notes": "Thanks",
        },
    )
    invoice = Invoice.objects.get()
    assert response.url == f"/invoices/{invoice.pk}/"
    assert [line.description for line in invoice.lines.all()] == ["Setup work", "Domain"]
    assert invoice.total == Decimal("92.50")
    assert invoice.kind == Invoice.Kind.MANUAL
    assert invoice.due_date == date(2027, 3, 22)


def test_new_invoice_without_lines_is_refused(staff_client, customer):
    response = staff_client.post(f"/invoices/new?customer={customer.pk}", lines_data())
    assert response.status_code == 200
    assert "at least one line" in response.content.decode()
    assert not Invoice.objects.exists()


def test_new_invoice_line_error_is_shown_on_its_row(staff_client, customer):
    response = staff_client.post(
        f"/invoices/new?customer={customer.pk}",
        lines_data(("", "", ""), ("Hosting", "1", "10.001")),
    )
    lines = response.context["lines"]
    assert "at most 2 decimal places" in " ".join(lines[1].non_field_errors())
    assert not Invoice.objects.exists()


def test_new_invoice_customer_picker(staff_client, customer):
    html = staff_client.get("/invoices/new?q=jane").content.decode()
    assert f"/invoices/new?customer={customer.pk}" in html


# Customer page: packages and credit


def test_add_package_from_the_customer_page(staff_client, customer, bronze):
    # given the customer page, which links to the page of the form
    html = staff_client.get(f"/customers/{customer.pk}/").content.decode()
    assert f'href="/customers/{customer.pk}/packages/"' in html
    form_page = staff_client.get(f"/customers/{customer.pk}/packages/")
    assert form_page.status_code == 200
    assert "Bronze" in form_page.content.decode()  # the catalog's packages to choose from
    assert form_page.context["form"].initial["start_date"]
    # when the form is sent, then the package is added and the customer page shows it
    response = staff_client.post(
        f"/customers/{customer.pk}/packages/",
        {"package": bronze.pk, "cycle": "monthly", "start_date": "2027-03-15"},
    )
    assert response.status_code == 302
    sub = Subscription.objects.get()
    assert (sub.price, sub.setup_fee, sub.renewal_date) == (
        Decimal("10.00"),
        Decimal("5.00"),
        date(2027, 3, 15),
    )
    html = staff_client.get(f"/customers/{customer.pk}/").content.decode()
    assert "Bronze" in html
    assert "15 Mar 2027" in html


def test_add_package_with_own_price_and_an_option(staff_client, customer, bronze, system):
    from fairbill.catalog.services import option_create

    option = option_create(
        actor=system,
        name="Extra storage",
        kind="quantity",
        unit="GB",
        package_ids=[bronze.pk],
        prices=[{"cycle": "monthly", "price": "1.00"}],
    )
    staff_client.post(
        f"/customers/{customer.pk}/packages/",
        {
            "package": bronze.pk,
            "cycle": "monthly",
            "start_date": "2027-03-15",
            "price": "8.00",
            "setup_fee": "0",
            f"option_{option.pk}": "3",
        },
    )
    sub = Subscription.objects.get()
    assert sub.price == Decimal("8.00")
    assert sub.setup_fee == 0
    assert [(o.option_id, o.quantity) for o in sub.options.all()] == [(option.pk, 3)]


def test_no_package_is_added_to_a_merged_customer(staff_client, customer, bronze, system):
    # given a customer merged into another
    from fairbill.customers.merge import customer_merge

    other = customer_create(actor=system, name="Other", email="o@example.com", country="GB")
    customer_merge(actor=system, source=customer, target=other)
    # when the add-a-package page is opened or sent, then it is not found
    assert staff_client.get(f"/customers/{customer.pk}/packages/").status_code == 404
    response = staff_client.post(
        f"/customers/{customer.pk}/packages/",
        {"package": bronze.pk, "cycle": "monthly", "start_date": "2027-03-15"},
    )
    assert response.status_code == 404
    assert not Subscription.objects.exists()


def test_add_package_without_a_catalog_price_is_refused(staff_client, customer, bronze):
    response = staff_client.post(
        f"/customers/{customer.pk}/packages/",
        {"package": bronze.pk, "cycle": "quarterly", "start_date": "2027-03-15"},
    )
    assert "no quarterly price" in " ".join(form_errors(response, "form")["cycle"])
    assert not Subscription.objects.exists()


def test_add_credit(staff_client, customer):
    staff_client.post(
        f"/customers/{customer.pk}/credit/", {"amount": "25.00", "reason": "Goodwill"}
    )
    assert credit_balance(customer) == Decimal("25.00")
    html = staff_client.get(f"/customers/{customer.pk}/credit/").content.decode()
    assert "£25.00" in html
    assert "Goodwill" in html


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"amount": "-5.00", "reason": "x"}, "amount", "can't be negative"),
        ({"amount": "5.001", "reason": "x"}, "amount", "at most 2 decimal places"),
        ({"amount": "5.00", "reason": ""}, "reason", "Say why"),
    ],
)
def test_bad_credit_is_refused(staff_client, customer, data, field, message):
    response = staff_client.post(f"/customers/{customer.pk}/credit/", data)
    assert message in " ".join(form_errors(response, "credit_form")[field])
    assert not CreditEntry.objects.exists()


def test_customer_page_lists_invoices_and_payments(staff_client, customer, system):
    late = issue(system, customer, "40.00", on=date(2027, 1, 1))
    paid = issue(system, customer, "60.00")
    payment_record(
        actor=system, invoice=paid, amount="60.00", method="cash", on=TODAY, reference="R-1"
    )
    response = staff_client.get(f"/customers/{customer.pk}/invoices/")
    html = response.content.decode()
    assert late.number in html
    assert paid.number in html
    assert "R-1" in html
    assert response.context["invoice_counts"] == {"due": 0, "overdue": 1, "paid": 1}


def test_customer_billing_forms_need_the_customers_privilege(client_with, customer, bronze):
    client = client_with("invoices", "settings", "packages", "reports")
    assert (
        client.post(f"/customers/{customer.pk}/credit/", {"amount": "5", "reason": "x"}).status_code
        == 403
    )
    assert (
        client.post(
            f"/customers/{customer.pk}/packages/",
            {"package": bronze.pk, "cycle": "monthly", "start_date": "2027-03-15"},
        ).status_code
        == 403
    )
    assert not CreditEntry.objects.exists()
    assert not Subscription.objects.exists()


# Billing run page


@pytest.fixture
def due_subscription(customer, bronze, system):
    return subscription_create(
        actor=system, customer=customer, package=bronze, cycle="monthly", start_date=TODAY
    )


def test_billing_page_defaults_to_today(staff_client, business):
    response = staff_client.get("/billing/")
    assert response.context["form"].initial["as_of"] == TODAY
    assert "No billing run yet" in response.content.decode()


def test_dry_run_shows_the_preview_and_bills_nothing(staff_client, due_subscription, mailoutbox):
    events = Event.objects.count()
    response = staff_client.post("/billing/", {"as_of": "2027-03-15", "dry_run": "1"})
    html = response.content.decode()
    assert "nothing was written" in html
    assert "Jane Smith" in html
    assert "Bronze" in html
    assert "£15.00" in html
    assert not Invoice.objects.exists()
    assert Event.objects.count() == events
    assert mailoutbox == []
    due_subscription.refresh_from_db()
    assert due_subscription.renewal_date == TODAY
    # the dry run is listed as such
    assert BillingRun.objects.get().dry_run


def test_run_now_creates_the_renewal_invoices(staff_client, due_subscription):
    response = staff_client.post("/billing/", {"as_of": "2027-03-15", "run": "1"}, follow=True)
    invoice = Invoice.objects.get()
    assert invoice.kind == Invoice.Kind.RENEWAL
    assert invoice.total == Decimal("15.00")
    assert any("1 invoice," in m and "£15.00 billed" in m for m in messages_of(response))
    run = BillingRun.objects.get()
    assert not run.dry_run
    assert run.status == BillingRun.Status.FINISHED
    # running again the same day bills nothing more
    staff_client.post("/billing/", {"as_of": "2027-03-15", "run": "1"})
    assert Invoice.objects.count() == 1


def test_run_with_an_invalid_date_runs_nothing(staff_client, due_subscription):
    response = staff_client.post("/billing/", {"as_of": "not a date", "run": "1"})
    assert form_errors(response)["as_of"]
    assert not BillingRun.objects.exists()


@pytest.mark.parametrize("as_of", ["0001-01-01", "9999-12-31"])
@pytest.mark.parametrize("button", ["run", "dry_run"])
def test_a_date_out_of_range_is_a_form_error(staff_client, due_subscription, as_of, button):
    # when the billing run is asked for year 1 or 9999 (it would overflow the period maths)
    response = staff_client.post("/billing/", {"as_of": as_of, button: "1"})
    # then the page says which dates it takes, and nothing ran
    assert response.status_code == 200
    assert "between 1 Jan 1900 and 31 Dec 2999" in " ".join(form_errors(response)["as_of"])
    assert not BillingRun.objects.exists()


# Emails


def test_email_list_shows_every_email(staff_client, business):
    from fairbill.notifications.defaults import DEFAULTS

    html = staff_client.get("/settings/emails/").content.decode()
    for values in DEFAULTS.values():
        assert values["name"] in html


def test_email_edit_saves_and_previews_the_last_email(staff_client, customer, system):
    invoice = issue(system, customer)
    page = staff_client.get("/settings/emails/invoice_issued/")
    assert invoice.number in page.context["preview_subject"]
    response = staff_client.post(
        "/settings/emails/invoice_issued/",
        {
            "subject": "Your invoice {{ invoice.number }}",
            "body_html": "<p>Hello {{ customer.name }}</p>",
            "from_email": "billing@example.com",
            "reply_to": "",
            "cc": "",
            "bcc": "accounts@example.com",
            "priority": "high",
            "active": "on",
        },
    )
    assert response.status_code == 302
    template = EmailTemplate.objects.get(key="invoice_issued")
    assert (template.subject, template.priority, template.bcc) == (
        "Your invoice {{ invoice.number }}",
        "high",
        "accounts@example.com",
    )
    page = staff_client.get("/settings/emails/invoice_issued/")
    assert page.context["preview_subject"] == f"Your invoice {invoice.number}"
    assert "Hello Jane Smith" in page.context["preview_html"]


def test_email_preview_keeps_links_inside_the_preview_frame(staff_client, customer, system):
    # the preview is an iframe's srcdoc: the HTML must be escaped to stay in the attribute
    invoice = issue(system, customer)
    html = staff_client.get("/settings/emails/invoice_issued/").content.decode()
    frame = html.split("<iframe", 1)[1].split("</iframe>", 1)[0]
    assert f"&lt;a href=&quot;http://127.0.0.1:8000/account/invoices/{invoice.pk}/&quot;" in frame
    assert "Thank you,&lt;br&gt;Acme Hosting Ltd" in frame


def test_email_template_error_is_a_form_error(staff_client, business):
    response = staff_client.post(
        "/settings/emails/reminder/",
        {"subject": "Hi {% if %}", "body_html": "<p>x</p>", "priority": "normal", "active": "on"},
    )
    assert "Template error" in " ".join(form_errors(response)["subject"])
    assert not EmailTemplate.objects.filter(key="reminder", subject__contains="{% if").exists()


def test_email_template_bad_cc_is_an_error_on_the_cc_field(staff_client, business):
    # when staff save the reminder with a CC that holds no email address
    response = staff_client.post(
        "/settings/emails/reminder/",
        {
            "subject": "Reminder",
            "body_html": "<p>x</p>",
            "cc": "not an email, also@bad",
            "priority": "normal",
            "active": "on",
        },
    )
    # then the CC field says which addresses are wrong, and nothing is saved
    assert form_errors(response)["cc"] == ["“not an email”, “also@bad” are not email addresses."]
    assert EmailTemplate.objects.get(key="reminder").cc == ""


def test_email_log_lists_and_resends(
    staff_client, customer, system, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        issue(system, customer)
    log = EmailLog.objects.get()
    html = staff_client.get("/settings/email-log/").content.decode()
    assert "Invoice issued" in html
    assert "Resend" in html
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(f"/settings/email-log/{log.pk}/resend/")
    assert EmailLog.objects.count() == 2
    assert len(mailoutbox) == 2


# Billing run: a date after today, progress


def test_run_now_with_a_future_date_is_a_dry_run_that_spells_out_the_consequences(
    staff_client, due_subscription, system, mailoutbox
):
    from fairbill.core.services import settings_update

    settings_update(actor=system, suspend_days_after_due=14)
    # when "Run now" is pressed for 17 days ahead
    response = staff_client.post("/billing/", {"as_of": "2027-04-01", "run": "1"})
    # then nothing is billed: it was a dry run, and the page asks to confirm, saying why
    html = response.content.decode()
    assert "1 Apr 2027 is 17 days after today: this was a dry run" in html
    assert "dated 1 Apr 2027" in html
    assert "an invoice due today would count as 17 days overdue" in html
    assert "suspended</strong> when an invoice is 14 days overdue" in html
    assert "Run as of 1 Apr 2027 for real" in html
    assert not Invoice.objects.exists()
    assert mailoutbox == []
    assert BillingRun.objects.get().dry_run
    # when staff confirm, the run is real
    staff_client.post("/billing/", {"as_of": "2027-04-01", "run": "1", "confirm_future": "1"})
    assert Invoice.objects.get().issue_date == date(2027, 4, 1)
    assert BillingRun.objects.filter(dry_run=False).count() == 1


def test_run_now_for_today_needs_no_confirmation(staff_client, due_subscription):
    staff_client.post("/billing/", {"as_of": "2027-03-15", "run": "1"})
    assert Invoice.objects.count() == 1


def test_a_run_far_from_today_is_refused(staff_client, due_subscription):
    response = staff_client.post("/billing/", {"as_of": "2999-12-31", "dry_run": "1"})
    assert "too far from today" in " ".join(form_errors(response)["as_of"])
    assert not BillingRun.objects.exists()


def test_the_run_reports_its_progress_under_the_pages_token(staff_client, due_subscription):
    page = staff_client.get("/billing/")
    token = page.context["progress_token"]
    assert staff_client.get("/billing/progress/", {"token": token}).content.decode().strip() == (
        "Working…"
    )
    staff_client.post("/billing/", {"as_of": "2027-03-15", "dry_run": "1", "progress": token})
    progress = staff_client.get("/billing/progress/", {"token": token}).content.decode()
    assert progress.strip() == "Working… 1 of 1 customer done"
