"""The few writes My Account makes itself (the rest go through the owning apps' services)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from fairbill.core.actors import Actor
from fairbill.core.errors import Refused
from fairbill.core.services import event_record
from fairbill.customers.models import Customer
from fairbill.customers.services import customer_update


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


@transaction.atomic
def account_details_update(*, actor: Actor, customer: Customer, **values: Any) -> Customer:
    """A customer edits their own contact details and address. An email address another
    (not merged) customer has is refused: the order form refuses it too, and password reset
    links go to that address."""
    email = str(values.get("email") or "").strip()
    taken = (
        Customer.objects.filter(email__iexact=email, merged_into__isnull=True)
        .exclude(pk=customer.pk)
        .exists()
    )
    if email and taken:
        raise Refused(
            "email: another account uses this email address. Please contact us if it is yours.",
            "email",
        )
    return customer_update(actor=actor, customer=customer, **values)
