"""The pure credit note arithmetic: any split of an invoice into credit notes credits exactly
the invoice, per rate, and never more at any step."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from fairbill.core.money import ZERO
from fairbill.invoicing.calculations import LineInput, invoice_totals
from fairbill.invoicing.crediting import LineLeft, LineRequest, RateLeft, credit_note_totals

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
