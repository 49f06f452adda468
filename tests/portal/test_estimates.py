"""My Account: the customer's estimates — seen, opened, downloaded, accepted (→ the invoice,
paid as any other) or declined; another customer's estimate, or a draft, is a 404."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from fairbill.core import clock
from fairbill.core.models import Event
from fairbill.invoicing.estimates import estimate_create, estimate_send
from fairbill.invoicing.models import Estimate, Invoice

pytestmark = pytest.mark.django_db

TWO_DAYS = [{"description": "Website audit (days)", "quantity": "2", "unit_price": "50.00"}]


@pytest.fixture
def quote(system, gb_vat):
    """Make a sent estimate (2 × £50.00 + 20% VAT = £120.00) for a customer."""

    def make(customer, *, send=True, valid_days=30):
        today = clock.today()
        estimate = estimate_create(
            actor=system,
            customer=customer,
            lines=TWO_DAYS,
            issue_date=today - timedelta(days=40),
            valid_until=today + timedelta(days=valid_days),
        )
        if send:
            estimate_send(actor=system, estimate=estimate, on=today - timedelta(days=40))
        return estimate

    return make


def estimate_urls(estimate_id: int) -> list[tuple[str, str]]:
    return [
        ("get", f"/account/estimates/{estimate_id}/"),
        ("get", f"/account/estimates/{estimate_id}/pdf/"),
        ("post", f"/account/estimates/{estimate_id}/accept/"),
        ("post", f"/account/estimates/{estimate_id}/decline/"),
    ]


def test_open_estimates_are_shown_first_on_the_overview_and_the_list(alice_client, alice, quote):
    estimate = quote(alice)
    overview = alice_client.get("/account/").content.decode()
    assert "Estimate waiting for your answer" in overview
    assert f'href="/account/estimates/{estimate.pk}/"' in overview
    listed = alice_client.get("/account/estimates/").content.decode()
    assert estimate.number in listed
    assert "£120.00" in listed


def test_customer_opens_and_downloads_an_estimate(alice_client, alice, quote):
    estimate = quote(alice)
    page = alice_client.get(f"/account/estimates/{estimate.pk}/").content.decode()
    assert "Website audit (days)" in page
    assert "£120.00" in page
    assert "Accept estimate" in page
    pdf = alice_client.get(f"/account/estimates/{estimate.pk}/pdf/")
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")


def test_accepting_shows_the_new_invoice_ready_to_pay(alice_client, alice, quote):
    estimate = quote(alice)
    response = alice_client.post(f"/account/estimates/{estimate.pk}/accept/")
    invoice = Invoice.objects.get(estimate=estimate)
    assert response.url == f"/account/invoices/{invoice.pk}/"
    assert (invoice.customer, invoice.total, invoice.status) == (alice, Decimal("120.00"), "unpaid")
    page = alice_client.get(response.url).content.decode()
    assert "is accepted. Invoice" in page
    assert "Pay this invoice" in page
    event = Event.objects.get(action="estimate.accepted")
    assert (event.actor_kind, event.customer_id) == ("customer", alice.pk)


def test_a_second_accept_shows_the_same_invoice(alice_client, alice, quote):
    estimate = quote(alice)
    first = alice_client.post(f"/account/estimates/{estimate.pk}/accept/")
    second = alice_client.post(f"/account/estimates/{estimate.pk}/accept/")
    assert first.url == second.url
    assert Invoice.objects.filter(customer=alice).count() == 2  # the fixture's one + this one


def test_declining_with_a_reason(alice_client, alice, quote):
    estimate = quote(alice)
    alice_client.post(f"/account/estimates/{estimate.pk}/decline/", {"reason": "Not now"})
    estimate.refresh_from_db()
    assert (estimate.status, estimate.decline_reason) == ("declined", "Not now")
    page = alice_client.get(f"/account/estimates/{estimate.pk}/").content.decode()
    assert "Declined" in page
    assert "Accept estimate" not in page


def test_expired_estimate_cannot_be_accepted(alice_client, alice, quote):
    estimate = quote(alice, valid_days=-1)
    page = alice_client.get(f"/account/estimates/{estimate.pk}/").content.decode()
    assert "expired on" in page
    assert "Accept estimate" not in page
    response = alice_client.post(f"/account/estimates/{estimate.pk}/accept/", follow=True)
    assert "expired on" in response.content.decode()
    assert not Invoice.objects.filter(estimate=estimate).exists()


def test_another_customers_estimate_is_404_for_every_url(alice_client, bob, quote):
    bobs = quote(bob)
    for method, url in estimate_urls(bobs.pk):
        assert getattr(alice_client, method)(url).status_code == 404, (method, url)
    assert bobs.number not in alice_client.get("/account/estimates/").content.decode()
    bobs.refresh_from_db()
    assert (bobs.status, bobs.invoice_id) == ("sent", None)


def test_a_draft_estimate_is_not_shown_to_the_customer(alice_client, alice, quote):
    draft = quote(alice, send=False)
    for method, url in estimate_urls(draft.pk):
        assert getattr(alice_client, method)(url).status_code == 404, (method, url)
    assert Estimate.objects.get(pk=draft.pk).status == "draft"
