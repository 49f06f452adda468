"""`{{ value|day }}`: a date (or a moment, in the current time zone) as "5 Mar 2027", what
`|date:"j M Y"` gives (a moment is turned into the current time zone by the template engine,
as for the date filter), without its per-call formatter and translation lookups (lists and the
customer page show a few hundred dates; that filter was a sixth of their rendering).
Registered as a built-in (settings.TEMPLATES), so templates use it without `{% load %}`."""

from __future__ import annotations

from datetime import date

from django import template

register = template.Library()

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@register.filter(expects_localtime=True, is_safe=False)
def day(value: object) -> str:
    if not isinstance(value, date):
        return ""
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"
