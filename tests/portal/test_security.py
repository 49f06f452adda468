"""Who may see what: customers see only their own records (another's id answers 404),
anonymous visitors are sent to the login, customers can't open the back office, and every
form needs its CSRF token."""

from __future__ import annotations

import pytest
from django.test import Client

from fairbill.payments.gateways.fake import FakeGateway
from fairbill.payments.models import Payment
from tests.portal.conftest import CUSTOMER_PASSWORD

pytestmark = pytest.mark.django_db

ACCOUNT_PAGES = ["/account/", "/account/invoices/", "/account/details/", "/account/password/"]


def invoice_urls(invoice_id: int) -> list[tuple[str, str]]:
    return [
        ("get", f"/account/invoices/{invoice_id}/"),
        ("get", f"/account/invoices/{invoice_id}/pdf/"),
        ("get", f"/account/invoices/{invoice_id}/payment/?ref=x"),
        ("post", f"/account/invoices/{invoice_id}/pay/"),
    ]


def test_a_customer_gets_404_for_every_url_with_another_customers_ids(
    alice_client, alice, bob, settings
):
    settings.PAYMENT_GATEWAY = "fake"
    bob_invoice = bob.invoices.get()
    for method, url in invoice_urls(bob_invoice.pk):
        response = getattr(alice_client, method)(url, {"method": "card", "use_credit": "1"})
        assert response.status_code == 404, (method, url)
    # nor can a demo checkout made for Bob's invoice be used by Alice
    checkout = FakeGateway().checkout_start(
        invoice=bob_invoice, amount=bob_invoice.balance, success_url="/", cancel_url="/"
    )
    assert alice_client.get(checkout.url).status_code == 404
    assert alice_client.post(checkout.url).status_code == 404
    assert not Payment.objects.exists()
    bob_invoice.refresh_from_db()
    assert bob_invoice.status == "unpaid"


def test_a_customer_sees_their_own_invoice_urls(alice_client, alice):
    invoice = alice.invoices.get()
    for method, url in invoice_urls(invoice.pk)[:3]:
        assert getattr(alice_client, method)(url).status_code == 200, url


def test_another_customers_invoice_is_not_listed(alice_client, alice, bob):
    page = alice_client.get("/account/invoices/").content.decode()
    assert alice.invoices.get().number in page
    assert bob.invoices.get().number not in page


def test_a_draft_or_unknown_invoice_id_answers_404(alice_client):
    assert alice_client.get("/account/invoices/999999/").status_code == 404


def test_anonymous_visitors_are_sent_to_the_login(client, alice):
    invoice = alice.invoices.get()
    urls = [("get", u) for u in ACCOUNT_PAGES] + invoice_urls(invoice.pk)
    for method, url in urls:
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/account/login/?next="), url


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/customers/",
        "/invoices/",
        "/billing/",
        "/packages/",
        "/settings/",
        "/settings/staff/",
        "/settings/api-keys/",
        "/reports/logins/",
    ],
)
def test_a_customer_can_not_open_back_office_pages(alice_client, url):
    response = alice_client.get(url)
    assert response.status_code in (302, 403)
    if response.status_code == 302:
        assert response["Location"].startswith("/login/")


def test_a_customer_can_not_start_log_in_as(alice_client, bob):
    response = alice_client.post(f"/customers/{bob.pk}/login-as/")
    assert response.status_code in (302, 403)
    assert "fairbill_login_as" not in alice_client.session


@pytest.fixture
def csrf_client(alice) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice.user)
    return client


def test_csrf_is_enforced_on_every_my_account_post(csrf_client, alice, settings):
    settings.PAYMENT_GATEWAY = "fake"
    invoice = alice.invoices.get()
    checkout = FakeGateway().checkout_start(
        invoice=invoice, amount=invoice.balance, success_url="/", cancel_url="/"
    )
    posts = [
        (f"/account/invoices/{invoice.pk}/pay/", {"method": "card"}),
        (checkout.url, {}),
        ("/account/details/", {"name": "Mallory"}),
        ("/account/password/", {"old_password": CUSTOMER_PASSWORD}),
        ("/account/logout/", {}),
    ]
    for url, data in posts:
        assert csrf_client.post(url, data).status_code == 403, url
    alice.refresh_from_db()
    assert alice.name == "Alice Able"
    assert not Payment.objects.exists()


def test_csrf_is_enforced_on_public_forms(shop, alice):
    client = Client(enforce_csrf_checks=True)
    assert client.post(shop.url, shop.data()).status_code == 403
    assert client.post(f"{shop.url}total/", shop.data()).status_code == 403
    login = {"username": "alice", "password": CUSTOMER_PASSWORD}
    assert client.post("/account/login/", login).status_code == 403
    assert client.post("/account/password/reset/", {"email": "a@example.com"}).status_code == 403


def test_a_form_posted_with_its_token_is_accepted(shop):
    client = Client(enforce_csrf_checks=True)
    client.get(shop.url)
    token = client.cookies["csrftoken"].value
    response = client.post(f"{shop.url}total/", {**shop.data(), "csrfmiddlewaretoken": token})
    assert response.status_code == 200


def test_the_stripe_webhook_needs_a_signature_not_a_csrf_token(db, settings):
    settings.STRIPE_SECRET_KEY = "sk_test_x"
    settings.STRIPE_WEBHOOK_SECRET = "whsec_x"
    settings.PAYMENT_GATEWAY = ""
    client = Client(enforce_csrf_checks=True)
    response = client.post("/payments/stripe/webhook/", data="{}", content_type="application/json")
    assert response.status_code == 400
