from __future__ import annotations

from django import template

from fairbill.core.money import format_money
from fairbill.timebilling.calculations import Group

register = template.Library()


@register.filter
def group_amount(group: Group, currency: str) -> str:
    """A time group's line amount: round(hours × rate)."""
    return format_money(group.amount(currency), currency)
