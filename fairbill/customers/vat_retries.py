"""Checking again, later, the VAT numbers whose register could not answer (`unverified`:
VIES or a member state's service down, HMRC unavailable). The worker calls
`vat_checks_retry` every few minutes; each customer waits longer after each failed attempt
(5 minutes, doubling, at most an hour), so a register that is down for a day is asked about
24 times per customer, not 1,440. A valid or invalid answer ends the retries; until then
invoices are issued with standard VAT and staff see why (DESIGN §4)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Q

from fairbill.core.actors import Actor
from fairbill.customers.models import Customer, VatCheckStatus
from fairbill.customers.services import customer_vat_check

FIRST_RETRY = timedelta(minutes=5)
LONGEST_WAIT = timedelta(hours=1)
BATCH = 50  # at most this many register calls per sweep: the worker has other work


def retry_wait(retries: int) -> timedelta:
    """How long to wait after the `retries`-th unverified check in a row."""
    if retries <= 1:
        return FIRST_RETRY
    return min(FIRST_RETRY * 2 ** min(retries - 1, 10), LONGEST_WAIT)


def vat_check_retry_due(customer: Customer, now: datetime) -> bool:
    return (
        customer.vat_check_status == VatCheckStatus.UNVERIFIED
        and bool(customer.vat_number)
        and (
            customer.vat_checked_at is None
            or customer.vat_checked_at + retry_wait(customer.vat_check_retries) <= now
        )
    )


def vat_checks_retry(*, actor: Actor, now: datetime, limit: int = BATCH) -> int:
    """Check again the unverified VAT numbers whose wait is over (oldest attempt first).
    Runs HTTP calls: call it outside a transaction. Returns how many were checked."""
    candidates = (
        Customer.objects.filter(vat_check_status=VatCheckStatus.UNVERIFIED, merged_into=None)
        .exclude(vat_number="")
        .filter(Q(vat_checked_at__isnull=True) | Q(vat_checked_at__lte=now - FIRST_RETRY))
        .order_by("vat_checked_at", "pk")
    )
    checked = 0
    for customer in candidates.iterator():
        if checked >= limit:
            break
        if vat_check_retry_due(customer, now):
            customer_vat_check(actor=actor, customer=customer)
            checked += 1
    return checked
