"""Reads of estimates shared by the back office, My Account and the API: "expired" and
"open" depend on the day, so they are conditions built here, in one place."""

from __future__ import annotations

from datetime import date

from django.db.models import BooleanField, Case, Q, QuerySet, Value, When

from fairbill.invoicing.models import Estimate

UNANSWERED = [Estimate.Status.DRAFT, Estimate.Status.SENT]


def expired(as_of: date) -> Q:
    """Not answered and past its valid-until day (Estimate.is_expired in a query)."""
    return Q(status__in=UNANSWERED, valid_until__lt=as_of)


def waiting(as_of: date) -> Q:
    """Not answered and still valid: the customer can accept it."""
    return Q(status__in=UNANSWERED) & (Q(valid_until__isnull=True) | Q(valid_until__gte=as_of))


def with_expired(queryset: QuerySet[Estimate], as_of: date) -> QuerySet[Estimate]:
    """Each estimate with `expired` (Estimate.is_expired as of that day), computed by the
    database for a whole list."""
    return queryset.annotate(
        expired=Case(
            When(expired(as_of), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
    )


def estimates_filtered(
    queryset: QuerySet[Estimate], status: str, as_of: date
) -> QuerySet[Estimate]:
    """`status` is one of Estimate.Status, "expired", or "" for all."""
    if status == "expired":
        return queryset.filter(expired(as_of))
    if status:
        return queryset.filter(status=status)
    return queryset
