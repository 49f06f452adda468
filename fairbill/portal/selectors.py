"""What My Account reads. Every function takes `customer=`: a customer only ever sees its
own records, and another customer's id finds nothing (404)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import QuerySet

from fairbill.catalog.models import Cycle, Option, OptionChoice, Package, PackagePrice
from fairbill.core.aggregates import MoneySum
from fairbill.core.money import ZERO
from fairbill.customers.models import Customer, CustomerNote, Status
from fairbill.invoicing.estimate_selectors import waiting
from fairbill.invoicing.models import CreditNote, Estimate, Invoice
from fairbill.invoicing.selectors import overdue as overdue_q
from fairbill.payments.methods import methods_of
from fairbill.payments.models import Payment, PaymentAttempt, SavedPaymentMethod
from fairbill.payments.services import credit_balance
from fairbill.subscriptions.models import Subscription

INVOICE_FILTERS = ("due", "overdue", "paid")


def invoices_of(
    *, customer: Customer, show: str = "", as_of: date | None = None
) -> QuerySet[Invoice]:
    """Issued invoices (no drafts), newest first; `show` is due, overdue or paid."""
    invoices = Invoice.objects.filter(customer=customer).exclude(status=Invoice.Status.DRAFT)
    if show == "paid":
        invoices = invoices.filter(status=Invoice.Status.PAID)
    elif show == "due":
        invoices = invoices.filter(status=Invoice.Status.UNPAID)
    elif show == "overdue" and as_of is not None:
        invoices = invoices.filter(overdue_q(as_of))
    return invoices.order_by("-issue_date", "-id")


def invoice_of(*, customer: Customer, invoice_id: int) -> Invoice | None:
    return (
        Invoice.objects.filter(customer=customer, pk=invoice_id)
        .exclude(status=Invoice.Status.DRAFT)
        .prefetch_related("lines", "taxes")
        .first()
    )


def estimates_of(*, customer: Customer) -> QuerySet[Estimate]:
    """Estimates the customer was sent (drafts are the business's own), newest first."""
    return (
        Estimate.objects.filter(customer=customer)
        .exclude(status=Estimate.Status.DRAFT)
        .select_related("invoice")
        .order_by("-issue_date", "-id")
    )


def estimates_waiting(*, customer: Customer, as_of: date) -> list[Estimate]:
    """Sent, not answered and still valid: the customer can accept or decline them."""
    return list(estimates_of(customer=customer).filter(waiting(as_of))[:20])


def estimate_of(*, customer: Customer, estimate_id: int) -> Estimate | None:
    return estimates_of(customer=customer).filter(pk=estimate_id).first()


def credit_notes_of(*, customer: Customer, invoice_id: int | None = None) -> QuerySet[CreditNote]:
    """The customer's credit notes (of one invoice when given), newest first."""
    notes = CreditNote.objects.filter(customer=customer).select_related("invoice")
    if invoice_id is not None:
        notes = notes.filter(invoice_id=invoice_id)
    return notes.order_by("-issue_date", "-id")


def credit_note_of(*, customer: Customer, credit_note_id: int) -> CreditNote | None:
    return (
        credit_notes_of(customer=customer)
        .filter(pk=credit_note_id)
        .prefetch_related("lines", "taxes")
        .first()
    )


def subscriptions_of(*, customer: Customer) -> QuerySet[Subscription]:
    return (
        Subscription.objects.filter(customer=customer)
        .select_related("package")
        .prefetch_related("options__option", "options__choice")
        .order_by("status", "renewal_date", "id")
    )


def gateway_payment_of(*, customer: Customer, gateway: str, reference: str) -> Payment | None:
    if not reference:
        return None
    return Payment.objects.filter(
        customer=customer, gateway=gateway, gateway_reference=reference
    ).first()


@dataclass
class AccountSummary:
    balance_due: Decimal
    overdue: Decimal
    credit: Decimal
    subscriptions: list[Subscription]
    recent_invoices: list[Invoice]
    notes: list[CustomerNote]


def account_summary(*, customer: Customer, as_of: date) -> AccountSummary:
    unpaid = Invoice.objects.filter(customer=customer, status=Invoice.Status.UNPAID)
    due = unpaid.aggregate(s=MoneySum("balance"))["s"] or ZERO
    overdue = unpaid.filter(overdue_q(as_of)).aggregate(s=MoneySum("balance"))["s"] or ZERO
    return AccountSummary(
        balance_due=due,
        overdue=overdue,
        credit=credit_balance(customer),
        subscriptions=list(subscriptions_of(customer=customer).exclude(status=Status.CANCELLED)),
        recent_invoices=list(invoices_of(customer=customer)[:5]),
        notes=list(CustomerNote.objects.filter(customer=customer, public=True)[:10]),
    )


def subscription_of(*, customer: Customer, subscription_id: int) -> Subscription | None:
    return (
        subscriptions_of(customer=customer)
        .select_related("customer")
        .filter(pk=subscription_id)
        .first()
    )


@dataclass
class ChangeOffer:
    """A package and cycle a customer may change to, priced in their currency."""

    package: Package
    cycle: str
    cycle_label: str
    price: Decimal


def change_offers(*, customer: Customer, subscription: Subscription) -> list[ChangeOffer]:
    """Active packages with a recurring price in the subscription's currency, except the
    package and cycle it has now."""
    prices = (
        PackagePrice.objects.filter(package__active=True, currency=subscription.currency)
        .exclude(cycle=Cycle.ONE_TIME)
        .select_related("package")
    )
    order = {value: number for number, value in enumerate(Cycle.values)}
    offers = [
        ChangeOffer(p.package, p.cycle, str(Cycle(p.cycle).label), p.price)
        for p in prices
        if (p.package_id, p.cycle) != (subscription.package_id, subscription.cycle)
    ]
    offers.sort(key=lambda o: (o.package.sort_order, o.package.name, order[o.cycle]))
    return offers


@dataclass
class ChangeOptionOffer:
    option: Option
    price: Decimal | None  # checkbox and quantity options: per unit
    choices: list[tuple[OptionChoice, Decimal]]
    current: int  # quantity now (checkbox: 0 or 1), or the choice id chosen now


def change_options(
    *, customer: Customer, subscription: Subscription, package: Package, cycle: str
) -> list[ChangeOptionOffer]:
    """The active options of `package` priced for `cycle` in the customer's currency, with
    what the subscription has of each now (to keep them by default)."""
    assert subscription.customer_id == customer.pk
    now = {item.option_id: item for item in subscription.options.all()}
    offers: list[ChangeOptionOffer] = []
    options = package.options.filter(active=True).prefetch_related("choices", "prices")
    for option in options.order_by("name"):
        prices = [
            p
            for p in option.prices.all()
            if p.cycle == cycle and p.currency == subscription.currency
        ]
        held = now.get(option.pk)
        if option.kind == Option.Kind.CHOICE:
            by_choice = {p.choice_id: p.price for p in prices}
            choices = [(c, by_choice[c.pk]) for c in option.choices.all() if c.pk in by_choice]
            if choices:
                current = held.choice_id if held is not None and held.choice_id else 0
                offers.append(ChangeOptionOffer(option, None, choices, current))
        elif prices:
            current = held.quantity if held is not None else 0
            offers.append(ChangeOptionOffer(option, prices[0].price, [], current))
    return offers


def payment_methods_of(*, customer: Customer) -> list[SavedPaymentMethod]:
    return methods_of(customer)


def payment_method_of(*, customer: Customer, method_id: int) -> SavedPaymentMethod | None:
    return SavedPaymentMethod.objects.filter(
        customer=customer, pk=method_id, removed_at__isnull=True
    ).first()


def charge_in_progress(*, customer: Customer, invoice: Invoice) -> PaymentAttempt | None:
    """An automatic charge under way on the invoice (a Direct Debit settling, or one just
    submitted): the invoice shows "payment pending" and offers no second way to pay."""
    return (
        PaymentAttempt.objects.filter(
            customer=customer, invoice=invoice, state__in=PaymentAttempt.OPEN
        )
        .select_related("method")
        .first()
    )
