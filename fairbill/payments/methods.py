"""Saved payment methods (cards, Direct Debit mandates): saving what a finished setup
reports, choosing the default, removing one. One default per customer, by constraint.

A method is saved from what the gateway reports (a setup's id, re-fetched from the gateway),
never from what the browser sends; the same gateway method is saved once."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import IntegrityError, transaction

from fairbill.core import clock
from fairbill.core.actors import Actor
from fairbill.core.errors import Refused
from fairbill.core.hooks import hook_call
from fairbill.core.services import event_record
from fairbill.customers.models import Customer, PaymentMethod
from fairbill.customers.services import customer_lock
from fairbill.payments.gateways.base import Gateway, MethodDetails
from fairbill.payments.models import GatewayCustomer, SavedPaymentMethod

# Hook (emails, in notifications): method=
METHOD_EXPIRING = "payment_method.expiring"


def expiring_cards_remind(*, as_of: date) -> int:
    """Ask once each customer paying automatically whose default card expires at the end of
    next month to save a new one (before its next charge fails). Returns how many."""
    following = (as_of.replace(day=1) + timedelta(days=32)).replace(day=1)
    expiring = SavedPaymentMethod.objects.filter(
        kind=SavedPaymentMethod.Kind.CARD,
        is_default=True,
        removed_at__isnull=True,
        expiry_reminded_on__isnull=True,
        exp_year=following.year,
        exp_month=following.month,
        customer__payment_method=PaymentMethod.AUTOMATIC,
    ).order_by("pk")
    count = 0
    for method in expiring:
        with transaction.atomic():
            updated = SavedPaymentMethod.objects.filter(
                pk=method.pk, expiry_reminded_on__isnull=True
            ).update(expiry_reminded_on=as_of)
            if updated:  # a concurrent run did not ask already
                hook_call(METHOD_EXPIRING, method=method)
                count += 1
    return count


def methods_of(customer: Customer) -> list[SavedPaymentMethod]:
    """The customer's saved methods, the default first (removed ones left out)."""
    return list(
        SavedPaymentMethod.objects.filter(customer=customer, removed_at__isnull=True).order_by(
            "-is_default", "id"
        )
    )


def default_method(customer_id: int) -> SavedPaymentMethod | None:
    return SavedPaymentMethod.objects.filter(
        customer_id=customer_id, is_default=True, removed_at__isnull=True
    ).first()


def gateway_customer_get(*, gateway: Gateway, customer: Customer) -> str:
    """The customer's id at the gateway, created there the first time (keyed by our id, so
    two first times make one)."""
    found = GatewayCustomer.objects.filter(customer=customer, gateway=gateway.name).first()
    if found is not None:
        return found.reference
    reference = gateway.customer_create(
        customer_id=customer.pk, name=customer.name, email=customer.email
    )
    try:
        with transaction.atomic():
            GatewayCustomer.objects.create(
                customer=customer, gateway=gateway.name, reference=reference
            )
    except IntegrityError:
        pass  # saved meanwhile by a concurrent request: same key, same customer
    return GatewayCustomer.objects.get(customer=customer, gateway=gateway.name).reference


def customer_for_gateway(*, gateway: str, reference: str) -> int | None:
    """Our customer id for a gateway's customer id."""
    return (
        GatewayCustomer.objects.filter(gateway=gateway, reference=reference)
        .values_list("customer_id", flat=True)
        .first()
    )


@transaction.atomic
def method_save(
    *, actor: Actor, customer: Customer, gateway: str, details: MethodDetails
) -> SavedPaymentMethod:
    """Keep a method the gateway saved for the customer. It becomes the default (the one
    the customer just chose); saving the same gateway method again changes nothing."""
    customer = customer_lock(customer.pk)
    existing = SavedPaymentMethod.objects.filter(
        gateway=gateway, reference=details.reference
    ).first()
    if existing is not None:
        if existing.customer_id != customer.pk:
            raise Refused("This payment method belongs to another customer.")
        return existing
    SavedPaymentMethod.objects.filter(customer=customer, is_default=True).update(is_default=False)
    method = SavedPaymentMethod.objects.create(
        customer=customer,
        gateway=gateway,
        reference=details.reference,
        gateway_customer=details.gateway_customer,
        kind=details.kind,
        label=details.label,
        last4=details.last4,
        exp_month=details.exp_month,
        exp_year=details.exp_year,
        mandate_reference=details.mandate_reference,
        is_default=True,
        created_at=clock.now(),
    )
    event_record(
        actor=actor,
        action="payment_method.saved",
        subject=customer,
        customer_id=customer.pk,
        message=f"{method} saved for automatic payments",
        data={"method": method.pk, "kind": method.kind, "last4": method.last4},
    )
    return method


@transaction.atomic
def method_set_default(*, actor: Actor, method: SavedPaymentMethod) -> SavedPaymentMethod:
    customer = customer_lock(method.customer_id)
    method = SavedPaymentMethod.objects.select_for_update().get(pk=method.pk)
    if method.removed_at is not None:
        raise Refused("This payment method was removed.")
    if method.is_default:
        return method
    SavedPaymentMethod.objects.filter(customer=customer, is_default=True).update(is_default=False)
    method.is_default = True
    method.save(update_fields=["is_default"])
    event_record(
        actor=actor,
        action="payment_method.default",
        subject=customer,
        customer_id=customer.pk,
        message=f"{method} is now the default payment method",
        data={"method": method.pk},
    )
    return method


@transaction.atomic
def method_removed(
    *, actor: Actor, method: SavedPaymentMethod, reason: str = ""
) -> SavedPaymentMethod:
    """Mark a method removed (already detached at the gateway). A charge already under way
    on it still completes; the next one uses another method, or none. When the last method
    goes, an automatic customer goes back to paying by bank transfer."""
    customer = customer_lock(method.customer_id)
    method = SavedPaymentMethod.objects.select_for_update().get(pk=method.pk)
    if method.removed_at is not None:
        return method
    method.removed_at = clock.now()
    was_default = method.is_default
    method.is_default = False
    method.save(update_fields=["removed_at", "is_default"])
    remaining = SavedPaymentMethod.objects.filter(customer=customer, removed_at__isnull=True)
    if was_default:
        other = remaining.order_by("-created_at", "-id").first()
        if other is not None:
            other.is_default = True
            other.save(update_fields=["is_default"])
    if not remaining.exists() and customer.payment_method == PaymentMethod.AUTOMATIC:
        customer.payment_method = PaymentMethod.BANK_TRANSFER
        customer.save(update_fields=["payment_method"])
    event_record(
        actor=actor,
        action="payment_method.removed",
        subject=customer,
        customer_id=customer.pk,
        message=f"{method} removed{': ' + reason if reason else ''}",
        data={"method": method.pk},
    )
    return method


def method_remove(
    *, actor: Actor, method: SavedPaymentMethod, gateway: Gateway
) -> SavedPaymentMethod:
    """Detach the method at the gateway (outside any transaction: an HTTP call), then mark
    it removed."""
    if method.removed_at is not None:
        return method
    gateway.method_detach(reference=method.reference)
    return method_removed(actor=actor, method=method)


@transaction.atomic
def customer_set_automatic(*, actor: Actor, customer: Customer, automatic: bool) -> Customer:
    """Collect the customer's invoices from its default saved method on their due dates
    (or stop). Needs a saved method."""
    customer = customer_lock(customer.pk)
    if automatic and default_method(customer.pk) is None:
        raise Refused(
            "The customer has no saved card or Direct Debit: they add one in My Account first.",
            "payment_method",
        )
    wanted = PaymentMethod.AUTOMATIC if automatic else PaymentMethod.BANK_TRANSFER
    if customer.payment_method == wanted or (
        not automatic and customer.payment_method != PaymentMethod.AUTOMATIC
    ):
        return customer
    before = customer.payment_method
    customer.payment_method = wanted
    customer.save(update_fields=["payment_method"])
    event_record(
        actor=actor,
        action="customer.updated",
        subject=customer,
        customer_id=customer.pk,
        data={"payment_method": [before, wanted]},
    )
    return customer
