"""Orders from the public order forms: what a form offers, the quote shown while the visitor
chooses, and placing the order.

Placing an order creates, in one transaction, the customer (pending) with its My Account
login, the subscription (pending, its first period already invoiced: renewal date = start +
one cycle, setup fee billed) and the signup invoice, through the same services staff and the
API use. The subscription and the customer become active when that invoice is paid
(automation.after_invoice_paid). Emails go out after commit; if the signup email fails, the
subscription and the customer are marked `error` with the reason (order_signup_email_failed).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Prefetch

from fairbill.catalog.models import (
    Cycle,
    Option,
    OptionPrice,
    OrderForm,
    Package,
    PackagePrice,
    TaxRate,
)
from fairbill.core import clock
from fairbill.core.actors import Actor
from fairbill.core.errors import FairbillError, InvalidInput, NotFound, Refused
from fairbill.core.hooks import hook_register
from fairbill.core.models import BusinessSettings, Event
from fairbill.core.money import ZERO
from fairbill.core.services import event_record
from fairbill.customers.models import Customer, PaymentMethod, Status
from fairbill.customers.services import (
    CONTACT_FIELDS,
    customer_create,
    customer_lock,
    customer_login_create,
    customer_set_status,
)
from fairbill.invoicing.calculations import LineInput, TaxAmount, invoice_totals
from fairbill.invoicing.models import Invoice, InvoiceLine
from fairbill.invoicing.services import invoice_issue
from fairbill.invoicing.tax import AppliedTax, TaxTable
from fairbill.notifications.models import EmailLog
from fairbill.notifications.services import EMAIL_FAILED, email_queue
from fairbill.subscriptions.models import Subscription
from fairbill.subscriptions.renewals import renewal_lines, subscriptions_advance
from fairbill.subscriptions.services import (
    options_select,
    package_price,
    subscription_create,
    subscription_set_status,
)

ORDER_PLACED = "order.placed"
QUOTE_DATE = date(2000, 1, 1)
CYCLE_ORDER = {cycle: position for position, cycle in enumerate(Cycle.values)}


class TooManyOrders(FairbillError):
    """Too many orders from one address in the last hour."""

    code = "rate_limited"
    status = 429


# What a form offers ------------------------------------------------------------------------


@dataclass(frozen=True)
class PriceRow:
    cycle: str
    label: str
    price: Decimal
    setup_fee: Decimal


@dataclass
class OfferedPackage:
    package: Package
    prices: list[PriceRow]

    def price_for(self, cycle: str) -> PriceRow | None:
        return next((p for p in self.prices if p.cycle == cycle), None)


@dataclass
class OfferedOption:
    option: Option
    # cycle -> [(choice id or None, choice name, price, setup fee)]
    prices: dict[str, list[tuple[int | None, str, Decimal, Decimal]]]
    package_ids: set[int]

    package_names: list[str] = field(default_factory=list)

    @property
    def price_rows(self) -> list[tuple[str, list[tuple[str, Decimal, Decimal]]]]:
        """[(cycle label, [(choice name, price, setup fee)])] in cycle order, for display."""
        return [
            (Cycle(cycle).label, [(name, price, fee) for _, name, price, fee in rows])
            for cycle, rows in sorted(self.prices.items(), key=lambda item: CYCLE_ORDER[item[0]])
        ]


@dataclass
class Offer:
    order_form: OrderForm
    currency: str
    packages: list[OfferedPackage]
    options: list[OfferedOption]

    @property
    def cycles(self) -> list[str]:
        found = {p.cycle for package in self.packages for p in package.prices}
        return sorted(found, key=CYCLE_ORDER.__getitem__)

    def package(self, package_id: int) -> OfferedPackage | None:
        return next((p for p in self.packages if p.package.pk == package_id), None)

    def option(self, option_id: int) -> OfferedOption | None:
        return next((o for o in self.options if o.option.pk == option_id), None)


def order_form_get(*, slug: str) -> OrderForm:
    form = OrderForm.objects.filter(slug=slug, active=True).first()
    if form is None:
        raise NotFound("There is no order form here.")
    return form


def order_form_offer(*, order_form: OrderForm, currency: str) -> Offer:
    """The active packages and options of a form with their prices in the currency, for the
    cycles the form allows (all priced cycles when it names none)."""
    allowed = set(order_form.cycles) or set(Cycle.values)
    packages = []
    for package in order_form.packages.filter(active=True).prefetch_related(
        Prefetch("prices", queryset=PackagePrice.objects.filter(currency=currency))
    ):
        rows = sorted(
            (
                PriceRow(p.cycle, Cycle(p.cycle).label, p.price, p.setup_fee)
                for p in package.prices.all()
                if p.cycle in allowed
            ),
            key=lambda row: CYCLE_ORDER[row.cycle],
        )
        if rows:
            packages.append(OfferedPackage(package, rows))
    package_ids = {p.package.pk for p in packages}
    options = []
    for option in order_form.options.filter(active=True).prefetch_related(
        "packages",
        "choices",
        Prefetch(
            "prices",
            queryset=OptionPrice.objects.filter(currency=currency).select_related("choice"),
        ),
    ):
        prices: dict[str, list[tuple[int | None, str, Decimal, Decimal]]] = {}
        for price in option.prices.all():
            if price.cycle in allowed:
                name = price.choice.name if price.choice else ""
                prices.setdefault(price.cycle, []).append(
                    (price.choice_id, name, price.price, price.setup_fee)
                )
        offered_with = {p.pk for p in option.packages.all()} & package_ids
        if prices and offered_with:
            names = [p.package.name for p in packages if p.package.pk in offered_with]
            options.append(OfferedOption(option, prices, offered_with, names))
    return Offer(order_form, currency, packages, options)


# The quote ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuoteLine:
    description: str
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal
    setup: bool = False


@dataclass
class Quote:
    currency: str
    lines: list[QuoteLine] = field(default_factory=list)
    taxes: list[TaxAmount] = field(default_factory=list)
    subtotal: Decimal = ZERO
    tax: Decimal = ZERO
    total: Decimal = ZERO
    tax_name: str = ""
    tax_rate: Decimal = ZERO
    recurring: Decimal = ZERO  # net per cycle after the first invoice


@dataclass(frozen=True)
class OrderChoice:
    """What the visitor picked: a package, a cycle and option rows for options_select."""

    package: Package
    cycle: str
    options: list[dict[str, Any]]


def order_choice_check(
    *, offer: Offer, package_id: Any, cycle: Any, options: Sequence[Mapping[str, Any]]
) -> OrderChoice:
    """Validate a choice against what the form offers (ids of other packages or options, or
    cycles the form doesn't allow, are refused as if they didn't exist)."""
    offered = offer.package(package_id) if isinstance(package_id, int) else None
    if offered is None:
        raise InvalidInput("package: choose one of the packages offered.", "package")
    if not isinstance(cycle, str) or offered.price_for(cycle) is None:
        raise InvalidInput(f"cycle: choose how often to pay for {offered.package.name}.", "cycle")
    rows = []
    for row in options:
        option_id = row.get("option_id")
        option = offer.option(option_id) if isinstance(option_id, int) else None
        if option is None or offered.package.pk not in option.package_ids:
            raise InvalidInput(
                f"options: that option is not offered with {offered.package.name}.", "options"
            )
        if cycle not in option.prices:
            raise InvalidInput(
                f"options: {option.option.name} can't be paid {Cycle(cycle).label.lower()}.",
                "options",
            )
        rows.append(dict(row))
    return OrderChoice(offered.package, cycle, rows)


def order_quote(
    *, choice: OrderChoice, currency: str, country: str, region: str, tax_table: TaxTable | None
) -> Quote:
    """The first invoice of an order (first period + setup fees) with the tax for the
    country/region given, as the signup invoice will compute it."""
    catalog = package_price(choice.package, choice.cycle, currency)
    selections = options_select(
        package=choice.package, cycle=choice.cycle, currency=currency, rows=choice.options
    )
    # The signup invoice's lines, from an unsaved subscription on the catalog's terms (the
    # date only places the one period, which the quote doesn't show).
    sub = Subscription(
        package=choice.package,
        cycle=choice.cycle,
        price=catalog.price,
        setup_fee=catalog.setup_fee,
        renewal_date=QUOTE_DATE,
        billing_day=QUOTE_DATE.day,
    )
    specs, _ = renewal_lines(sub, QUOTE_DATE, selections)
    lines = [
        QuoteLine(
            spec.description,
            spec.quantity,
            spec.unit_price,
            ZERO,
            spec.kind == InvoiceLine.Kind.SETUP,
        )
        for spec in specs
    ]
    tax = _tax_for_place(country, region, tax_table)
    totals = invoice_totals(
        [LineInput(line.quantity, line.unit_price, tax.rate, tax.name) for line in lines],
        currency,
    )
    priced = [
        QuoteLine(line.description, line.quantity, line.unit_price, amount, line.setup)
        for line, amount in zip(lines, totals.line_amounts, strict=True)
    ]
    return Quote(
        currency=currency,
        lines=priced,
        taxes=totals.taxes,
        subtotal=totals.subtotal,
        tax=totals.tax,
        total=totals.total,
        tax_name=tax.name,
        tax_rate=tax.rate,
        recurring=sum((line.amount for line in priced if not line.setup), ZERO),
    )


def _tax_for_place(country: str, region: str, tax_table: TaxTable | None) -> AppliedTax:
    table = tax_table or TaxTable()
    # An unsaved customer: the tax rules look at its country, region and VAT flag only.
    return table.for_customer(Customer(country=country or "", region=region or ""))


def regions_with_rates(country: str) -> list[str]:
    """Regions (counties/states) that have their own tax rate in a country."""
    if not country:
        return []
    return sorted(
        TaxRate.objects.filter(country=country).exclude(region="").values_list("region", flat=True)
    )


# Placing the order -------------------------------------------------------------------------


@dataclass
class OrderResult:
    customer: Customer
    subscription: Subscription
    invoice: Invoice
    user: Any


def orders_from_address(*, ip_address: str, since: Any) -> int:
    return Event.objects.filter(action=ORDER_PLACED, at__gte=since, data__ip=ip_address).count()


def order_email_taken(email: str) -> bool:
    return Customer.objects.filter(email__iexact=(email or "").strip()).exists()


REPEAT_WINDOW = timedelta(minutes=15)


def order_token_new() -> str:
    """A one-time token for one copy of an order form, sent back with the order: it tells
    the visitor's own second submission (a double click) from anyone else's."""
    return secrets.token_urlsafe(24)


def _token_hash(order_token: str) -> str:
    return hashlib.sha256(order_token.encode()).hexdigest()


def order_repeated(
    *,
    order_form: OrderForm,
    order_token: str,
    email: str,
    package_id: Any,
    cycle: Any,
    now: Any,
) -> OrderResult | None:
    """The order placed moments ago from this same copy of the form (same one-time token,
    email, package and cycle): a double click on "Place order", or the page sent again with
    Back. Never a password check: the order form authenticates nobody (docs/portal.md)."""
    if not order_token:
        return None
    since = now - REPEAT_WINDOW
    event = Event.objects.filter(
        action=ORDER_PLACED,
        at__gte=since,
        data__order_form=order_form.slug,
        data__token=_token_hash(order_token),
    ).first()
    if event is None or event.customer_id is None:
        return None
    customer = (
        Customer.objects.filter(
            pk=event.customer_id,
            email__iexact=(email or "").strip(),
            status=Status.PENDING,
            user__isnull=False,
            user__is_active=True,
            merged_into__isnull=True,
        )
        .select_related("user")
        .first()
    )
    if customer is None:
        return None
    subscription = (
        Subscription.objects.filter(pk=event.data.get("subscription"), customer=customer)
        .select_related("package")
        .first()
    )
    invoice = Invoice.objects.filter(
        customer=customer, kind=Invoice.Kind.SIGNUP, number=event.data.get("invoice")
    ).first()
    if subscription is None or invoice is None:
        return None
    if subscription.package_id != package_id or subscription.cycle != cycle:
        return None
    return OrderResult(customer, subscription, invoice, customer.user)


@transaction.atomic
def order_place(
    *,
    order_form: OrderForm,
    package_id: Any,
    cycle: Any,
    options: Sequence[Mapping[str, Any]],
    contact: Mapping[str, Any],
    payment_method: str,
    username: str,
    password: str,
    start_date: date,
    ip_address: str = "",
    terms_accepted: bool = False,
    order_token: str = "",
) -> OrderResult:
    """Place an order from a public order form: customer (pending) with its login, pending
    subscription with its first period invoiced, signup invoice; all or nothing.

    Refused: an email that already belongs to a customer (they log in instead), more than
    settings.ORDER_RATE_LIMIT orders from one address in an hour (counted from the order
    Events, so every process sees the same count), unaccepted terms when the
    business has terms, and anything the form doesn't offer."""
    # Orders take turns (the settings row is the lock): the rate limit and the duplicate-email
    # check then see every committed order.
    business = BusinessSettings.objects.select_for_update().get_or_create(pk=1)[0]
    now = clock.now()
    if ip_address and (
        orders_from_address(ip_address=ip_address, since=now - timedelta(hours=1))
        >= settings.ORDER_RATE_LIMIT
    ):
        raise TooManyOrders(
            "Too many orders from your address in the last hour. Please try again later "
            "or contact us."
        )
    if not order_form.active:
        raise NotFound("This order form is closed.")
    if business.terms_url and not terms_accepted:
        raise InvalidInput("terms: please accept the terms and conditions.", "terms")
    if payment_method not in PaymentMethod.values:
        raise InvalidInput("payment method: choose how you will pay.", "payment_method")
    if not password:
        raise InvalidInput("password: choose a password.", "password")
    values = {key: contact.get(key, "") for key in CONTACT_FIELDS}
    email = str(values["email"] or "").strip()
    if email and order_email_taken(email):
        raise Refused(
            "email: there is already an account with this email address. Please log in to "
            "My Account to order more.",
            "email",
            code="email_exists",
        )
    offer = order_form_offer(order_form=order_form, currency=business.currency)
    choice = order_choice_check(offer=offer, package_id=package_id, cycle=cycle, options=options)
    actor = Actor(kind="customer", label=f"order form {order_form.slug}: {email}"[:200])
    customer = customer_create(
        actor=actor,
        name=values.pop("name"),
        email=values.pop("email"),
        country=values.pop("country"),
        currency=business.currency,
        status=Status.PENDING,
        payment_method=payment_method,
        **values,
    )
    user = customer_login_create(
        actor=actor, customer=customer, username=username or customer.email, password=password
    )
    actor = Actor.customer(user)
    subscription = subscription_create(
        actor=actor,
        customer=customer,
        package=choice.package,
        cycle=choice.cycle,
        start_date=start_date,
        options=choice.options,
        status=Status.PENDING,
        payment_method=payment_method,
    )
    invoice = _signup_invoice(actor=actor, customer=customer, subscription=subscription)
    event_record(
        actor=actor,
        action=ORDER_PLACED,
        subject=customer,
        customer_id=customer.pk,
        message=f"Order from {order_form.name}: {choice.package.name} ({choice.cycle})",
        data={
            "ip": ip_address,
            "order_form": order_form.slug,
            "subscription": subscription.pk,
            "invoice": invoice.number,
            "token": _token_hash(order_token) if order_token else "",
        },
    )
    context = {
        "invoice_id": invoice.pk,
        "subscription_ids": [subscription.pk],
        "username": user.get_username(),
    }
    email_queue(template="signup", customer_id=customer.pk, context=context)
    if business.order_email:
        email_queue(
            template="order_received",
            customer_id=customer.pk,
            context={**context, "order_form": order_form.name},
            to=business.order_email,
        )
    return OrderResult(customer, subscription, invoice, user)


def _signup_invoice(*, actor: Actor, customer: Customer, subscription: Subscription) -> Invoice:
    """Invoice the first period and the setup fees now and move the subscription past them,
    with the billing run's own line rules."""
    customer = customer_lock(customer.pk)
    sub = Subscription.objects.select_for_update().select_related("package").get(pk=subscription.pk)
    assert sub.renewal_date is not None
    start = sub.renewal_date
    options = list(sub.options.select_related("option", "choice").order_by("pk"))
    specs, advance = renewal_lines(sub, start, options)
    subscriptions_advance([advance])
    return invoice_issue(
        actor=actor,
        customer=customer,
        kind=Invoice.Kind.SIGNUP,
        specs=specs,
        issue_date=start,
    )


# After commit ------------------------------------------------------------------------------


def handlers_register() -> None:
    hook_register(EMAIL_FAILED, order_email_failed)


def order_email_failed(*, log: EmailLog) -> None:
    """Called for every email that failed: a signup email's failure marks its order."""
    if log.template == "signup":
        order_signup_email_failed(log=log)


@transaction.atomic
def order_signup_email_failed(*, log: EmailLog) -> None:
    """The signup email could not be sent: the order's subscriptions and its (still pending)
    customer are marked `error` with the reason, for staff to follow up."""
    reason = f"Signup email failed: {log.error}"[:300]
    actor = Actor.system("order form")
    ids = log.context.get("subscription_ids") or []
    for sub in Subscription.objects.filter(pk__in=ids, status=Status.PENDING).order_by("pk"):
        subscription_set_status(actor=actor, subscription=sub, status=Status.ERROR, reason=reason)
    customer = (
        Customer.objects.filter(pk=log.customer_id, status=Status.PENDING).first()
        if log.customer_id
        else None
    )
    if customer is not None:
        customer_set_status(actor=actor, customer=customer, status=Status.ERROR, reason=reason)
