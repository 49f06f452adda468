"""Issuing credit notes: the one way an issued, sent or paid invoice is reduced.

A credit note first takes its total off what is still due on the invoice; what goes beyond
that gives back money already received (or account credit already applied) as account
credit, or as a refund recorded by hand (bank transfer, cash). The invoice's `credited`
never exceeds its total; an invoice credited in full is `credited`, one whose balance reaches
0 is `paid`. Lock order: the customer, then the invoice, then the numbering counter.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction

from fairbill.core import clock
from fairbill.core.actors import Actor
from fairbill.core.aggregates import MoneySum
from fairbill.core.errors import InvalidInput, Refused
from fairbill.core.hooks import hook_call
from fairbill.core.limits import date_in_window
from fairbill.core.models import BusinessSettings
from fairbill.core.money import ZERO, format_money, parse_amount, parse_decimal
from fairbill.core.numbering import CREDIT_NOTE, number_format, numbers_take
from fairbill.core.services import event_record
from fairbill.customers.models import Customer
from fairbill.customers.services import customer_lock
from fairbill.invoicing.crediting import (
    CreditTotals,
    LineLeft,
    LineRequest,
    RateLeft,
    credit_note_totals,
    credit_note_totals_gross,
)
from fairbill.invoicing.documents import bill_to, seller
from fairbill.invoicing.models import (
    REFUND_BY_HAND,
    CreditNote,
    CreditNoteLine,
    CreditNoteTax,
    Invoice,
    InvoiceLine,
)
from fairbill.invoicing.totals import credit_note_totals_add, invoice_state
from fairbill.payments.models import CreditEntry
from fairbill.payments.services import INVOICE_PAID, credit_entry_record, invoice_settle

# Hooks the higher apps act on.
CREDIT_NOTE_ISSUED = "credit_note.issued"  # credit_note= (the email)
INVOICE_CREDITED = "invoice.credited"  # actor=, invoice=, on= (credited in full: reinstatement)
# Subscriptions move their renewal date back for these package lines, or refuse.
RENEWAL_REVERSED = "renewal.reversed"  # actor=, credit_note=, lines=
MAX_LINES = 500


@dataclass(frozen=True)
class Refund:
    method: str
    on: date
    reference: str = ""


def credit_note_preview(
    *,
    invoice: Invoice,
    lines: Iterable[Mapping[str, Any]] | None = None,
    amount: Any = None,
    gross: Decimal | None = None,
) -> CreditTotals:
    """What a credit note with these lines (or this net amount, or this total tax included,
    or none: the whole invoice) would credit, without writing anything: what staff review is
    what credit_note_issue writes."""
    if invoice.status in (Invoice.Status.DRAFT, Invoice.Status.VOID):
        raise Refused(f"Invoice {invoice} is {invoice.status}: it can't be credited.")
    if gross is not None:
        return credit_note_totals_gross(
            lines=lines_left(invoice),
            rates=rates_left(invoice),
            currency=invoice.currency,
            gross=gross,
        )
    requests = line_requests_parse(lines, invoice.currency) if lines is not None else None
    value = None
    if amount is not None and amount != "":
        value = parse_amount(amount, invoice.currency, field="amount", allow_zero=False)
    return credit_note_totals(
        lines=lines_left(invoice),
        rates=rates_left(invoice),
        currency=invoice.currency,
        requests=requests or None,
        amount=value,
    )


def line_requests_parse(rows: Iterable[Mapping[str, Any]], currency: str) -> list[LineRequest]:
    """[{invoice_line_id, quantity? or amount?}] from a form or the API, type-checked."""
    if isinstance(rows, str | bytes) or not isinstance(rows, Iterable):
        raise InvalidInput("lines: give a list of {invoice_line_id, quantity or amount}.", "lines")
    requests = []
    for number, row in enumerate(rows, start=1):
        if number > MAX_LINES:
            raise InvalidInput(f"lines: at most {MAX_LINES} lines.", "lines")
        label = f"lines: item {number}"
        if not isinstance(row, Mapping):
            raise InvalidInput(f"{label}: give an object with invoice_line_id.", "lines")
        line_id = row.get("invoice_line_id")
        if isinstance(line_id, bool) or not isinstance(line_id, int) or line_id <= 0:
            raise InvalidInput(f"{label}: invoice_line_id must be a line's id.", "lines")
        quantity = row.get("quantity")
        if quantity is not None:
            if isinstance(quantity, float | bool):
                raise InvalidInput(f"{label}: give the quantity as a decimal string.", "lines")
            quantity = parse_decimal(quantity, field="lines", places=4, label=f"{label}: quantity")
        value = row.get("amount")
        if value is not None:
            value = parse_amount(value, currency, field=f"{label}: amount", allow_zero=False)
        requests.append(LineRequest(line_id, quantity=quantity, amount=value))
    return requests


def lines_left(invoice: Invoice) -> list[LineLeft]:
    """The invoice's lines with what earlier credit notes credited of each."""
    credited = dict(
        CreditNoteLine.objects.filter(invoice_line__invoice=invoice)
        .values("invoice_line_id")
        .annotate(s=MoneySum("amount"))
        .values_list("invoice_line_id", "s")
    )
    return [
        LineLeft(
            line_id=line.pk,
            position=line.position,
            description=line.description,
            quantity=line.quantity,
            unit_price=line.unit_price,
            amount=line.amount,
            tax_name=line.tax_name,
            tax_rate=line.tax_rate,
            credited=credited.get(line.pk) or ZERO,
        )
        for line in InvoiceLine.objects.filter(invoice=invoice).order_by("position", "pk")
    ]


def rates_left(invoice: Invoice) -> list[RateLeft]:
    """The invoice's tax per rate with what earlier credit notes credited at each rate."""
    credited = {
        (row["name"], row["rate"]): (row["net"], row["tax"])
        for row in CreditNoteTax.objects.filter(credit_note__invoice=invoice)
        .values("name", "rate")
        .annotate(net=MoneySum("net"), tax=MoneySum("tax"))
    }
    rows = []
    for tax in invoice.taxes.all():
        net, amount = credited.get((tax.name, tax.rate), (ZERO, ZERO))
        rows.append(RateLeft(tax.name, tax.rate, tax.net, tax.tax, net or ZERO, amount or ZERO))
    return rows


def refund_parse(
    value: Mapping[str, Any] | None, methods: Iterable[str] = REFUND_BY_HAND
) -> Refund | None:
    """A refund recorded by hand (`methods`: bank transfer or cash), or any method for a
    payment refunded (refunds.py)."""
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise InvalidInput("refund: give {method, date, reference}.", "refund")
    method = value.get("method")
    allowed = [str(m) for m in methods]
    if method not in allowed:
        raise InvalidInput(f"refund: method must be one of {', '.join(allowed)}.", "refund")
    on = value.get("date")
    if isinstance(on, str):
        try:
            on = date.fromisoformat(on)
        except ValueError:
            on = None
    if not isinstance(on, date):
        raise InvalidInput("refund: give the date refunded (YYYY-MM-DD).", "refund")
    date_in_window(on, field="refund", label="refund date")
    reference = value.get("reference") or ""
    if not isinstance(reference, str) or len(reference) > 200:
        raise InvalidInput("refund: the reference is text of at most 200 characters.", "refund")
    return Refund(method=str(method), on=on, reference=reference.strip())


@transaction.atomic
def credit_note_issue(
    *,
    actor: Actor,
    invoice: Invoice,
    reason: str,
    on: date,
    lines: Iterable[Mapping[str, Any]] | None = None,
    amount: Any = None,
    gross: Decimal | None = None,
    refund: Mapping[str, Any] | None = None,
    refund_only: bool = False,
    reverse_renewal: bool = False,
    request_key: str | None = None,
) -> CreditNote:
    """Credit all of an issued invoice (no lines, no amount), chosen lines (a quantity or
    an amount of each), or a net amount spread over its lines, never beyond what is left.

    Money: the unpaid balance goes down first; the rest becomes account credit, or a refund
    recorded by hand when `refund` = {method: bank_transfer|cash, date, reference}.
    `gross` credits exactly that total, tax included (payments/refunds.py: a payment
    refunded). `refund_only` (with `refund`): the whole note is the refund, nothing comes off
    the balance: money received and given back leaves what is due as it was.
    `reverse_renewal` (renewal invoices): every subscription period this note credits must
    be credited in full, package and option lines (by this note or before); the
    subscriptions' renewal dates move back to those periods' starts.
    `request_key` (a form's one-time token): the same submission issues one note."""
    customer = customer_lock(invoice.customer_id)
    if request_key:
        # Checked under the customer lock: a second submission waits for the first.
        existing = CreditNote.objects.filter(request_key=request_key).first()
        if existing is not None:
            if existing.invoice_id != invoice.pk:
                raise Refused("This form was already used for another invoice.")
            return existing
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    kept = invoice_state(invoice)
    if invoice.status == Invoice.Status.CREDITED:
        raise Refused(f"Invoice {invoice} is credited in full: nothing is left to credit.")
    reason = (reason or "").strip() if isinstance(reason, str) else ""
    if not reason:
        raise InvalidInput("reason: say why the invoice is credited.", "reason")
    date_in_window(on, field="on", label="credit note date")
    if invoice.issue_date and on < invoice.issue_date:
        raise InvalidInput(
            f"on: a credit note can't be dated before its invoice ({invoice.issue_date}).",
            "on",
        )
    totals = credit_note_preview(invoice=invoice, lines=lines, amount=amount, gross=gross)
    if invoice.credited + totals.total > invoice.total:
        left = format_money(invoice.total - invoice.credited, invoice.currency)
        raise Refused(f"Only {left} is left to credit on invoice {invoice}.", code="more_than_left")
    methods = CreditNote.RefundMethod.values if refund_only else REFUND_BY_HAND
    refund_given = refund_parse(refund, methods)
    note = _note_build(invoice, customer, totals, reason[:300], on, request_key)
    _money_split(note, invoice, refund_given, refund_only)
    reversed_lines = _reversal_lines(invoice, totals) if reverse_renewal else []
    note.reversed_renewal = bool(reversed_lines)
    _note_save(note, totals)
    before = invoice.status
    paid = _invoice_credit(invoice, note, on)
    credit_note_totals_add(before=kept, invoice=invoice, note=note)
    if note.to_credit:
        credit_entry_record(
            actor=actor,
            customer=customer,
            amount=note.to_credit,
            kind=CreditEntry.Kind.CREDIT_NOTE,
            reason=f"Credit note {note.number} for invoice {invoice.number}",
            on=on,
            invoice=invoice,
        )
    if reversed_lines:
        InvoiceLine.objects.filter(pk__in=[line.pk for line in reversed_lines]).update(
            period_reversed=True
        )
        packages = [line for line in reversed_lines if line.kind == InvoiceLine.Kind.PACKAGE]
        hook_call(RENEWAL_REVERSED, actor=actor, credit_note=note, lines=packages)
    event_record(
        actor=actor,
        action="credit_note.issued",
        subject=note,
        customer_id=customer.pk,
        message=f"Credit note {note.number} for {format_money(note.total, note.currency)} "
        f"on invoice {invoice.number}: {note.reason}",
        data={
            "number": note.number,
            "invoice": invoice.number,
            "total": str(note.total),
            "to_balance": str(note.to_balance),
            "to_credit": str(note.to_credit),
            "refunded": str(note.refunded),
            "status": [before, invoice.status],
            "reversed_renewal": note.reversed_renewal,
        },
    )
    hook_call(CREDIT_NOTE_ISSUED, credit_note=note)
    _after_settled(actor=actor, invoice=invoice, note=note, before=before, paid=paid, on=on)
    return note


def _invoice_credit(invoice: Invoice, note: CreditNote, on: date) -> bool:
    """Move the invoice's credited amount, balance and status; True if it just became paid."""
    invoice.credited += note.total
    invoice.credit_returned += note.to_credit + note.refunded
    invoice.balance -= note.to_balance
    paid = False
    if invoice.credited == invoice.total:
        invoice.status = Invoice.Status.CREDITED
    else:
        paid = invoice_settle(invoice, on)
    invoice.save(update_fields=["credited", "credit_returned", "balance", "status", "paid_on"])
    return paid


def _after_settled(
    *, actor: Actor, invoice: Invoice, note: CreditNote, before: str, paid: bool, on: date
) -> None:
    """An unpaid invoice credited in full, or credited down to a zero balance, is settled:
    the subscriptions' reinstatement (and activation, when paid) follow, as after a payment."""
    if invoice.status == Invoice.Status.CREDITED and before == Invoice.Status.UNPAID:
        hook_call(INVOICE_CREDITED, actor=actor, invoice=invoice, on=on)
    elif paid:
        event_record(
            actor=actor,
            action="invoice.paid",
            subject=invoice,
            customer_id=invoice.customer_id,
            data={"number": invoice.number, "by_credit_note": note.number},
        )
        hook_call(INVOICE_PAID, actor=actor, invoice=invoice, on=on)


def _note_build(
    invoice: Invoice,
    customer: Customer,
    totals: CreditTotals,
    reason: str,
    on: date,
    request_key: str | None,
) -> CreditNote:
    business = BusinessSettings.load()
    return CreditNote(
        customer_id=invoice.customer_id,
        invoice=invoice,
        currency=invoice.currency,
        issue_date=on,
        reason=reason,
        subtotal=totals.subtotal,
        tax=totals.tax,
        total=totals.total,
        bill_to=bill_to(customer),
        seller=seller(business),
        tax_treatment=invoice.tax_treatment,
        tax_note=invoice.tax_note,
        tax_exemption_code=invoice.tax_exemption_code,
        request_key=request_key or None,
        created_at=clock.now(),
    )


def _money_split(
    note: CreditNote, invoice: Invoice, refund: Refund | None, refund_only: bool = False
) -> None:
    """Off the balance first; the rest to account credit, or refunded by hand. A payment's
    refund (`refund_only`) is all refund: what is due stays as it was."""
    if refund_only and refund is None:
        raise InvalidInput("refund: say how the money was given back.", "refund")
    note.to_balance = ZERO if refund_only else min(note.total, invoice.balance)
    rest = note.total - note.to_balance
    if refund is None:
        note.to_credit = rest
        return
    if rest == 0:
        raise Refused(
            "refund: nothing was paid beyond what this note takes off the balance; "
            "there is nothing to refund.",
            "refund",
        )
    refunded_before = (
        CreditNote.objects.filter(invoice=invoice).aggregate(s=MoneySum("refunded"))["s"] or ZERO
    )
    paid_in_money = invoice.amount_paid - refunded_before
    if rest > paid_in_money:
        raise Refused(
            f"refund: {format_money(max(paid_in_money, ZERO), invoice.currency)} of this "
            f"invoice was paid in money; {format_money(rest, invoice.currency)} can't be "
            "refunded. Leave the refund out to give it as account credit.",
            "refund",
        )
    note.refunded = rest
    note.refund_method = refund.method
    note.refund_date = refund.on
    note.refund_reference = refund.reference[:200]


def _reversal_lines(invoice: Invoice, totals: CreditTotals) -> list[InvoiceLine]:
    """The lines of the renewal's periods this note reverses: for each subscription's period
    it credits, the package line and its option lines, all credited in full once this note
    is issued (by it or before). A period left partly billed is refused: billed again after
    the reversal, its options would be billed twice."""
    if invoice.kind != Invoice.Kind.RENEWAL:
        raise Refused(
            "reverse_renewal: only a renewal invoice's billing can be reversed.",
            "reverse_renewal",
        )
    now_credited = {line.line_id: line.amount for line in totals.lines}
    left_after = {
        left.line_id: left.left - now_credited.get(left.line_id, ZERO)
        for left in lines_left(invoice)
    }
    periods: dict[tuple[int, date | None], list[InvoiceLine]] = {}
    for line in (
        InvoiceLine.objects.filter(
            invoice=invoice,
            kind__in=[InvoiceLine.Kind.PACKAGE, InvoiceLine.Kind.OPTION],
            subscription__isnull=False,
            period_start__isnull=False,
        )
        .select_related("subscription__package")
        .order_by("position", "pk")
    ):
        periods.setdefault((int(line.subscription_id or 0), line.period_start), []).append(line)
    reversed_lines: list[InvoiceLine] = []
    for lines in periods.values():
        package = next((line for line in lines if line.kind == InvoiceLine.Kind.PACKAGE), None)
        touched = any(line.pk in now_credited for line in lines)
        if package is None or package.period_reversed or not touched:
            continue
        billed = [line.description for line in lines if left_after[line.pk] > 0]
        if billed:
            name = package.subscription.package.name if package.subscription else ""
            verb = "is" if len(billed) == 1 else "are"
            raise Refused(
                f"reverse_renewal: to reverse the renewal, credit the whole period of {name}: "
                f"{_listed(billed)} {verb} still billed.",
                "reverse_renewal",
            )
        reversed_lines.extend(lines)
    if not reversed_lines:
        raise Refused(
            "reverse_renewal: this note doesn't credit a package's period in full; credit "
            "the package line and its options whole to reverse its renewal.",
            "reverse_renewal",
        )
    return reversed_lines


def _listed(names: list[str]) -> str:
    """'A', 'A and B', 'A, B and C'."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _note_save(note: CreditNote, totals: CreditTotals) -> None:
    business = BusinessSettings.load()
    (sequence,) = numbers_take(name=CREDIT_NOTE, count=1, start=business.credit_note_start_number)
    note.sequence = sequence
    note.number = number_format(
        business.credit_note_prefix, sequence, business.invoice_number_padding
    )
    try:
        with transaction.atomic():
            note.save()
    except IntegrityError:
        raise Refused(
            f"Credit note number {note.number} is already used: change the credit note "
            "start number in Settings."
        ) from None
    CreditNoteLine.objects.bulk_create(
        CreditNoteLine(
            credit_note=note,
            invoice_line_id=line.line_id,
            position=position,
            description=line.description[:500],
            quantity=line.quantity,
            unit_price=line.unit_price,
            amount=line.amount,
            tax_name=line.tax_name,
            tax_rate=line.tax_rate,
        )
        for position, line in enumerate(totals.lines, start=1)
    )
    CreditNoteTax.objects.bulk_create(
        CreditNoteTax(credit_note=note, name=t.name, rate=t.rate, net=t.net, tax=t.tax)
        for t in totals.taxes
    )
