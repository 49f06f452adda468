"""The daily totals recomputed from the invoices and payments, and compared with those kept
by the money services (`fairbill check-totals`). The recomputation says in SQL what
invoicing/totals.py and payments' payment_deltas say row by row: a difference means a
money operation that forgot to add to the totals (or a row changed by hand)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import Count

from fairbill.core.aggregates import MoneySum
from fairbill.core.models import DailyTotal
from fairbill.core.totals import (
    Delta,
    Key,
    Measure,
    cents,
    daily_totals_lock,
    daily_totals_replace,
    from_cents,
)
from fairbill.core.totals import deltas_sum as _sum
from fairbill.invoicing.models import CreditNote, CreditNoteTax, Invoice, InvoiceTax
from fairbill.payments.models import Payment

ISSUED = ["unpaid", "paid", "credited"]  # as invoicing.totals.ISSUED (strings: migrations too)


@dataclass(frozen=True)
class Sources:
    """The models the totals are computed from: the current ones, or a migration's."""

    invoice: Any
    invoice_tax: Any
    payment: Any
    credit_note: Any = None  # None: from before credit notes (a migration's models)
    credit_note_tax: Any = None


def current_sources() -> Sources:
    return Sources(Invoice, InvoiceTax, Payment, CreditNote, CreditNoteTax)


def _money(value: Any) -> int:
    return cents(value) if value is not None else 0


def recompute(sources: Sources) -> Iterator[tuple[str, list[Delta]]]:
    """Every daily total from the rows, one measure at a time: (measure, its deltas)."""
    invoices = sources.invoice.objects.order_by()
    money = {"n": Count("*"), "net": MoneySum("subtotal"), "tax": MoneySum("tax")}
    money["total"] = MoneySum("total")
    sales = (
        invoices.filter(status__in=ISSUED, issue_date__isnull=False)
        .values_list("currency", "issue_date")
        .annotate(**money)
    )
    yield Measure.SALES, [_delta(Measure.SALES, row) for row in sales]
    taxes = (
        sources.invoice_tax.objects.order_by()
        .filter(invoice__status__in=ISSUED, invoice__issue_date__isnull=False)
        .values_list("invoice__currency", "invoice__issue_date", "name", "rate")
        .annotate(n=Count("*"), net=MoneySum("net"), tax=MoneySum("tax"))
    )
    yield (
        Measure.TAX,
        [
            Delta(
                Key(cur, Measure.TAX, day, name, rate),
                n,
                _money(net),
                _money(tax),
                _money(net) + _money(tax),
            )
            for cur, day, name, rate, n, net, tax in taxes
        ],
    )
    paid = (
        invoices.filter(status="paid", paid_on__isnull=False)
        .values_list("currency", "paid_on")
        .annotate(**money)
    )
    yield Measure.PAID, [_delta(Measure.PAID, row) for row in paid]
    unpaid = (
        invoices.filter(status="unpaid", due_date__isnull=False)
        .values_list("currency", "due_date")
        .annotate(n=Count("*"), balance=MoneySum("balance"))
    )
    yield (
        Measure.UNPAID,
        [
            Delta(Key(cur, Measure.UNPAID, day), n, total=_money(balance))
            for cur, day, n, balance in unpaid
        ],
    )
    yield from _credit_notes(sources)
    payments = (
        sources.payment.objects.order_by()
        .values_list("currency", "received_on", "method")
        .annotate(n=Count("*"), total=MoneySum("amount"))
    )
    yield (
        Measure.PAYMENTS,
        [
            Delta(Key(cur, Measure.PAYMENTS, day, method), n, total=_money(total))
            for cur, day, method, n, total in payments
        ],
    )


def _credit_notes(sources: Sources) -> Iterator[tuple[str, list[Delta]]]:
    """Credit notes by their issue date, in all and per tax name and rate."""
    if sources.credit_note is None:
        return
    money = {"n": Count("*"), "net": MoneySum("subtotal"), "tax": MoneySum("tax")}
    money["total"] = MoneySum("total")
    notes = sources.credit_note.objects.order_by().values_list("currency", "issue_date")
    yield Measure.CREDITED, [_delta(Measure.CREDITED, row) for row in notes.annotate(**money)]
    taxes = (
        sources.credit_note_tax.objects.order_by()
        .values_list("credit_note__currency", "credit_note__issue_date", "name", "rate")
        .annotate(n=Count("*"), net=MoneySum("net"), tax=MoneySum("tax"))
    )
    yield (
        Measure.CREDIT_TAX,
        [
            Delta(
                Key(cur, Measure.CREDIT_TAX, day, name, rate),
                n,
                _money(net),
                _money(tax),
                _money(net) + _money(tax),
            )
            for cur, day, name, rate, n, net, tax in taxes
        ],
    )


def _delta(measure: str, row: tuple[Any, ...]) -> Delta:
    currency, day, n, net, tax, total = row
    return Delta(Key(currency, measure, day), n, _money(net), _money(tax), _money(total))


def kept(measure: str | None = None) -> dict[Key, Delta]:
    """The daily totals as kept (rows that add up to nothing left out)."""
    rows = DailyTotal.objects.all()
    if measure is not None:
        rows = rows.filter(measure=measure)
    return _sum(
        Delta(Key(r.currency, r.measure, r.day, r.label, r.rate), r.count, r.net, r.tax, r.total)
        for r in rows.iterator(chunk_size=2000)
    )


@dataclass(frozen=True)
class Difference:
    key: Key
    kept: Delta | None
    recomputed: Delta | None

    def describe(self) -> str:
        k = self.key
        where = f"{k.currency} {k.measure} {k.day:%Y-%m-%d}"
        if k.label or k.rate:
            where += f" {k.label} {k.rate.normalize():f}%".rstrip()
        return f"{where}: kept {_figures(self.kept)}, recomputed {_figures(self.recomputed)}"


def _figures(d: Delta | None) -> str:
    if d is None:
        return "nothing"
    net, tax, total = (from_cents(v) for v in (d.net, d.tax, d.total))
    return f"count {d.count}, net {net}, tax {tax}, total {total}"


def totals_differences(
    sources: Sources | None = None, progress: Callable[[str], None] | None = None
) -> list[Difference]:
    """Where the kept daily totals and a recomputation disagree, measure by measure."""
    found = []
    for measure, deltas in recompute(sources or current_sources()):
        recomputed = _sum(deltas)
        have = kept(measure)
        for key in sorted(set(recomputed) | set(have), key=_key_order):
            if recomputed.get(key) != have.get(key):
                found.append(Difference(key, have.get(key), recomputed.get(key)))
        if progress is not None:
            progress(measure)
    return found


def _key_order(key: Key) -> tuple[Any, ...]:
    return (key.currency, key.measure, key.day, key.label, key.rate)


def totals_rebuild(sources: Sources | None = None) -> int:
    """Rewrite the daily totals from a recomputation, inside the caller's transaction (the
    totals locked first: operations running meanwhile add to what is written)."""
    daily_totals_lock()
    deltas = [d for _, found in recompute(sources or current_sources()) for d in found]
    return daily_totals_replace(deltas)


MEASURE_COUNT = len(Measure.choices)
