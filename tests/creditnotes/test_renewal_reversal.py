"""Reversing a renewal with options: the whole period (package and options) is credited, or
nothing is reversed; the period is then billed again once."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from fairbill.core.errors import Refused
from fairbill.invoicing.models import Invoice, InvoiceLine
from fairbill.payments.credit_notes import credit_note_issue
from tests.creditnotes.conftest import START


def _line(invoice, description):
    return InvoiceLine.objects.get(invoice=invoice, description__startswith=description)


def test_reversing_with_only_the_package_credited_is_refused(billing, admin, gold_with_options):
    sub, march = gold_with_options
    gold_line = _line(march, "Gold")
    with pytest.raises(Refused) as refused:
        credit_note_issue(
            actor=admin,
            invoice=march,
            reason="Wrong package",
            on=date(2027, 3, 2),
            lines=[{"invoice_line_id": gold_line.pk}],
            reverse_renewal=True,
        )
    assert str(refused.value) == (
        "reverse_renewal: to reverse the renewal, credit the whole period of Gold: "
        "Priority support and Backup plan are still billed."
    )
    assert refused.value.field == "reverse_renewal"
    # nothing written: no note, the renewal date stays, the period is not billed again
    march.refresh_from_db()
    assert (march.credited, march.balance) == (Decimal("0.00"), Decimal("80.40"))
    sub.refresh_from_db()
    assert sub.renewal_date == date(2027, 4, 1)
    billing.assert_nothing_more_to_bill(as_of=date(2027, 3, 3))


def test_reversing_the_whole_period_bills_package_and_options_again_once(
    billing, admin, gold_with_options
):
    sub, march = gold_with_options
    note = credit_note_issue(
        actor=admin, invoice=march, reason="Wrong price", on=date(2027, 3, 2), reverse_renewal=True
    )
    assert (note.total, note.reversed_renewal) == (Decimal("80.40"), True)
    assert list(
        InvoiceLine.objects.filter(invoice=march).values_list("kind", "period_reversed")
    ) == [("package", True), ("option", True), ("option", True)]
    sub.refresh_from_db()
    assert sub.renewal_date == START
    # the next run bills March again: £40 + £15 + £12 + 20% VAT = £80.40, once
    billing.run(as_of=date(2027, 3, 3))
    again = billing.invoices(sub)[-1]
    assert again.pk != march.pk
    assert (again.total, again.status) == (Decimal("80.40"), Invoice.Status.UNPAID)
    billing.assert_nothing_more_to_bill(as_of=date(2027, 3, 3))


def test_options_credited_after_the_package_complete_the_period(billing, admin, gold_with_options):
    sub, march = gold_with_options
    # the Gold line was credited earlier (£48.00), without reversing
    credit_note_issue(
        actor=admin,
        invoice=march,
        reason="Gold not delivered",
        on=date(2027, 3, 2),
        lines=[{"invoice_line_id": _line(march, "Gold").pk}],
    )
    # then the options (£27 + VAT = £32.40) with the reversal: the whole period is credited
    note = credit_note_issue(
        actor=admin,
        invoice=march,
        reason="Nothing delivered",
        on=date(2027, 3, 3),
        lines=[
            {"invoice_line_id": _line(march, "Priority support").pk},
            {"invoice_line_id": _line(march, "Backup plan").pk},
        ],
        reverse_renewal=True,
    )
    assert (note.total, note.reversed_renewal) == (Decimal("32.40"), True)
    sub.refresh_from_db()
    assert sub.renewal_date == START


def test_one_option_left_is_named(billing, admin, gold_with_options):
    _, march = gold_with_options
    with pytest.raises(Refused, match="Gold: Backup plan is still billed"):
        credit_note_issue(
            actor=admin,
            invoice=march,
            reason="x",
            on=date(2027, 3, 2),
            lines=[
                {"invoice_line_id": _line(march, "Gold").pk},
                {"invoice_line_id": _line(march, "Priority support").pk},
            ],
            reverse_renewal=True,
        )
