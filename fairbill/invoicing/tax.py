"""Which tax applies to a customer: the treatment (invoicing/tax_treatment.py) decided from the
business's country, the customer's country and region, "VAT applies", VAT number and its
check, and the rates configured by country and region."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

from fairbill.catalog.models import TaxRate
from fairbill.core import clock
from fairbill.core.actors import Actor
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


def customer_tax_facts(
    customer: Customer, *, business: BusinessSettings, rate: tt.Rate | None, as_of: date
) -> tt.TaxFacts:
    checked_at = customer.vat_checked_at
    return tt.TaxFacts(
        business_country=str(business.country.code or "") if business.country else "",
        customer_country=str(customer.country.code or "") if customer.country else "",
        vat_applies=customer.vat_applies,
        vat_number=customer.vat_number,
        check=tt.VatCheck(
            status=customer.vat_check_status,
            number=customer.vat_check_number,
            checked_on=checked_at.astimezone(ZoneInfo(business.time_zone)).date()
            if checked_at
            else None,
        ),
        as_of=as_of,
        check_max_age_days=business.vat_check_max_age_days,
        rate=rate,
        business_vat_number=business.vat_number,
        exemption_code=customer.vat_exemption_code,
        exemption_reason=customer.vat_exemption_reason,
    )


class TaxTable:
    """All tax rates in memory: one query, then look-ups by (country, region)."""

    def __init__(self, business: BusinessSettings | None = None) -> None:
        self.business = business or BusinessSettings.load()
        self.rates = {
            (str(rate.country.code), rate.region.lower()): tt.Rate(rate.name, rate.rate)
            for rate in TaxRate.objects.all()
        }

    def rate_for(self, customer: Customer) -> tt.Rate | None:
        country = str(customer.country.code) if customer.country else ""
        return self.rates.get((country, customer.region.strip().lower())) or self.rates.get(
            (country, "")
        )

    def for_customer(self, customer: Customer, as_of: date | None = None) -> AppliedTax:
        """The tax of a document for this customer issued on as_of (default today)."""
        facts = customer_tax_facts(
            customer,
            business=self.business,
            rate=self.rate_for(customer),
            as_of=as_of or clock.today(),
        )
        treatment = tt.tax_treatment(facts)
        return AppliedTax(
            name=treatment.tax_name,
            rate=treatment.rate,
            treatment=treatment.kind,
            note=treatment.note,
            exemption_code=treatment.exemption_code,
            why=treatment.why,
        )


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
    candidates = Customer.objects.filter(pk__in=list(customer_ids)).exclude(vat_number="")
    for customer in candidates.order_by("pk"):
        if vat_check_due(customer, business=business, as_of=as_of):
            customer_vat_check(actor=actor, customer=customer)
            checked += 1
            if on_checked is not None:
                on_checked()
    return checked
