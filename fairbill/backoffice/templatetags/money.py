"""`{{ amount|money:currency }}`: amounts shown the way core.money formats them."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template

from fairbill.core.money import format_money

register = template.Library()


@register.filter
def money(amount: object, currency: str) -> str:
    if amount in (None, ""):
        return "—"
    try:
        value = amount if isinstance(amount, Decimal) else Decimal(str(amount))
    except InvalidOperation:
        return str(amount)
    return format_money(value, currency)
