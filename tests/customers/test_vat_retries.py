"""The worker checks again VAT numbers whose register could not answer, waiting 5 minutes
after the first failure, doubling, at most an hour (VIES answered over pytest-httpserver)."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from fairbill.core import clock
from fairbill.customers.models import Customer, VatCheckStatus
from fairbill.customers.services import customer_create
from fairbill.customers.vat_retries import retry_wait, vat_checks_retry
from tests.fakes.vat_registers import VIES_PATH, vies_error, vies_valid


def test_the_wait_doubles_from_five_minutes_up_to_an_hour():
    minutes = [retry_wait(n) / timedelta(minutes=1) for n in range(1, 8)]
    assert minutes == [5, 10, 20, 40, 60, 60, 60]


def test_an_unverified_number_is_checked_again_after_its_wait(eu_business, system, vies):
    # given VIES down when a German business customer is created at 10:00
    vies.expect_request(VIES_PATH, method="POST").respond_with_json(vies_error("MS_UNAVAILABLE"))
    with time_machine.travel("2027-03-15 10:00 +0000", tick=False):
        buyer = customer_create(
            actor=system,
            name="Acme GmbH",
            email="billing@acme.de",
            country="DE",
            currency="EUR",
            vat_number="DE136695976",
        )
    assert (buyer.vat_check_status, buyer.vat_check_retries) == ("unverified", 1)
    assert len(vies.log) == 1
    # when the worker sweeps at 10:04: nothing yet (the first wait is 5 minutes)
    with time_machine.travel("2027-03-15 10:04 +0000", tick=False):
        assert vat_checks_retry(actor=system, now=clock.now()) == 0
    # at 10:05 it asks again; still down: the next wait is 10 minutes
    with time_machine.travel("2027-03-15 10:05 +0000", tick=False):
        assert vat_checks_retry(actor=system, now=clock.now()) == 1
    assert Customer.objects.get(pk=buyer.pk).vat_check_retries == 2
    with time_machine.travel("2027-03-15 10:14 +0000", tick=False):
        assert vat_checks_retry(actor=system, now=clock.now()) == 0
    assert len(vies.log) == 2
    # then VIES is back: at 10:15 the number is checked valid and retries end
    vies.clear()  # (forgets the log too)
    vies.expect_request(VIES_PATH, method="POST").respond_with_json(vies_valid("DE136695976"))
    with time_machine.travel("2027-03-15 10:15 +0000", tick=False):
        assert vat_checks_retry(actor=system, now=clock.now()) == 1
    buyer.refresh_from_db()
    assert (buyer.vat_check_status, buyer.vat_check_retries) == (VatCheckStatus.VALID, 0)
    with time_machine.travel("2027-03-15 12:00 +0000", tick=False):
        assert vat_checks_retry(actor=system, now=clock.now()) == 0
    assert len(vies.log) == 1  # one more call: the valid answer


# The worker closes stale connections between polls: it needs real transactions.
@pytest.mark.django_db(transaction=True)
def test_the_worker_pass_checks_again_what_is_due(eu_business, system, vies, settings):
    # given a customer whose check failed an hour ago (VIES down) and VIES answering again
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    vies.expect_request(VIES_PATH, method="POST").respond_with_json(vies_error("MS_UNAVAILABLE"))
    with time_machine.travel("2027-03-15 09:00 +0000", tick=False):
        buyer = customer_create(
            actor=system,
            name="Acme GmbH",
            email="billing@acme.de",
            country="DE",
            currency="EUR",
            vat_number="DE136695976",
        )
    vies.clear()
    vies.expect_request(VIES_PATH, method="POST").respond_with_json(vies_valid("DE136695976"))
    # when the worker passes at 10:00
    with time_machine.travel("2027-03-15 10:00 +0000", tick=False):
        call_command("worker", "--once", "--no-schedule", stdout=StringIO())
    # then the number is checked valid
    buyer.refresh_from_db()
    assert buyer.vat_check_status == VatCheckStatus.VALID
    assert len(vies.log) == 1
