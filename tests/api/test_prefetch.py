"""API lists read related rows as plain lists (fairbill/api/prefetch.py): the same rows as
the relation, read for the whole list in one query, and read on demand for an object that
was not fetched that way."""

from __future__ import annotations

import pytest

from fairbill.core.prefetch import listed, rows
from fairbill.invoicing.models import Invoice


@pytest.mark.django_db
def test_listed_relations_are_the_relations_rows_read_once_for_the_list(
    invoice, django_assert_num_queries
):
    # given an invoice with a line and a tax, fetched with its lines and taxes listed
    with django_assert_num_queries(3):
        found = list(
            Invoice.objects.filter(pk=invoice.pk).prefetch_related(*listed("lines", "taxes"))
        )
    # when the rows are read, then they are the relation's, with no further query
    with django_assert_num_queries(0):
        lines, taxes = rows(found[0], "lines"), rows(found[0], "taxes")
    assert [line.pk for line in lines] == [line.pk for line in invoice.lines.all()]
    assert [(t.rate, t.tax) for t in taxes] == [(t.rate, t.tax) for t in invoice.taxes.all()]
    assert len(lines) == 1
    assert str(taxes[0].tax) == "20.00"


@pytest.mark.django_db
def test_an_object_fetched_without_the_lists_reads_its_rows_on_demand(
    invoice, django_assert_num_queries
):
    # given an invoice fetched plainly
    plain = Invoice.objects.get(pk=invoice.pk)
    # when its lines are read, then one query reads them
    with django_assert_num_queries(1):
        lines = rows(plain, "lines")
    assert [line.description for line in lines] == ["Consulting"]
