"""Upgrading or downgrading a subscription immediately, with a prorated invoice or credit.

The preview and the change run the same computation (`change_plan`), so what staff review in
step 3 of the wizard is, to the cent, what step 4 invoices. See DESIGN: "Upgrade / downgrade".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction

from fairbill.catalog.models import Cycle, Package
from fairbill.core import clock
from fairbill.core.actors import Actor
from fairbill.core.aggregates import MoneySum
from fairbill.core.errors import InvalidInput, Refused
from fairbill.core.models import BusinessSettings
from fairbill.core.money import ZERO, format_money
from fairbill.core.services import event_record
from fairbill.customers.services import customer_lock
from fairbill.invoicing.calculations import LineInput, invoice_totals, tax_on
from fairbill.invoicing.documents import LineSpec
from fairbill.invoicing.models import Invoice, InvoiceLine
from fairbill.invoicing.services import invoice_issue
from fairbill.invoicing.tax import tax_for_customer
from fairbill.payments.models import CreditEntry
from fairbill.payments.services import credit_add
from fairbill.subscriptions.models import PackageChange, Subscription
from fairbill.subscriptions.periods import period_end
from fairbill.subscriptions.proration import Proration, prorate, prorate_billed_ahead, to_money
from fairbill.subscriptions.selectors import CHANGEABLE_STATUSES
from fairbill.subscriptions.services import (
    OptionSelection,
    options_replace,
    options_select,
    package_price,
)


@dataclass(frozen=True)
class Breakdown:
    description: str
    amount: Decimal


@dataclass
class ChangePlan:
    subscription: Subscription
    to_package: Package
    to_cycle: str
    options: list[OptionSelection]
    as_of: date
    effective: date
    from_recurring: Decimal
    to_recurring: Decimal
    charged: Decimal
    period_start: date
    period_end: date
    proration: Proration | None
    net: Decimal
    setup_fee: Decimal
    specs: list[LineSpec]
    subtotal: Decimal
    tax: Decimal
    total: Decimal
    credit: Decimal
    breakdown: list[Breakdown] = field(default_factory=list)
    note: str = ""

    @property
    def same_cycle(self) -> bool:
        return self.to_cycle == self.subscription.cycle

    @property
    def currency(self) -> str:
        return self.subscription.currency


def _recurring(price: Decimal, options: Iterable[Any]) -> Decimal:
    return price + sum((o.unit_price * o.quantity for o in options), ZERO)


def charged_for_period(subscription: Subscription, start: date) -> Decimal:
    """Net amount invoiced for the package and options for the period starting on `start`
    (a change made in the period counts as the new recurring price, fully paid)."""
    change = subscription.changes.filter(period_start=start).order_by("-created_at", "-pk").first()
    if change is not None:
        return change.to_recurring
    total = (
        InvoiceLine.objects.filter(
            subscription=subscription,
            period_start=start,
            kind__in=[InvoiceLine.Kind.PACKAGE, InvoiceLine.Kind.OPTION],
            period_reversed=False,  # a reversed billing was credited in full
        )
        .exclude(invoice__status=Invoice.Status.VOID)
        .aggregate(s=MoneySum("amount"))["s"]
    )
    return total if total is not None else ZERO


def previous_period_start(subscription: Subscription, start: date) -> date | None:
    """Start of the period that ends on `start` (the one before a period billed in advance),
    from the invoices and changes that made it; None if there was none."""
    starts = [
        *InvoiceLine.objects.filter(
            subscription=subscription, kind=InvoiceLine.Kind.PACKAGE, period_end=start
        )
        .exclude(invoice__status=Invoice.Status.VOID)
        .values_list("period_start", flat=True),
        *subscription.changes.filter(period_end=start).values_list("period_start", flat=True),
    ]
    found = [day for day in starts if day is not None and day < start]
    return max(found) if found else None


def unpaid_blocking(subscription: Subscription, also: date | None = None) -> Invoice | None:
    """An unpaid invoice for the current period (or for `also`, the period a change made
    before a period billed in advance starts in), or an unpaid change, blocks a change."""
    starts = [day for day in (subscription.renewed_on, also) if day is not None]
    return (
        Invoice.objects.filter(status=Invoice.Status.UNPAID, lines__subscription=subscription)
        .filter(lines__period_start__in=starts, lines__kind=InvoiceLine.Kind.PACKAGE)
        .order_by("sequence")
        .first()
        or Invoice.objects.filter(
            status=Invoice.Status.UNPAID, kind=Invoice.Kind.CHANGE, lines__subscription=subscription
        ).first()
    )


def change_plan(
    *,
    subscription: Subscription,
    package: Package,
    cycle: str,
    options: Iterable[Mapping[str, Any]],
    as_of: date,
    charge_setup_fee: bool = False,
) -> ChangePlan:
    """Compute a change without writing anything (the wizard's preview and the change)."""
    sub = subscription
    if sub.status not in CHANGEABLE_STATUSES:
        raise Refused(f"Only active or suspended packages can change (this one is {sub.status}).")
    if cycle not in Cycle.values or cycle == Cycle.ONE_TIME:
        raise InvalidInput("cycle: choose a recurring cycle.", "cycle")
    if sub.cycle == Cycle.ONE_TIME:
        raise Refused("A one-time package can't be upgraded; add a new package instead.")
    if not package.active:
        raise InvalidInput(f"package: {package.name} is no longer sold.", "package")
    currency = sub.currency
    new_price = package_price(package, cycle, currency)
    selections = options_select(package=package, cycle=cycle, currency=currency, rows=options)
    to_recurring = _recurring(new_price.price, selections)
    from_recurring = _recurring(sub.price, sub.options.all())
    setup_fee = ZERO
    if charge_setup_fee:
        setup_fee = new_price.setup_fee + sum((s.setup_fee * s.quantity for s in selections), ZERO)
    tax = tax_for_customer(sub.customer)
    label_from = f"{sub.package.name} ({Cycle(sub.cycle).label.lower()})"
    label_to = f"{package.name} ({Cycle(cycle).label.lower()})"

    if sub.renewed_on is None or sub.renewal_date is None:
        # Never billed: the billing run will bill the first period at the new price.
        start = sub.renewal_date or sub.start_date
        return ChangePlan(
            subscription=sub,
            to_package=package,
            to_cycle=cycle,
            options=selections,
            as_of=as_of,
            effective=as_of,
            from_recurring=from_recurring,
            to_recurring=to_recurring,
            charged=ZERO,
            period_start=start,
            period_end=start,
            proration=None,
            net=ZERO,
            setup_fee=ZERO,
            specs=[],
            subtotal=ZERO,
            tax=ZERO,
            total=ZERO,
            credit=ZERO,
            note="This package was not billed yet: its first invoice will bill the new package.",
        )
    start, end = sub.renewed_on, sub.renewal_date
    # Made before a period billed in advance starts: the change takes effect today, in the
    # period before it (its rest is prorated, the period billed in advance wholly unused).
    # A first period billed in advance has none before it: the change counts from its start.
    previous = previous_period_start(sub, start) if as_of < start else None
    if previous is not None and as_of < previous:
        previous = None
    blocking = unpaid_blocking(sub, also=previous)
    if blocking is not None:
        raise Refused(
            f"Invoice {blocking.number} for this package is unpaid: pay or credit it "
            "before changing the package.",
            code="unpaid_invoice",
        )
    if as_of >= end:
        raise Refused(
            f"The current period ended on {end:%d %b %Y}: run billing to renew it "
            "before changing the package."
        )
    effective = as_of if previous is not None else max(as_of, start)
    charged = charged_for_period(sub, start)
    same_cycle = cycle == sub.cycle
    if previous is not None:
        proration = prorate_billed_ahead(
            previous_start=previous,
            period_start=start,
            period_end=end,
            effective=effective,
            charged_previous=charged_for_period(sub, previous),
            charged=charged,
            new_price=to_recurring,
            same_cycle=same_cycle,
            currency=currency,
        )
    else:
        proration = prorate(
            period_start=start,
            period_end=end,
            effective=effective,
            charged=charged,
            new_price=to_recurring,
            same_cycle=same_cycle,
            currency=currency,
        )
    new_end = end if same_cycle else period_end(effective, cycle, effective.day)
    net = proration.net
    dates = f"{effective:%d %b %Y} – {new_end:%d %b %Y}"
    breakdown = [
        Breakdown(
            f"Unused {label_from}: {proration.left_days} of {proration.total_days} days",
            -to_money(proration.unused_credit, currency),
        ),
        Breakdown(
            f"{label_to} for {proration.left_days} of {proration.total_days} days"
            if same_cycle
            else f"{label_to}: new period {dates}",
            to_money(proration.new_charge, currency),
        ),
    ]
    specs: list[LineSpec] = []
    credit = ZERO
    if net > 0:
        specs.append(
            LineSpec(
                description=f"Change from {label_from} to {label_to}, {dates}",
                unit_price=net,
                kind=InvoiceLine.Kind.CHANGE,
                subscription_id=sub.pk,
                period_start=effective,
                period_end=new_end,
            )
        )
    if setup_fee > 0:
        specs.append(
            LineSpec(
                description=f"Setup fee: {package.name}",
                unit_price=setup_fee,
                kind=InvoiceLine.Kind.SETUP,
                subscription_id=sub.pk,
            )
        )
        breakdown.append(Breakdown(f"Setup fee: {package.name}", setup_fee))
    inputs = [LineInput(s.quantity, s.unit_price, tax.rate, tax.name) for s in specs]
    totals = invoice_totals(inputs, currency)
    if net < 0 and BusinessSettings.load().credit_on_downgrade:
        # The customer paid tax on the unused time: credit it back gross.
        credit = -net + tax_on(-net, tax.rate, currency)
    return ChangePlan(
        subscription=sub,
        to_package=package,
        to_cycle=cycle,
        options=selections,
        as_of=as_of,
        effective=effective,
        from_recurring=from_recurring,
        to_recurring=to_recurring,
        charged=charged,
        period_start=start if same_cycle else effective,
        period_end=new_end,
        proration=proration,
        net=net,
        setup_fee=setup_fee,
        specs=specs,
        subtotal=totals.subtotal,
        tax=totals.tax,
        total=totals.total,
        credit=credit,
        breakdown=breakdown,
    )


def subscription_change_preview(
    *,
    subscription: Subscription,
    package: Package,
    cycle: str,
    options: Iterable[Mapping[str, Any]],
    as_of: date,
    charge_setup_fee: bool = False,
) -> ChangePlan:
    """Step 3 of the wizard: exactly what the change would do, writing nothing."""
    return change_plan(
        subscription=subscription,
        package=package,
        cycle=cycle,
        options=options,
        as_of=as_of,
        charge_setup_fee=charge_setup_fee,
    )


@transaction.atomic
def subscription_change(
    *,
    actor: Actor,
    subscription: Subscription,
    package: Package,
    cycle: str,
    options: Iterable[Mapping[str, Any]],
    as_of: date,
    charge_setup_fee: bool = False,
) -> tuple[ChangePlan, PackageChange]:
    """Change a package now: invoice the prorated difference (or credit it on a downgrade),
    update the subscription, keep the change in its history."""
    customer = customer_lock(subscription.customer_id)
    sub = Subscription.objects.select_for_update().select_related("package").get(pk=subscription.pk)
    sub.customer = customer
    plan = change_plan(
        subscription=sub,
        package=package,
        cycle=cycle,
        options=list(options),
        as_of=as_of,
        charge_setup_fee=charge_setup_fee,
    )
    invoice = None
    if plan.specs:
        invoice = invoice_issue(
            actor=actor,
            customer=customer,
            kind=Invoice.Kind.CHANGE,
            specs=plan.specs,
            issue_date=as_of,
        )
        assert invoice.total == plan.total, "the change invoice must match its preview"
    if plan.credit > 0:
        credit_add(
            actor=actor,
            customer=customer,
            amount=plan.credit,
            on=as_of,
            kind=CreditEntry.Kind.DOWNGRADE,
            reason=f"Downgrade from {sub.package.name} to {package.name}",
        )
    change = PackageChange.objects.create(
        subscription=sub,
        from_package=sub.package,
        to_package=package,
        from_cycle=sub.cycle,
        to_cycle=cycle,
        from_recurring=plan.from_recurring,
        to_recurring=plan.to_recurring,
        charged=plan.charged,
        as_of=as_of,
        effective=plan.effective,
        period_start=plan.period_start,
        period_end=plan.period_end,
        left_days=plan.proration.left_days if plan.proration else 0,
        total_days=plan.proration.total_days if plan.proration else 0,
        net=plan.net,
        tax=plan.tax,
        setup_fee=plan.setup_fee,
        credit=plan.credit,
        invoice=invoice,
        actor_label=actor.label[:200],
        created_at=clock.now(),
    )
    from_name = sub.package.name
    _apply(sub, plan)
    event_record(
        actor=actor,
        action="subscription.changed",
        subject=sub,
        customer_id=sub.customer_id,
        message=f"{from_name} → {package.name}: "
        + (
            f"invoice {invoice.number} {format_money(invoice.total, invoice.currency)}"
            if invoice
            else f"credit {format_money(plan.credit, sub.currency)}"
            if plan.credit
            else "no charge"
        ),
        data={
            "to_package": package.name,
            "to_cycle": cycle,
            "net": str(plan.net),
            "total": str(plan.total),
            "credit": str(plan.credit),
            "invoice": invoice.number if invoice else None,
        },
    )
    return plan, change


def _apply(sub: Subscription, plan: ChangePlan) -> None:
    new_price = package_price(plan.to_package, plan.to_cycle, sub.currency)
    sub.package = plan.to_package
    sub.price = new_price.price
    sub.pending_cycle = ""
    if plan.proration is None:
        sub.cycle = plan.to_cycle
    elif not plan.same_cycle:
        sub.cycle = plan.to_cycle
        sub.renewed_on = plan.effective
        sub.renewal_date = plan.period_end
        sub.billing_day = plan.effective.day
    if plan.setup_fee:
        sub.setup_fee_billed = True
    sub.updated_at = clock.now()
    sub.save()
    options_replace(sub, plan.options)
