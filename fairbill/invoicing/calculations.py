"""Invoice arithmetic: pure functions on plain values.

Line amount = round(quantity × unit price). Tax is computed per tax rate on the sum of the
net line amounts at that rate and rounded once. Total = net + tax.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from fairbill.core.money import ZERO, quantize

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class LineInput:
    quantity: Decimal
    unit_price: Decimal
    tax_rate: Decimal  # percent; 0 when no tax applies
    tax_name: str = ""


@dataclass(frozen=True)
class TaxAmount:
    name: str
    rate: Decimal
    net: Decimal
    tax: Decimal


@dataclass(frozen=True)
class Totals:
    line_amounts: list[Decimal]
    taxes: list[TaxAmount]
    subtotal: Decimal
    tax: Decimal
    total: Decimal


def line_amount(quantity: Decimal, unit_price: Decimal, currency: str) -> Decimal:
    return quantize(quantity * unit_price, currency)


def tax_on(net: Decimal, rate: Decimal, currency: str) -> Decimal:
    return quantize(net * rate / HUNDRED, currency)


def invoice_totals(lines: list[LineInput], currency: str) -> Totals:
    amounts = [line_amount(line.quantity, line.unit_price, currency) for line in lines]
    net_by_rate: dict[tuple[str, Decimal], Decimal] = defaultdict(lambda: ZERO)
    for line, amount in zip(lines, amounts, strict=True):
        if line.tax_rate:
            net_by_rate[(line.tax_name, line.tax_rate)] += amount
    taxes = [
        TaxAmount(name=name, rate=rate, net=net, tax=tax_on(net, rate, currency))
        for (name, rate), net in sorted(net_by_rate.items(), key=lambda item: item[0][1])
    ]
    subtotal = sum(amounts, ZERO)
    tax = sum((t.tax for t in taxes), ZERO)
    return Totals(
        amounts,
        taxes,
        quantize(subtotal, currency),
        quantize(tax, currency),
        quantize(subtotal + tax, currency),
    )
