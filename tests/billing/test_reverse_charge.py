"""The tax treatment decided when an invoice is issued, with the VAT number checked then."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine

from fairbill.catalog.services import tax_rate_create
from fairbill.core.services import settings_update
from fairbill.customers.services import customer_create, customer_update
from fairbill.invoicing.models import Invoice
from fairbill.invoicing.pdf import invoice_html
from fairbill.invoicing.services import invoice_create
from fairbill.invoicing.tax import vat_checks_refresh
from tests.fakes.vat_registers import VIES_PATH, vies_error, vies_valid

ISSUED = date(2027, 3, 15)
LINES = [{"description": "Consulting, March", "quantity": "1", "unit_price": "1000.00"}]


@pytest.fixture
def rates(eu_business, system):
    tax_rate_create(actor=system, country="IE", name="VAT", rate="23")
    tax_rate_create(actor=system, country="DE", name="MwSt", rate="19")
    tax_rate_create(actor=system, country="FR", name="TVA", rate="20")


def german(system, vat_number="DE136695976"):
    return customer_create(
        actor=system,
        name="Acme GmbH",
        email="billing@acme.de",
        country="DE",
        currency="EUR",
        vat_number=vat_number,
    )


def issue(system, customer, on=ISSUED) -> Invoice:
    return invoice_create(actor=system, customer=customer, lines=LINES, issue_date=on)


@time_machine.travel("2027-03-15 10:00 +0000", tick=False)
def test_ie_seller_and_valid_german_business_no_vat_with_the_note(rates, system, vies):
    vies.expect_request(VIES_PATH, method="POST").respond_with_json(vies_valid("DE136695976"))
    invoice = issue(system, german(system))
    assert invoice.tax_treatment == Invoice.TaxTreatment.REVERSE_CHARGE
    assert (invoice.subtotal, invoice.tax, invoice.total) == (
        Decimal("1000.00"),
        Decimal("0.00"),
        Decimal("1000.00"),
    )
    assert "Article 196 of Council Directive 2006/112/EC" in invoice.tax_note
    html = invoice_html(invoice)
    assert "Reverse charge: VAT to be accounted for by the recipient" in html
    assert "DE136695976" in html


@time_machine.travel("2027-03-15 10:00 +0000", tick=False)
def test_vies_down_means_standard_vat_and_the_customer_unverified(rates, system, vies):
    vies.expect_request(VIES_PATH, method="POST").respond_with_json(vies_error("MS_UNAVAILABLE"))
    customer = german(system)
    invoice = issue(system, customer)
    customer.refresh_from_db()
    assert customer.vat_check_status == "unverified"
    assert invoice.tax_treatment == Invoice.TaxTreatment.STANDARD
    assert invoice.tax == Decimal("190.00")


def test_an_old_check_is_made_again_at_issue(rates, system, vies):
    vies.expect_request(VIES_PATH, method="POST").respond_with_json(vies_valid("DE136695976"))
    with time_machine.travel("2027-01-02 10:00 +0000", tick=False):
        customer = german(system)
    assert len(vies.log) == 1
    with time_machine.travel("2027-03-15 10:00 +0000", tick=False):
        invoice = issue(system, customer)
    assert len(vies.log) == 2  # 72 days old > 30: checked again before issuing
    assert invoice.tax_treatment == Invoice.TaxTreatment.REVERSE_CHARGE
    customer.refresh_from_db()
    assert customer.vat_checked_at.date() == ISSUED


@time_machine.travel("2027-03-15 10:00 +0000", tick=False)
def test_a_recent_valid_check_is_not_repeated(rates, system, vies):
    vies.expect_request(VIES_PATH, method="POST").respond_with_json(vies_valid("DE136695976"))
    customer = german(system)
    issue(system, customer)
    issue(system, customer)
    assert len(vies.log) == 1


@time_machine.travel("2027-03-15 10:00 +0000", tick=False)
def test_gb_seller_and_french_business(business, system, vies):
    tax_rate_create(actor=system, country="GB", name="VAT", rate="20")
    vies.expect_request(VIES_PATH, method="POST").respond_with_json(vies_valid("FR40303265045"))
    customer = customer_create(
        actor=system,
        name="Société X",
        email="x@x.fr",
        country="FR",
        vat_number="FR40303265045",
    )
    invoice = issue(system, customer)
    assert (invoice.tax_treatment, invoice.tax) == ("reverse_charge", Decimal("0.00"))
    request_body = vies.log[0][0].get_json()
    assert request_body["countryCode"] == "FR"
    assert "requesterMemberStateCode" not in request_body  # a GB requester is not in VIES


@time_machine.travel("2027-03-15 10:00 +0000", tick=False)
def test_oss_consumer_in_france_pays_the_french_rate(rates, system):
    customer = customer_create(
        actor=system, name="Marie", email="m@x.fr", country="FR", currency="EUR"
    )
    invoice = issue(system, customer)
    assert invoice.tax_treatment == Invoice.TaxTreatment.OSS
    assert invoice.tax == Decimal("200.00")
    assert "One-Stop Shop" in invoice_html(invoice)


@time_machine.travel("2027-03-15 10:00 +0000", tick=False)
def test_exempt_customer_no_vat_with_the_reason(rates, system):
    customer = customer_create(
        actor=system, name="School", email="s@x.ie", country="IE", currency="EUR"
    )
    customer = customer_update(
        actor=system,
        customer=customer,
        vat_exemption_code="VATEX-EU-132-1I",
        vat_exemption_reason="Exempt education services (Article 132(1)(i))",
    )
    invoice = issue(system, customer)
    assert (invoice.tax_treatment, invoice.tax) == ("exempt", Decimal("0.00"))
    assert "Article 132(1)(i)" in invoice_html(invoice)


@time_machine.travel("2027-03-15 10:00 +0000", tick=False)
def test_domestic_standard_is_as_before(rates, system):
    customer = customer_create(
        actor=system, name="Dublin Co", email="d@x.ie", country="IE", currency="EUR"
    )
    invoice = issue(system, customer)
    assert (invoice.tax_treatment, invoice.tax, invoice.tax_note) == (
        "standard",
        Decimal("230.00"),
        "",
    )


def test_outside_scope_when_no_rate(eu_business, system):
    settings_update(actor=system, vat_check_max_age_days=7)
    customer = customer_create(actor=system, name="US Inc", email="u@x.com", country="US")
    invoice = issue(system, customer, on=date.today() + timedelta(days=1))
    assert (invoice.tax_treatment, invoice.tax) == ("outside_scope", Decimal("0.00"))


def test_each_check_before_a_batch_reports_that_the_run_is_alive(rates, system, vies, eu_business):
    # given two customers whose checks are too old, and a register that answers
    vies.expect_request(VIES_PATH, method="POST").respond_with_json(vies_valid("DE136695976"))
    with time_machine.travel("2027-01-02 10:00 +0000", tick=False):
        customers = [german(system), german(system)]
    beats = []
    # when the billing run refreshes them before their batch
    with time_machine.travel("2027-03-15 10:00 +0000", tick=False):
        checked = vat_checks_refresh(
            actor=system,
            customer_ids=[c.pk for c in customers],
            as_of=ISSUED,
            business=eu_business,
            on_checked=lambda: beats.append(1),
        )
    # then each check made is followed by a heartbeat (a slow register never looks like a
    # dead run)
    assert checked == 2
    assert len(beats) == 2
