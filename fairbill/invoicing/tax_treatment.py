"""How VAT is treated on a document (invoice, and later credit note): a pure function.

The rules (DESIGN §4 "Tax treatment and credit notes"), in order:
1. reverse_charge: the business is in the EU or GB and has a VAT number of its own, the
   customer is in another EU state, and the customer's VAT number was checked valid (VIES;
   HMRC for GB numbers) within the configured number of days: no tax, the reverse-charge
   wording and legal basis printed. Without the seller's VAT number a reverse-charged invoice
   is not a valid one (EN 16931 BR-AE-02): standard VAT, and staff see why.
2. exempt: staff gave the customer an exemption reason (VATEX code and text): no tax.
3. standard / oss: "VAT applies" and a rate is configured for the customer's country (and
   region): that rate; oss when business and customer are in different EU states and the
   customer is a consumer (no VAT number).
4. outside_scope: otherwise (no rate configured, or "VAT applies" off without a reason).

No ORM, no clock: plain values in, plain values out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

STANDARD = "standard"
REVERSE_CHARGE = "reverse_charge"
EXEMPT = "exempt"
OUTSIDE_SCOPE = "outside_scope"
OSS = "oss"

EU_COUNTRIES = frozenset(
    "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK".split()
)
REVERSE_CHARGE_NOTE = (
    "Reverse charge: VAT to be accounted for by the recipient "
    "(Article 196 of Council Directive 2006/112/EC)."
)
REVERSE_CHARGE_CODE = "VATEX-EU-AE"
OUTSIDE_SCOPE_NOTE = "Outside the scope of VAT."
OUTSIDE_SCOPE_CODE = "VATEX-EU-O"
ZERO = Decimal(0)


@dataclass(frozen=True)
class Rate:
    name: str
    rate: Decimal  # percent


@dataclass(frozen=True)
class VatCheck:
    """The last check of a VAT number against the tax authority's register."""

    status: str  # valid, invalid, unverified, unchecked
    number: str = ""  # the number that was checked
    checked_on: date | None = None


@dataclass(frozen=True)
class TaxFacts:
    business_country: str
    customer_country: str
    vat_applies: bool
    vat_number: str
    check: VatCheck
    as_of: date
    check_max_age_days: int
    rate: Rate | None  # the rate configured for the customer's country and region
    business_vat_number: str  # the seller's own; a reverse charge needs it (BR-AE-02)
    exemption_code: str = ""
    exemption_reason: str = ""


@dataclass(frozen=True)
class Treatment:
    kind: str
    tax_name: str
    rate: Decimal
    note: str  # printed on the document
    exemption_code: str = ""  # VATEX code, for e-invoices
    why: str = ""  # for staff: why this treatment (and not a reverse charge)


def reverse_charge_possible(business_country: str, customer_country: str) -> bool:
    """Whether a valid VAT number would make the sale a reverse charge."""
    return (
        business_country in EU_COUNTRIES | {"GB"}
        and customer_country in EU_COUNTRIES
        and customer_country != business_country
    )


def check_is_current(check: VatCheck, vat_number: str, as_of: date, max_age_days: int) -> bool:
    """A valid check of this very number, made within max_age_days before as_of."""
    return (
        check.status == "valid"
        and bool(vat_number)
        and check.number == vat_number
        and check.checked_on is not None
        and as_of - timedelta(days=max_age_days) <= check.checked_on
    )


def _why_not_reverse_charge(facts: TaxFacts) -> str:
    if not facts.business_vat_number.strip():
        return "the business has no VAT number of its own (Settings → Business)"
    if not facts.vat_number:
        return "no VAT number"
    check = facts.check
    if check.number != facts.vat_number or check.status == "unchecked":
        return "the VAT number has not been checked"
    if check.status == "unverified":
        return "the VAT number could not be checked (service unavailable)"
    if check.status == "invalid":
        return "the VAT number is not registered (checked invalid)"
    return f"the VAT number's last valid check is older than {facts.check_max_age_days} days"


def tax_treatment(facts: TaxFacts) -> Treatment:
    """The treatment, rate and printed note for a document issued on facts.as_of."""
    business, customer = facts.business_country.upper(), facts.customer_country.upper()
    why = ""
    if reverse_charge_possible(business, customer):
        if facts.business_vat_number.strip() and check_is_current(
            facts.check, facts.vat_number, facts.as_of, facts.check_max_age_days
        ):
            return Treatment(
                REVERSE_CHARGE,
                "",
                ZERO,
                REVERSE_CHARGE_NOTE,
                REVERSE_CHARGE_CODE,
                f"VAT number {facts.vat_number} checked valid on {facts.check.checked_on}",
            )
        why = f"No reverse charge: {_why_not_reverse_charge(facts)}."
    if facts.exemption_code or facts.exemption_reason:
        reason = facts.exemption_reason or facts.exemption_code
        return Treatment(
            EXEMPT,
            "",
            ZERO,
            f"VAT exempt: {reason}",
            facts.exemption_code,
            why or "The customer has a VAT exemption.",
        )
    if facts.vat_applies and facts.rate is not None:
        consumer_elsewhere_in_eu = (
            business in EU_COUNTRIES
            and customer in EU_COUNTRIES
            and business != customer
            and not facts.vat_number
        )
        if consumer_elsewhere_in_eu:
            return Treatment(
                OSS,
                facts.rate.name,
                facts.rate.rate,
                f"VAT at the {customer} rate (One-Stop Shop).",
                why=why or "A consumer in another EU state: their country's rate (OSS).",
            )
        return Treatment(STANDARD, facts.rate.name, facts.rate.rate, "", why=why)
    reason = (
        "VAT does not apply to this customer"
        if not facts.vat_applies
        else (f"no tax rate is configured for {customer or 'the customer’s country'}")
    )
    return Treatment(
        OUTSIDE_SCOPE,
        "",
        ZERO,
        OUTSIDE_SCOPE_NOTE,
        OUTSIDE_SCOPE_CODE,
        " ".join(part for part in (why, f"No VAT: {reason}.") if part),
    )
