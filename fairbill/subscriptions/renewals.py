"""Renewals: the invoice lines of the periods due and where the subscription moves to.

`renewal_lines` is pure (no ORM write, no clock): the billing run, the order form's signup
invoice and its quote all build their lines with it, so they bill the same way.
`subscriptions_advance` is the one write that moves subscriptions past what was billed;
`subscriptions_due` reads what the billing run renews, as rows (model instances cost more
than the rest of a renewal).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any, Protocol

from fairbill.catalog.models import Cycle
from fairbill.core import clock
from fairbill.core.bulk import rows_fetch
from fairbill.core.lookups import IdsIn
from fairbill.invoicing.documents import LineSpec
from fairbill.invoicing.models import InvoiceLine
from fairbill.subscriptions.models import Subscription, SubscriptionOption
from fairbill.subscriptions.periods import periods_due


class Named(Protocol):
    @property
    def name(self) -> str: ...


class OptionTerms(Protocol):
    """An option as billed: a subscription's option, one being ordered, or the billing run's
    row (DueOption)."""

    @property
    def option(self) -> Named: ...
    @property
    def choice(self) -> Named | None: ...
    @property
    def quantity(self) -> int: ...
    @property
    def unit_price(self) -> Decimal: ...
    @property
    def setup_fee(self) -> Decimal: ...


class SubscriptionTerms(Protocol):
    """A subscription as renewed: a Subscription with its package loaded, or the billing
    run's row (DueSubscription)."""

    @property
    def pk(self) -> int | None: ...
    @property
    def package(self) -> Named: ...
    @property
    def cycle(self) -> str: ...
    @property
    def pending_cycle(self) -> str: ...
    @property
    def price(self) -> Decimal: ...
    @property
    def setup_fee(self) -> Decimal: ...
    @property
    def setup_fee_billed(self) -> bool: ...
    @property
    def renewal_date(self) -> date | None: ...
    @property
    def billing_day(self) -> int: ...


# the billing run's rows: plain slotted classes (a frozen dataclass's __init__ costs more)
@dataclass(slots=True)
class Label:
    name: str


@dataclass(slots=True)
class DueOption:
    """A subscription's option as the billing run reads it (no model instances)."""

    option: Label
    choice: Label | None
    quantity: int
    unit_price: Decimal
    setup_fee: Decimal


@dataclass(slots=True)
class DueSubscription:
    """A subscription due for renewal as the billing run reads it (no model instances)."""

    pk: int
    customer_id: int
    package: Label
    cycle: str
    pending_cycle: str
    price: Decimal
    setup_fee: Decimal
    setup_fee_billed: bool
    renewal_date: date
    billing_day: int


CYCLE_LABELS = {str(cycle.value): str(cycle.label).lower() for cycle in Cycle}

DUE_FIELDS = (
    "pk",
    "customer_id",
    "package__name",
    "cycle",
    "pending_cycle",
    "price",
    "setup_fee",
    "setup_fee_billed",
    "renewal_date",
    "billing_day",
)


def subscriptions_due(
    *, customer_ids: Sequence[int], statuses: Sequence[str], horizon: date
) -> list[tuple[DueSubscription, list[DueOption]]]:
    """The subscriptions of these customers due by the horizon, by customer then id, with
    their options: two queries, read as rows."""
    labels: dict[str, Label] = {}
    subs = [
        DueSubscription(pk, customer, labels.setdefault(package, Label(package)), *rest)
        for pk, customer, package, *rest in rows_fetch(
            Subscription.objects.filter(
                IdsIn("customer_id", customer_ids), status__in=statuses, renewal_date__lte=horizon
            )
            .order_by("customer_id", "pk")
            .values_list(*DUE_FIELDS)
        )
    ]
    options: dict[int, list[DueOption]] = defaultdict(list)
    rows = (
        SubscriptionOption.objects.filter(IdsIn("subscription_id", [sub.pk for sub in subs]))
        .order_by("subscription_id", "pk")
        .values_list(
            "subscription_id", "option__name", "choice__name", "quantity", "unit_price", "setup_fee"
        )
    )
    for sub_id, option, choice, quantity, unit_price, setup_fee in rows_fetch(rows):
        options[sub_id].append(
            DueOption(
                labels.setdefault(option, Label(option)),
                labels.setdefault(choice, Label(choice)) if choice is not None else None,
                quantity,
                unit_price,
                setup_fee,
            )
        )
    return [(sub, options.get(sub.pk, [])) for sub in subs]


@dataclass(frozen=True)
class Advance:
    """Where a subscription stands once the lines are billed."""

    subscription_id: int | None  # None for a quote (an unsaved subscription)
    cycle: str
    pending_cycle: str
    renewal_date: date | None
    renewed_on: date
    setup_fee_billed: bool


# the same few (renewal date, cycle, billing day) come again and again in a billing run
_periods_due = lru_cache(maxsize=4096)(periods_due)


def renewal_lines(
    sub: SubscriptionTerms, horizon: date, options: Sequence[OptionTerms]
) -> tuple[list[LineSpec], Advance]:
    """The lines for every period of a subscription due by the horizon, oldest first (package,
    options, then the setup fees not billed yet), and the advance past them. A cycle change
    scheduled by an edit takes effect here. `sub.package` must be loaded."""
    assert sub.renewal_date is not None
    cycle = sub.pending_cycle or sub.cycle
    if cycle == Cycle.ONE_TIME:
        periods: list[tuple[date, date | None]] = [(sub.renewal_date, None)]
    else:
        periods = list(_periods_due(sub.renewal_date, cycle, sub.billing_day, horizon))
    cycle_label = CYCLE_LABELS[cycle]
    specs: list[LineSpec] = []
    for start, end in periods:
        specs.append(
            LineSpec(
                description=f"{sub.package.name} ({cycle_label})",
                unit_price=sub.price,
                kind=InvoiceLine.Kind.PACKAGE,
                subscription_id=sub.pk,
                period_start=start,
                period_end=end,
            )
        )
        for item in options:
            name = f"{item.option.name}: {item.choice.name}" if item.choice else item.option.name
            specs.append(
                LineSpec(
                    description=name,
                    unit_price=item.unit_price,
                    quantity=Decimal(item.quantity),
                    kind=InvoiceLine.Kind.OPTION,
                    subscription_id=sub.pk,
                    period_start=start,
                    period_end=end,
                )
            )
    if not sub.setup_fee_billed:
        specs.extend(_setup_lines(sub, options))
    last_start, last_end = periods[-1]
    advance = Advance(
        subscription_id=sub.pk,
        cycle=cycle,
        pending_cycle="",
        renewal_date=last_end,
        renewed_on=last_start,
        setup_fee_billed=True,
    )
    return specs, advance


def _setup_lines(sub: SubscriptionTerms, options: Sequence[OptionTerms]) -> list[LineSpec]:
    specs = []
    if sub.setup_fee:
        specs.append(
            LineSpec(
                description=f"Setup fee: {sub.package.name}",
                unit_price=sub.setup_fee,
                kind=InvoiceLine.Kind.SETUP,
                subscription_id=sub.pk,
            )
        )
    for item in options:
        if item.setup_fee:
            specs.append(
                LineSpec(
                    description=f"Setup fee: {item.option.name}",
                    unit_price=item.setup_fee,
                    quantity=Decimal(item.quantity),
                    kind=InvoiceLine.Kind.SETUP,
                    subscription_id=sub.pk,
                )
            )
    return specs


def subscriptions_advance(advances: Sequence[Advance]) -> None:
    """Move renewed subscriptions past what was billed, inside the caller's transaction: one
    UPDATE per set of identical new values (in a daily run most share their dates), much
    faster than a row-by-row bulk_update."""
    groups: dict[tuple[Any, ...], list[int]] = defaultdict(list)
    for a in advances:
        assert a.subscription_id is not None
        key = (a.cycle, a.pending_cycle, a.renewal_date, a.renewed_on, a.setup_fee_billed)
        groups[key].append(a.subscription_id)
    now = clock.now()
    for (cycle, pending, renewal, renewed, setup_billed), ids in groups.items():
        Subscription.objects.filter(IdsIn("pk", ids)).update(
            cycle=cycle,
            pending_cycle=pending,
            renewal_date=renewal,
            renewed_on=renewed,
            setup_fee_billed=setup_billed,
            updated_at=now,
        )
