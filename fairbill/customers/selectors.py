from __future__ import annotations

from django.db.models import Q, QuerySet

from fairbill.customers.models import Customer

# What an invoice prints for the customer besides name and email: {field: what staff call it}.
INVOICE_DETAILS = {"address_line1": "address", "city": "town/city", "country": "country"}


def invoice_details_missing(customer: Customer) -> list[str]:
    """What the customer's invoices would lack (customers imported from Basecamp have no
    postal address, for instance): ["address", "town/city"], or [] when complete."""
    return [label for name, label in INVOICE_DETAILS.items() if not str(getattr(customer, name))]


def _incomplete() -> Q:
    missing = Q()
    for name in INVOICE_DETAILS:
        missing |= Q(**{name: ""})
    return missing


def customer_search(
    *, query: str = "", status: str = "", incomplete: bool = False
) -> QuerySet[Customer]:
    """Customers matching a free-text search (name, company, email, phone, id) and status;
    with `incomplete`, only those lacking what an invoice needs."""
    customers = Customer.objects.all()
    query = query.strip()
    if query:
        match = (
            Q(name__icontains=query)
            | Q(company__icontains=query)
            | Q(email__icontains=query)
            | Q(phone__icontains=query)
        )
        if query.isascii() and query.isdigit() and len(query) <= 18:
            # Only ASCII digits are an id: "³".isdigit() is True but int("³") fails.
            match |= Q(pk=int(query))
        customers = customers.filter(match)
    if status:
        customers = customers.filter(status=status)
    if incomplete:
        customers = customers.filter(_incomplete())
    return customers.order_by("name", "id")


NAMED_LIMIT = 500


def customers_named(text: str) -> QuerySet[Customer, int] | list[int]:
    """Customers whose name contains `text`, to filter another list by: their ids when there
    are few (the database then reads each one's rows by index, instead of walking the whole
    list checking names), else a subquery."""
    named = Customer.objects.filter(name__icontains=text).values_list("pk", flat=True)
    ids = list(named[: NAMED_LIMIT + 1])
    return ids if len(ids) <= NAMED_LIMIT else named
