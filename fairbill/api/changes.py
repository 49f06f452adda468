"""Upgrades and downgrades made now, with a prorated invoice or credit, and their history.

The preview and the change run the same computation: what the preview answers is, to the
cent, what the change invoices or credits.
"""

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from fairbill.api.fields import Body, Day, Id, money_out, money_resolver, rate_out
from fairbill.api.helpers import fields_named, object_or_404, require
from fairbill.api.idempotency import idempotent
from fairbill.api.pagination import Page, paginate
from fairbill.api.subscriptions import CycleChoice, SubscriptionOptionIn, _option_rows
from fairbill.catalog.models import Package
from fairbill.core import clock
from fairbill.core.errors import NotFound
from fairbill.invoicing.calculations import line_amount
from fairbill.subscriptions.changes import (
    ChangePlan,
    subscription_change,
    subscription_change_preview,
)
from fairbill.subscriptions.models import PackageChange, Subscription

router: Router = Router(tags=["subscriptions"])


class ChangeIn(Body):
    package_id: Id = Field(description="the package after the change (may be the same one)")
    cycle: CycleChoice | None = Field(None, description="default: the current cycle")
    options: list[SubscriptionOptionIn] = Field(
        [], max_length=100, description="the options after the change; left out: none"
    )
    as_of: Day | None = Field(None, description="the day the change is made; default: today")
    charge_setup_fee: bool = Field(False, description="charge the new package's setup fee")


class ChangeLineOut(Schema):
    description: str
    kind: str
    quantity: str
    unit_price: str
    amount: str


class BreakdownOut(Schema):
    description: str
    amount: str = Field(description="negative for the unused time credited")


class ChangeOut(Schema):
    subscription_id: int
    currency: str
    from_package: str
    to_package: str
    from_cycle: str
    to_cycle: str
    from_recurring: str = Field(description="package and options per period, before")
    to_recurring: str = Field(description="package and options per period, after")
    subtotal: str
    tax: str
    total: str = Field(description="the change invoice's total; 0 when there is none")
    credit: str = Field(description="account credit given on a downgrade, tax included")
    net: str = Field(description="the prorated difference before tax; negative on a downgrade")
    setup_fee: str
    lines: list[ChangeLineOut] = Field(description="the lines of the change invoice")
    breakdown: list[BreakdownOut] = Field(description="how `net` and the setup fee are made")
    effective: date
    period_start: date = Field(description="the current period after the change")
    period_end: date
    left_days: int | None = Field(description="none when the package was never billed")
    total_days: int | None
    note: str
    invoice_id: int | None = Field(description="none on a preview, and when no invoice is made")
    change_id: int | None = Field(description="none on a preview")


def _plan_out(
    plan: ChangePlan, change: PackageChange | None = None, from_package: str | None = None
) -> dict[str, Any]:
    sub, currency = plan.subscription, plan.currency
    return {
        "subscription_id": sub.pk,
        "currency": currency,
        "from_package": from_package or sub.package.name,
        "to_package": plan.to_package.name,
        "from_cycle": change.from_cycle if change else sub.cycle,
        "to_cycle": plan.to_cycle,
        "from_recurring": money_out(plan.from_recurring, currency),
        "to_recurring": money_out(plan.to_recurring, currency),
        "subtotal": money_out(plan.subtotal, currency),
        "tax": money_out(plan.tax, currency),
        "total": money_out(plan.total, currency),
        "credit": money_out(plan.credit, currency),
        "net": money_out(plan.net, currency),
        "setup_fee": money_out(plan.setup_fee, currency),
        "lines": [
            {
                "description": spec.description,
                "kind": spec.kind,
                "quantity": rate_out(spec.quantity),
                "unit_price": money_out(spec.unit_price, currency),
                "amount": str(line_amount(spec.quantity, spec.unit_price, currency)),
            }
            for spec in plan.specs
        ],
        "breakdown": [
            {"description": item.description, "amount": money_out(item.amount, currency)}
            for item in plan.breakdown
        ],
        "effective": plan.effective,
        "period_start": plan.period_start,
        "period_end": plan.period_end,
        "left_days": plan.proration.left_days if plan.proration else None,
        "total_days": plan.proration.total_days if plan.proration else None,
        "note": plan.note,
        "invoice_id": change.invoice_id if change else None,
        "change_id": change.pk if change else None,
    }


def _arguments(subscription: Subscription, payload: ChangeIn) -> dict[str, Any]:
    package = Package.objects.filter(pk=payload.package_id).first()
    if package is None:
        raise NotFound(f"No package with id {payload.package_id}.", "package_id")
    return {
        "subscription": subscription,
        "package": package,
        "cycle": payload.cycle if payload.cycle is not None else subscription.cycle,
        "options": _option_rows(payload.options),
        "as_of": payload.as_of or clock.today(),
        "charge_setup_fee": payload.charge_setup_fee,
    }


def _subscription(id: int) -> Subscription:
    return object_or_404(Subscription.objects.select_related("package"), id, "subscription")


@router.post("/subscriptions/{id}/change-preview", response=ChangeOut)
@idempotent
def subscription_change_preview_post(request: HttpRequest, id: int, payload: ChangeIn) -> Any:
    """What `POST /subscriptions/{id}/change` would invoice or credit, writing nothing.
    (With an `Idempotency-Key`, a retry gets this first answer back, like any POST.)"""
    require(request, "customers")
    subscription = _subscription(id)
    with fields_named(package="package_id"):
        plan = subscription_change_preview(**_arguments(subscription, payload))
    return _plan_out(plan)


@router.post("/subscriptions/{id}/change", response={201: ChangeOut})
@idempotent
def subscription_change_post(request: HttpRequest, id: int, payload: ChangeIn) -> Any:
    """Upgrade or downgrade now: invoice the prorated difference, or credit it on a
    downgrade, and keep the change in the subscription's history."""
    actor = require(request, "customers")
    require(request, "invoices")
    subscription = _subscription(id)
    from_package = subscription.package.name
    with fields_named(package="package_id"):
        plan, change = subscription_change(actor=actor, **_arguments(subscription, payload))
    return Status(201, _plan_out(plan, change, from_package))


class PackageChangeOut(Schema):
    id: int
    subscription_id: int
    from_package_id: int
    from_package: str
    to_package_id: int
    to_package: str
    from_cycle: str
    to_cycle: str
    from_recurring: str
    to_recurring: str
    as_of: date
    effective: date
    period_start: date
    period_end: date
    left_days: int | None = Field(description="none when the package was never billed")
    total_days: int | None
    net: str
    tax: str
    credit: str
    setup_fee: str
    invoice_id: int | None
    direction: str = Field(description="upgrade, downgrade or change")
    actor: str
    created_at: datetime

    @staticmethod
    def resolve_from_package(obj: PackageChange) -> str:
        return obj.from_package.name

    @staticmethod
    def resolve_to_package(obj: PackageChange) -> str:
        return obj.to_package.name

    @staticmethod
    def resolve_left_days(obj: PackageChange) -> int | None:
        return obj.left_days if obj.total_days else None

    @staticmethod
    def resolve_total_days(obj: PackageChange) -> int | None:
        return obj.total_days or None

    @staticmethod
    def resolve_actor(obj: PackageChange) -> str:
        return obj.actor_label

    resolve_from_recurring = money_resolver("from_recurring", "subscription.currency")

    resolve_to_recurring = money_resolver("to_recurring", "subscription.currency")

    resolve_net = money_resolver("net", "subscription.currency")

    resolve_tax = money_resolver("tax", "subscription.currency")

    resolve_credit = money_resolver("credit", "subscription.currency")

    resolve_setup_fee = money_resolver("setup_fee", "subscription.currency")


@router.get("/subscriptions/{id}/changes", response=list[PackageChangeOut])
@paginate(Page)
def subscription_changes(request: HttpRequest, id: int) -> Any:
    """The subscription's upgrades and downgrades, newest first."""
    require(request, "customers")
    subscription = _subscription(id)
    return (
        PackageChange.objects.filter(subscription=subscription)
        .select_related("subscription", "from_package", "to_package")
        .order_by("-created_at", "-id")
    )
