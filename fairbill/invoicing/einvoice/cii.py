"""UN/CEFACT Cross Industry Invoice (D16B), the Factur-X / ZUGFeRD EN 16931 profile."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from lxml import etree

from fairbill.invoicing.einvoice import document as doc

RSM = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
QDT = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100"
NSMAP = {"rsm": RSM, "ram": RAM, "udt": UDT, "qdt": QDT}


def _el(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    prefix, name = tag.split(":")
    element = etree.SubElement(parent, f"{{{NSMAP[prefix]}}}{name}", attrs)
    if text is not None:
        element.text = doc.xml_text(text)
    return element


def _date(parent: etree._Element, tag: str, value: date, kind: str = "udt") -> None:
    _el(_el(parent, tag), f"{kind}:DateTimeString", value.strftime("%Y%m%d"), format="102")


def _amount(value: Decimal) -> str:
    return doc.decimal_text(value, 2)


def cii_xml(document: doc.Document) -> bytes:
    root = etree.Element(f"{{{RSM}}}CrossIndustryInvoice", nsmap=NSMAP)
    context = _el(root, "rsm:ExchangedDocumentContext")
    _el(_el(context, "ram:GuidelineSpecifiedDocumentContextParameter"), "ram:ID",
        doc.SPECIFICATION_ID)  # fmt: skip
    header = _el(root, "rsm:ExchangedDocument")
    _el(header, "ram:ID", document.number)
    _el(header, "ram:TypeCode", document.type_code)
    _date(header, "ram:IssueDateTime", document.issue_date)
    for note in document.notes:
        _el(_el(header, "ram:IncludedNote"), "ram:Content", note)
    transaction = _el(root, "rsm:SupplyChainTradeTransaction")
    for line in document.lines:
        _line(transaction, line)
    agreement = _el(transaction, "ram:ApplicableHeaderTradeAgreement")
    if document.buyer_reference:
        _el(agreement, "ram:BuyerReference", document.buyer_reference)
    _party(agreement, "ram:SellerTradeParty", document.seller)
    _party(agreement, "ram:BuyerTradeParty", document.buyer)
    _el(transaction, "ram:ApplicableHeaderTradeDelivery")
    _settlement(transaction, document)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _line(transaction: etree._Element, line: doc.Line) -> None:
    item = _el(transaction, "ram:IncludedSupplyChainTradeLineItem")
    _el(_el(item, "ram:AssociatedDocumentLineDocument"), "ram:LineID", line.id)
    _el(_el(item, "ram:SpecifiedTradeProduct"), "ram:Name", line.name)
    agreement = _el(item, "ram:SpecifiedLineTradeAgreement")
    _el(_el(agreement, "ram:NetPriceProductTradePrice"), "ram:ChargeAmount",
        doc.decimal_text(line.net_price))  # fmt: skip
    delivery = _el(item, "ram:SpecifiedLineTradeDelivery")
    _el(delivery, "ram:BilledQuantity", doc.decimal_text(line.quantity), unitCode=line.unit_code)
    settlement = _el(item, "ram:SpecifiedLineTradeSettlement")
    tax = _el(settlement, "ram:ApplicableTradeTax")
    _el(tax, "ram:TypeCode", "VAT")
    _el(tax, "ram:CategoryCode", line.category)
    if line.category not in doc.NO_RATE_CATEGORIES:
        _el(tax, "ram:RateApplicablePercent", doc.decimal_text(line.rate))
    if line.period_start and line.period_end:
        period = _el(settlement, "ram:BillingSpecifiedPeriod")
        _date(period, "ram:StartDateTime", line.period_start)
        _date(period, "ram:EndDateTime", line.period_end)
    summation = _el(settlement, "ram:SpecifiedTradeSettlementLineMonetarySummation")
    _el(summation, "ram:LineTotalAmount", _amount(line.amount))


def _party(parent: etree._Element, tag: str, party: doc.Party) -> None:
    element = _el(parent, tag)
    _el(element, "ram:Name", party.name)
    if party.legal_id:
        scheme = {"schemeID": party.legal_id_scheme} if party.legal_id_scheme else {}
        _el(_el(element, "ram:SpecifiedLegalOrganization"), "ram:ID", party.legal_id, **scheme)
    address = _el(element, "ram:PostalTradeAddress")
    for tag_name, value in (
        ("ram:PostcodeCode", party.postcode),
        ("ram:LineOne", party.address_line1),
        ("ram:LineTwo", party.address_line2),
        ("ram:CityName", party.city),
    ):
        if value:
            _el(address, tag_name, value)
    _el(address, "ram:CountryID", party.country)
    if party.region:
        _el(address, "ram:CountrySubDivisionName", party.region)
    if party.endpoint_id:
        _el(_el(element, "ram:URIUniversalCommunication"), "ram:URIID", party.endpoint_id,
            schemeID=party.endpoint_scheme)  # fmt: skip
    if party.vat_id:
        _el(_el(element, "ram:SpecifiedTaxRegistration"), "ram:ID", party.vat_id, schemeID="VA")


def _settlement(transaction: etree._Element, document: doc.Document) -> None:
    settlement = _el(transaction, "ram:ApplicableHeaderTradeSettlement")
    if document.payment_reference:
        _el(settlement, "ram:PaymentReference", document.payment_reference)
    _el(settlement, "ram:InvoiceCurrencyCode", document.currency)
    if document.by_card and not document.is_credit_note:
        means = _el(settlement, "ram:SpecifiedTradeSettlementPaymentMeans")
        _el(means, "ram:TypeCode", doc.BANK_CARD)
        _el(means, "ram:Information", "Card")
    account = document.bank_account
    if account is not None:
        means = _el(settlement, "ram:SpecifiedTradeSettlementPaymentMeans")
        _el(means, "ram:TypeCode", account.means_code)
        creditor = _el(means, "ram:PayeePartyCreditorFinancialAccount")
        _el(creditor, "ram:IBANID", account.iban)
        if account.name:
            _el(creditor, "ram:AccountName", account.name)
        if account.bic:
            _el(_el(means, "ram:PayeeSpecifiedCreditorFinancialInstitution"), "ram:BICID",
                account.bic)  # fmt: skip
    for group in document.breakdown:
        tax = _el(settlement, "ram:ApplicableTradeTax")
        _el(tax, "ram:CalculatedAmount", _amount(group.tax))
        _el(tax, "ram:TypeCode", "VAT")
        if group.exemption_reason:
            _el(tax, "ram:ExemptionReason", group.exemption_reason)
        _el(tax, "ram:BasisAmount", _amount(group.taxable))
        _el(tax, "ram:CategoryCode", group.category)
        if group.exemption_code:
            _el(tax, "ram:ExemptionReasonCode", group.exemption_code)
        if group.category not in doc.NO_RATE_CATEGORIES:
            _el(tax, "ram:RateApplicablePercent", doc.decimal_text(group.rate))
    if document.payment_terms or document.due_date:
        terms = _el(settlement, "ram:SpecifiedTradePaymentTerms")
        if document.payment_terms:
            _el(terms, "ram:Description", document.payment_terms)
        if document.due_date:
            _date(terms, "ram:DueDateDateTime", document.due_date)
    totals = _el(settlement, "ram:SpecifiedTradeSettlementHeaderMonetarySummation")
    _el(totals, "ram:LineTotalAmount", _amount(document.line_total))
    _el(totals, "ram:TaxBasisTotalAmount", _amount(document.line_total))
    _el(totals, "ram:TaxTotalAmount", _amount(document.tax_total), currencyID=document.currency)
    _el(totals, "ram:GrandTotalAmount", _amount(document.grand_total))
    if document.prepaid:
        _el(totals, "ram:TotalPrepaidAmount", _amount(document.prepaid))
    _el(totals, "ram:DuePayableAmount", _amount(document.due))
    for preceding in document.preceding:
        reference = _el(settlement, "ram:InvoiceReferencedDocument")
        _el(reference, "ram:IssuerAssignedID", preceding.number)
        if preceding.issue_date:
            _date(reference, "ram:FormattedIssueDateTime", preceding.issue_date, kind="qdt")
