"""Creating and editing subscriptions (a customer's packages).

An edit changes what the next renewal bills; it never invoices by itself. A cycle edit
takes effect at the next renewal (kept in pending_cycle until then).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction

from fairbill.catalog.models import Cycle, Option, OptionChoice, OptionPrice, Package, PackagePrice
from fairbill.core import clock
from fairbill.core.actors import Actor
from fairbill.core.errors import InvalidInput, NotFound, Refused
from fairbill.core.limits import amount_check, date_in_window
from fairbill.core.money import parse_amount
from fairbill.core.services import event_record
from fairbill.customers.models import Customer, PaymentMethod, Status
from fairbill.customers.services import customer_lock, customer_set_status
from fairbill.subscriptions.models import Subscription, SubscriptionOption


@dataclass(frozen=True)
class OptionSelection:
    option: Option
    choice: OptionChoice | None
    quantity: int
    unit_price: Decimal
    setup_fee: Decimal


def package_price(package: Package, cycle: str, currency: str) -> PackagePrice:
    price = PackagePrice.objects.filter(package=package, cycle=cycle, currency=currency).first()
    if price is None:
        raise InvalidInput(
            f"cycle: {package.name} has no {Cycle(cycle).label.lower()} price in {currency}.",
            "cycle",
        )
    return price


def option_row(option: Option, value: Any) -> dict[str, Any] | None:
    """An option form field's value as a row for options_select: a quantity, a choice id or
    ticked. None when left out (empty, 0 or unticked). Every form with options uses it."""
    if value is None or value == "" or value is False or value == 0:
        return None
    row: dict[str, Any] = {"option_id": option.pk, "quantity": 1}
    if option.kind == Option.Kind.QUANTITY:
        row["quantity"] = value
    elif option.kind == Option.Kind.CHOICE:
        row["choice_id"] = int(value)
    return row


def options_select(
    *, package: Package, cycle: str, currency: str, rows: Iterable[Mapping[str, Any]]
) -> list[OptionSelection]:
    """Validate option rows [{option_id, quantity?, choice_id? | choice?}] for a package and
    price them from the catalog."""
    selections: list[OptionSelection] = []
    seen: set[int] = set()
    for number, row in enumerate(rows, start=1):
        label = f"option {number}"
        option_id = row.get("option_id")
        option = Option.objects.filter(pk=option_id if isinstance(option_id, int) else -1).first()
        if option is None:
            raise NotFound(f"{label}: no option with id {option_id}.", "options")
        if option.pk in seen:
            raise InvalidInput(f"{label}: {option.name} is chosen twice.", "options")
        seen.add(option.pk)
        if not option.packages.filter(pk=package.pk).exists():
            raise InvalidInput(
                f"{label}: {option.name} is not offered with {package.name}.", "options"
            )
        quantity = row.get("quantity", 1)
        if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 1:
            raise InvalidInput(
                f"{label}: quantity must be a whole number of at least 1.", "options"
            )
        if option.kind != Option.Kind.QUANTITY and quantity != 1:
            raise InvalidInput(f"{label}: {option.name} can't have a quantity.", "options")
        if quantity > option.max_quantity:
            raise InvalidInput(
                f"{label}: at most {option.max_quantity} of {option.name}.", "options"
            )
        choice = None
        if option.kind == Option.Kind.CHOICE:
            choice = _choice(option, row, label)
        price = OptionPrice.objects.filter(
            option=option, choice=choice, cycle=cycle, currency=currency
        ).first()
        if price is None:
            raise InvalidInput(
                f"{label}: {option.name} has no {cycle} price in {currency}.", "options"
            )
        selections.append(OptionSelection(option, choice, quantity, price.price, price.setup_fee))
    return selections


def _choice(option: Option, row: Mapping[str, Any], label: str) -> OptionChoice:
    choice_id = row.get("choice_id")
    name = row.get("choice")
    choices = option.choices.all()
    choice = (
        choices.filter(pk=choice_id).first()
        if isinstance(choice_id, int)
        else choices.filter(name__iexact=str(name or "")).first()
    )
    if choice is None:
        names = ", ".join(c.name for c in choices)
        raise InvalidInput(f"{label}: choose one of {names} for {option.name}.", "options")
    return choice


def options_replace(subscription: Subscription, selections: list[OptionSelection]) -> None:
    subscription.options.all().delete()
    SubscriptionOption.objects.bulk_create(
        SubscriptionOption(
            subscription=subscription,
            option=s.option,
            choice=s.choice,
            quantity=s.quantity,
            unit_price=s.unit_price,
            setup_fee=s.setup_fee,
        )
        for s in selections
    )


def _options_json(selections: list[OptionSelection]) -> list[dict[str, Any]]:
    return [
        {
            "option": s.option.name,
            "choice": s.choice.name if s.choice else None,
            "quantity": s.quantity,
            "unit_price": str(s.unit_price),
        }
        for s in selections
    ]


@transaction.atomic
def subscription_create(
    *,
    actor: Actor,
    customer: Customer,
    package: Package,
    cycle: str,
    start_date: date,
    options: Iterable[Mapping[str, Any]] = (),
    price: Any = None,
    setup_fee: Any = None,
    status: str = Status.ACTIVE,
    payment_method: str | None = None,
) -> Subscription:
    """A customer's new package. Created by staff or the API it starts active with its
    renewal date on its start date: the billing run bills the first period and the setup fee."""
    customer = customer_lock(customer.pk)
    if customer.merged_into_id:
        raise Refused("This customer was merged into another one.")
    if customer.status == Status.CANCELLED:
        raise Refused("This customer is cancelled; reactivate it first.")
    if cycle not in Cycle.values:
        raise InvalidInput(f"cycle: '{cycle}' is not one of {', '.join(Cycle.values)}.", "cycle")
    if status not in Status.values:
        raise InvalidInput(
            f"status: '{status}' is not one of {', '.join(Status.values)}.", "status"
        )
    method = payment_method or customer.payment_method
    if method not in PaymentMethod.values:
        raise InvalidInput(f"payment method: '{method}' is unknown.", "payment_method")
    currency = customer.currency
    if price is None or setup_fee is None:
        catalog = package_price(package, cycle, currency)
        price = catalog.price if price is None else price
        setup_fee = catalog.setup_fee if setup_fee is None else setup_fee
    value = parse_amount(price, currency, field="price")
    fee = parse_amount(setup_fee, currency, field="setup_fee")
    amount_check(value, kind="price", currency=currency, field="price", label="price")
    amount_check(fee, kind="price", currency=currency, field="setup_fee", label="setup fee")
    date_in_window(start_date, field="start_date", label="start date", history=True)
    selections = options_select(package=package, cycle=cycle, currency=currency, rows=options)
    now = clock.now()
    subscription = Subscription.objects.create(
        customer=customer,
        package=package,
        cycle=cycle,
        currency=currency,
        price=value,
        setup_fee=fee,
        start_date=start_date,
        renewal_date=start_date,
        billing_day=start_date.day,
        payment_method=method,
        status=status,
        created_at=now,
        updated_at=now,
    )
    options_replace(subscription, selections)
    event_record(
        actor=actor,
        action="subscription.created",
        subject=subscription,
        customer_id=customer.pk,
        message=f"{package.name} ({cycle}) from {start_date:%Y-%m-%d}",
        data={
            "package": package.name,
            "cycle": cycle,
            "price": str(value),
            "setup_fee": str(fee),
            "start_date": start_date.isoformat(),
            "options": _options_json(selections),
        },
    )
    return subscription


EDITABLE = {
    "price",
    "setup_fee",
    "start_date",
    "renewal_date",
    "renewed_on",
    "cycle",
    "payment_method",
    "status",
    "options",
}


@transaction.atomic
def subscription_update(*, actor: Actor, subscription: Subscription, **edits: Any) -> Subscription:
    """Edit what the next renewal bills. No invoice, no credit. The renewal date moves the day
    the next invoice is made (and the billing day with it); a cycle change waits for the
    next renewal unless the subscription was never billed."""
    unknown = set(edits) - EDITABLE
    if unknown:
        raise InvalidInput(f"Unknown field: {', '.join(sorted(unknown))}.")
    # the customer first (the lock order); a cancelled customer's package stays cancelled
    customer = customer_lock(subscription.customer_id) if "status" in edits else None
    sub = Subscription.objects.select_for_update().select_related("package").get(pk=subscription.pk)
    data: dict[str, Any] = {}

    def note(field: str, before: Any, after: Any) -> None:
        if before != after:
            data[field] = [
                str(before) if before is not None else None,
                str(after) if after is not None else None,
            ]

    for field in ("price", "setup_fee"):
        if field in edits:
            label = field.replace("_", " ")
            value = parse_amount(edits[field], sub.currency, field=label)
            amount_check(value, kind="price", currency=sub.currency, field=field, label=label)
            note(field, getattr(sub, field), value)
            setattr(sub, field, value)
    for field in ("start_date", "renewal_date", "renewed_on"):
        if field in edits:
            value = edits[field]
            if value is not None and not isinstance(value, date):
                raise InvalidInput(f"{field.replace('_', ' ')}: give a date (YYYY-MM-DD).", field)
            if field != "renewed_on" and value is None and sub.cycle != Cycle.ONE_TIME:
                raise InvalidInput(f"{field.replace('_', ' ')}: give a date.", field)
            if value is not None and value != getattr(sub, field):
                label = field.replace("_", " ")
                date_in_window(value, field=field, label=label, history=field != "renewal_date")
            note(field, getattr(sub, field), value)
            setattr(sub, field, value)
            if field == "renewal_date" and value is not None:
                sub.billing_day = value.day
    if "cycle" in edits:
        cycle = edits["cycle"]
        if cycle not in Cycle.values:
            raise InvalidInput(
                f"cycle: '{cycle}' is not one of {', '.join(Cycle.values)}.", "cycle"
            )
        if cycle != (sub.pending_cycle or sub.cycle):
            # The next renewal bills the new cycle: take its catalog prices unless given.
            if "price" not in edits:
                value = package_price(sub.package, cycle, sub.currency).price
                note("price", sub.price, value)
                sub.price = value
            if "options" not in edits:
                edits["options"] = [
                    {"option_id": o.option_id, "choice_id": o.choice_id, "quantity": o.quantity}
                    for o in sub.options.all()
                ]
        if sub.renewed_on is None:  # never billed: the first period uses it directly
            note("cycle", sub.cycle, cycle)
            sub.cycle, sub.pending_cycle = cycle, ""
        elif cycle == sub.cycle:
            note("pending_cycle", sub.pending_cycle or None, None)
            sub.pending_cycle = ""
        else:
            note("pending_cycle", sub.pending_cycle or None, cycle)
            sub.pending_cycle = cycle
    if "payment_method" in edits:
        if edits["payment_method"] not in PaymentMethod.values:
            raise InvalidInput(
                f"payment method: '{edits['payment_method']}' is unknown.", "payment_method"
            )
        note("payment_method", sub.payment_method, edits["payment_method"])
        sub.payment_method = edits["payment_method"]
    _dates_check(sub, edited=set(edits))
    if "options" in edits:
        selections = options_select(
            package=sub.package,
            cycle=sub.pending_cycle or sub.cycle,
            currency=sub.currency,
            rows=edits["options"] or [],
        )
        data["options"] = _options_json(selections)
        options_replace(sub, selections)
    staff_takes_over = (
        edits.get("status") == Status.SUSPENDED
        and sub.suspended_by != Subscription.SuspendedBy.STAFF
    )
    if "status" in edits and (edits["status"] != sub.status or staff_takes_over):
        # Suspending by hand a package already suspended for non-payment makes it a staff
        # suspension: a payment must not lift it.
        status = edits["status"]
        if status not in Status.values:
            raise InvalidInput(
                f"status: '{status}' is not one of {', '.join(Status.values)}.", "status"
            )
        if (
            customer is not None
            and customer.status == Status.CANCELLED
            and status != Status.CANCELLED
        ):
            raise Refused(
                "This customer is cancelled; reactivate it first.", code="customer_cancelled"
            )
        note("status", sub.status, status)
        note(
            "suspended_by",
            sub.suspended_by or None,
            Subscription.SuspendedBy.STAFF if status == Status.SUSPENDED else None,
        )
        sub.status = status
        sub.suspended_by = Subscription.SuspendedBy.STAFF if status == Status.SUSPENDED else ""
        sub.status_reason = "Changed by staff"
    sub.updated_at = clock.now()
    sub.save()
    if data:
        event_record(
            actor=actor,
            action="subscription.edited",
            subject=sub,
            customer_id=sub.customer_id,
            data=data,
        )
    return sub


def _dates_check(sub: Subscription, *, edited: set[str]) -> None:
    """Dates in a sensible order: renewal on or after the start, renewed-on on or before the
    renewal. The error goes on the field that was edited."""
    start, renewal, renewed = sub.start_date, sub.renewal_date, sub.renewed_on
    if start and renewal and renewal < start:
        field = "start_date" if "renewal_date" not in edited else "renewal_date"
        raise InvalidInput(
            f"{field.replace('_', ' ')}: the renewal date ({renewal:%-d %b %Y}) can't be "
            f"before the start date ({start:%-d %b %Y}).",
            field,
        )
    if renewed and renewal and renewed > renewal:
        field = "renewed_on" if "renewal_date" not in edited else "renewal_date"
        raise InvalidInput(
            f"{field.replace('_', ' ')}: renewed on ({renewed:%-d %b %Y}) can't be after the "
            f"renewal date ({renewal:%-d %b %Y}).",
            field,
        )


@transaction.atomic
def customer_status_change(
    *, actor: Actor, customer: Customer, status: str, reason: str = ""
) -> tuple[Customer, list[Subscription]]:
    """A customer's status as staff or the API change it. Cancelling a customer cancels its
    packages too (every one not cancelled yet, with the reason), so the billing run renews
    none of them after; its unpaid invoices stay owed (credit them to write them off).
    Returns the customer and the packages cancelled."""
    before = customer_lock(customer.pk).status
    customer = customer_set_status(actor=actor, customer=customer, status=status, reason=reason)
    if customer.status != Status.CANCELLED or before == Status.CANCELLED:
        return customer, []  # cancelled only as it is cancelled: not again
    why = f"Customer cancelled: {reason}" if reason else "Customer cancelled"
    running = Subscription.objects.filter(customer=customer).exclude(status=Status.CANCELLED)
    cancelled = [
        subscription_set_status(
            actor=actor, subscription=sub, status=Status.CANCELLED, reason=why[:300]
        )
        for sub in running.order_by("pk")
    ]
    return customer, cancelled


@transaction.atomic
def subscription_set_status(
    *,
    actor: Actor,
    subscription: Subscription,
    status: str,
    reason: str = "",
    suspended_by: str = "",
) -> Subscription:
    """Move a subscription to a status (automation or staff), with its reason."""
    if status not in Status.values:
        raise InvalidInput(
            f"status: '{status}' is not one of {', '.join(Status.values)}.", "status"
        )
    sub = Subscription.objects.select_for_update().get(pk=subscription.pk)
    if sub.status == status:
        return sub
    before = sub.status
    sub.status = status
    sub.status_reason = reason[:300]
    sub.suspended_by = suspended_by if status == Status.SUSPENDED else ""
    sub.updated_at = clock.now()
    sub.save(update_fields=["status", "status_reason", "suspended_by", "updated_at"])
    event_record(
        actor=actor,
        action=f"subscription.{status}",
        subject=sub,
        customer_id=sub.customer_id,
        message=reason,
        data={"status": [before, status], "suspended_by": suspended_by},
    )
    return sub
