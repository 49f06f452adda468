from __future__ import annotations

from django.db.models import Q, QuerySet

from fairbill.customers.models import Customer


def customer_search(*, query: str = "", status: str = "") -> QuerySet[Customer]:
    """Customers matching a free-text search (name, company, email, phone, id) and status."""
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
    return customers.order_by("name", "id")
