"""Gapless document numbers: prefix + zero-padded sequence, from a locked counter row.

The counter is locked (SELECT ... FOR UPDATE) in the transaction that issues the document,
so numbers are unique and without gaps even with concurrent billing runs: a rolled-back
transaction gives its numbers back.
"""

from __future__ import annotations

from django.db import transaction

from fairbill.core.errors import InvalidInput
from fairbill.core.models import Counter

INVOICE = "invoice"
ESTIMATE = "estimate"
CREDIT_NOTE = "credit_note"


def numbers_take(*, name: str, count: int, start: int = 1) -> range:
    """Reserve `count` consecutive numbers; must run inside the issuing transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("numbers are taken inside the issuing transaction")
    counter = Counter.objects.select_for_update().filter(name=name).first()
    if counter is None:
        Counter.objects.get_or_create(name=name, defaults={"next_number": start})
        counter = Counter.objects.select_for_update().get(name=name)
    first = max(counter.next_number, start)
    counter.next_number = first + count
    counter.save(update_fields=["next_number"])
    return range(first, first + count)


def number_format(prefix: str, sequence: int, padding: int) -> str:
    return f"{prefix}{sequence:0{padding}d}"


def start_number_check(*, name: str, start: int) -> None:
    """A start number at or below one already used is refused."""
    counter = Counter.objects.filter(name=name).first()
    if counter is not None and start < counter.next_number:
        last = counter.next_number - 1
        label = name.replace("_", " ")
        raise InvalidInput(
            f"{label} start number: {start} is at or below number {last}, already used. "
            f"Choose {last + 1} or more.",
            f"{name}_start_number",
        )
