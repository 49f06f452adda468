"""Charging saved methods on the due date: one attempt at a time, written before Stripe is
called, keyed so that nothing is ever charged twice."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.core import mail

from fairbill.core.models import Event
from fairbill.invoicing.models import Invoice
from fairbill.payments.collection import collections_run, invoice_charge
from fairbill.payments.models import Payment, PaymentAttempt
from tests.payments.conftest import DUE, automatic, invoice_for

pytestmark = pytest.mark.django_db


def run(gateway, actor, on=DUE):
    return collections_run(as_of=on, actor=actor, gateway=gateway)


def test_invoice_due_today_is_charged_once_and_paid(
    payer, system, gateway, stripe_fake, run_actor, django_capture_on_commit_callbacks
):
    # given an automatic customer with a saved Visa and an invoice of £50 due on 17 January
    automatic(payer, system)
    invoice = invoice_for(payer, system)
    mail.outbox.clear()
    # when the daily step runs on the due date, and again
    with django_capture_on_commit_callbacks(execute=True):
        report = run(gateway, run_actor)
        again = run(gateway, run_actor)
    # then Stripe got one off-session PaymentIntent of 5000 pence, keyed by the attempt
    assert len(stripe_fake.intents) == 1
    intent = next(iter(stripe_fake.intents.values()))
    assert intent["amount"] == 5000
    assert intent["currency"] == "gbp"
    assert intent["metadata"]["invoice_id"] == str(invoice.pk)
    attempt = PaymentAttempt.objects.get()
    request = next(r for r, _ in stripe_fake.server.log if r.path == "/v1/payment_intents")
    assert request.headers["Idempotency-Key"] == f"fairbill-attempt-{attempt.pk}"
    assert request.form["off_session"] == "true"
    assert request.form["confirm"] == "true"
    # and the payment is recorded through the payment service: paid, receipt sent
    assert (attempt.state, attempt.number, attempt.payment_intent) == (
        "succeeded",
        1,
        intent["id"],
    )
    payment = Payment.objects.get()
    assert (payment.amount, payment.method, payment.gateway_reference) == (
        Decimal("50.00"),
        "card",
        intent["id"],
    )
    invoice.refresh_from_db()
    assert (invoice.status, invoice.balance) == ("paid", Decimal("0.00"))
    assert [m.subject for m in mail.outbox] == ["Payment received for invoice " + invoice.number]
    assert (report.charged, report.succeeded, again.charged) == (1, 1, 0)


def test_nothing_is_charged_before_the_due_date_or_for_a_customer_not_automatic(
    payer, system, gateway, stripe_fake, run_actor
):
    payer.save_method()
    invoice_for(payer, system)
    assert run(gateway, run_actor).charged == 0  # saved a card but not automatic
    automatic(payer, system, pm_id="pm_card_visa")
    from datetime import timedelta

    assert run(gateway, run_actor, on=DUE - timedelta(days=1)).charged == 0
    assert not stripe_fake.intents


@pytest.mark.parametrize(
    ("pm_id", "decline_code", "final"),
    [
        ("pm_card_chargeDeclined", "generic_decline", False),
        ("pm_card_insufficient", "insufficient_funds", False),
        ("pm_card_lost", "lost_card", True),
    ],
)
def test_a_decline_is_recorded_and_the_customer_emailed(
    payer,
    system,
    gateway,
    stripe_fake,
    run_actor,
    django_capture_on_commit_callbacks,
    pm_id,
    decline_code,
    final,
):
    automatic(payer, system, pm_id=pm_id)
    invoice = invoice_for(payer, system)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        report = run(gateway, run_actor)
    attempt = PaymentAttempt.objects.get()
    assert attempt.state == "failed"
    assert attempt.failure_code == "card_declined"
    assert attempt.decline_code == decline_code
    assert attempt.failure_message.startswith("Your card")
    assert attempt.final is final
    assert attempt.payment_intent  # from the error's payment_intent
    invoice.refresh_from_db()
    assert invoice.status == "unpaid"
    assert not Payment.objects.exists()
    assert report.failed == 1
    (email,) = mail.outbox
    assert email.subject == f"We couldn't collect the payment for invoice {invoice.number}"
    body = email.body
    assert "/account/payment-methods/" in body
    if final:
        assert "We won't try this method again" in body
    else:
        assert "We will try again on 20 January 2027" in body  # due + 3 days


def test_soft_declines_are_retried_on_the_schedule_then_left_to_reminders(
    payer, system, gateway, stripe_fake, run_actor
):
    from datetime import timedelta

    automatic(payer, system, pm_id="pm_card_insufficient")
    invoice_for(payer, system)
    tried_on = []
    for day in range(0, 12):
        on = DUE + timedelta(days=day)
        if run(gateway, run_actor, on=on).charged:
            tried_on.append(day)
    # the due date, then 3, 5 and 7 days after it; then no more
    assert tried_on == [0, 3, 5, 7]
    assert list(PaymentAttempt.objects.values_list("number", "state")) == [
        (1, "failed"),
        (2, "failed"),
        (3, "failed"),
        (4, "failed"),
    ]


def test_a_hard_decline_stops_until_a_new_method_is_saved(
    payer, system, gateway, stripe_fake, run_actor
):
    from datetime import timedelta

    from fairbill.payments.methods import method_save  # noqa: F401 (through payer.save_method)

    automatic(payer, system, pm_id="pm_card_lost")
    invoice = invoice_for(payer, system)
    run(gateway, run_actor)
    assert run(gateway, run_actor, on=DUE + timedelta(days=3)).charged == 0
    # when the customer saves a new card, the next run charges it
    payer.save_method("pm_card_visa")
    report = run(gateway, run_actor, on=DUE + timedelta(days=4))
    assert report.succeeded == 1
    invoice.refresh_from_db()
    assert invoice.status == "paid"
    assert list(PaymentAttempt.objects.values_list("number", "state")) == [
        (1, "failed"),
        (2, "succeeded"),
    ]


def test_authentication_required_emails_a_link_and_pauses(
    payer, system, gateway, stripe_fake, run_actor, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    automatic(payer, system, pm_id="pm_card_authRequired")
    invoice = invoice_for(payer, system)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        run(gateway, run_actor)
    attempt = PaymentAttempt.objects.get()
    assert (attempt.state, attempt.failure_code, attempt.final) == (
        "failed",
        "authentication_required",
        True,
    )
    (email,) = mail.outbox
    assert email.subject == f"Please confirm the payment for invoice {invoice.number}"
    assert f"/account/invoices/{invoice.pk}/" in email.body
    assert run(gateway, run_actor, on=DUE + timedelta(days=3)).charged == 0


def test_direct_debit_is_pending_until_it_settles(
    payer, system, gateway, stripe_fake, run_actor, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    automatic(payer, system, pm_id="pm_sepa_1", kind="sepa_debit")
    invoice = invoice_for(payer, system)
    run(gateway, run_actor)
    attempt = PaymentAttempt.objects.get()
    assert attempt.state == "pending"
    invoice.refresh_from_db()
    assert invoice.status == "unpaid"
    # the next run asks Stripe (still processing) and charges nothing more
    assert run(gateway, run_actor, on=DUE + timedelta(days=1)).charged == 0
    stripe_fake.intent_settle(attempt.payment_intent, succeeded=True)
    with django_capture_on_commit_callbacks(execute=True):
        report = run(gateway, run_actor, on=DUE + timedelta(days=3))
    assert report.resolved == 1
    attempt.refresh_from_db()
    invoice.refresh_from_db()
    assert (attempt.state, invoice.status) == ("succeeded", "paid")
    assert Payment.objects.get().method == "direct_debit"
    assert len(stripe_fake.intents) == 1


def test_direct_debit_failing_after_processing_is_a_failure(
    payer, system, gateway, stripe_fake, run_actor
):
    from datetime import timedelta

    automatic(payer, system, pm_id="pm_sepa_2", kind="sepa_debit")
    invoice_for(payer, system)
    run(gateway, run_actor)
    attempt = PaymentAttempt.objects.get()
    stripe_fake.intent_settle(attempt.payment_intent, succeeded=False)
    run(gateway, run_actor, on=DUE + timedelta(days=2))
    attempt.refresh_from_db()
    assert (attempt.state, attempt.decline_code) == ("failed", "insufficient_funds")
    assert not Payment.objects.exists()


def test_a_lost_answer_is_settled_by_the_next_run_without_a_second_charge(
    payer, system, gateway, stripe_fake, run_actor
):
    from datetime import timedelta

    automatic(payer, system)
    invoice = invoice_for(payer, system)
    # when Stripe charges the card but both answers (and the SDK's retry) are lost
    stripe_fake.lose_answers = 2
    report = run(gateway, run_actor)
    attempt = PaymentAttempt.objects.get()
    assert (report.unknown, attempt.state) == (1, "unknown")
    assert len(stripe_fake.charges_made()) == 1
    invoice.refresh_from_db()
    assert invoice.status == "unpaid"
    # then the next run sends the same request with the same key: Stripe answers what it did
    report = run(gateway, run_actor, on=DUE + timedelta(days=1))
    attempt.refresh_from_db()
    invoice.refresh_from_db()
    assert (report.resolved, report.charged) == (1, 0)
    assert (attempt.state, invoice.status) == ("succeeded", "paid")
    assert len(stripe_fake.intents) == 1  # one PaymentIntent, one charge
    assert Payment.objects.count() == 1


def _intent_posts(stripe_fake) -> int:
    return sum(
        1
        for r, _ in stripe_fake.server.log
        if (r.method, r.path) == ("POST", "/v1/payment_intents")
    )


def _searches(stripe_fake) -> list[str]:
    return [
        r.args["query"] for r, _ in stripe_fake.server.log if r.path == "/v1/payment_intents/search"
    ]


def _answers_lost_on_the_due_date(payer, system, gateway, stripe_fake, run_actor):
    """Stripe charges the invoice on 17 January but every answer (and the SDK's retry) is
    lost: the attempt is left unknown, without a PaymentIntent id."""
    automatic(payer, system)
    invoice = invoice_for(payer, system)
    with time_machine.travel("2027-01-17 09:00 +0000", tick=False):
        stripe_fake.lose_answers = 2
        run(gateway, run_actor)
    return invoice


def _unanswered_on_the_due_date(payer, system, gateway, stripe_fake, run_actor):
    """Stripe is down on 17 January: nothing reaches it and the attempt is left unknown;
    it is back up afterwards."""
    automatic(payer, system)
    invoice = invoice_for(payer, system)
    with time_machine.travel("2027-01-17 09:00 +0000", tick=False):
        stripe_fake.down = True
        run(gateway, run_actor)
    stripe_fake.down = False
    return invoice


def test_a_lost_answer_found_days_later_is_found_by_search_not_charged_again(
    payer, system, gateway, stripe_fake, run_actor
):
    # given a charge Stripe made on the due date whose answers were all lost
    invoice = _answers_lost_on_the_due_date(payer, system, gateway, stripe_fake, run_actor)
    attempt = PaymentAttempt.objects.get()
    assert (attempt.state, attempt.payment_intent) == ("unknown", None)
    # and no run for three days: Stripe has forgotten the idempotency key meanwhile
    stripe_fake.keys_forget()
    # when the next run settles the attempt
    with time_machine.travel("2027-01-20 09:00 +0000", tick=False):
        report = run(gateway, run_actor, on=date(2027, 1, 20))
    # then it asked Stripe for the attempt's PaymentIntent instead of sending the charge again
    assert _searches(stripe_fake) == [
        f"customer:'{attempt.method.gateway_customer}' AND metadata['attempt_id']:'{attempt.pk}'"
    ]
    assert _intent_posts(stripe_fake) == 2  # the first request and the SDK's retry, no more
    assert len(stripe_fake.intents) == 1  # one PaymentIntent, one charge
    attempt.refresh_from_db()
    invoice.refresh_from_db()
    assert (report.resolved, attempt.state, invoice.status) == (1, "succeeded", "paid")
    assert attempt.payment_intent == next(iter(stripe_fake.intents))
    assert Payment.objects.count() == 1


def test_an_attempt_stripe_never_got_is_sent_after_a_day_once_search_finds_nothing(
    payer, system, gateway, stripe_fake, run_actor
):
    invoice = _unanswered_on_the_due_date(payer, system, gateway, stripe_fake, run_actor)
    with time_machine.travel("2027-01-19 09:00 +0000", tick=False):
        report = run(gateway, run_actor, on=date(2027, 1, 19))
    attempt = PaymentAttempt.objects.get()
    invoice.refresh_from_db()
    assert len(_searches(stripe_fake)) == 1
    assert len(stripe_fake.intents) == 1
    assert (report.resolved, attempt.state, invoice.status) == (1, "succeeded", "paid")


def test_when_search_fails_an_old_attempt_stays_unknown_and_nothing_is_sent(
    payer, system, gateway, stripe_fake, run_actor
):
    _answers_lost_on_the_due_date(payer, system, gateway, stripe_fake, run_actor)
    stripe_fake.keys_forget()
    stripe_fake.down = True
    posts = _intent_posts(stripe_fake)
    with time_machine.travel("2027-01-20 09:00 +0000", tick=False):
        run(gateway, run_actor, on=date(2027, 1, 20))
    assert _intent_posts(stripe_fake) == posts  # no charge sent blind
    assert PaymentAttempt.objects.get().state == "unknown"
    assert not Payment.objects.exists()


def test_paid_by_transfer_meanwhile_an_attempt_stripe_never_got_is_closed_unsent(
    payer, system, gateway, stripe_fake, run_actor
):
    from fairbill.payments.services import payment_record

    invoice = _unanswered_on_the_due_date(payer, system, gateway, stripe_fake, run_actor)
    payment_record(
        actor=system, invoice=invoice, amount="50.00", method="bank_transfer", on=date(2027, 1, 18)
    )
    with time_machine.travel("2027-01-20 09:00 +0000", tick=False):
        run(gateway, run_actor, on=date(2027, 1, 20))
    attempt = PaymentAttempt.objects.get()
    assert (attempt.state, attempt.failure_code) == ("failed", "not_needed")
    assert not stripe_fake.intents  # the card was not charged on top of the transfer
    assert Payment.objects.count() == 1


def test_a_found_charge_for_another_invoice_is_not_taken_for_this_one(
    payer, system, gateway, stripe_fake, run_actor
):
    invoice = _unanswered_on_the_due_date(payer, system, gateway, stripe_fake, run_actor)
    attempt = PaymentAttempt.objects.get()
    # a PaymentIntent of the same customer carrying the same attempt id, for another invoice
    # (a database restored from a backup reuses ids)
    stripe_fake.intents["pi_old"] = {
        "id": "pi_old",
        "object": "payment_intent",
        "amount": 999900,
        "amount_received": 999900,
        "currency": "gbp",
        "customer": attempt.method.gateway_customer,
        "status": "succeeded",
        "metadata": {"attempt_id": str(attempt.pk), "invoice_id": "424242"},
    }
    with time_machine.travel("2027-01-20 09:00 +0000", tick=False):
        run(gateway, run_actor, on=date(2027, 1, 20))
    attempt.refresh_from_db()
    invoice.refresh_from_db()
    assert attempt.payment_intent != "pi_old"
    assert (attempt.state, invoice.status) == ("succeeded", "paid")
    assert Payment.objects.get().amount == Decimal("50.00")


def _intent_carrying(attempt, *, intent_id, invoice_id, currency="gbp"):
    """A succeeded PaymentIntent of the attempt's customer carrying the attempt's id."""
    return {
        "id": intent_id,
        "object": "payment_intent",
        "amount": 5000,
        "amount_received": 5000,
        "currency": currency,
        "customer": attempt.method.gateway_customer,
        "status": "succeeded",
        "metadata": {"attempt_id": str(attempt.pk), "invoice_id": str(invoice_id)},
    }


def _left_to_staff(stripe_fake, gateway, run_actor, attempt, invoice) -> str:
    """The run of 20 January settles the attempt: nothing is sent to Stripe, the attempt
    stays unknown and the invoice unpaid. Returns the reason the attempt gives."""
    posts = _intent_posts(stripe_fake)
    with time_machine.travel("2027-01-20 09:00 +0000", tick=False):
        run(gateway, run_actor, on=date(2027, 1, 20))
    attempt.refresh_from_db()
    invoice.refresh_from_db()
    assert _intent_posts(stripe_fake) == posts
    assert (attempt.state, invoice.status) == ("unknown", "unpaid")
    return attempt.failure_message


def test_a_found_charge_of_this_invoice_in_another_currency_is_left_to_staff_not_charged_again(
    payer, system, gateway, stripe_fake, run_actor
):
    # given an old attempt whose only trace at Stripe carries its id and invoice, in euros
    invoice = _unanswered_on_the_due_date(payer, system, gateway, stripe_fake, run_actor)
    attempt = PaymentAttempt.objects.get()
    stripe_fake.intents["pi_eur"] = _intent_carrying(
        attempt, intent_id="pi_eur", invoice_id=invoice.pk, currency="eur"
    )
    # when the next run settles it, then nothing is charged and it waits for staff, saying why
    assert _left_to_staff(stripe_fake, gateway, run_actor, attempt, invoice) == (
        "PaymentIntent pi_eur carries this attempt in another currency"
    )
    assert not Payment.objects.exists()


def test_more_hits_than_a_page_of_search_are_left_to_staff_not_charged_again(
    payer, system, gateway, stripe_fake, run_actor
):
    # given eleven PaymentIntents carrying the attempt's id (for other invoices): a second
    # page might hold this invoice's
    invoice = _unanswered_on_the_due_date(payer, system, gateway, stripe_fake, run_actor)
    attempt = PaymentAttempt.objects.get()
    for n in range(11):
        stripe_fake.intents[f"pi_{n}"] = _intent_carrying(
            attempt, intent_id=f"pi_{n}", invoice_id=900_000 + n
        )
    assert _left_to_staff(stripe_fake, gateway, run_actor, attempt, invoice) == (
        "more than 10 PaymentIntents carry this attempt"
    )


def test_a_search_stripe_refuses_leaves_the_attempt_unknown_with_the_reason(
    payer, system, gateway, stripe_fake, run_actor
):
    _answers_lost_on_the_due_date(payer, system, gateway, stripe_fake, run_actor)
    stripe_fake.keys_forget()
    posts = _intent_posts(stripe_fake)
    original = stripe_fake._intent_search
    stripe_fake._intent_search = lambda query, limit=10: (
        400,
        {"error": {"type": "invalid_request_error", "message": "Search is not available."}},
    )
    with time_machine.travel("2027-01-20 09:00 +0000", tick=False):
        run(gateway, run_actor, on=date(2027, 1, 20))
    stripe_fake._intent_search = original
    attempt = PaymentAttempt.objects.get()
    assert attempt.state == "unknown"
    assert "search of payments could not be used" in attempt.failure_message
    assert _intent_posts(stripe_fake) == posts  # nothing sent blind


def test_within_a_day_the_same_request_is_sent_again_without_searching(
    payer, system, gateway, stripe_fake, run_actor
):
    _answers_lost_on_the_due_date(payer, system, gateway, stripe_fake, run_actor)
    with time_machine.travel("2027-01-18 07:59 +0000", tick=False):  # 22 h 59 min later
        run(gateway, run_actor, on=date(2027, 1, 18))
    assert _searches(stripe_fake) == []
    assert PaymentAttempt.objects.get().state == "succeeded"
    assert len(stripe_fake.intents) == 1


def test_stripe_down_leaves_the_attempt_unknown_and_nothing_recorded(
    payer, system, gateway, stripe_fake, run_actor
):
    automatic(payer, system)
    invoice_for(payer, system)
    stripe_fake.down = True
    run(gateway, run_actor)
    assert PaymentAttempt.objects.get().state == "unknown"
    assert not Payment.objects.exists()
    assert Event.objects.filter(action="charge.unknown").count() == 1


def test_an_invoice_paid_by_bank_transfer_is_not_charged(
    payer, system, gateway, stripe_fake, run_actor
):
    from fairbill.payments.services import payment_record

    automatic(payer, system)
    invoice = invoice_for(payer, system)
    payment_record(actor=system, invoice=invoice, amount="50.00", method="bank_transfer", on=DUE)
    assert run(gateway, run_actor).charged == 0
    assert not stripe_fake.intents


def test_charging_now_with_no_method_is_refused(payer, system, gateway, run_actor):
    from fairbill.payments.collection import NothingToCharge

    invoice = invoice_for(payer, system)
    with pytest.raises(NothingToCharge, match="no saved card"):
        invoice_charge(actor=run_actor, invoice=invoice, gateway=gateway, on=DUE)
    assert Invoice.objects.get().status == "unpaid"


def test_the_retry_schedule_is_a_setting(api, business):
    body = api.patch("/settings", {"charge_retry_days": [7, 2]}).json()
    assert body["charge_retry_days"] == [2, 7]
    refused = api.patch("/settings", {"charge_retry_days": [0]})
    assert refused.status_code == 422
    assert api.get("/settings").json()["charge_retry_days"] == [2, 7]


def test_a_retry_schedule_setting_moves_the_tries(payer, system, gateway, stripe_fake, run_actor):
    from datetime import timedelta

    from fairbill.core.services import settings_update

    settings_update(actor=system, charge_retry_days=[2])
    automatic(payer, system, pm_id="pm_card_insufficient")
    invoice_for(payer, system)
    tried = [d for d in range(6) if run(gateway, run_actor, on=DUE + timedelta(days=d)).charged]
    assert tried == [0, 2]


def test_a_card_expiring_next_month_asks_once_for_a_new_one(
    payer, system, stripe_fake, django_capture_on_commit_callbacks
):
    from datetime import date

    from fairbill.payments.methods import expiring_cards_remind

    method = automatic(payer, system) and payer.saved_payment_methods.get()
    method.exp_month, method.exp_year = 2, 2027
    method.save()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert expiring_cards_remind(as_of=date(2026, 12, 31)) == 0  # two months ahead
        assert expiring_cards_remind(as_of=date(2027, 1, 1)) == 1
        assert expiring_cards_remind(as_of=date(2027, 1, 2)) == 0  # asked once
    (email,) = mail.outbox
    assert email.subject == "Your card ending 4242 expires soon"
    assert "expires at the end of February 2027" in email.body
    assert "/account/payment-methods/" in email.body


def test_an_attempt_left_scheduled_by_a_crash_is_not_charged_once_the_invoice_is_paid(
    payer, system, gateway, stripe_fake, run_actor
):
    from fairbill.payments.collection import attempt_schedule
    from fairbill.payments.services import payment_record

    automatic(payer, system)
    invoice = invoice_for(payer, system)
    attempt = attempt_schedule(invoice_id=invoice.pk, on=DUE)  # then the process died
    payment_record(actor=system, invoice=invoice, amount="50.00", method="bank_transfer", on=DUE)
    run(gateway, run_actor)
    attempt.refresh_from_db()
    assert (attempt.state, attempt.failure_code) == ("failed", "not_needed")
    assert not stripe_fake.intents


def test_an_attempt_charged_just_before_a_crash_is_recorded_by_the_next_run_once(
    payer, system, gateway, stripe_fake, run_actor
):
    from datetime import timedelta

    from fairbill.payments.collection import _request, attempt_schedule

    automatic(payer, system)
    invoice = invoice_for(payer, system)
    attempt = attempt_schedule(invoice_id=invoice.pk, on=DUE)
    # Stripe charged; our transaction with the answer never committed
    assert gateway.charge(_request(attempt, invoice)).state == "succeeded"
    report = run(gateway, run_actor, on=DUE + timedelta(days=1))
    attempt.refresh_from_db()
    invoice.refresh_from_db()
    assert (report.resolved, attempt.state, invoice.status) == (1, "succeeded", "paid")
    assert len(stripe_fake.intents) == 1  # the same key: Stripe answered the first charge
    assert Payment.objects.count() == 1
