"""Back office: new estimates from the customer page, the estimate page and its actions, the
list of estimates, and the customer page's estimates."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.core import mail

from fairbill.customers.services import customer_create
from fairbill.invoicing.estimates import estimate_accept, estimate_create, estimate_decline
from fairbill.invoicing.models import Estimate, Invoice
from tests.backoffice.conftest import messages_of
from tests.backoffice.test_billing import lines_data

TWO_DAYS = [{"description": "Website audit (days)", "quantity": "2", "unit_price": "50.00"}]


@pytest.fixture(autouse=True)
def today():
    with time_machine.travel("2027-03-10 12:00Z", tick=False):
        yield date(2027, 3, 10)


@pytest.fixture
def estimate(customer, admin, gb_vat):
    return estimate_create(
        actor=admin,
        customer=customer,
        lines=TWO_DAYS,
        issue_date=date(2027, 3, 10),
        valid_until=date(2027, 3, 31),
    )


def test_new_estimate_from_the_customer_page(staff_client, customer, gb_vat):
    page = staff_client.get(f"/customers/{customer.pk}/").content.decode()
    assert f'href="/customers/{customer.pk}/estimates/new/"' in page
    form = staff_client.get(f"/customers/{customer.pk}/estimates/new/").content.decode()
    assert "VAT 20% added to every line" in form
    response = staff_client.post(
        f"/customers/{customer.pk}/estimates/new/",
        {
            **lines_data(("Website audit (days)", "2", "50.00"), ("", "", "")),
            "valid_until": "2027-03-31",
            "notes": "Includes a written report.",
        },
    )
    estimate = Estimate.objects.get()
    assert response.status_code == 302
    assert response.url == f"/estimates/{estimate.pk}/"
    assert (estimate.number, estimate.status, str(estimate.total)) == (
        "EST-00001",
        "draft",
        "120.00",
    )
    assert estimate.valid_until == date(2027, 3, 31)
    assert estimate.notes == "Includes a written report."


def test_bad_line_is_shown_on_its_row_and_nothing_is_saved(staff_client, customer, gb_vat):
    response = staff_client.post(
        f"/customers/{customer.pk}/estimates/new/",
        lines_data(("Audit", "2", "50.00"), ("Report", "1", "ten")),
    )
    assert response.status_code == 200
    assert "Please correct the lines below; nothing was saved." in response.content.decode()
    assert response.context["lines"][1].non_field_errors()
    assert Estimate.objects.count() == 0


def test_estimate_page_shows_lines_totals_and_actions(staff_client, estimate):
    page = staff_client.get(f"/estimates/{estimate.pk}/").content.decode()
    assert "Estimate EST-00001" in page
    assert "Website audit (days)" in page
    assert "£120.00" in page
    assert "VAT 20% on £100.00" in page
    assert "Send to customer" in page
    assert "Accept on customer's behalf" in page
    assert 'data-confirm="Accept estimate EST-00001' in page
    assert f'href="/estimates/{estimate.pk}/pdf"' in page


def test_pdf_download(staff_client, estimate):
    response = staff_client.get(f"/estimates/{estimate.pk}/pdf")
    assert response["Content-Type"] == "application/pdf"
    assert 'filename="EST-00001.pdf"' in response["Content-Disposition"]


def test_send_emails_the_customer(staff_client, estimate, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(f"/estimates/{estimate.pk}/send/", follow=True)
    assert "is being emailed to jane@example.com" in " ".join(messages_of(response))
    estimate.refresh_from_db()
    assert estimate.status == "sent"
    [email] = mail.outbox
    assert email.subject == "Estimate EST-00001 from Acme Hosting Ltd"
    page = staff_client.get(f"/estimates/{estimate.pk}/").content.decode()
    assert "Send again" in page


def test_accept_on_the_customers_behalf_opens_the_invoice(staff_client, estimate):
    response = staff_client.post(f"/estimates/{estimate.pk}/accept/")
    invoice = Invoice.objects.get()
    assert response.url == f"/invoices/{invoice.pk}/"
    assert (invoice.number, str(invoice.total)) == ("INV-00001", "120.00")
    # a double click: the second post makes no second invoice and says why
    again = staff_client.post(f"/estimates/{estimate.pk}/accept/", follow=True)
    assert "already accepted (invoice INV-00001)" in " ".join(messages_of(again))
    assert Invoice.objects.count() == 1
    page = staff_client.get(f"/estimates/{estimate.pk}/").content.decode()
    assert f'href="/invoices/{invoice.pk}/"' in page
    assert "Accept on customer" not in page


def test_expired_estimate_cannot_be_accepted_and_says_so(staff_client, admin, customer, gb_vat):
    estimate = estimate_create(
        actor=admin,
        customer=customer,
        lines=TWO_DAYS,
        issue_date=date(2027, 2, 1),
        valid_until=date(2027, 3, 1),
    )
    page = staff_client.get(f"/estimates/{estimate.pk}/").content.decode()
    assert "Expired on 1 Mar 2027" in page
    assert "Accept on customer" not in page
    response = staff_client.post(f"/estimates/{estimate.pk}/accept/", follow=True)
    assert "expired on 1 Mar 2027" in " ".join(messages_of(response))
    assert Invoice.objects.count() == 0
    listed = staff_client.get("/estimates/", {"status": "expired"}).content.decode()
    assert "EST-00001" in listed


def test_decline_with_a_reason(staff_client, estimate):
    response = staff_client.post(
        f"/estimates/{estimate.pk}/decline/", {"reason": "Went elsewhere"}, follow=True
    )
    assert "Estimate EST-00001 is declined." in messages_of(response)
    assert "Declined on 10 Mar 2027: Went elsewhere." in response.content.decode()
    estimate.refresh_from_db()
    assert (estimate.status, estimate.decline_reason) == ("declined", "Went elsewhere")


def test_list_filters_by_status_and_links_from_the_nav(staff_client, estimate, admin, customer):
    other = estimate_create(
        actor=admin, customer=customer, lines=TWO_DAYS, issue_date=date(2027, 3, 10)
    )
    estimate_decline(actor=admin, estimate=other, on=date(2027, 3, 10))
    page = staff_client.get("/estimates/").content.decode()
    assert 'href="/estimates/"' in page  # the nav
    assert "EST-00001" in page
    assert "EST-00002" in page
    declined = staff_client.get("/estimates/", {"status": "declined"}).content.decode()
    assert "EST-00002" in declined
    assert "EST-00001" not in declined
    drafts = staff_client.get("/estimates/", {"status": "draft"}).content.decode()
    assert "EST-00001" in drafts
    assert "EST-00002" not in drafts


def test_customer_page_lists_the_customers_estimates_waiting_first(
    staff_client, estimate, admin, customer, system
):
    accepted = estimate_create(
        actor=admin, customer=customer, lines=TWO_DAYS, issue_date=date(2027, 3, 11)
    )
    estimate_accept(actor=admin, estimate=accepted, on=date(2027, 3, 11))
    stranger = customer_create(actor=system, name="Bob", email="bob@example.com", country="GB")
    estimate_create(actor=admin, customer=stranger, lines=TWO_DAYS, issue_date=date(2027, 3, 10))
    response = staff_client.get(f"/customers/{customer.pk}/estimates/")
    assert [e.number for e in response.context["estimates"]] == ["EST-00001", "EST-00002"]
    assert "EST-00003" not in response.content.decode()


def test_the_estimates_and_invoices_tabs_need_the_invoices_privilege(
    client_with, estimate, customer
):
    # as the API's invoice, payment and estimate lists do
    client = client_with("customers")
    overview = client.get(f"/customers/{customer.pk}/")
    assert [tab.key for tab, _ in overview.context["tabs"]] == [
        "overview",
        "credit",
        "emails",
        "notes",
        "history",
    ]
    assert client.get(f"/customers/{customer.pk}/estimates/").status_code == 404
    assert client.get(f"/customers/{customer.pk}/invoices/").status_code == 404


def test_estimates_need_the_invoices_privilege(client_with, estimate):
    client = client_with("customers")
    assert client.get("/estimates/").status_code == 403
    assert client.get(f"/estimates/{estimate.pk}/").status_code == 403
    assert client.post(f"/estimates/{estimate.pk}/accept/").status_code == 403
    assert Invoice.objects.count() == 0


def test_pages_make_a_bounded_number_of_queries(
    staff_client, admin, customer, gb_vat, django_assert_max_num_queries
):
    many = [*TWO_DAYS, *TWO_DAYS, *TWO_DAYS]
    for _ in range(12):
        estimate = estimate_create(
            actor=admin, customer=customer, lines=many, issue_date=date(2027, 3, 10)
        )
    estimate_accept(actor=admin, estimate=estimate, on=date(2027, 3, 10))
    for path in (
        "/estimates/",
        f"/estimates/{estimate.pk}/",
        f"/customers/{customer.pk}/estimates/",
    ):
        with django_assert_max_num_queries(14):
            assert staff_client.get(path).status_code == 200
