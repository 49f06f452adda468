"""Credit note arithmetic: pure functions on plain values (no ORM, no clock).

A credit note credits what is left of an invoice's lines: a whole line, a quantity of it at
its unit price, or an amount of it. Its tax is computed like an invoice's: per rate on the
summed net of the note's lines at that rate, rounded once. Per invoice and per rate, the
credited net and tax never exceed the invoice's (no tolerance): the note that credits the
last of a rate's net takes exactly the tax left at that rate, and a note's rounded tax is
capped by what is left of it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from decimal import Decimal

from fairbill.core.errors import InvalidInput, Refused
from fairbill.core.money import ZERO, format_money, minor_unit, quantize
from fairbill.invoicing.calculations import TaxAmount, line_amount, tax_on

RateKey = tuple[str, Decimal]


@dataclass(frozen=True)
class LineLeft:
    """An invoice line and how much of it earlier credit notes credited."""

    line_id: int
    position: int
    description: str
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal
    tax_name: str
    tax_rate: Decimal
    credited: Decimal = ZERO

    @property
    def left(self) -> Decimal:
        return self.amount - self.credited

    @property
    def rate_key(self) -> RateKey | None:
        return (self.tax_name, self.tax_rate) if self.tax_rate else None


@dataclass(frozen=True)
class RateLeft:
    """An invoice's tax at one rate and how much of it earlier credit notes credited."""

    name: str
    rate: Decimal
    net: Decimal
    tax: Decimal
    credited_net: Decimal = ZERO
    credited_tax: Decimal = ZERO


@dataclass(frozen=True)
class LineRequest:
    """Credit part of one line: a quantity (at its unit price) or an amount; neither = all
    that is left of it."""

    line_id: int
    quantity: Decimal | None = None
    amount: Decimal | None = None


@dataclass(frozen=True)
class CreditedLine:
    line_id: int
    description: str
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal
    tax_name: str
    tax_rate: Decimal


@dataclass(frozen=True)
class CreditTotals:
    lines: list[CreditedLine]
    taxes: list[TaxAmount]
    subtotal: Decimal
    tax: Decimal
    total: Decimal
    # True when, after this note, nothing is left to credit on the invoice.
    completes: bool


def _whole_line(line: LineLeft) -> CreditedLine:
    """What is left of a line: the line as invoiced when untouched, else its amount left."""
    if line.credited == 0:
        quantity, unit_price = line.quantity, line.unit_price
    else:
        quantity, unit_price = Decimal(1), line.left
    return CreditedLine(
        line.line_id,
        line.description,
        quantity,
        unit_price,
        line.left,
        line.tax_name,
        line.tax_rate,
    )


def _part_of_line(line: LineLeft, request: LineRequest, currency: str) -> CreditedLine:
    label = f"line {line.position}"
    if line.amount <= 0:
        raise Refused(
            f"lines: {label} ({line.description}) is a discount; it is credited with the "
            "whole invoice only.",
            "lines",
        )
    if request.quantity is not None and request.amount is not None:
        raise InvalidInput(f"lines: {label}: give a quantity or an amount, not both.", "lines")
    if request.quantity is not None:
        if request.quantity <= 0 or request.quantity > line.quantity:
            raise InvalidInput(
                f"lines: {label}: the quantity must be more than 0 and at most "
                f"{line.quantity.normalize():f}.",
                "lines",
            )
        amount = line_amount(request.quantity, line.unit_price, currency)
        quantity, unit_price = request.quantity, line.unit_price
    elif request.amount is not None:
        amount = request.amount
        quantity, unit_price = Decimal(1), amount
    else:
        return _whole_line(line)
    if amount <= 0:
        raise InvalidInput(f"lines: {label}: the amount credited must be more than 0.", "lines")
    if amount > line.left:
        raise Refused(
            f"lines: {label} ({line.description}): only {format_money(line.left, currency)} "
            f"is left to credit, not {format_money(amount, currency)}.",
            "lines",
            code="more_than_left",
        )
    return CreditedLine(
        line.line_id,
        line.description,
        quantity,
        unit_price,
        amount,
        line.tax_name,
        line.tax_rate,
    )


def _spread_amount(lines: list[LineLeft], amount: Decimal, currency: str) -> list[CreditedLine]:
    """A net amount alone is credited against the lines in their order, each up to what is
    left of it."""
    if amount <= 0:
        raise InvalidInput("amount: the amount credited must be more than 0.", "amount")
    left = sum((line.left for line in lines if line.left > 0), ZERO)
    if amount > left:
        raise Refused(
            f"amount: only {format_money(left, currency)} (before tax) is left to credit, not "
            f"{format_money(amount, currency)}.",
            "amount",
            code="more_than_left",
        )
    credited = []
    rest = amount
    for line in lines:
        if rest == 0:
            break
        if line.left <= 0:
            continue
        part = min(rest, line.left)
        request = LineRequest(line.line_id, amount=part)
        credited.append(
            _whole_line(line) if part == line.left else _part_of_line(line, request, currency)
        )
        rest -= part
    return credited


def credit_note_totals(
    *,
    lines: list[LineLeft],
    rates: list[RateLeft],
    currency: str,
    requests: list[LineRequest] | None = None,
    amount: Decimal | None = None,
) -> CreditTotals:
    """The lines, tax per rate and totals of a credit note on an invoice: its whole remainder
    (no requests, no amount), chosen lines, or a net amount spread over the lines."""
    by_id = {line.line_id: line for line in lines}
    if requests:
        if amount is not None:
            raise InvalidInput("amount: give lines or an amount, not both.", "amount")
        seen: set[int] = set()
        credited = []
        for request in requests:
            if request.line_id not in by_id:
                raise InvalidInput(
                    f"lines: line {request.line_id} is not a line of this invoice.", "lines"
                )
            if request.line_id in seen:
                raise InvalidInput(f"lines: line {request.line_id} is given twice.", "lines")
            seen.add(request.line_id)
            credited.append(_part_of_line(by_id[request.line_id], request, currency))
    elif amount is not None:
        credited = _spread_amount(lines, amount, currency)
    else:
        credited = [_whole_line(line) for line in lines if line.left != 0]
    credited = [line for line in credited if line.amount != 0]
    if not credited:
        raise Refused("Nothing is left to credit on this invoice.", code="nothing_left")

    net_by_rate: dict[RateKey, Decimal] = defaultdict(lambda: ZERO)
    for line in credited:
        if line.tax_rate:
            net_by_rate[(line.tax_name, line.tax_rate)] += line.amount
    rate_rows = {(r.name, r.rate): r for r in rates}
    taxes = []
    for key, net in sorted(net_by_rate.items(), key=lambda item: item[0][1]):
        row = rate_rows.get(key) or RateLeft(key[0], key[1], ZERO, ZERO)
        net_left = row.net - row.credited_net
        tax_left = row.tax - row.credited_tax
        if net > net_left:
            raise Refused(
                f"At {key[1].normalize():f}% only {format_money(net_left, currency)} (before "
                f"tax) is left to credit, not {format_money(net, currency)}.",
                "lines",
                code="more_than_left",
            )
        tax = tax_left if net == net_left else min(tax_on(net, key[1], currency), tax_left)
        taxes.append(TaxAmount(name=key[0], rate=key[1], net=net, tax=max(tax, ZERO)))
    subtotal = quantize(sum((line.amount for line in credited), ZERO), currency)
    tax = quantize(sum((t.tax for t in taxes), ZERO), currency)
    total = subtotal + tax
    if total <= 0:
        raise Refused("A credit note must credit more than 0.", "lines")
    credited_ids = {line.line_id: line.amount for line in credited}
    completes = all(line.left == credited_ids.get(line.line_id, ZERO) for line in lines)
    return CreditTotals(credited, taxes, subtotal, tax, total, completes)


def credit_note_totals_gross(
    *, lines: list[LineLeft], rates: list[RateLeft], currency: str, gross: Decimal
) -> CreditTotals:
    """A note whose total (tax included) is exactly `gross`: money received and given back.

    The net is spread over the lines as for `amount`, the smallest net whose note reaches
    `gross` (a note's total grows with its net: found by halving). Where no net gives that
    gross exactly (at 20%, one cent more of net adds two when the tax rounds up: £0.03 has
    no net), the tax at the rate of the note's last line is one cent less than rounding its
    net gives, as when tax is taken out of a gross amount (£0.03 = £0.03 + £0.00 tax)."""
    if gross <= 0:
        raise InvalidInput("amount: the amount credited must be more than 0.", "amount")
    whole = credit_note_totals(lines=lines, rates=rates, currency=currency)
    if gross > whole.total:
        raise Refused(
            f"amount: only {format_money(whole.total, currency)} is left to credit on this "
            f"invoice, not {format_money(gross, currency)}.",
            "amount",
            code="more_than_left",
        )
    if gross == whole.total:
        return whole
    unit = minor_unit(currency)
    positive = sum((line.left for line in lines if line.left > 0), ZERO)

    def at(units: int) -> CreditTotals | None:
        try:
            return credit_note_totals(
                lines=lines, rates=rates, currency=currency, amount=unit * units
            )
        except Refused:
            return None  # beyond what is left at a rate (an invoice with a discount)

    low, high = 1, int(positive / unit)
    while low < high:
        middle = (low + high) // 2
        found = at(middle)
        if found is None or found.total >= gross:
            high = middle
        else:
            low = middle + 1
    found = at(low)
    if found is not None and found.total == gross:
        return found
    lowered = _tax_lowered(found, rates, gross) if found is not None else None
    if lowered is not None:
        return lowered
    raise Refused(
        f"amount: {format_money(gross, currency)} can't be credited exactly on this invoice; "
        "credit it line by line.",
        "amount",
    )


def _tax_lowered(found: CreditTotals, rates: list[RateLeft], gross: Decimal) -> CreditTotals | None:
    """The note less its excess over `gross` of tax at its last line's rate, when that leaves
    some of the rate's net to credit (the last note at a rate takes the tax left there)."""
    excess = found.total - gross
    last = found.lines[-1]
    key = (last.tax_name, last.tax_rate)
    left = {(r.name, r.rate): r.net - r.credited_net for r in rates}
    for position, tax in enumerate(found.taxes):
        if (tax.name, tax.rate) == key and tax.tax >= excess and tax.net < left.get(key, ZERO):
            taxes = list(found.taxes)
            taxes[position] = replace(tax, tax=tax.tax - excess)
            return replace(found, taxes=taxes, tax=found.tax - excess, total=gross)
    return None
