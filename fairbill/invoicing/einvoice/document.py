"""The plain description of a billing document that the EN 16931 writers (cii.py, ubl.py)
render: an invoice (type 380) or a credit note (type 381, with the invoice it refers to).

Built from an issued document's own stored, rounded figures (from_invoice.py), so the sums the
standard checks (BR-CO-10..17) hold exactly as on the PDF.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

INVOICE = "380"
CREDIT_NOTE = "381"

# VAT category codes (UNTDID 5305) used by EN 16931.
STANDARD_RATE = "S"
ZERO_RATED = "Z"
EXEMPT = "E"
REVERSE_CHARGE = "AE"
NOT_SUBJECT = "O"
NO_RATE_CATEGORIES = frozenset({NOT_SUBJECT})  # no rate given at all (BR-O-05, BR-O-09)
EXEMPTION_CATEGORIES = frozenset({EXEMPT, REVERSE_CHARGE, NOT_SUBJECT})

CREDIT_TRANSFER = "30"
BANK_CARD = "48"
SEPA_CREDIT_TRANSFER = "58"
SPECIFICATION_ID = "urn:cen.eu:en16931:2017"  # Factur-X EN16931 profile
PEPPOL_CUSTOMIZATION_ID = (
    "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
)
PEPPOL_PROFILE_ID = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"


@dataclass(frozen=True)
class Party:
    name: str
    country: str  # ISO 3166-1 alpha-2
    address_line1: str = ""
    address_line2: str = ""
    city: str = ""
    postcode: str = ""
    region: str = ""
    vat_id: str = ""  # with its country prefix, e.g. DE136695976
    legal_id: str = ""  # company registration number (BT-30 / BT-47)
    legal_id_scheme: str = ""  # its ISO 6523 ICD code, if any
    email: str = ""
    endpoint_id: str = ""  # electronic address (BT-34 / BT-49): a Peppol id, or the email
    endpoint_scheme: str = ""  # its EAS code (EM for an email address)


@dataclass(frozen=True)
class Line:
    id: str
    name: str
    quantity: Decimal  # negative for a deduction: the net price stays positive (BR-27)
    net_price: Decimal
    amount: Decimal  # rounded: quantity × net price
    category: str
    rate: Decimal
    period_start: date | None = None
    period_end: date | None = None  # inclusive (the last day)
    unit_code: str = "C62"  # "one", UN/ECE Recommendation 20


@dataclass(frozen=True)
class VatBreakdown:
    category: str
    rate: Decimal
    taxable: Decimal
    tax: Decimal
    exemption_reason: str = ""
    exemption_code: str = ""


@dataclass(frozen=True)
class BankAccount:
    iban: str
    bic: str = ""
    name: str = ""
    means_code: str = CREDIT_TRANSFER  # 58 for SEPA (EUR), 30 otherwise


@dataclass(frozen=True)
class PrecedingDocument:
    number: str
    issue_date: date | None


@dataclass(frozen=True)
class Document:
    type_code: str  # 380 invoice, 381 credit note
    number: str
    issue_date: date
    currency: str
    seller: Party
    buyer: Party
    lines: list[Line]
    breakdown: list[VatBreakdown]
    line_total: Decimal  # BT-106
    tax_total: Decimal  # BT-110
    grand_total: Decimal  # BT-112
    prepaid: Decimal  # BT-113: paid and account credit used
    due: Decimal  # BT-115
    due_date: date | None = None
    buyer_reference: str = ""  # BT-10; Peppol needs it (or an order reference)
    payment_terms: str = ""
    payment_reference: str = ""
    bank_account: BankAccount | None = None
    by_card: bool = False  # the buyer pays by card (Stripe): payment means 48
    notes: list[str] = field(default_factory=list)
    preceding: list[PrecedingDocument] = field(default_factory=list)

    @property
    def is_credit_note(self) -> bool:
        return self.type_code == CREDIT_NOTE


def decimal_text(value: Decimal, places: int | None = None) -> str:
    """A decimal as the XML wants it: plain digits, no exponent ('20', '12.50')."""
    if places is not None:
        value = value.quantize(Decimal(1).scaleb(-places))
        return f"{value:f}"
    text = f"{value.normalize():f}"
    return text


# Characters XML 1.0 can't carry (C0 controls other than tab, newline and carriage return, and
# the non-characters U+FFFE/U+FFFF). A name typed with one must not make an issued invoice
# impossible to export, so they are dropped from the XML.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_text(text: str) -> str:
    """`text` without the characters XML 1.0 can't carry."""
    return _NOT_XML.sub("", text)
