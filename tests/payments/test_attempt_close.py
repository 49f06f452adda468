"""An automatic charge left without an answer (Stripe down when it was sent, its search of
payments refused since) is closed by staff once they have found, in Stripe's dashboard, that
nothing was charged: the invoice goes back to the retry schedule; money that arrives for it
later is still recorded."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from fairbill.accounts.services import staff_create
from fairbill.core.actors import Actor
from fairbill.core.errors import Refused
from fairbill.core.models import Event
from fairbill.payments.collection import attempt_close, charge_apply, collections_run
from fairbill.payments.gateways.base import Charge
from fairbill.payments.models import Payment, PaymentAttempt
from fairbill.reports.collections import attempts_to_look_at
from tests.payments.conftest import automatic, invoice_for

pytestmark = pytest.mark.django_db

REASON = "No payment in Stripe's dashboard"


def _search_refused(query, limit=10):
    return 400, {"error": {"type": "invalid_request_error", "message": "Search is not available."}}


@pytest.fixture
def unanswered(payer, system, gateway, stripe_fake, run_actor):
    """Stripe down on the due date (17 January), its search refused afterwards: on 20
    January the attempt is still unknown."""
    automatic(payer, system)
    invoice = invoice_for(payer, system)
    with time_machine.travel("2027-01-17 09:00 +0000", tick=False):
        stripe_fake.down = True
        collections_run(as_of=date(2027, 1, 17), actor=run_actor, gateway=gateway)
    stripe_fake.down = False
    stripe_fake._intent_search = _search_refused
    with time_machine.travel("2027-01-20 09:00 +0000", tick=False):
        collections_run(as_of=date(2027, 1, 20), actor=run_actor, gateway=gateway)
    # made two days before now (the tests' own clock): past the day Stripe keeps its keys
    PaymentAttempt.objects.update(created_at=timezone.now() - timedelta(days=2))
    attempt = PaymentAttempt.objects.get()
    assert attempt.state == "unknown"
    return invoice, attempt


def test_closed_by_staff_the_invoice_is_charged_again_on_the_retry_schedule(
    unanswered, admin, gateway, stripe_fake, run_actor
):
    invoice, attempt = unanswered
    assert list(attempts_to_look_at()) == [attempt]
    # when staff close it as not charged
    with time_machine.travel("2027-01-20 10:00 +0000", tick=False):
        closed = attempt_close(actor=admin, attempt_id=attempt.pk, reason=f"  {REASON} ")
    # then it is closed, saying by whom and why, and no longer waits to be looked at
    assert (closed.state, closed.failure_code, closed.state_label) == (
        "failed",
        "closed_by_staff",
        "Closed, not charged",
    )
    assert closed.failure_message == f"Closed by {admin.label}: {REASON}"
    assert list(attempts_to_look_at()) == []
    event = Event.objects.get(action="charge.closed")
    assert (event.subject_id, event.data["reason"]) == (invoice.pk, REASON)
    assert not stripe_fake.intents  # closing sends nothing
    # when the run comes to the retry schedule's first day (due date + 3 days)
    with time_machine.travel("2027-01-20 11:00 +0000", tick=False):
        collections_run(as_of=date(2027, 1, 20), actor=run_actor, gateway=gateway)
    # then a second charge is made, once, and pays the invoice
    second = PaymentAttempt.objects.get(number=2)
    invoice.refresh_from_db()
    assert (second.state, invoice.status) == ("succeeded", "paid")
    assert len(stripe_fake.intents) == 1
    assert Payment.objects.get().amount == Decimal("50.00")


def test_a_closed_charge_reported_later_as_taken_is_recorded_not_lost(unanswered, admin):
    invoice, attempt = unanswered
    attempt_close(actor=admin, attempt_id=attempt.pk, reason=REASON)
    # when Stripe reports after all that it charged the attempt (a webhook, say)
    charge = Charge(state="succeeded", reference="pi_late", amount=Decimal("50.00"), currency="GBP")
    late = charge_apply(actor=admin, attempt_id=attempt.pk, charge=charge, on=date(2027, 1, 21))
    # then the money is recorded and pays the invoice
    invoice.refresh_from_db()
    assert (late.state, late.payment_intent, invoice.status) == ("succeeded", "pi_late", "paid")
    assert Payment.objects.get().gateway_reference == "pi_late"


@pytest.mark.parametrize(
    ("reason", "message"),
    [
        ("   ", "Say what you checked"),
        ("x" * 201, "Keep the reason under 200 characters."),
    ],
)
def test_closing_needs_a_reason_of_sensible_length(unanswered, admin, reason, message):
    _, attempt = unanswered
    with pytest.raises(Refused, match=message):
        attempt_close(actor=admin, attempt_id=attempt.pk, reason=reason)
    attempt.refresh_from_db()
    assert attempt.state == "unknown"
    assert not Event.objects.filter(action="charge.closed").exists()


def test_only_a_charge_without_an_answer_can_be_closed(unanswered, admin):
    _, attempt = unanswered
    attempt_close(actor=admin, attempt_id=attempt.pk, reason=REASON)
    with pytest.raises(Refused, match="Only a charge without an answer can be closed"):
        attempt_close(actor=admin, attempt_id=attempt.pk, reason=REASON)
    assert Event.objects.filter(action="charge.closed").count() == 1


def test_the_invoice_page_offers_closing_and_closes_after_confirming(unanswered, staff_client):
    invoice, attempt = unanswered
    page = staff_client.get(f"/invoices/{invoice.pk}/").content.decode()
    assert 'data-testid="attempt-close"' in page
    assert "Stripe&#x27;s search of payments could not be used" in page
    url = f"/invoices/{invoice.pk}/attempts/{attempt.pk}/close/"
    # a blank reason is refused with a message, nothing changed
    response = staff_client.post(url, {"reason": ""}, follow=True)
    assert "Say what you checked" in response.content.decode()
    attempt.refresh_from_db()
    assert attempt.state == "unknown"
    # a reason closes it and the page says what happens next
    response = staff_client.post(url, {"reason": REASON}, follow=True)
    assert "goes back to the retry schedule" in response.content.decode()
    attempt.refresh_from_db()
    assert attempt.failure_code == "closed_by_staff"
    assert 'data-testid="attempt-close"' not in response.content.decode()


def test_closing_is_for_staff_with_the_invoices_privilege_and_the_right_invoice(
    unanswered, staff_client, invoice_other
):
    invoice, attempt = unanswered
    clerk = staff_create(
        actor=Actor.system("tests"),
        username="clerk",
        email="clerk@example.com",
        password="clerk-password-long-enough",  # noqa: S106 (test data)
        privileges=["customers"],
    )
    client = Client()
    client.force_login(clerk)
    url = f"/invoices/{invoice.pk}/attempts/{attempt.pk}/close/"
    assert client.post(url, {"reason": REASON}).status_code == 403
    # another invoice's address for this attempt: not found
    wrong = f"/invoices/{invoice_other.pk}/attempts/{attempt.pk}/close/"
    assert staff_client.post(wrong, {"reason": REASON}).status_code == 404
    assert staff_client.get(url).status_code == 405
    attempt.refresh_from_db()
    assert attempt.state == "unknown"


@pytest.fixture
def invoice_other(customer, system):
    return invoice_for(customer, system, amount="10.00")


def test_the_api_closes_an_unanswered_charge_once(unanswered, api, invoice_other):
    invoice, attempt = unanswered
    url = f"/invoices/{invoice.pk}/attempts/{attempt.pk}/close"
    # a blank reason is refused, naming the field
    blank = api.post(url, {"reason": "  "})
    assert blank.status_code == 422, blank.content
    # closed: the attempt as the invoice lists it
    closed = api.post(url, {"reason": REASON})
    assert closed.status_code == 200, closed.content
    body = closed.json()
    assert (body["id"], body["state"], body["failure_code"]) == (
        attempt.pk,
        "failed",
        "closed_by_staff",
    )
    # a second time: refused, it is no longer without an answer
    again = api.post(url, {"reason": REASON})
    assert (again.status_code, again.json()["code"]) == (409, "not_closable")
    # the attempt under another invoice's address: not found
    wrong = api.post(f"/invoices/{invoice_other.pk}/attempts/{attempt.pk}/close", {"reason": "x"})
    assert wrong.status_code == 404
    assert Event.objects.filter(action="charge.closed").count() == 1


def test_within_a_day_or_with_a_known_payment_intent_closing_is_refused(
    payer, system, gateway, stripe_fake, run_actor, admin, staff_client
):
    # given Stripe charged on 17 January at 09:00 but both answers were lost
    automatic(payer, system)
    invoice = invoice_for(payer, system)
    with time_machine.travel("2027-01-17 09:00 +0000", tick=False):
        stripe_fake.lose_answers = 2
        collections_run(as_of=date(2027, 1, 17), actor=run_actor, gateway=gateway)
    attempt = PaymentAttempt.objects.get()
    assert (attempt.state, attempt.payment_intent) == ("unknown", None)
    # when staff try to close it half an hour later: refused, the next run settles it
    # with the very same request (closed, the next try would be a second charge)
    PaymentAttempt.objects.update(created_at=timezone.now() - timedelta(minutes=30))
    with pytest.raises(Refused, match="every run sends the very same request again"):
        attempt_close(actor=admin, attempt_id=attempt.pk, reason=REASON)
    page = staff_client.get(f"/invoices/{invoice.pk}/").content.decode()
    assert 'data-testid="attempt-close"' not in page
    assert "every run sends the very same request again" in page
    # and one whose PaymentIntent is known is read on every run: refused at any age
    PaymentAttempt.objects.update(
        payment_intent="pi_known", created_at=timezone.now() - timedelta(days=8)
    )
    with pytest.raises(Refused, match="Stripe knows this charge as pi_known"):
        attempt_close(actor=admin, attempt_id=attempt.pk, reason=REASON)
    attempt.refresh_from_db()
    assert attempt.state == "unknown"
    assert len(stripe_fake.intents) == 1
