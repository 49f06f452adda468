"""The few writes My Account makes itself (the rest go through the owning apps' services)."""

from __future__ import annotations

from django.db import transaction

from fairbill.core.actors import Actor
from fairbill.core.services import event_record
from fairbill.customers.models import Customer


@transaction.atomic
def account_password_changed(*, actor: Actor, customer: Customer) -> None:
    """Record that a customer changed their My Account password (never the password)."""
    event_record(
        actor=actor,
        action="customer.password_changed",
        subject=customer,
        customer_id=customer.pk,
        message="My Account password changed",
    )
