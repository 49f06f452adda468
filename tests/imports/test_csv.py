"""CSV imports: customers all-or-nothing with line numbers, time entries billed once."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from fairbill.core.errors import Refused
from fairbill.customers.models import Customer
from fairbill.imports.csvfiles import CUSTOMER_FIELDS, TIME_FIELDS, guess_mapping, read_csv
from fairbill.imports.services import customers_csv_import, time_entries_from_csv
from fairbill.invoicing.models import Invoice
from fairbill.timebilling.services import hourly_rate_set, time_invoice_create

GOOD = (
    "Name,E-mail,Company,Country,VAT applies\n"
    "Ada Lovelace,ada@example.com,Engines Ltd,GB,yes\n"
    "Grace Hopper,grace@example.com,,US,no\n"
)
BAD = (
    "Name,Email,Country\n"
    "Ada Lovelace,ada@example.com,GB\n"
    ",nobody@example.com,GB\n"
    "Alan Turing,not-an-email,GB\n"
    "Joan Clarke,joan@example.com,Narnia\n"
    "Ada Again,ADA@example.com,GB\n"
)


def _import(text, admin, **kwargs):
    sheet = read_csv(text.encode())
    return customers_csv_import(
        actor=admin, sheet=sheet, mapping=guess_mapping(sheet.headers, CUSTOMER_FIELDS), **kwargs
    )


def test_columns_are_guessed_from_their_names():
    sheet = read_csv(GOOD)
    assert guess_mapping(sheet.headers, CUSTOMER_FIELDS) == {
        "name": 0,
        "email": 1,
        "company": 2,
        "country": 3,
        "vat_applies": 4,
    }


def test_good_file_creates_every_customer(business, admin):
    report = _import(GOOD, admin)
    assert report.created == 2
    assert report.errors == []
    grace = Customer.objects.get(email="grace@example.com")
    assert grace.country.code == "US"
    assert grace.vat_applies is False
    assert grace.currency == "GBP"


def test_bad_rows_are_reported_with_line_numbers_and_nothing_is_imported(business, admin):
    report = _import(BAD, admin)
    assert [(e.line, e.message.split(":")[0]) for e in report.errors] == [
        (3, "name"),
        (4, "email"),
        (5, "country"),
        (6, "email ada@example.com is also on line 2."),
    ]
    assert report.created == 0
    assert not Customer.objects.exists()


def test_dry_run_writes_nothing_and_says_the_same(business, admin):
    dry = _import(GOOD, admin, dry_run=True)
    assert dry.created == 2
    assert not Customer.objects.exists()


def test_importing_the_same_file_twice_creates_nothing_more(business, admin):
    _import(GOOD, admin)
    again = _import(GOOD, admin)
    assert again.created == 0
    assert [s.line for s in again.skipped] == [2, 3]
    assert Customer.objects.count() == 2


def test_missing_required_column_is_refused(business, admin):
    sheet = read_csv("Name,Country\nAda,GB\n")
    with pytest.raises(Exception, match="choose the column for email"):
        customers_csv_import(actor=admin, sheet=sheet, mapping={"name": 0})


TIME = (
    "Date,Hours,Description,Project,Customer\n"
    "2027-03-01,2.5,Setup,Website,jane@example.com\n"
    "02/03/2027,1:30,Setup,Website,jane@example.com\n"
    "2027-03-03,3,Hosting migration,Hosting,jane@example.com\n"
    "2027-03-03,3,Hosting migration,Hosting,jane@example.com\n"
    "2027-03-04,5,Other work,Other,someone@else.example\n"
)


def _time_entries(text, customer):
    sheet = read_csv(text)
    return time_entries_from_csv(
        sheet=sheet, mapping=guess_mapping(sheet.headers, TIME_FIELDS), customer=customer
    )


def test_time_csv_is_invoiced_hours_times_rate_and_only_once(customer, admin):
    hourly_rate_set(actor=admin, customer=customer, rate="60")
    rows = _time_entries(TIME, customer)
    assert rows.errors == []
    assert rows.other_customers == 1
    assert len(rows.entries) == 4  # the two identical lines are two entries
    plan = time_invoice_create(
        actor=admin,
        customer=customer,
        entries=rows.entries,
        group_by="project",
        issue_date=date(2027, 4, 1),
    )
    assert plan.invoice.subtotal == Decimal("600.00")  # 10 h × 60
    # the same file again: the same ids, nothing new
    with pytest.raises(Refused, match="Nothing to invoice"):
        time_invoice_create(
            actor=admin,
            customer=customer,
            entries=_time_entries(TIME, customer).entries,
            group_by="project",
            issue_date=date(2027, 4, 1),
        )
    # a file with one more line bills only that line
    more = TIME + "2027-03-05,1,Support,Hosting,jane@example.com\n"
    second = time_invoice_create(
        actor=admin,
        customer=customer,
        entries=_time_entries(more, customer).entries,
        group_by="project",
        issue_date=date(2027, 4, 2),
    )
    assert second.invoice.subtotal == Decimal("60.00")
    assert Invoice.objects.filter(kind="time").count() == 2


def test_time_csv_bad_lines_are_reported(customer):
    rows = _time_entries("date,hours\n2027-13-01,1\n2027-03-01,-2\n2027-03-02,1\n", customer)
    assert [e.line for e in rows.errors] == [2, 3]
    assert len(rows.entries) == 1


def test_customer_import_pages(business, staff_client):
    upload = SimpleUploadedFile("customers.csv", BAD.encode(), content_type="text/csv")
    response = staff_client.post("/imports/customers/", {"file": upload})
    assert response.status_code == 302
    preview = staff_client.get(response["Location"]).content.decode()
    assert "Line 3:" in preview
    assert "4 lines to fix" in preview
    good = SimpleUploadedFile("customers.csv", GOOD.encode(), content_type="text/csv")
    location = staff_client.post("/imports/customers/", {"file": good})["Location"]
    assert "Import 2 customers" in staff_client.get(location).content.decode()
    data = {"mapped": "1", "col-name": "0", "col-email": "1", "col-country": "3"}
    done = staff_client.post(location, data)
    assert done["Location"] == "/customers/"
    assert Customer.objects.count() == 2


def test_codes_in_lower_case_are_read_and_unknown_countries_named(business, admin):
    report = _import("Name,Email,Country,Currency\nAda,ada@example.com,fr,eur\n", admin)
    assert report.errors == []
    ada = Customer.objects.get()
    assert (ada.country.code, ada.currency) == ("FR", "EUR")
    bad = _import("Name,Email,Country\nBo,bo@example.com,ZZ\n", admin)
    assert [e.message for e in bad.errors] == ["country: 'ZZ' is not a country code (GB, FR, US…)."]


def test_preview_names_the_fields_and_the_skipped_lines_next_to_errors(
    business, admin, staff_client
):
    _import("Name,Email\nAda,ada@example.com\n", admin)
    # a file with a customer already there and a bad line
    text = "Name,Email,Address line 1,VAT number\nAda,ada@example.com,1 Road,\n,x@example.com,,\n"
    upload = SimpleUploadedFile("c.csv", text.encode(), content_type="text/csv")
    location = staff_client.post("/imports/customers/", {"file": upload})["Location"]
    preview = staff_client.get(location).content.decode()
    assert 'for="col-address_line1">Address line 1<' in preview
    assert 'for="col-vat_number">VAT number<' in preview
    assert "1 line to fix" in preview
    assert "1 line skipped: already customers (line 2)" in preview
    index = staff_client.get("/imports/").content.decode()
    assert "address line 1, address line 2" in index
