"""The audit log: who changed what, when, newest first."""

import datetime as dt
import re
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from fairbill.api.fields import MAX_ID, Id, Text
from fairbill.api.helpers import require
from fairbill.api.pagination import Page, paginate
from fairbill.core.errors import InvalidInput
from fairbill.core.models import Event

router: Router = Router(tags=["events"])

SUBJECT = re.compile(r"^([a-z_]+):([0-9]{1,19})$")


class EventOut(Schema):
    id: int
    at: dt.datetime
    actor_kind: str = Field(description="staff, customer, system or api")
    actor: str
    action: str
    subject: str = Field(description='"<type>:<id>", e.g. "invoice:12"')
    subject_type: str
    subject_id: int
    customer_id: int | None
    message: str
    data: dict[str, Any] = Field(description="details, e.g. {field: [before, after]}")

    @staticmethod
    def resolve_actor(obj: Event) -> str:
        return obj.actor_label


class EventFilter(Schema):
    subject: str = Field(
        "", pattern=r"^([a-z_]+:[0-9]{1,18})?$", description='"<type>:<id>", e.g. "invoice:12"'
    )
    customer_id: Id | None = None
    action: Text = Field("", description='exact, e.g. "invoice.voided"; or "invoice." for all')


@router.get("/events", response=list[EventOut])
@paginate(Page)
def event_list(request: HttpRequest, filters: Query[EventFilter]) -> Any:
    """Audit events, newest first."""
    require(request, "reports")
    subject, customer_id, action = filters.subject, filters.customer_id, filters.action
    events = Event.objects.all()
    if subject:
        match = SUBJECT.match(subject.strip().lower())
        if match is None or int(match[2]) > MAX_ID:
            raise InvalidInput(
                f"subject: give '<type>:<id>', e.g. 'invoice:12', not '{subject}'.", "subject"
            )
        events = events.filter(subject_type=match[1], subject_id=int(match[2]))
    if customer_id is not None:
        events = events.filter(customer_id=customer_id)
    if action.endswith("."):
        events = events.filter(action__startswith=action)
    elif action:
        events = events.filter(action=action)
    return events.order_by("-at", "-id")
