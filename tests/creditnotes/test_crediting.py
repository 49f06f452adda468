"""The pure credit note arithmetic: any split of an invoice into credit notes credits exactly
the invoice, per rate, and never more at any step."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fairbill.core.errors import Refused
from fairbill.core.money import ZERO
from fairbill.invoicing.calculations import LineInput, invoice_totals, tax_on
from fairbill.invoicing.crediting import (
    LineLeft,
    LineRequest,
    RateLeft,
    credit_note_totals,
    credit_note_totals_gross,
)

RATES = [Decimal("20"), Decimal("5"), Decimal("0"), Decimal("17.5")]
prices = st.integers(min_value=1, max_value=20_000).map(lambda c: Decimal(c) / 100)
lines = st.lists(
    st.tuples(prices, st.integers(1, 5).map(Decimal), st.sampled_from(RATES)),
    min_size=1,
    max_size=6,
)


@settings(max_examples=150, deadline=None)
@given(invoice_lines=lines, splits=st.lists(st.integers(1, 100), min_size=1, max_size=5))
def test_credit_notes_add_up_to_the_invoice_per_rate(invoice_lines, splits):
    inputs = [LineInput(q, p, r, "VAT" if r else "") for p, q, r in invoice_lines]
    invoice = invoice_totals(inputs, "GBP")
    credited = {n: ZERO for n in range(len(inputs))}
    by_rate = {t.rate: [ZERO, ZERO] for t in invoice.taxes}
    notes_total = ZERO
    # each note credits a percentage of what is left of every line; the last all the rest
    for percent in [*splits, None]:
        left = [
            LineLeft(n, n + 1, f"L{n}", i.quantity, i.unit_price, a, i.tax_name, i.tax_rate, c)
            for (n, c), i, a in zip(credited.items(), inputs, invoice.line_amounts, strict=True)
        ]
        rates = [RateLeft(t.name, t.rate, t.net, t.tax, *by_rate[t.rate]) for t in invoice.taxes]
        requests = None
        if percent is None:
            if all(line.left == 0 for line in left):
                break
        else:
            requests = [
                LineRequest(line.line_id, amount=_part(line.left, percent))
                for line in left
                if _part(line.left, percent) > 0
            ]
            if not requests:
                continue
        note = credit_note_totals(lines=left, rates=rates, currency="GBP", requests=requests)
        for line in note.lines:
            credited[line.line_id] += line.amount
        for tax in note.taxes:
            by_rate[tax.rate][0] += tax.net
            by_rate[tax.rate][1] += tax.tax
        notes_total += note.total
        # never more than the invoice, at any step, per rate and in total
        for t in invoice.taxes:
            assert by_rate[t.rate][0] <= t.net
            assert by_rate[t.rate][1] <= t.tax
        assert notes_total <= invoice.total
        assert note.tax == sum((t.tax for t in note.taxes), ZERO)
    # once all is credited: exactly the invoice, rate by rate
    assert notes_total == invoice.total
    for t in invoice.taxes:
        assert by_rate[t.rate] == [t.net, t.tax]


def _part(amount: Decimal, percent: int) -> Decimal:
    return (amount * percent / 100).quantize(Decimal("0.01"))


def _left_of(inputs, invoice, credited, by_rate):
    lines_left = [
        LineLeft(n, n + 1, f"L{n}", i.quantity, i.unit_price, a, i.tax_name, i.tax_rate, c)
        for (n, c), i, a in zip(credited.items(), inputs, invoice.line_amounts, strict=True)
    ]
    rates = [RateLeft(t.name, t.rate, t.net, t.tax, *by_rate[t.rate]) for t in invoice.taxes]
    return lines_left, rates


def test_a_gross_amount_is_credited_exactly_with_the_tax_of_its_net():
    # given one line of 100.00 at 20% VAT (120.00)
    left = [LineLeft(1, 1, "Work", Decimal(1), Decimal("100"), Decimal("100.00"), "VAT", RATES[0])]
    rates = [RateLeft("VAT", RATES[0], Decimal("100.00"), Decimal("20.00"))]
    # 10.01 is 8.34 + 1.67 (8.34 x 20% = 1.668)
    note = credit_note_totals_gross(lines=left, rates=rates, currency="GBP", gross=Decimal("10.01"))
    assert (note.subtotal, note.tax, note.total) == (
        Decimal("8.34"),
        Decimal("1.67"),
        Decimal("10.01"),
    )
    # no net gives 0.03 (0.02 + 0.00, 0.03 + 0.01): 0.03 + 0.00, one cent less tax
    note = credit_note_totals_gross(lines=left, rates=rates, currency="GBP", gross=Decimal("0.03"))
    assert (note.subtotal, note.tax, note.total) == (
        Decimal("0.03"),
        Decimal("0.00"),
        Decimal("0.03"),
    )
    # all that is left is the whole invoice; more is refused
    whole = credit_note_totals_gross(lines=left, rates=rates, currency="GBP", gross=Decimal("120"))
    assert (whole.subtotal, whole.tax, whole.completes) == (
        Decimal("100.00"),
        Decimal("20.00"),
        True,
    )
    with pytest.raises(Refused):
        credit_note_totals_gross(lines=left, rates=rates, currency="GBP", gross=Decimal("120.01"))


@settings(max_examples=150, deadline=None)
@given(invoice_lines=lines, splits=st.lists(st.integers(1, 99), min_size=1, max_size=5))
def test_gross_credit_notes_credit_exactly_what_is_asked_and_never_more(invoice_lines, splits):
    inputs = [LineInput(q, p, r, "VAT" if r else "") for p, q, r in invoice_lines]
    invoice = invoice_totals(inputs, "GBP")
    credited = {n: ZERO for n in range(len(inputs))}
    by_rate = {t.rate: [ZERO, ZERO] for t in invoice.taxes}
    notes_total = ZERO
    # each note refunds a percentage of what is left of the invoice, tax included; the last
    # all the rest
    for percent in [*splits, 100]:
        gross = (invoice.total - notes_total) * percent // 100
        gross = gross.quantize(Decimal("0.01")) if percent < 100 else invoice.total - notes_total
        if gross <= 0:
            continue
        left, rates = _left_of(inputs, invoice, credited, by_rate)
        note = credit_note_totals_gross(lines=left, rates=rates, currency="GBP", gross=gross)
        assert note.total == gross
        assert note.subtotal + sum((t.tax for t in note.taxes), ZERO) == gross
        for line in note.lines:
            credited[line.line_id] += line.amount
        for tax in note.taxes:
            by_rate[tax.rate][0] += tax.net
            by_rate[tax.rate][1] += tax.tax
            rate_net = next(t.net for t in invoice.taxes if t.rate == tax.rate)
            if by_rate[tax.rate][0] < rate_net:  # the last at a rate takes the tax left
                # within a cent of the tax on its net
                assert abs(tax.tax - tax_on(tax.net, tax.rate, "GBP")) <= Decimal("0.01")
        notes_total += note.total
        for t in invoice.taxes:
            assert by_rate[t.rate][0] <= t.net
            assert by_rate[t.rate][1] <= t.tax
    assert notes_total == invoice.total
    for t in invoice.taxes:
        assert by_rate[t.rate] == [t.net, t.tax]
