"""Which tax applies to a customer: the treatment (invoicing/tax_treatment.py) decided from the
business's country, the customer's country and region, "VAT applies", VAT number and its
check, and the rates configured by country and region."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from fairbill.catalog.models import TaxRate
from fairbill.core import clock
from fairbill.core.actors import Actor
from fairbill.core.lookups import IdsIn
from fairbill.core.models import BusinessSettings
from fairbill.customers.models import Customer
from fairbill.invoicing import tax_treatment as tt


@dataclass(frozen=True)
class AppliedTax:
    name: str
    rate: Decimal
    treatment: str = tt.STANDARD
    note: str = ""  # printed on the invoice
    exemption_code: str = ""
    why: str = ""  # shown to staff


NO_TAX = AppliedTax(name="", rate=Decimal(0))


# The customer fields the tax treatment depends on (values() gives the country as its code).
TAX_FACT_FIELDS = (
    "country",
    "region",
    "vat_applies",
    "vat_number",
    "vat_check_status",
    "vat_check_number",
    "vat_checked_at",
    "vat_exemption_code",
    "vat_exemption_reason",
)


def customer_tax_values(customer: Customer) -> dict[str, Any]:
    """A customer's TAX_FACT_FIELDS, with the country as its code."""
    values = {name: getattr(customer, name) for name in TAX_FACT_FIELDS}
    values["country"] = str(customer.country.code or "") if customer.country else ""
    return values


def customer_tax_facts(
    customer: Customer, *, business: BusinessSettings, rate: tt.Rate | None, as_of: date
) -> tt.TaxFacts:
    return tax_facts(customer_tax_values(customer), business=business, rate=rate, as_of=as_of)


def tax_facts(
    values: Mapping[str, Any], *, business: BusinessSettings, rate: tt.Rate | None, as_of: date
) -> tt.TaxFacts:
    """The facts of the treatment from a customer's TAX_FACT_FIELDS values."""
    checked_at = values["vat_checked_at"]
    return tt.TaxFacts(
        business_country=str(business.country.code or "") if business.country else "",
        customer_country=values["country"] or "",
        vat_applies=values["vat_applies"],
        vat_number=values["vat_number"],
        check=tt.VatCheck(
            status=values["vat_check_status"],
            number=values["vat_check_number"],
            checked_on=checked_at.astimezone(ZoneInfo(business.time_zone)).date()
            if checked_at
            else None,
        ),
        as_of=as_of,
        check_max_age_days=business.vat_check_max_age_days,
        rate=rate,
        business_vat_number=business.vat_number,
        exemption_code=values["vat_exemption_code"],
        exemption_reason=values["vat_exemption_reason"],
    )


class TaxTable:
    """All tax rates in memory: one query, then look-ups by (country, region). The
    treatment of customers with the same facts is decided once (the billing run asks for
    thousands of customers, most alike)."""

    def __init__(self, business: BusinessSettings | None = None) -> None:
        self.business = business or BusinessSettings.load()
        self.rates = {
            (str(rate.country.code), rate.region.lower()): tt.Rate(rate.name, rate.rate)
            for rate in TaxRate.objects.all()
        }
        self._decided: dict[tuple[Any, ...], AppliedTax] = {}

    def rate_for(self, customer: Customer) -> tt.Rate | None:
        country = str(customer.country.code) if customer.country else ""
        return self._rate(country, customer.region)

    def _rate(self, country: str, region: str) -> tt.Rate | None:
        return self.rates.get((country, region.strip().lower())) or self.rates.get((country, ""))

    def for_customer(self, customer: Customer, as_of: date | None = None) -> AppliedTax:
        """The tax of a document for this customer issued on as_of (default today)."""
        return self.for_values(customer_tax_values(customer), as_of or clock.today())

    def for_values(self, values: Mapping[str, Any], as_of: date) -> AppliedTax:
        """for_customer from the customer's TAX_FACT_FIELDS values (country as its code)."""
        key = (as_of, *(values[name] for name in TAX_FACT_FIELDS))
        found = self._decided.get(key)
        if found is None:
            rate = self._rate(values["country"] or "", values["region"])
            facts = tax_facts(values, business=self.business, rate=rate, as_of=as_of)
            treatment = tt.tax_treatment(facts)
            found = self._decided[key] = AppliedTax(
                name=treatment.tax_name,
                rate=treatment.rate,
                treatment=treatment.kind,
                note=treatment.note,
                exemption_code=treatment.exemption_code,
                why=treatment.why,
            )
        return found


def tax_for_customer(customer: Customer, as_of: date | None = None) -> AppliedTax:
    return TaxTable().for_customer(customer, as_of)


def vat_check_due(customer: Customer, *, business: BusinessSettings, as_of: date) -> bool:
    """A reverse charge is possible for this customer but its VAT number has no current
    valid check: it should be checked (again) before a document is issued."""
    facts = customer_tax_facts(customer, business=business, rate=None, as_of=as_of)
    return (
        bool(facts.vat_number)
        and tt.reverse_charge_possible(facts.business_country, facts.customer_country)
        and not tt.check_is_current(facts.check, facts.vat_number, as_of, facts.check_max_age_days)
    )


def vat_checks_refresh(
    *,
    actor: Actor,
    customer_ids: Iterable[int],
    as_of: date,
    business: BusinessSettings,
    on_checked: Callable[[], None] | None = None,
) -> int:
    """Check, before issuing, the VAT numbers of customers a reverse charge may apply to
    whose last valid check is missing or too old. Runs HTTP calls: call it outside a
    transaction. `on_checked` runs after each check (the billing run's heartbeat: a slow
    register must not make a live run look dead). Returns how many were checked."""
    from fairbill.customers.services import customer_vat_check

    checked = 0
    candidates = Customer.objects.filter(IdsIn("pk", customer_ids)).exclude(vat_number="")
    for customer in candidates.order_by("pk"):
        if vat_check_due(customer, business=business, as_of=as_of):
            customer_vat_check(actor=actor, customer=customer)
            checked += 1
            if on_checked is not None:
                on_checked()
    return checked
