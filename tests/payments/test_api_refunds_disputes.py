"""The API for saved methods and charges, refunds (never beyond what is left, once per key;
the invoice's part credited by a credit note recording the refund) and disputes (recorded; a
lost one makes the amount due again)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from fairbill.core.models import Event
from fairbill.invoicing.models import CreditNote, Invoice
from fairbill.payments.credit_notes import credit_note_issue
from fairbill.payments.models import CreditEntry, Dispute, Payment, PaymentAttempt, Refund
from fairbill.payments.services import credit_balance, payment_record
from fairbill.reports.totals import totals_differences
from tests.payments.conftest import automatic, deliver, event_json, invoice_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid(api, payer, system, stripe_fake):
    """An invoice of £50 charged now through the API to the saved Visa."""
    automatic(payer, system)
    invoice = invoice_for(payer, system)
    response = api.post(f"/invoices/{invoice.pk}/charge")
    assert response.status_code == 201, response.json()
    return Payment.objects.get()


def test_payment_methods_lists_only_what_identifies_them(api, payer, system, stripe_fake):
    automatic(payer, system)
    payer.save_method("pm_sepa_5", kind="sepa_debit", last4="3000")
    body = api.get(f"/customers/{payer.pk}/payment-methods").json()
    assert body["count"] == 2
    assert body["items"] == [
        {
            "id": body["items"][0]["id"],
            "kind": "sepa_debit",
            "label": "SEPA Direct Debit",
            "last4": "3000",
            "expires": "",
            "mandate_reference": "",
            "default": True,
        },
        {
            "id": body["items"][1]["id"],
            "kind": "card",
            "label": "Visa",
            "last4": "4242",
            "expires": "12/2030",
            "mandate_reference": "",
            "default": False,
        },
    ]


def test_charge_now_answers_the_attempt_and_the_invoice_lists_it(api, paid, stripe_fake):
    invoice = Invoice.objects.get()
    body = api.get(f"/invoices/{invoice.pk}").json()
    assert body["status"] == "paid"
    (attempt,) = body["attempts"]
    assert attempt["state"] == "succeeded"
    assert attempt["amount"] == "50.00"
    assert attempt["payment_id"] == paid.pk
    assert attempt["payment_intent"] == next(iter(stripe_fake.intents))


def test_charge_without_a_method_is_409(api, payer, system, stripe_fake):
    invoice = invoice_for(payer, system)
    response = api.post(f"/invoices/{invoice.pk}/charge")
    assert response.status_code == 409
    assert response.json()["code"] == "no_payment_method"
    assert not PaymentAttempt.objects.exists()
    assert not stripe_fake.intents


def test_a_declined_charge_answers_the_failed_attempt(api, payer, system, stripe_fake):
    automatic(payer, system, pm_id="pm_card_insufficient")
    invoice = invoice_for(payer, system)
    body = api.post(f"/invoices/{invoice.pk}/charge").json()
    assert (body["state"], body["decline_code"], body["final"]) == (
        "failed",
        "insufficient_funds",
        False,
    )


def test_a_partial_then_full_refund_goes_through_stripe_and_never_beyond(api, paid, stripe_fake):
    first = api.post(f"/payments/{paid.pk}/refunds", {"amount": "20.00", "reason": "Goodwill"})
    assert first.status_code == 201, first.json()
    assert first.json()["payment_left"] == "30.00"
    (refund,) = stripe_fake.refunds.values()
    assert refund["amount"] == 2000
    too_much = api.post(f"/payments/{paid.pk}/refunds", {"amount": "30.01", "reason": "x"})
    assert too_much.status_code == 409
    assert too_much.json()["code"] == "refund_too_large"
    rest = api.post(f"/payments/{paid.pk}/refunds", {"amount": "30.00", "reason": "Closed"})
    assert rest.status_code == 201
    assert sum(r["amount"] for r in stripe_fake.refunds.values()) == 5000
    assert list(Refund.objects.order_by("pk").values_list("amount", flat=True)) == [
        Decimal("20.00"),
        Decimal("30.00"),
    ]
    assert Event.objects.filter(action="payment.refunded").count() == 2
    invoice = api.get(f"/invoices/{Invoice.objects.get().pk}").json()
    assert (invoice["amount_paid"], invoice["amount_refunded"]) == ("50.00", "50.00")
    # each refund is a credit note refunded by card with Stripe's refund id; credited in
    # full, the invoice is `credited`, nothing due
    notes = CreditNote.objects.order_by("pk")
    assert [(n.total, n.to_balance, n.refunded, n.refund_method) for n in notes] == [
        (Decimal("20.00"), Decimal("0.00"), Decimal("20.00"), "card"),
        (Decimal("30.00"), Decimal("0.00"), Decimal("30.00"), "card"),
    ]
    assert [n.refund_reference for n in notes] == list(
        Refund.objects.order_by("pk").values_list("gateway_reference", flat=True)
    )
    assert (invoice["status"], invoice["balance"], invoice["credited"]) == (
        "credited",
        "0.00",
        "50.00",
    )
    assert credit_balance(Invoice.objects.get().customer) == Decimal("0.00")
    assert totals_differences() == []


def test_a_refund_repeated_with_the_same_key_refunds_once(api, paid, stripe_fake):
    body = {"amount": "10.00", "reason": "Goodwill"}
    headers = {"Idempotency-Key": "refund-abc"}
    one = api.post(f"/payments/{paid.pk}/refunds", body, headers=headers)
    two = api.post(f"/payments/{paid.pk}/refunds", body, headers=headers)
    assert one.json() == two.json()
    assert len(stripe_fake.refunds) == 1
    assert Refund.objects.count() == 1


def test_a_refund_of_an_overpayment_takes_back_the_unused_credit(api, payer, system, stripe_fake):
    invoice = invoice_for(payer, system)
    payment = payment_record(
        actor=system,
        invoice=invoice,
        amount="60.00",
        method="bank_transfer",
        on=invoice.issue_date,
    )
    assert credit_balance(payer) == Decimal("10.00")
    response = api.post(f"/payments/{payment.pk}/refunds", {"amount": "15.00", "reason": "Over"})
    assert response.status_code == 201
    assert credit_balance(payer) == Decimal("0.00")
    assert CreditEntry.objects.filter(kind="removed").get().amount == Decimal("-10.00")
    assert not stripe_fake.refunds  # a bank transfer is refunded by staff, not Stripe
    # the 5.00 beyond the credit is a credit note on the invoice, refunded by bank transfer;
    # the 10.00 of credit was never invoiced: no credit note for it
    note = CreditNote.objects.get()
    assert (note.total, note.refunded, note.refund_method) == (
        Decimal("5.00"),
        Decimal("5.00"),
        "bank_transfer",
    )
    invoice.refresh_from_db()
    assert (invoice.status, invoice.balance, invoice.credited) == (
        "paid",
        Decimal("0.00"),
        Decimal("5.00"),
    )


def test_a_refund_credits_its_gross_exactly_at_20_percent_vat(
    api, payer, system, stripe_fake, gb_vat
):
    # given an invoice of 100.00 + 20% VAT paid 120.00 by card through Stripe
    automatic(payer, system)
    invoice = invoice_for(payer, system, amount="100.00")
    assert api.post(f"/invoices/{invoice.pk}/charge").status_code == 201
    payment = Payment.objects.get()
    # when 10.01 is refunded
    response = api.post(f"/payments/{payment.pk}/refunds", {"amount": "10.01", "reason": "Late"})
    assert response.status_code == 201, response.json()
    # then Stripe refunds 1001 pence and a credit note of 8.34 + 1.67 VAT records it
    (stripe_refund,) = stripe_fake.refunds.values()
    assert stripe_refund["amount"] == 1001
    note = CreditNote.objects.get()
    assert (note.subtotal, note.tax, note.total) == (
        Decimal("8.34"),
        Decimal("1.67"),
        Decimal("10.01"),
    )
    assert (note.to_balance, note.to_credit, note.refunded) == (
        Decimal("0.00"),
        Decimal("0.00"),
        Decimal("10.01"),
    )
    assert (note.refund_method, note.refund_reference) == ("card", stripe_refund["id"])
    invoice.refresh_from_db()
    assert (invoice.status, invoice.balance, invoice.credited, invoice.credit_returned) == (
        "paid",
        Decimal("0.00"),
        Decimal("10.01"),
        Decimal("10.01"),
    )
    assert Event.objects.get(action="payment.refunded").data["credit_note"] == note.number
    assert totals_differences() == []


def test_a_refund_of_part_of_a_partial_payment_leaves_what_is_due(api, payer, system, stripe_fake):
    # given 30.00 of a 50.00 invoice paid by cheque
    invoice = invoice_for(payer, system)
    payment = payment_record(
        actor=system, invoice=invoice, amount="30.00", method="cheque", on=invoice.issue_date
    )
    # when 20.00 of it is given back
    assert (
        api.post(f"/payments/{payment.pk}/refunds", {"amount": "20", "reason": "x"}).status_code
        == 201
    )
    # then a 20.00 note records the cheque refunded and 20.00 is still due
    note = CreditNote.objects.get()
    assert (note.total, note.refunded, note.refund_method) == (
        Decimal("20.00"),
        Decimal("20.00"),
        "cheque",
    )
    invoice.refresh_from_db()
    assert (invoice.status, invoice.balance, invoice.credited) == (
        "unpaid",
        Decimal("20.00"),
        Decimal("20.00"),
    )


def test_a_refund_of_an_invoice_credited_as_account_credit_is_refused(
    api, paid, system, stripe_fake
):
    # given the paid invoice credited in full, as 50.00 of account credit
    invoice = Invoice.objects.get()
    credit_note_issue(actor=system, invoice=invoice, reason="Cancelled", on=invoice.issue_date)
    # when its payment is refunded: refused, nothing at Stripe, nothing written
    response = api.post(f"/payments/{paid.pk}/refunds", {"amount": "10.00", "reason": "x"})
    assert response.status_code == 409
    assert response.json()["code"] == "refund_too_large"
    assert "0.00 that can still be credited" in response.json()["detail"]
    assert not stripe_fake.refunds
    assert not Refund.objects.exists()
    assert CreditNote.objects.count() == 1


def test_a_refund_never_credits_more_than_the_payment_put_on_its_invoice(
    api, payer, system, stripe_fake
):
    from fairbill.payments.services import credit_apply

    # given a 50.00 invoice paid 30.00 by cheque then 30.00 by bank transfer (20.00 on the
    # invoice, 10.00 of credit), that credit used on a second invoice
    first, second = invoice_for(payer, system), invoice_for(payer, system)
    payment_record(actor=system, invoice=first, amount="30", method="cheque", on=first.issue_date)
    payment = payment_record(
        actor=system, invoice=first, amount="30", method="bank_transfer", on=first.issue_date
    )
    credit_apply(actor=system, invoice=second, amount="10.00", on=second.issue_date)
    # when all 30.00 of the transfer is refunded: refused, at most the 20.00 it put on the
    # invoice (its credit was used)
    refused = api.post(f"/payments/{payment.pk}/refunds", {"amount": "30", "reason": "x"})
    assert refused.status_code == 409
    assert refused.json()["detail"].startswith("amount: at most £20.00 of this payment")
    # 15.00 then 5.00 are credited on the first invoice, then nothing more
    for amount in ("15", "5"):
        body = {"amount": amount, "reason": "x"}
        assert api.post(f"/payments/{payment.pk}/refunds", body).status_code == 201
    assert [n.total for n in CreditNote.objects.order_by("pk")] == [
        Decimal("15.00"),
        Decimal("5.00"),
    ]
    more = api.post(f"/payments/{payment.pk}/refunds", {"amount": "5", "reason": "x"})
    assert more.json()["code"] == "refund_too_large"
    assert Refund.objects.count() == 2
    assert totals_differences() == []


def test_a_refund_made_in_stripe_is_recorded_once_from_the_webhook(client, paid, stripe_fake):
    intent = next(iter(stripe_fake.intents.values()))
    stripe_fake.refunds["re_dash"] = {
        "id": "re_dash",
        "object": "refund",
        "amount": 500,
        "currency": "gbp",
        "payment_intent": intent["id"],
        "status": "succeeded",
    }
    charge = {"id": intent["latest_charge"], "object": "charge", "payment_intent": intent["id"]}
    deliver(client, event_json("evt_r1", "charge.refunded", charge))
    deliver(client, event_json("evt_r2", "charge.refunded", charge))
    refund = Refund.objects.get()
    assert (refund.amount, refund.gateway_reference) == (Decimal("5.00"), "re_dash")
    note = CreditNote.objects.get()  # one credit note for one refund
    assert (note.total, note.refunded, note.refund_reference) == (
        Decimal("5.00"),
        Decimal("5.00"),
        "re_dash",
    )


def test_the_webhook_of_a_refund_made_here_issues_no_second_credit_note(
    api, client, paid, stripe_fake
):
    assert (
        api.post(f"/payments/{paid.pk}/refunds", {"amount": "7.00", "reason": "x"}).status_code
        == 201
    )
    intent = next(iter(stripe_fake.intents.values()))
    charge = {"id": intent["latest_charge"], "object": "charge", "payment_intent": intent["id"]}
    deliver(client, event_json("evt_r3", "charge.refunded", charge))
    assert Refund.objects.count() == 1
    assert CreditNote.objects.get().total == Decimal("7.00")


@pytest.mark.parametrize(("outcome", "due_again"), [("won", "0.00"), ("lost", "50.00")])
def test_a_dispute_is_recorded_and_a_lost_one_makes_the_amount_due_again(
    client, paid, stripe_fake, outcome, due_again
):
    intent_id = next(iter(stripe_fake.intents))
    dispute = stripe_fake.dispute_add(intent_id)
    deliver(client, event_json("evt_d1", "charge.dispute.created", dispute))
    recorded = Dispute.objects.get()
    assert (recorded.status, recorded.amount, recorded.reason) == (
        "open",
        Decimal("50.00"),
        "fraudulent",
    )
    dispute["status"] = outcome
    deliver(client, event_json("evt_d2", "charge.dispute.closed", dispute))
    deliver(client, event_json("evt_d3", "charge.dispute.closed", dispute))  # again
    recorded.refresh_from_db()
    invoice = Invoice.objects.get()
    assert recorded.status == outcome
    assert invoice.balance == Decimal(due_again)
    assert invoice.status == ("unpaid" if outcome == "lost" else "paid")
    assert Event.objects.filter(action="dispute.closed").count() == 1


def test_automatic_payment_through_the_api_needs_a_saved_method(api, payer, system, stripe_fake):
    refused = api.patch(f"/customers/{payer.pk}", {"payment_method": "automatic"})
    assert refused.status_code == 409
    assert refused.json()["code"] == "no_payment_method"
    payer.save_method()
    assert (
        api.patch(f"/customers/{payer.pk}", {"payment_method": "automatic"}).json()[
            "payment_method"
        ]
        == "automatic"
    )
