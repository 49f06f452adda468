"""Which tax rate applies to a customer: by country and region, when VAT applies to them."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from fairbill.catalog.models import TaxRate
from fairbill.customers.models import Customer


@dataclass(frozen=True)
class AppliedTax:
    name: str
    rate: Decimal


NO_TAX = AppliedTax(name="", rate=Decimal(0))


class TaxTable:
    """All tax rates in memory: one query, then look-ups by (country, region)."""

    def __init__(self) -> None:
        self.rates = {
            (str(rate.country.code), rate.region.lower()): AppliedTax(rate.name, rate.rate)
            for rate in TaxRate.objects.all()
        }

    def for_customer(self, customer: Customer) -> AppliedTax:
        if not customer.vat_applies:
            return NO_TAX
        country = str(customer.country.code) if customer.country else ""
        return (
            self.rates.get((country, customer.region.strip().lower()))
            or self.rates.get((country, ""))
            or NO_TAX
        )


def tax_for_customer(customer: Customer) -> AppliedTax:
    return TaxTable().for_customer(customer)
