"""Stripe's notices for automatic payments: signed, kept once by event id, handled in any
order by fetching the object again from Stripe."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fairbill.core.models import Event
from fairbill.payments.collection import collections_run
from fairbill.payments.methods import customer_set_automatic
from fairbill.payments.models import (
    GatewayCustomer,
    Payment,
    PaymentAttempt,
    SavedPaymentMethod,
    WebhookEvent,
)
from tests.payments.conftest import DUE, automatic, deliver, event_json, invoice_for

pytestmark = pytest.mark.django_db


def test_processing_then_succeeded_by_webhook_settles_the_direct_debit(
    client, payer, system, gateway, stripe_fake, run_actor
):
    automatic(payer, system, pm_id="pm_sepa_9", kind="sepa_debit")
    invoice = invoice_for(payer, system)
    collections_run(as_of=DUE, actor=run_actor, gateway=gateway)
    attempt = PaymentAttempt.objects.get()
    intent = stripe_fake.intents[attempt.payment_intent]
    # the processing notice changes nothing; the succeeded one settles the invoice
    assert (
        deliver(client, event_json("evt_1", "payment_intent.processing", intent)).status_code == 200
    )
    stale_copy = dict(intent)
    stripe_fake.intent_settle(attempt.payment_intent, succeeded=True)
    # the event carries an old copy (still processing): Stripe's current state is what counts
    assert (
        deliver(client, event_json("evt_2", "payment_intent.succeeded", stale_copy)).status_code
        == 200
    )
    attempt.refresh_from_db()
    invoice.refresh_from_db()
    assert (attempt.state, invoice.status) == ("succeeded", "paid")
    assert Payment.objects.count() == 1


def test_a_duplicate_webhook_is_handled_once(
    client, payer, system, gateway, stripe_fake, run_actor
):
    automatic(payer, system, pm_id="pm_sepa_9", kind="sepa_debit")
    invoice_for(payer, system)
    collections_run(as_of=DUE, actor=run_actor, gateway=gateway)
    attempt = PaymentAttempt.objects.get()
    intent = stripe_fake.intent_settle(attempt.payment_intent, succeeded=True)
    payload = event_json("evt_dup", "payment_intent.succeeded", intent)
    assert deliver(client, payload).status_code == 200
    assert deliver(client, payload).status_code == 200
    assert WebhookEvent.objects.filter(event_id="evt_dup").count() == 1
    assert Payment.objects.count() == 1
    assert Event.objects.filter(action="charge.succeeded").count() == 1
    assert Event.objects.filter(action="payment.recorded").count() == 1


def test_the_webhook_arriving_before_the_answer_records_once_and_nothing_is_charged_again(
    client, payer, system, gateway, stripe_fake, run_actor
):
    automatic(payer, system)
    invoice = invoice_for(payer, system)
    stripe_fake.lose_answers = 2  # the charge is made; its answer doesn't reach us
    collections_run(as_of=DUE, actor=run_actor, gateway=gateway)
    (intent,) = stripe_fake.intents.values()
    # when Stripe's notice comes first
    deliver(client, event_json("evt_first", "payment_intent.succeeded", intent))
    attempt = PaymentAttempt.objects.get()
    assert (attempt.state, attempt.payment_intent) == ("succeeded", intent["id"])
    # and the next run finds nothing to settle or charge
    report = collections_run(as_of=DUE + timedelta(days=1), actor=run_actor, gateway=gateway)
    assert (report.charged, report.resolved) == (0, 0)
    invoice.refresh_from_db()
    assert invoice.status == "paid"
    assert len(stripe_fake.intents) == 1
    assert Payment.objects.count() == 1


def test_setup_intent_succeeded_saves_the_method_once(client, payer, system, stripe_fake):
    GatewayCustomer.objects.create(customer=payer, gateway="stripe", reference="cus_carol")
    seti = stripe_fake.setup_intent_add("pm_card_new", customer="cus_carol")
    payload = event_json("evt_seti", "setup_intent.succeeded", seti)
    deliver(client, payload)
    deliver(client, event_json("evt_seti_again", "setup_intent.succeeded", seti))
    method = SavedPaymentMethod.objects.get()
    assert (method.customer_id, method.reference, method.label, method.last4) == (
        payer.pk,
        "pm_card_new",
        "Visa",
        "4242",
    )
    assert (method.exp_month, method.exp_year, method.is_default) == (12, 2030, True)


def test_a_setup_for_an_unknown_stripe_customer_is_kept_for_staff(client, business, stripe_fake):
    seti = stripe_fake.setup_intent_add("pm_card_stray", customer="cus_nobody")
    assert (
        deliver(client, event_json("evt_stray", "setup_intent.succeeded", seti)).status_code == 200
    )
    assert not SavedPaymentMethod.objects.exists()
    inbox = WebhookEvent.objects.get(event_id="evt_stray")
    assert "cus_nobody" in inbox.problem
    assert Event.objects.filter(action="webhook.unmatched").count() == 1


def test_a_method_detached_at_stripe_is_removed_and_the_customer_no_longer_automatic(
    client, payer, system, stripe_fake
):
    automatic(payer, system)
    method = stripe_fake.methods["pm_card_visa"]
    method["customer"] = None
    deliver(client, event_json("evt_det", "payment_method.detached", method))
    saved = SavedPaymentMethod.objects.get()
    assert saved.removed_at is not None
    payer.refresh_from_db()
    assert payer.payment_method == "bank_transfer"


def test_an_unsigned_notice_is_refused(client, payer, system, stripe_fake):
    payload = event_json("evt_bad", "payment_intent.succeeded", {"id": "pi_x"})
    response = client.post(
        "/payments/stripe/webhook/",
        data=payload,
        content_type="application/json",
        headers={"Stripe-Signature": "t=1,v1=bad"},
    )
    assert response.status_code == 400
    assert not WebhookEvent.objects.exists()


def test_removing_the_method_while_its_direct_debit_settles_still_records_the_payment(
    client, payer, system, gateway, stripe_fake, run_actor
):
    from fairbill.payments.methods import method_remove

    automatic(payer, system, pm_id="pm_sepa_7", kind="sepa_debit")
    invoice = invoice_for(payer, system)
    collections_run(as_of=DUE, actor=run_actor, gateway=gateway)
    attempt = PaymentAttempt.objects.get()
    assert attempt.state == "pending"
    # when the customer removes the method (detached at Stripe) during the debit
    method_remove(actor=system, method=SavedPaymentMethod.objects.get(), gateway=gateway)
    payer.refresh_from_db()
    assert payer.payment_method == "bank_transfer"  # no method left
    # then the debit settling still pays the invoice, once
    intent = stripe_fake.intent_settle(attempt.payment_intent, succeeded=True)
    deliver(client, event_json("evt_settled", "payment_intent.succeeded", intent))
    attempt.refresh_from_db()
    invoice.refresh_from_db()
    assert (attempt.state, invoice.status) == ("succeeded", "paid")
    assert Payment.objects.count() == 1
    # and nothing more is charged
    report = collections_run(as_of=DUE + timedelta(days=3), actor=run_actor, gateway=gateway)
    assert report.charged == 0
    assert len(stripe_fake.intents) == 1


def test_a_direct_debit_failing_by_webhook_is_a_failed_attempt_and_an_email(
    client, payer, system, gateway, stripe_fake, run_actor, django_capture_on_commit_callbacks
):
    from django.core import mail

    automatic(payer, system, pm_id="pm_sepa_8", kind="sepa_debit")
    invoice = invoice_for(payer, system)
    collections_run(as_of=DUE, actor=run_actor, gateway=gateway)
    attempt = PaymentAttempt.objects.get()
    intent = stripe_fake.intent_settle(attempt.payment_intent, succeeded=False)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        deliver(client, event_json("evt_failed", "payment_intent.payment_failed", intent))
    attempt.refresh_from_db()
    assert (attempt.state, attempt.decline_code) == ("failed", "insufficient_funds")
    (email,) = mail.outbox
    assert email.subject == f"We couldn't collect the payment for invoice {invoice.number}"


def test_a_redelivered_checkout_event_does_not_turn_automatic_payment_back_on(
    client, payer, system, stripe_fake
):
    """The customer paid through Checkout and ticked "save this card"; staff then turned
    automatic payment off. Stripe delivering the same event again changes nothing."""
    GatewayCustomer.objects.create(customer=payer, gateway="stripe", reference="cus_carol")
    stripe_fake.method_add("pm_card_visa", customer="cus_carol")
    invoice = invoice_for(payer, system)
    stripe_fake.intents["pi_saved"] = {
        "id": "pi_saved",
        "object": "payment_intent",
        "status": "succeeded",
        "payment_method": "pm_card_visa",
    }
    session = {
        "id": "cs_test_save",
        "object": "checkout.session",
        "mode": "payment",
        "customer": "cus_carol",
        "payment_status": "paid",
        "status": "complete",
        "amount_total": 5000,
        "currency": "gbp",
        "payment_intent": "pi_saved",
        "client_reference_id": str(invoice.pk),
        "metadata": {"invoice_id": str(invoice.pk), "save_method": "1"},
    }
    payload = event_json("evt_cs_save", "checkout.session.completed", session)
    assert deliver(client, payload).status_code == 200
    payer.refresh_from_db()
    assert payer.payment_method == "automatic"
    customer_set_automatic(actor=system, customer=payer, automatic=False)
    assert deliver(client, payload).status_code == 200  # Stripe's retry of the same event
    payer.refresh_from_db()
    assert payer.payment_method == "bank_transfer"
    assert Payment.objects.count() == 1
    assert WebhookEvent.objects.get(event_id="evt_cs_save").processed_at is not None
