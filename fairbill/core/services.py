from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.forms.models import model_to_dict

from fairbill.core import clock
from fairbill.core.actors import Actor
from fairbill.core.errors import InvalidInput
from fairbill.core.models import BusinessSettings, Event
from fairbill.core.validation import country_check, text_problem, validate_settings


def event_row(
    *,
    actor: Actor,
    action: str,
    subject: Any,
    customer_id: int | None = None,
    message: str = "",
    data: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> dict[str, Any]:
    """An audit Event's values ({attname: value}), for bulk inserts."""
    return {
        **event_common(actor=actor, action=action, subject_type=subject._meta.model_name, at=at),
        "subject_id": subject.pk,
        "customer_id": customer_id,
        "message": message[:500],
        "data": data or {},
    }


def event_common(
    *, actor: Actor, action: str, subject_type: str, at: datetime | None = None
) -> dict[str, Any]:
    """The values of events of one action by one actor at one time: bulk_insert_rows's `same`
    for rows giving only subject_id, customer_id, message (at most 500 characters) and data."""
    return {
        "at": at or clock.now(),
        "actor_kind": actor.kind,
        "actor_user_id": actor.user.pk if actor.user is not None else None,
        "actor_label": actor.label[:200],
        "action": action,
        "subject_type": subject_type,
    }


def event_build(**kwargs: Any) -> Event:
    """An unsaved audit Event; takes the keyword arguments of event_row."""
    return Event(**event_row(**kwargs))


def event_record(**kwargs: Any) -> Event:
    """Append an audit Event. Call inside the service's transaction so it commits with it.
    Takes the keyword arguments of event_build."""
    event = event_build(**kwargs)
    event.save()
    return event


def changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """The fields that differ, as {field: [before, after]} with JSON-safe values."""
    return {
        key: [_json(before.get(key)), _json(value)]
        for key, value in after.items()
        if before.get(key) != value
    }


def _json(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, list):
        return [_json(v) for v in value]
    return str(value)


def snapshot(instance: Any, fields: list[str]) -> dict[str, Any]:
    return model_to_dict(instance, fields=fields)


def full_clean_or_raise(instance: Any, exclude: list[str] | None = None) -> None:
    """Run model validation and turn the first error into InvalidInput with its field.
    Text no database can store (NUL, lone surrogates) is refused first, whatever the entrance
    (form, API, CSV import, Basecamp)."""
    for field in instance._meta.concrete_fields:
        value = getattr(instance, field.attname, None)
        problem = text_problem(value) if isinstance(value, str) else None
        if problem:
            raise InvalidInput(f"{field.name.replace('_', ' ')}: text {problem}.", field.name)
    try:
        instance.full_clean(exclude=exclude)
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        label = field.replace("_", " ") if field != "__all__" else ""
        raise InvalidInput(f"{label}: {messages[0]}" if label else messages[0], field) from None


SETTINGS_FIELDS = [
    f.name
    for f in BusinessSettings._meta.get_fields()
    if f.concrete and f.name not in {"id", "updated_at"}
]


@transaction.atomic
def settings_update(*, actor: Actor, **values: Any) -> BusinessSettings:
    """Change business settings; validates every field and records what changed."""
    current = BusinessSettings.objects.select_for_update().get_or_create(pk=1)[0]
    unknown = set(values) - set(SETTINGS_FIELDS)
    if unknown:
        raise InvalidInput(f"Unknown setting: {', '.join(sorted(unknown))}.")
    if "country" in values:
        values["country"] = country_check(values["country"], blank=True)
    before = snapshot(current, list(values))
    for key, value in values.items():
        setattr(current, key, value)
    validate_settings(current, changed=set(changes(before, snapshot(current, list(values)))))
    full_clean_or_raise(current)
    current.save()
    diff = changes(before, snapshot(current, list(values)))
    if diff:
        event_record(actor=actor, action="settings.updated", subject=current, data=diff)
    return current
