"""`{{ event.action|event_title }}`: an audit event's action in words."""

from __future__ import annotations

from django import template

from fairbill.backoffice.event_text import event_title as title_of

register = template.Library()


@register.filter
def event_title(action: str) -> str:
    return title_of(action)
