"""OASIS UBL 2.1 Invoice / CreditNote in the Peppol BIS Billing 3.0 shape (EN 16931)."""

from __future__ import annotations

from decimal import Decimal

from lxml import etree

from fairbill.invoicing.einvoice import document as doc

CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
ROOTS = {
    doc.INVOICE: ("urn:oasis:names:specification:ubl:schema:xsd:Invoice-2", "Invoice"),
    doc.CREDIT_NOTE: ("urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2", "CreditNote"),
}


def _el(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    prefix, name = tag.split(":")
    namespace = {"cac": CAC, "cbc": CBC}[prefix]
    element = etree.SubElement(parent, f"{{{namespace}}}{name}", attrs)
    if text is not None:
        element.text = doc.xml_text(text)
    return element


def ubl_xml(document: doc.Document) -> bytes:
    namespace, root_name = ROOTS[document.type_code]
    credit = document.is_credit_note
    root = etree.Element(
        f"{{{namespace}}}{root_name}", nsmap={None: namespace, "cac": CAC, "cbc": CBC}
    )
    _el(root, "cbc:CustomizationID", doc.PEPPOL_CUSTOMIZATION_ID)
    _el(root, "cbc:ProfileID", doc.PEPPOL_PROFILE_ID)
    _el(root, "cbc:ID", document.number)
    _el(root, "cbc:IssueDate", document.issue_date.isoformat())
    if document.due_date and not credit:
        _el(root, "cbc:DueDate", document.due_date.isoformat())
    _el(root, "cbc:CreditNoteTypeCode" if credit else "cbc:InvoiceTypeCode", document.type_code)
    if document.notes:  # Peppol allows one note (PEPPOL-EN16931-R002)
        _el(root, "cbc:Note", "\n".join(document.notes))
    _el(root, "cbc:DocumentCurrencyCode", document.currency)
    if document.buyer_reference:
        _el(root, "cbc:BuyerReference", document.buyer_reference)
    for preceding in document.preceding:
        reference = _el(_el(root, "cac:BillingReference"), "cac:InvoiceDocumentReference")
        _el(reference, "cbc:ID", preceding.number)
        if preceding.issue_date:
            _el(reference, "cbc:IssueDate", preceding.issue_date.isoformat())
    _party(_el(root, "cac:AccountingSupplierParty"), document.seller)
    _party(_el(root, "cac:AccountingCustomerParty"), document.buyer)
    _payment(root, document)
    _taxes(root, document)
    totals = _el(root, "cac:LegalMonetaryTotal")
    money = document.currency
    _el(totals, "cbc:LineExtensionAmount", _amount(document.line_total), currencyID=money)
    _el(totals, "cbc:TaxExclusiveAmount", _amount(document.line_total), currencyID=money)
    _el(totals, "cbc:TaxInclusiveAmount", _amount(document.grand_total), currencyID=money)
    if document.prepaid:
        _el(totals, "cbc:PrepaidAmount", _amount(document.prepaid), currencyID=money)
    _el(totals, "cbc:PayableAmount", _amount(document.due), currencyID=money)
    for line in document.lines:
        _line(root, line, document.currency, credit)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _amount(value: Decimal) -> str:
    return doc.decimal_text(value, 2)


def _party(parent: etree._Element, party: doc.Party) -> None:
    element = _el(parent, "cac:Party")
    if party.endpoint_id:  # required by Peppol (PEPPOL-EN16931-R010, R020)
        _el(element, "cbc:EndpointID", party.endpoint_id, schemeID=party.endpoint_scheme)
    address = _el(element, "cac:PostalAddress")
    for tag, value in (
        ("cbc:StreetName", party.address_line1),
        ("cbc:AdditionalStreetName", party.address_line2),
        ("cbc:CityName", party.city),
        ("cbc:PostalZone", party.postcode),
        ("cbc:CountrySubentity", party.region),
    ):
        if value:
            _el(address, tag, value)
    _el(_el(address, "cac:Country"), "cbc:IdentificationCode", party.country)
    if party.vat_id:
        scheme = _el(element, "cac:PartyTaxScheme")
        _el(scheme, "cbc:CompanyID", party.vat_id)
        _el(_el(scheme, "cac:TaxScheme"), "cbc:ID", "VAT")
    legal = _el(element, "cac:PartyLegalEntity")
    _el(legal, "cbc:RegistrationName", party.name)
    if party.legal_id:
        scheme = {"schemeID": party.legal_id_scheme} if party.legal_id_scheme else {}
        _el(legal, "cbc:CompanyID", party.legal_id, **scheme)


def _payment(root: etree._Element, document: doc.Document) -> None:
    if document.by_card and not document.is_credit_note:
        means = _el(root, "cac:PaymentMeans")
        _el(means, "cbc:PaymentMeansCode", doc.BANK_CARD, name="Card")
        if document.payment_reference:
            _el(means, "cbc:PaymentID", document.payment_reference)
    account = document.bank_account
    if account is not None and not document.is_credit_note:
        means = _el(root, "cac:PaymentMeans")
        _el(means, "cbc:PaymentMeansCode", account.means_code)
        if document.payment_reference:
            _el(means, "cbc:PaymentID", document.payment_reference)
        payee = _el(means, "cac:PayeeFinancialAccount")
        _el(payee, "cbc:ID", account.iban)
        if account.name:
            _el(payee, "cbc:Name", account.name)
        if account.bic:
            _el(_el(payee, "cac:FinancialInstitutionBranch"), "cbc:ID", account.bic)
    if document.payment_terms:
        _el(_el(root, "cac:PaymentTerms"), "cbc:Note", document.payment_terms)


def _taxes(root: etree._Element, document: doc.Document) -> None:
    total = _el(root, "cac:TaxTotal")
    _el(total, "cbc:TaxAmount", _amount(document.tax_total), currencyID=document.currency)
    for group in document.breakdown:
        subtotal = _el(total, "cac:TaxSubtotal")
        _el(subtotal, "cbc:TaxableAmount", _amount(group.taxable), currencyID=document.currency)
        _el(subtotal, "cbc:TaxAmount", _amount(group.tax), currencyID=document.currency)
        category = _el(subtotal, "cac:TaxCategory")
        _el(category, "cbc:ID", group.category)
        if group.category not in doc.NO_RATE_CATEGORIES:
            _el(category, "cbc:Percent", doc.decimal_text(group.rate))
        if group.exemption_code:
            _el(category, "cbc:TaxExemptionReasonCode", group.exemption_code)
        if group.exemption_reason:
            _el(category, "cbc:TaxExemptionReason", group.exemption_reason)
        _el(_el(category, "cac:TaxScheme"), "cbc:ID", "VAT")


def _line(root: etree._Element, line: doc.Line, currency: str, credit: bool) -> None:
    element = _el(root, "cac:CreditNoteLine" if credit else "cac:InvoiceLine")
    _el(element, "cbc:ID", line.id)
    quantity_tag = "cbc:CreditedQuantity" if credit else "cbc:InvoicedQuantity"
    _el(element, quantity_tag, doc.decimal_text(line.quantity), unitCode=line.unit_code)
    _el(element, "cbc:LineExtensionAmount", _amount(line.amount), currencyID=currency)
    if line.period_start and line.period_end:
        period = _el(element, "cac:InvoicePeriod")
        _el(period, "cbc:StartDate", line.period_start.isoformat())
        _el(period, "cbc:EndDate", line.period_end.isoformat())
    item = _el(element, "cac:Item")
    _el(item, "cbc:Name", line.name)
    category = _el(item, "cac:ClassifiedTaxCategory")
    _el(category, "cbc:ID", line.category)
    if line.category not in doc.NO_RATE_CATEGORIES:
        _el(category, "cbc:Percent", doc.decimal_text(line.rate))
    _el(_el(category, "cac:TaxScheme"), "cbc:ID", "VAT")
    _el(_el(element, "cac:Price"), "cbc:PriceAmount", doc.decimal_text(line.net_price),
        currencyID=currency)  # fmt: skip
