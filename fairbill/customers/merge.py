"""Merging a duplicate customer into another: everything that belongs to the source moves to
the target in one transaction, and the source is closed but stays findable."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, models, transaction

from fairbill.accounts.models import User
from fairbill.core import clock
from fairbill.core.actors import Actor
from fairbill.core.errors import InvalidInput, Refused
from fairbill.core.models import Event
from fairbill.core.services import event_record
from fairbill.customers.models import Customer, Status


@dataclass(frozen=True)
class MergeItem:
    label: str
    count: int


def _model(rel: models.ForeignObjectRel) -> type[models.Model]:
    model = rel.related_model
    assert not isinstance(model, str)
    return model


def _relations() -> list[models.ForeignObjectRel]:
    """Every table pointing at a customer (subscriptions, invoices, estimates, payments,
    credit entries, notes, emails, integration links, customers merged earlier…), found from
    the models so that a new one is never forgotten."""
    return [
        rel
        for rel in Customer._meta.related_objects
        if rel.one_to_many and not _model(rel)._meta.abstract
    ]


def _check(target: Customer, source: Customer) -> None:
    if target.pk == source.pk:
        raise InvalidInput("source: a customer can't be merged into itself.", "source")
    if source.merged_into_id:
        raise Refused(f"{source.name} was already merged into another customer.")
    if target.merged_into_id:
        raise Refused(f"{target.name} was merged into another customer; merge into that one.")
    if target.currency != source.currency:
        raise Refused(
            f"{source.name} is billed in {source.currency} and {target.name} in "
            f"{target.currency}: customers with different currencies can't be merged."
        )


def customer_merge_preview(*, target: Customer, source: Customer) -> list[MergeItem]:
    """What would move, without moving it."""
    _check(target, source)
    items = []
    for rel in _relations():
        count = _model(rel)._default_manager.filter(**{rel.field.name: source}).count()
        if count:
            items.append(MergeItem(str(_model(rel)._meta.verbose_name_plural), count))
    history = Event.objects.filter(customer_id=source.pk).count()
    if history:
        items.append(MergeItem("history events", history))
    return items


@transaction.atomic
def customer_merge(*, actor: Actor, target: Customer, source: Customer) -> list[MergeItem]:
    """Move the source's records to the target; close the source (cancelled, login disabled,
    merged_into set). Refused when currencies differ or source = target."""
    first, second = sorted([target.pk, source.pk])
    locked = {
        c.pk: c
        for c in Customer.objects.select_for_update().filter(pk__in=[first, second]).order_by("pk")
    }
    if source.pk not in locked or target.pk not in locked:
        raise InvalidInput("source: no such customer.", "source")
    target, source = locked[target.pk], locked[source.pk]
    _check(target, source)
    moved = []
    for rel in _relations():
        try:
            with transaction.atomic():
                count = (
                    _model(rel)
                    ._default_manager.filter(**{rel.field.name: source})
                    .update(**{rel.field.name: target})
                )
        except IntegrityError:
            raise Refused(
                f"Both customers have {_model(rel)._meta.verbose_name_plural} "
                "that can't be combined; remove the duplicate first."
            ) from None
        if count:
            moved.append(MergeItem(str(_model(rel)._meta.verbose_name_plural), count))
    history = Event.objects.filter(customer_id=source.pk).update(customer_id=target.pk)
    if history:
        moved.append(MergeItem("history events", history))
    if source.user_id:
        User.objects.filter(pk=source.user_id).update(is_active=False)
    before = source.status
    source.merged_into = target
    source.status = Status.CANCELLED
    source.status_reason = f"Merged into {target.name} (#{target.pk})"
    source.updated_at = clock.now()
    source.save(update_fields=["merged_into", "status", "status_reason", "updated_at"])
    counts = {item.label: item.count for item in moved}
    event_record(
        actor=actor,
        action="customer.merged",
        subject=target,
        customer_id=target.pk,
        message=f"{source.name} (#{source.pk}) merged into {target.name}",
        data={
            "source_id": source.pk,
            "source": source.name,
            "moved": counts,
            "source_status": [before, Status.CANCELLED],
        },
    )
    event_record(
        actor=actor,
        action="customer.merged_away",
        subject=source,
        customer_id=source.pk,
        message=f"Merged into {target.name} (#{target.pk})",
        data={"target_id": target.pk, "moved": counts},
    )
    return moved
