"""My Account: the customer's credit notes (list, page, PDF), only ever their own."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from fairbill.core.downloads import PDF, attachment, einvoice_download
from fairbill.core.keyset import list_page
from fairbill.customers.models import Customer
from fairbill.invoicing.einvoice.from_invoice import credit_note_einvoice_file
from fairbill.invoicing.models import CreditNote
from fairbill.invoicing.pdf import credit_note_pdf
from fairbill.portal import selectors
from fairbill.portal.access import customer_required

PER_PAGE = 25


def _customer(request: HttpRequest) -> Customer:
    return request.customer  # type: ignore[attr-defined,no-any-return]


def _note(request: HttpRequest, credit_note_id: int) -> CreditNote:
    note = selectors.credit_note_of(customer=_customer(request), credit_note_id=credit_note_id)
    if note is None:
        raise Http404("No such credit note.")
    return note


@customer_required
def credit_note_list(request: HttpRequest) -> HttpResponse:
    customer = _customer(request)
    page = list_page(selectors.credit_notes_of(customer=customer), request.GET, size=PER_PAGE)
    return render(
        request,
        "portal/credit_note_list.html",
        {"nav": "invoices", "customer": customer, "notes": page.object_list, "page": page},
    )


@customer_required
def credit_note_detail(request: HttpRequest, credit_note_id: int) -> HttpResponse:
    note = _note(request, credit_note_id)
    return render(
        request,
        "portal/credit_note_detail.html",
        {
            "nav": "invoices",
            "customer": _customer(request),
            "note": note,
            "lines": list(note.lines.all()),
            "taxes": list(note.taxes.all()),
        },
    )


@customer_required
def credit_note_pdf_view(request: HttpRequest, credit_note_id: int) -> HttpResponse:
    note = _note(request, credit_note_id)
    return attachment(credit_note_pdf(note), PDF, f"{note.number}.pdf")


@customer_required
def credit_note_einvoice_view(
    request: HttpRequest, credit_note_id: int, syntax: str
) -> HttpResponse:
    return einvoice_download(credit_note_einvoice_file, _note(request, credit_note_id), syntax)
