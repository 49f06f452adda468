"""Staff see saved methods (brand and last 4, never the gateway's ids), turn automatic
payment on, see each attempt on the invoice, charge now, and refund after a review."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest

from fairbill.core.actors import Actor
from fairbill.payments.collection import attempt_schedule, collections_run, invoice_charge
from fairbill.payments.models import Payment, PaymentAttempt, Refund
from fairbill.payments.refunds import payment_refund
from fairbill.payments.services import payment_record
from fairbill.reports.collections import attempts_to_look_at
from tests.payments.conftest import DUE, automatic, invoice_for

pytestmark = pytest.mark.django_db


def form_token(client, url: str) -> str:
    """The one-time token of the refund form as the page gives it."""
    found = re.search(r'name="token" value="([^"]+)"', client.get(url).content.decode())
    assert found is not None
    return found.group(1)


def test_the_customer_page_shows_methods_and_turns_automatic_payment_on(
    staff_client, payer, system, stripe_fake
):
    payer.save_method()
    page = staff_client.get(f"/customers/{payer.pk}/").content.decode()
    assert "Visa •••• 4242" in page
    assert "expires 12/2030" in page
    assert "pm_card_visa" not in page
    assert "cus_carol" not in page
    staff_client.post(f"/customers/{payer.pk}/automatic/", {"automatic": "on"})
    payer.refresh_from_db()
    assert payer.payment_method == "automatic"


def test_automatic_without_a_saved_method_is_refused(staff_client, payer):
    response = staff_client.post(
        f"/customers/{payer.pk}/automatic/", {"automatic": "on"}, follow=True
    )
    assert "no saved card or Direct Debit" in response.content.decode()
    payer.refresh_from_db()
    assert payer.payment_method == "bank_transfer"


def test_the_invoice_page_lists_attempts_and_charges_now(staff_client, payer, system, stripe_fake):
    automatic(payer, system, pm_id="pm_card_insufficient")
    invoice = invoice_for(payer, system)
    page = staff_client.post(f"/invoices/{invoice.pk}/charge/", follow=True).content.decode()
    assert "Charging £50.00 failed: Your card has insufficient funds." in page
    assert 'data-testid="attempts"' in page
    assert "insufficient_funds" in page
    assert PaymentAttempt.objects.get().state == "failed"


def test_a_refund_is_reviewed_then_made_as_reviewed(staff_client, payer, system, stripe_fake):
    automatic(payer, system)
    invoice = invoice_for(payer, system)
    staff_client.post(f"/invoices/{invoice.pk}/charge/")
    payment = Payment.objects.get()
    url = f"/payments/{payment.pk}/refund/"
    token = form_token(staff_client, url)
    review = staff_client.post(
        url, {"amount": "12.50", "reason": "Outage", "token": token}
    ).content.decode()
    assert 'data-testid="refund-review"' in review
    assert "Refund <strong>£12.50</strong>" in review
    assert f'value="{token}"' in review  # the review keeps the form's token
    assert not Refund.objects.exists()
    assert not stripe_fake.refunds
    staff_client.post(
        url,
        {
            "amount": "12.50",
            "reason": "Outage",
            "confirm": "1",
            "reviewed_amount": "12.50",
            "token": token,
        },
    )
    refund = Refund.objects.get()
    assert (refund.amount, refund.reason) == (Decimal("12.50"), "Outage")
    assert [r["amount"] for r in stripe_fake.refunds.values()] == [1250]
    page = staff_client.get(url).content.decode()
    assert '<strong data-testid="left">£37.50</strong>' in page


def test_a_refund_confirmed_for_another_amount_than_reviewed_is_not_made(
    staff_client, payer, system, stripe_fake
):
    automatic(payer, system)
    invoice = invoice_for(payer, system)
    staff_client.post(f"/invoices/{invoice.pk}/charge/")
    payment = Payment.objects.get()
    url = f"/payments/{payment.pk}/refund/"
    staff_client.post(
        url,
        {
            "amount": "50.00",
            "reason": "x",
            "confirm": "1",
            "reviewed_amount": "10.00",
            "token": form_token(staff_client, url),
        },
    )
    assert not Refund.objects.exists()


def test_a_reviewed_refund_submitted_twice_refunds_once(staff_client, payer, system, stripe_fake):
    """Back and Confirm again, two tabs, a double click: the same reviewed form is sent
    twice; the second shows the refund the first made and refunds nothing."""
    automatic(payer, system)
    invoice = invoice_for(payer, system)
    staff_client.post(f"/invoices/{invoice.pk}/charge/")
    payment = Payment.objects.get()
    url = f"/payments/{payment.pk}/refund/"
    form = {
        "amount": "12.50",
        "reason": "Outage",
        "confirm": "1",
        "reviewed_amount": "12.50",
        "token": form_token(staff_client, url),
    }
    staff_client.post(url, form)
    again = staff_client.post(url, form, follow=True).content.decode()
    assert "That form already made the refund of £12.50" in again
    assert list(Refund.objects.values_list("amount", flat=True)) == [Decimal("12.50")]
    assert [r["amount"] for r in stripe_fake.refunds.values()] == [1250]
    assert '<strong data-testid="left">£37.50</strong>' in again
    # A new form (a new token) makes a new refund.
    staff_client.post(url, {**form, "token": form_token(staff_client, url)})
    assert [r["amount"] for r in stripe_fake.refunds.values()] == [1250, 1250]
    assert Refund.objects.count() == 2


def test_a_refund_form_without_its_token_refunds_nothing(staff_client, payer, system, stripe_fake):
    automatic(payer, system)
    invoice = invoice_for(payer, system)
    staff_client.post(f"/invoices/{invoice.pk}/charge/")
    payment = Payment.objects.get()
    staff_client.post(
        f"/payments/{payment.pk}/refund/",
        {"amount": "12.50", "reason": "Outage", "confirm": "1", "reviewed_amount": "12.50"},
    )
    assert not Refund.objects.exists()
    assert not stripe_fake.refunds


def test_the_same_refund_request_refunds_once(payer, system, stripe_fake, gateway):
    """The service: a request key (an API Idempotency-Key) sent again returns its refund,
    even after the payment's other refunds changed what an earlier key would have been."""
    automatic(payer, system)
    invoice = invoice_for(payer, system)
    invoice_charge(actor=system, invoice=invoice, gateway=gateway, on=date(2027, 1, 17))
    payment = Payment.objects.get()
    actor = Actor.system("test")

    def refund(key: str) -> Refund:
        return payment_refund(
            actor=actor,
            payment=payment,
            amount="10.00",
            reason="Outage",
            on=date(2027, 1, 20),
            gateway=gateway,
            request_key=key,
        )

    first = refund("api:k1")
    assert refund("api:k2") != first
    assert refund("api:k1") == first
    assert [r["amount"] for r in stripe_fake.refunds.values()] == [1000, 1000]
    assert Refund.objects.count() == 2


def test_recording_a_payment_by_hand_as_automatic_is_refused(api, payer, system):
    invoice = invoice_for(payer, system)
    response = api.post(
        f"/invoices/{invoice.pk}/payments", {"amount": "50.00", "method": "automatic"}
    )
    assert response.status_code == 422
    assert "not a payment" in response.json()["detail"]


def test_the_dashboard_shows_what_was_collected_and_failed_charges(
    staff_client, payer, system, gateway, stripe_fake, run_actor
):
    from datetime import timedelta

    from fairbill.core import clock
    from fairbill.customers.services import customer_create
    from fairbill.payments.collection import collections_run

    today = clock.today()
    issued = today - timedelta(days=7)  # seven days' terms: due today
    automatic(payer, system)
    invoice_for(payer, system, issue_date=issued)
    other = customer_create(actor=system, name="Dan Decline", email="dan@example.com", country="GB")
    stripe_fake.method_add("pm_card_lost", customer="cus_dan")
    from fairbill.payments.gateways.base import MethodDetails
    from fairbill.payments.methods import customer_set_automatic, method_save

    method_save(
        actor=system,
        customer=other,
        gateway="stripe",
        details=MethodDetails(
            reference="pm_card_lost", gateway_customer="cus_dan", kind="card", label="Visa",
            last4="0001",
        ),
    )  # fmt: skip
    customer_set_automatic(actor=system, customer=other, automatic=True)
    declined = invoice_for(other, system, amount="20.00", issue_date=issued)
    collections_run(as_of=today, actor=run_actor, gateway=gateway)
    page = staff_client.get("/").content.decode()
    assert "Collected automatically this month" in page
    assert "£50.00" in page
    assert 'data-testid="failed-charges"' in page
    assert f">{declined.number}</a> · Dan Decline · £20.00" in page
    assert "lost_card" in page


def test_the_edit_form_refuses_automatic_without_a_saved_method(staff_client, payer):
    page = staff_client.get(f"/customers/{payer.pk}/edit/")
    form = page.context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update(payment_method="automatic", login="none", country="GB")
    response = staff_client.post(f"/customers/{payer.pk}/edit/", data)
    assert "Automatic needs a saved card or Direct Debit" in response.content.decode()
    payer.refresh_from_db()
    assert payer.payment_method == "bank_transfer"


def test_an_attempt_that_was_not_needed_shows_as_not_needed(
    staff_client, payer, system, gateway, stripe_fake, run_actor
):
    """An attempt closed unsent because the invoice was paid meanwhile failed nothing: the
    invoice page says "Not needed" in a neutral badge, and it is not a failed charge."""
    automatic(payer, system)
    invoice = invoice_for(payer, system)
    attempt = attempt_schedule(invoice_id=invoice.pk, on=DUE)  # then the process died
    payment_record(actor=system, invoice=invoice, amount="50.00", method="bank_transfer", on=DUE)
    collections_run(as_of=DUE, actor=run_actor, gateway=gateway)
    attempt.refresh_from_db()
    assert (attempt.state, attempt.failure_code) == ("failed", "not_needed")
    page = staff_client.get(f"/invoices/{invoice.pk}/").content.decode()
    assert '<span class="badge badge-skipped" data-testid="attempt-state">Not needed</span>' in page
    assert ">Failed<" not in page
    assert "<code>not_needed</code>" not in page
    assert "Not charged: " in page
    assert attempt not in attempts_to_look_at()
    failed = staff_client.get("/payments/attempts/", {"show": "failed"}).content.decode()
    assert "Nothing to show." in failed
    every = staff_client.get("/payments/attempts/", {"show": "all"}).content.decode()
    assert "Not needed</span>" in every


def test_a_failed_charge_shows_as_failed(staff_client, payer, system, stripe_fake):
    automatic(payer, system, pm_id="pm_card_insufficient")
    invoice = invoice_for(payer, system)
    staff_client.post(f"/invoices/{invoice.pk}/charge/")
    page = staff_client.get(f"/invoices/{invoice.pk}/").content.decode()
    assert '<span class="badge badge-failure" data-testid="attempt-state">Failed</span>' in page
    assert "<code>insufficient_funds</code>" in page
