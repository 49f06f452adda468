"""What an invoice adds to the daily totals (fairbill/core/totals.py), and the two calls that
keep them in step: one when invoices are issued (`invoices_totals_add`, once per batch from
drafts_save), one when an issued invoice changes (`invoice_totals_change`: paid, credit
applied, voided, credited).

An invoice in a state adds:
- issued (unpaid, paid or credited): to *sales* on its issue date (net, tax, total) and to
  *tax* on its issue date per tax name and rate (net and tax of each of its tax lines);
- paid: to *paid* on the day it was paid (net, tax, total);
- unpaid: to *unpaid* on its due date (its balance).
A credit note adds to *credited* on its own issue date (net, tax, total) and to *credit_tax*
per tax name and rate (each of its tax lines); the change it makes to its invoice goes with
it in one call (`credit_note_totals_add`).
A change adds what the invoice adds now and takes away what it added before; moving it to
another customer (a merge, same currency) changes none of these.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from fairbill.core.money import ZERO
from fairbill.core.totals import Delta, Key, Measure, cents, daily_totals_add
from fairbill.invoicing.models import CreditNote, CreditNoteTax, Invoice, InvoiceTax

# Every status but draft and void (as the reports counted them); "credited" is the status a
# credit note gives an invoice it credits in full.
ISSUED = frozenset({Invoice.Status.UNPAID, Invoice.Status.PAID, "credited"})


@dataclass(frozen=True)
class InvoiceState:
    """The fields of an invoice the daily totals depend on, as they were."""

    status: str
    currency: str
    issue_date: date | None
    due_date: date | None
    paid_on: date | None
    subtotal: Decimal
    tax: Decimal
    total: Decimal
    balance: Decimal


def invoice_state(invoice: Invoice) -> InvoiceState:
    """Take this before changing an issued invoice; give it to invoice_totals_change after."""
    return InvoiceState(
        status=invoice.status,
        currency=invoice.currency,
        issue_date=invoice.issue_date,
        due_date=invoice.due_date,
        paid_on=invoice.paid_on,
        subtotal=invoice.subtotal,
        tax=invoice.tax,
        total=invoice.total,
        balance=invoice.balance,
    )


def invoice_deltas(
    state: InvoiceState, taxes: Iterable[InvoiceTax | TaxFigures] | None
) -> list[Delta]:
    """What an invoice in this state adds to the daily totals (its tax lines left out when
    `taxes` is None: for a change that leaves them where they were)."""
    found = []
    currency = state.currency
    if state.status in ISSUED and state.issue_date is not None:
        day = state.issue_date
        amounts = (cents(state.subtotal), cents(state.tax), cents(state.total))
        found.append(Delta(Key(currency, Measure.SALES, day), 1, *amounts))
        for t in taxes or ():
            key = Key(currency, Measure.TAX, day, t.name, t.rate)
            found.append(Delta(key, 1, cents(t.net), cents(t.tax), cents(t.net + t.tax)))
    if state.status == Invoice.Status.PAID and state.paid_on is not None:
        amounts = (cents(state.subtotal), cents(state.tax), cents(state.total))
        found.append(Delta(Key(currency, Measure.PAID, state.paid_on), 1, *amounts))
    if state.status == Invoice.Status.UNPAID and state.due_date is not None:
        key = Key(currency, Measure.UNPAID, state.due_date)
        found.append(Delta(key, 1, total=cents(state.balance)))
    return found


@dataclass(frozen=True)
class TaxFigures:
    """A tax line's figures (an InvoiceTax, or the row it is inserted from)."""

    name: str
    rate: Decimal
    net: Decimal
    tax: Decimal


def invoices_totals_add(
    invoices: Iterable[tuple[Mapping[str, Any], Sequence[Mapping[str, Any]]]],
) -> None:
    """Add newly issued invoices, as the rows they were inserted from (with their tax lines'
    rows), to the daily totals: one call for a whole batch, in the transaction that inserted
    them.

    What an invoice adds is linear in its amounts, and which totals it adds to depends only
    on its status, currency and dates: the invoices are first summed by those (and their tax
    lines by name and rate), and the deltas of each sum are taken once, counted as many
    times as it has invoices or tax lines. A batch of thousands costs a few deltas."""
    groups: dict[tuple[Any, ...], _Sums] = {}
    for invoice, taxes in invoices:
        key = (
            invoice["status"],
            invoice["currency"],
            invoice["issue_date"],
            invoice["due_date"],
            invoice["paid_on"],
        )
        sums = groups.get(key)
        if sums is None:
            sums = groups[key] = _Sums()
        sums.count += 1
        sums.subtotal += invoice["subtotal"]
        sums.tax += invoice["tax"]
        sums.total += invoice["total"]
        sums.balance += invoice["balance"]
        for t in taxes:
            line = sums.taxes.get((t["name"], t["rate"]))
            if line is None:
                line = sums.taxes[(t["name"], t["rate"])] = [0, ZERO, ZERO]
            line[0] += 1
            line[1] += t["net"]
            line[2] += t["tax"]
    deltas = []
    for (status, currency, issue_date, due_date, paid_on), sums in groups.items():
        state = InvoiceState(
            status,
            currency,
            issue_date,
            due_date,
            paid_on,
            sums.subtotal,
            sums.tax,
            sums.total,
            sums.balance,
        )
        figures = [
            TaxFigures(name, rate, net, tax) for (name, rate), (_, net, tax) in sums.taxes.items()
        ]
        for d in invoice_deltas(state, figures):
            count = (
                sums.taxes[(d.key.label, d.key.rate)][0]
                if d.key.measure == Measure.TAX
                else sums.count
            )
            deltas.append(Delta(d.key, count, d.net, d.tax, d.total))
    daily_totals_add(deltas)


@dataclass(slots=True)
class _Sums:
    """Invoices in one state summed (invoices_totals_add); taxes: (name, rate) -> [tax lines,
    net, tax]."""

    count: int = 0
    subtotal: Decimal = ZERO
    tax: Decimal = ZERO
    total: Decimal = ZERO
    balance: Decimal = ZERO
    taxes: dict[tuple[str, Decimal], list[Any]] = field(default_factory=dict)


def invoice_totals_change(
    *, before: InvoiceState, invoice: Invoice, also: Iterable[Delta] = ()
) -> None:
    """Move the daily totals from what the invoice added `before` to what it adds now, in
    the transaction that changed it (the invoice row locked), with `also` (the payment that
    paid it) in the same statement. Its tax lines are read only when it stops or starts
    counting as issued (voided)."""
    after = invoice_state(invoice)
    taxes: list[InvoiceTax] | None = None
    if (before.status in ISSUED) != (after.status in ISSUED):
        taxes = list(InvoiceTax.objects.filter(invoice=invoice))
    daily_totals_add(
        [*invoice_deltas(after, taxes), *(-d for d in invoice_deltas(before, taxes)), *also]
    )


def credit_note_totals_add(*, before: InvoiceState, invoice: Invoice, note: CreditNote) -> None:
    """Add a newly issued credit note and the change it made to its invoice (locked, saved),
    in one call, in the transaction that issued it."""
    day = note.issue_date
    amounts = (cents(note.subtotal), cents(note.tax), cents(note.total))
    also = [Delta(Key(note.currency, Measure.CREDITED, day), 1, *amounts)]
    also += [
        Delta(
            Key(note.currency, Measure.CREDIT_TAX, day, t.name, t.rate),
            1,
            cents(t.net),
            cents(t.tax),
            cents(t.net + t.tax),
        )
        for t in CreditNoteTax.objects.filter(credit_note=note)
    ]
    invoice_totals_change(before=before, invoice=invoice, also=also)
