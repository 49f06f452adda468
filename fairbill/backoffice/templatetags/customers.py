"""`{{ customer|invoice_details_missing }}`: what the customer's invoices would lack."""

from __future__ import annotations

from django import template

from fairbill.customers.models import Customer
from fairbill.customers.selectors import invoice_details_missing as missing

register = template.Library()


@register.filter
def invoice_details_missing(customer: Customer) -> list[str]:
    return missing(customer)
