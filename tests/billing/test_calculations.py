from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from fairbill.core.money import quantize
from fairbill.invoicing.calculations import LineInput, invoice_totals

prices = st.decimals(min_value=Decimal("-1000"), max_value=Decimal("100000"), places=2)
quantities = st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("1000"), places=4)
rates = st.sampled_from([Decimal("0"), Decimal("5"), Decimal("20"), Decimal("7.25")])
lines = st.lists(
    st.builds(lambda q, p, r: LineInput(q, p, r, "VAT" if r else ""), quantities, prices, rates),
    min_size=1,
    max_size=20,
)


@given(lines)
def test_total_is_net_plus_tax_and_everything_is_quantized(items):
    totals = invoice_totals(items, "GBP")
    assert totals.total == totals.subtotal + totals.tax
    for amount in [*totals.line_amounts, totals.subtotal, totals.tax, totals.total]:
        assert amount == quantize(amount, "GBP")


@given(lines)
def test_tax_is_rounded_once_per_rate_on_the_net_sum(items):
    totals = invoice_totals(items, "GBP")
    for tax in totals.taxes:
        net = sum(
            a
            for a, line in zip(totals.line_amounts, items, strict=True)
            if line.tax_rate == tax.rate
        )
        assert tax.net == net
        assert tax.tax == quantize(net * tax.rate / 100, "GBP")
    assert totals.tax == sum((t.tax for t in totals.taxes), Decimal(0))


def test_rounding_once_on_the_sum_differs_from_per_line_rounding():
    # three lines of 0.05 at 10%: per-line tax would be 3 × 0.01 = 0.03; on the sum it is 0.02
    items = [LineInput(Decimal(1), Decimal("0.05"), Decimal(10), "VAT")] * 3
    totals = invoice_totals(items, "GBP")
    assert totals.tax == Decimal("0.02")
    assert totals.total == Decimal("0.17")


def test_line_amount_rounds_half_up():
    totals = invoice_totals([LineInput(Decimal("1.5"), Decimal("0.25"), Decimal(0))], "GBP")
    assert totals.line_amounts == [Decimal("0.38")]
