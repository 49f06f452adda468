"""Invoicing Basecamp time: hours × rate, each entry billed once, voids release entries."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from fairbill.core.errors import InvalidInput, Refused
from fairbill.customers.models import Customer
from fairbill.integrations.basecamp.importer import (
    basecamp_customers_import,
    basecamp_entries,
    candidates_from_people,
    project_link,
    projects_sync,
)
from fairbill.integrations.basecamp.models import Project
from fairbill.integrations.basecamp.services import basecamp_client
from fairbill.invoicing.models import Invoice
from fairbill.payments.credit_notes import credit_note_issue
from fairbill.payments.services import invoice_void
from fairbill.timebilling.calculations import TimeEntry, group_entries, parse_hours
from fairbill.timebilling.models import BilledEntry
from fairbill.timebilling.services import hourly_rate_set, time_invoice_create, time_plan

MARCH = {"start": date(2027, 3, 1), "end": date(2027, 3, 31)}


@pytest.fixture
def leto(connected, admin, gb_vat):
    client = basecamp_client()
    basecamp_customers_import(
        actor=admin, candidates=candidates_from_people(client.people(), "company")
    )
    projects_sync(actor=admin, projects=client.projects(), link_suggested=True)
    customer = Customer.objects.get(name="Leto Brand")
    hourly_rate_set(actor=admin, customer=customer, rate="85.50")
    return customer


def _entries(customer, **dates):
    return basecamp_entries(client=basecamp_client(), customer=customer, **(dates or MARCH))


def _invoice(admin, customer, group_by="project", **kwargs):
    return time_invoice_create(
        actor=admin,
        customer=customer,
        entries=_entries(customer),
        group_by=group_by,
        issue_date=date(2027, 4, 1),
        **kwargs,
    )


def test_hours_parse_decimal_and_clock_formats():
    assert parse_hours("1:30") == Decimal("1.5")
    assert parse_hours("2.0") == Decimal("2")
    assert parse_hours("0:20") == Decimal("0.3333")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("-2", "'-2' must be more than 0 hours."),
        ("0", "'0' must be more than 0 hours."),
        ("1000000", "'1000000' is more than 100000 hours."),
        # Exponents, NaN and other scripts' digits are not numbers, as for amounts.
        ("1e9", "'1e9' is not a number of hours."),
        ("NaN", "'NaN' is not a number of hours."),
        ("١", "'١' is not a number of hours."),
        ("1:75", "'1:75' has minutes outside 0–59."),
    ],
)
def test_impossible_hours_are_refused_with_a_clear_message(text, message):
    with pytest.raises(InvalidInput) as caught:
        parse_hours(text)
    assert caught.value.message == f"hours: {message}"


def test_line_amount_is_hours_times_rate_rounded_once():
    entries = [
        TimeEntry("csv", str(n), date(2027, 3, n), Decimal("0.3333"), project="P")
        for n in (1, 2, 3)
    ]
    (group,) = group_entries(entries, by="project", default_rate=Decimal("100.015"))
    # 0.9999 h × 100.015 = 100.0049985 → 100.00 (not three lines rounded separately)
    assert group.amount("GBP") == Decimal("100.00")


def test_time_invoice_has_one_line_per_project_with_vat(leto, admin):
    plan = _invoice(admin, leto)
    invoice = plan.invoice
    assert invoice.kind == "time"
    lines = list(invoice.lines.order_by("position"))
    assert [(line.description, line.quantity) for line in lines] == [
        ("Time: The Leto Laptop, 2 – 10 Mar 2027", Decimal("7.25")),
        ("Time: The Leto Locator, 11 Mar 2027", Decimal("4")),
    ]
    # 7.25 × 85.50 = 619.875 → 619.88; 4 × 85.50 = 342.00
    assert [line.amount for line in lines] == [Decimal("619.88"), Decimal("342.00")]
    assert invoice.subtotal == Decimal("961.88")
    assert invoice.tax == Decimal("192.38")
    assert BilledEntry.objects.filter(invoice=invoice).count() == 4


def test_grouping_by_person_and_by_day(leto, admin):
    by_person = time_plan(customer=leto, entries=_entries(leto), group_by="person")
    assert [(g.label, g.hours) for g in by_person.groups] == [
        ("Annie Bryan", Decimal("5.5")),
        ("Victor Cooper", Decimal("5.75")),
    ]
    by_day = time_plan(customer=leto, entries=_entries(leto), group_by="day")
    assert [g.label for g in by_day.groups] == [
        "2027-03-02",
        "2027-03-03",
        "2027-03-10",
        "2027-03-11",
    ]


def test_a_project_rate_wins_over_the_customer_rate(leto, admin):
    locator = Project.objects.get(name="The Leto Locator")
    project_link(actor=admin, project=locator, customer=leto, hourly_rate="120")
    plan = time_plan(customer=leto, entries=_entries(leto), group_by="project")
    assert [(g.label, g.rate) for g in plan.groups] == [
        ("The Leto Laptop", Decimal("85.5")),
        ("The Leto Locator", Decimal("120")),
    ]


def test_a_second_invoice_bills_only_new_entries(leto, admin, fake):
    _invoice(admin, leto)
    laptop = Project.objects.get(name="The Leto Laptop")
    fake.add_entry(laptop.basecamp_id, date="2027-03-20", hours="1.0", description="Fixes")
    second = _invoice(admin, leto)
    assert second.invoice.lines.count() == 1
    assert second.hours == Decimal("1")
    assert len(second.billed) == 4


def test_running_again_bills_nothing(leto, admin):
    _invoice(admin, leto)
    with pytest.raises(Refused, match="Nothing to invoice"):
        _invoice(admin, leto)
    assert Invoice.objects.filter(kind="time").count() == 1


def test_voiding_the_invoice_releases_its_entries(leto, admin):
    first = _invoice(admin, leto).invoice
    invoice_void(actor=admin, invoice=first, reason="wrong rate", on=date(2027, 4, 2))
    plan = time_plan(customer=leto, entries=_entries(leto), group_by="project")
    assert len(plan.new) == 4
    again = _invoice(admin, leto)
    assert again.released == 4
    assert BilledEntry.objects.filter(invoice=again.invoice).count() == 4
    assert not BilledEntry.objects.filter(invoice=first).exists()


def test_crediting_the_invoice_in_full_releases_its_entries(leto, admin):
    first = _invoice(admin, leto).invoice
    credit_note_issue(actor=admin, invoice=first, reason="wrong rate", on=date(2027, 4, 2))
    again = _invoice(admin, leto)
    assert again.released == 4
    assert not BilledEntry.objects.filter(invoice=first).exists()


def test_a_partial_credit_note_keeps_its_entries_billed(leto, admin):
    first = _invoice(admin, leto).invoice
    credit_note_issue(
        actor=admin, invoice=first, reason="discount", on=date(2027, 4, 2), amount="10.00"
    )
    with pytest.raises(Refused, match="Nothing to invoice"):
        _invoice(admin, leto)


def test_entries_edited_after_billing_are_reported_not_billed(leto, admin, fake):
    _invoice(admin, leto)
    laptop = Project.objects.get(name="The Leto Laptop")
    entry = fake.entries[laptop.basecamp_id][0]
    fake.edit_entry(entry, hours="4.0")
    plan = time_plan(customer=leto, entries=_entries(leto), group_by="project")
    assert plan.new == []
    assert [c.what for c in plan.changed] == ["hours 2.5 → 4"]
    with pytest.raises(Refused, match="1 changed since"):
        _invoice(admin, leto)


def test_no_rate_is_a_clear_error(leto, admin):
    hourly_rate_set(actor=admin, customer=leto, rate="")
    with pytest.raises(Exception, match="hourly rate: set the customer's hourly rate"):
        _invoice(admin, leto)
