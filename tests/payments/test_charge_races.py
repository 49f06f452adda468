"""A charge and a bank-transfer payment of the same invoice at the same moment (PostgreSQL,
two threads with their own connections): the customer lock orders them, and whichever
comes second finds the invoice paid. Never paid twice."""

from __future__ import annotations

import threading
import time
from datetime import date

import pytest
from django.db import connection, connections, transaction

from fairbill.core.errors import Refused
from fairbill.payments.collection import NothingToCharge, invoice_charge
from fairbill.payments.models import Payment, PaymentAttempt
from fairbill.payments.services import payment_record
from tests.payments.conftest import DUE, automatic, invoice_for

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("row locks between connections are tested on PostgreSQL")


def in_thread(target):
    outcome: dict = {}

    def run():
        try:
            outcome["value"] = target()
        except Exception as exc:
            outcome["error"] = exc
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def test_a_bank_transfer_during_the_charge_waits_and_finds_the_invoice_paid(
    payer, system, gateway, stripe_fake, run_actor
):
    automatic(payer, system)
    invoice = invoice_for(payer, system)
    transfer: dict = {}

    def bank_transfer():
        return payment_record(
            actor=system, invoice=invoice, amount="50.00", method="bank_transfer", on=DUE
        )

    def while_stripe_charges(intent):
        # staff record the bank transfer while the charge holds the customer's lock
        thread, outcome = in_thread(bank_transfer)
        transfer.update(thread=thread, outcome=outcome)
        time.sleep(0.5)
        transfer["finished_during_charge"] = not thread.is_alive()

    stripe_fake.on_create = while_stripe_charges
    attempt = invoice_charge(actor=run_actor, invoice=invoice, gateway=gateway, on=DUE)
    transfer["thread"].join(10)
    assert attempt.state == "succeeded"
    assert transfer["finished_during_charge"] is False  # it waited for the lock
    assert isinstance(transfer["outcome"].get("error"), Refused)
    assert "nothing is due" in transfer["outcome"]["error"].message
    assert list(Payment.objects.values_list("method", flat=True)) == ["card"]


def test_a_charge_during_a_bank_transfer_waits_and_charges_nothing(
    payer, system, gateway, stripe_fake, run_actor
):
    automatic(payer, system)
    invoice = invoice_for(payer, system)
    recorded = threading.Event()

    def bank_transfer_held():
        with transaction.atomic():
            payment_record(
                actor=system, invoice=invoice, amount="50.00", method="bank_transfer", on=DUE
            )
            recorded.set()
            time.sleep(0.5)  # still inside its transaction: the lock is held

    thread, outcome = in_thread(bank_transfer_held)
    recorded.wait(10)
    with pytest.raises(NothingToCharge, match="nothing is due"):
        invoice_charge(actor=run_actor, invoice=invoice, gateway=gateway, on=date(2027, 1, 17))
    thread.join(10)
    assert "error" not in outcome
    assert not stripe_fake.intents
    assert not PaymentAttempt.objects.exists()
    assert list(Payment.objects.values_list("method", flat=True)) == ["bank_transfer"]
