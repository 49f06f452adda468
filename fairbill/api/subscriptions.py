"""Subscriptions: the packages customers ordered, and edits to what their next renewal bills.

An edit never invoices: the billing run bills the next period with the edited values.
"""

from datetime import date, datetime
from typing import Annotated, Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from pydantic import BeforeValidator

from fairbill.api.fields import (
    MAX_INT,
    Body,
    Day,
    Id,
    Money,
    OneOf,
    Patch,
    Text,
    money_resolver,
    whole_number,
)
from fairbill.api.helpers import object_or_404, require
from fairbill.api.idempotency import idempotent
from fairbill.api.pagination import Page, paginate
from fairbill.catalog.models import Cycle, Package
from fairbill.core.errors import NotFound
from fairbill.core.prefetch import listed, rows
from fairbill.customers.models import Customer, PaymentMethod
from fairbill.customers.models import Status as SubscriptionStatus
from fairbill.subscriptions.models import Subscription, SubscriptionOption
from fairbill.subscriptions.services import subscription_create, subscription_update

router: Router = Router(tags=["subscriptions"])

OptionQuantity = Annotated[int, Field(ge=1, le=MAX_INT), BeforeValidator(whole_number)]
CycleChoice = Annotated[str, OneOf(Cycle.values)]
StatusChoice = Annotated[str, OneOf(SubscriptionStatus.values)]
PaymentMethodChoice = Annotated[str, OneOf(PaymentMethod.values)]


class SubscriptionOptionOut(Schema):
    option_id: int
    name: str
    choice_id: int | None
    choice: str | None
    quantity: int
    unit_price: str
    setup_fee: str

    @staticmethod
    def resolve_name(obj: SubscriptionOption) -> str:
        return obj.option.name

    @staticmethod
    def resolve_choice(obj: SubscriptionOption) -> str | None:
        return obj.choice.name if obj.choice else None

    resolve_unit_price = money_resolver("unit_price", "subscription.currency")

    resolve_setup_fee = money_resolver("setup_fee", "subscription.currency")


class SubscriptionOut(Schema):
    id: int
    customer_id: int
    package_id: int
    package_name: str
    cycle: str
    pending_cycle: str | None = Field(description="the cycle the next renewal switches to")
    currency: str
    price: str
    setup_fee: str
    setup_fee_billed: bool
    start_date: date
    renewal_date: date | None = Field(description="the start of the next period to bill")
    renewed_on: date | None = Field(description="the start of the current period")
    billing_day: int
    payment_method: str
    status: str
    status_reason: str
    options: list[SubscriptionOptionOut]
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_package_name(obj: Subscription) -> str:
        return obj.package.name

    @staticmethod
    def resolve_pending_cycle(obj: Subscription) -> str | None:
        return obj.pending_cycle or None

    resolve_price = money_resolver("price")

    resolve_setup_fee = money_resolver("setup_fee")

    @staticmethod
    def resolve_options(obj: Subscription) -> list[SubscriptionOption]:
        options = rows(obj, "options")
        for option in options:
            option.subscription = obj  # its currency, without a query per option
        return options


class SubscriptionOptionIn(Body):
    """An option on a subscription: which one, how many, which choice."""

    option_id: Id
    quantity: OptionQuantity = Field(1, description="for quantity options; 1 otherwise")
    choice_id: Id | None = Field(None, description="for choice options: the choice's id")
    choice: Text | None = Field(
        None, max_length=100, description="for choice options: or the choice's name"
    )


class SubscriptionIn(Body):
    customer_id: Id
    package_id: Id
    cycle: CycleChoice
    start_date: Day
    options: list[SubscriptionOptionIn] = Field([], max_length=100)
    price: Money | None = Field(None, description="default: the package's price for the cycle")
    setup_fee: Money | None = Field(None, description="default: the package's setup fee")
    status: StatusChoice = SubscriptionStatus.ACTIVE.value
    payment_method: PaymentMethodChoice | None = Field(None, description="default: the customer's")


class SubscriptionPatch(Patch):
    """An edit: it changes what the next renewal bills and creates no invoice. A new cycle
    takes effect at the next renewal (shown in `pending_cycle` until then); `options`
    replaces the whole list."""

    status: StatusChoice | None = None
    renewal_date: Day | None = Field(None, description="moves the day of the next invoice")
    renewed_on: Day | None = None
    start_date: Day | None = None
    cycle: CycleChoice | None = None
    price: Money | None = None
    setup_fee: Money | None = None
    payment_method: PaymentMethodChoice | None = None
    options: list[SubscriptionOptionIn] | None = Field(None, max_length=100)


def _subscriptions() -> QuerySet[Subscription]:
    return Subscription.objects.select_related("package").prefetch_related(
        *listed(options=SubscriptionOption.objects.select_related("option", "choice"))
    )


def _option_rows(options: list[SubscriptionOptionIn]) -> list[dict[str, Any]]:
    return [option.model_dump(exclude_none=True) for option in options]


@router.get("/subscriptions", response=list[SubscriptionOut])
@paginate(Page)
def subscription_list(
    request: HttpRequest,
    customer_id: Id | None = None,
    status: Annotated[str, OneOf(SubscriptionStatus.values, blank=True)] = "",
) -> Any:
    """Subscriptions, oldest first; filter by customer and status."""
    require(request, "customers")
    subscriptions = _subscriptions()
    if customer_id is not None:
        subscriptions = subscriptions.filter(customer_id=customer_id)
    if status:
        subscriptions = subscriptions.filter(status=status)
    return subscriptions.order_by("id")


@router.post("/subscriptions", response={201: SubscriptionOut})
@idempotent
def subscription_post(request: HttpRequest, payload: SubscriptionIn) -> Any:
    actor = require(request, "customers")
    customer = Customer.objects.filter(pk=payload.customer_id).first()
    if customer is None:
        raise NotFound(f"No customer with id {payload.customer_id}.", "customer_id")
    package = Package.objects.filter(pk=payload.package_id).first()
    if package is None:
        raise NotFound(f"No package with id {payload.package_id}.", "package_id")
    subscription = subscription_create(
        actor=actor,
        customer=customer,
        package=package,
        cycle=payload.cycle,
        start_date=payload.start_date,
        options=_option_rows(payload.options),
        price=payload.price,
        setup_fee=payload.setup_fee,
        status=payload.status,
        payment_method=payload.payment_method,
    )
    return Status(201, _subscriptions().get(pk=subscription.pk))


@router.get("/subscriptions/{id}", response=SubscriptionOut)
def subscription_get(request: HttpRequest, id: int) -> Any:
    require(request, "customers")
    return object_or_404(_subscriptions(), id, "subscription")


@router.patch("/subscriptions/{id}", response=SubscriptionOut)
def subscription_patch(request: HttpRequest, id: int, payload: SubscriptionPatch) -> Any:
    actor = require(request, "customers")
    subscription = object_or_404(Subscription, id, "subscription")
    edits = payload.model_dump(exclude_unset=True)
    if payload.options is not None:
        edits["options"] = _option_rows(payload.options)
    if edits:
        subscription_update(actor=actor, subscription=subscription, **edits)
    return _subscriptions().get(pk=subscription.pk)
