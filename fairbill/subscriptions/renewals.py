"""Renewals: the invoice lines of the periods due and where the subscription moves to.

`renewal_lines` is pure (no ORM write, no clock): the billing run, the order form's signup
invoice and its quote all build their lines with it, so they bill the same way.
`subscriptions_advance` is the one write that moves subscriptions past what was billed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Protocol

from fairbill.catalog.models import Cycle, Option, OptionChoice
from fairbill.core import clock
from fairbill.invoicing.documents import LineSpec
from fairbill.invoicing.models import InvoiceLine
from fairbill.subscriptions.models import Subscription
from fairbill.subscriptions.periods import periods_due


class OptionTerms(Protocol):
    """An option as billed: a subscription's option, or one being ordered."""

    @property
    def option(self) -> Option: ...
    @property
    def choice(self) -> OptionChoice | None: ...
    @property
    def quantity(self) -> int: ...
    @property
    def unit_price(self) -> Decimal: ...
    @property
    def setup_fee(self) -> Decimal: ...


@dataclass(frozen=True)
class Advance:
    """Where a subscription stands once the lines are billed."""

    subscription_id: int | None  # None for a quote (an unsaved subscription)
    cycle: str
    pending_cycle: str
    renewal_date: date | None
    renewed_on: date
    setup_fee_billed: bool


def renewal_lines(
    sub: Subscription, horizon: date, options: Sequence[OptionTerms]
) -> tuple[list[LineSpec], Advance]:
    """The lines for every period of a subscription due by the horizon, oldest first (package,
    options, then the setup fees not billed yet), and the advance past them. A cycle change
    scheduled by an edit takes effect here. `sub.package` must be loaded."""
    assert sub.renewal_date is not None
    cycle = sub.pending_cycle or sub.cycle
    if cycle == Cycle.ONE_TIME:
        periods: list[tuple[date, date | None]] = [(sub.renewal_date, None)]
    else:
        periods = list(periods_due(sub.renewal_date, cycle, sub.billing_day, horizon))
    cycle_label = Cycle(cycle).label.lower()
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


def _setup_lines(sub: Subscription, options: Sequence[OptionTerms]) -> list[LineSpec]:
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
        Subscription.objects.filter(pk__in=ids).update(
            cycle=cycle,
            pending_cycle=pending,
            renewal_date=renewal,
            renewed_on=renewed,
            setup_fee_billed=setup_billed,
            updated_at=now,
        )
