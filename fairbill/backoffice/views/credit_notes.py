"""Credit notes in the back office: crediting an invoice in two steps (the form, then a review
of the figures credit_note_preview computes, the same computation credit_note_issue writes),
the credit note page (PDF, email) and the list.

The form's choices travel in the POST (hidden fields on the review), never in server state;
its one-time token is the service's request_key, so a second submission of the same review
(a double click, the browser's resend) issues no second note."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from fairbill.accounts.access import staff_required
from fairbill.backoffice.credit_note_forms import CreditNoteFilterForm, CreditNoteForm
from fairbill.backoffice.views.common import paginate
from fairbill.core import clock
from fairbill.core.downloads import PDF, attachment, einvoice_download
from fairbill.core.errors import FairbillError, Refused
from fairbill.core.money import ZERO, format_money, quantize
from fairbill.customers.selectors import customers_named
from fairbill.invoicing import selectors
from fairbill.invoicing.crediting import CreditTotals
from fairbill.invoicing.einvoice.from_invoice import credit_note_einvoice_file
from fairbill.invoicing.models import CreditNote, Invoice
from fairbill.invoicing.pdf import credit_note_pdf
from fairbill.notifications.models import EmailLog
from fairbill.notifications.services import email_queue, email_resend
from fairbill.payments.credit_notes import (
    credit_note_issue,
    credit_note_preview,
    lines_left,
    refund_parse,
)
from fairbill.payments.services import void_check

CREDITABLE = (Invoice.Status.UNPAID, Invoice.Status.PAID)
EMAIL = "credit_note_issued"
# Service messages name the input first ("lines: line 2 ..."); on a form that is noise.
_INPUT_PREFIX = re.compile(r"^(lines|amount|refund|reverse_renewal|reason|on): ")


def can_credit(invoice: Invoice) -> bool:
    """Issued, not void, and something left to credit."""
    return invoice.status in CREDITABLE and invoice.credited < invoice.total


@dataclass(frozen=True)
class CreditPlan:
    """What the review shows: the note's figures and where its total goes (off the balance
    first, then account credit or the refund), as credit_note_issue splits it."""

    totals: CreditTotals
    to_balance: Decimal
    to_credit: Decimal
    refunded: Decimal
    currency: str

    @property
    def figures(self) -> str:
        """What the review showed, carried to the issue step to be checked against: each
        line credited and the money."""
        lines = [(line.line_id, line.amount) for line in self.totals.lines]
        money = [self.totals.total, self.to_balance, self.to_credit, self.refunded]
        return figures(self.currency, lines, money)


def figures(currency: str, lines: list[tuple[int, Decimal]], money: list[Decimal]) -> str:
    credited = ",".join(f"{pk}:{quantize(amount, currency)}" for pk, amount in sorted(lines))
    return "|".join([credited, *(str(quantize(amount, currency)) for amount in money)])


def _figures_of(note: CreditNote) -> str:
    lines = list(note.lines.values_list("invoice_line_id", "amount"))
    money = [note.total, note.to_balance, note.to_credit, note.refunded]
    return figures(note.currency, lines, money)


def credit_plan(invoice: Invoice, totals: CreditTotals, refund: bool) -> CreditPlan:
    to_balance = min(totals.total, invoice.balance)
    rest = totals.total - to_balance
    return CreditPlan(
        totals=totals,
        to_balance=to_balance,
        to_credit=ZERO if refund else rest,
        refunded=rest if refund else ZERO,
        currency=invoice.currency,
    )


def _invoice(pk: int) -> Invoice:
    return get_object_or_404(Invoice.objects.select_related("customer"), pk=pk)


def _form(request: HttpRequest, invoice: Invoice, data: Any = None) -> CreditNoteForm:
    return CreditNoteForm(
        data,
        lines=lines_left(invoice),
        renewal=invoice.kind == Invoice.Kind.RENEWAL,
        initial={"token": secrets.token_urlsafe(24), "refund_date": clock.today()},
    )


def _error(form: CreditNoteForm, exc: FairbillError) -> None:
    message = _INPUT_PREFIX.sub("", exc.message, count=1)
    message = message[:1].upper() + message[1:]
    field = {"refund": "refund_method", "reverse_renewal": "reverse_renewal"}.get(exc.field or "")
    form.add_error(field if field in form.fields else None, message)


def _render_form(request: HttpRequest, invoice: Invoice, form: CreditNoteForm) -> HttpResponse:
    return render(
        request,
        "backoffice/credit_notes/form.html",
        {"nav": "invoices", "invoice": invoice, "form": form},
        status=422 if form.errors else 200,
    )


@staff_required("invoices")
def invoice_credit(request: HttpRequest, pk: int) -> HttpResponse:
    """Step 1, the form (GET, or POST step=edit to come back from the review with the
    choices kept); POST step=review: step 2, the figures; POST step=issue: issue the note."""
    invoice = _invoice(pk)
    if not can_credit(invoice):
        messages.error(request, f"Invoice {invoice} has nothing left to credit.")
        return redirect("backoffice:invoice_detail", pk=invoice.pk)
    if request.method != "POST":
        return _render_form(request, invoice, _form(request, invoice))
    form = _form(request, invoice, request.POST)
    step = request.POST.get("step")
    if step == "edit":
        form.is_valid()  # prefill only
        form.errors.clear()
        return _render_form(request, invoice, form)
    if not form.is_valid():
        return _render_form(request, invoice, form)
    if step == "issue":
        return _issue(request, invoice, form)
    try:
        totals = credit_note_preview(invoice=invoice, **form.choices())
        refund = form.refund()
        if refund is not None:
            refund_parse(refund)
    except FairbillError as exc:
        _error(form, exc)
        return _render_form(request, invoice, form)
    plan = credit_plan(invoice, totals, refund is not None)
    if refund is not None and plan.refunded == 0:
        form.add_error(
            "money",
            "Nothing was paid beyond what this note takes off the balance: there is nothing "
            "to refund. Choose account credit.",
        )
        return _render_form(request, invoice, form)
    skipped = {"step", "reviewed", "csrfmiddlewaretoken"}
    carried = [(k, v) for k, values in request.POST.lists() for v in values if k not in skipped]
    return render(
        request,
        "backoffice/credit_notes/review.html",
        {
            "nav": "invoices",
            "invoice": invoice,
            "form": form,
            "plan": plan,
            "carried": carried,
            "refund": refund,
            "credited_after": invoice.credited + totals.total,
            "due_after": invoice.balance - plan.to_balance,
            "refund_method": CreditNote.RefundMethod(refund["method"]).label if refund else "",
            "reverse_renewal": form.cleaned_data.get("reverse_renewal", False),
        },
    )


class ReviewedFiguresChanged(Refused):
    pass


def _issue(request: HttpRequest, invoice: Invoice, form: CreditNoteForm) -> HttpResponse:
    """Issue the note; when its figures are not those reviewed (a payment or another note
    came in between), nothing is written and the form asks for a new review."""
    data = form.cleaned_data
    reviewed = request.POST.get("reviewed", "")
    key = f"form:{data['token']}"
    used = CreditNote.objects.filter(request_key=key).first()
    if used is not None and reviewed and reviewed != _figures_of(used):
        # A page kept from before (the browser's Back): its token issued another note.
        messages.error(
            request,
            f"That form was already used to issue credit note {used}: this is a new one.",
        )
        return redirect("backoffice:invoice_credit", pk=invoice.pk)
    try:
        with transaction.atomic():
            note = credit_note_issue(
                actor=request.actor,  # type: ignore[attr-defined]
                invoice=invoice,
                reason=data["reason"],
                on=clock.today(),
                refund=form.refund(),
                reverse_renewal=bool(data.get("reverse_renewal")),
                request_key=key,
                **form.choices(),
            )
            if reviewed and reviewed != _figures_of(note):
                raise ReviewedFiguresChanged(
                    "The invoice changed since the review (a payment or another credit note "
                    "came in): nothing was issued. Review the figures again."
                )
    except FairbillError as exc:
        _error(form, exc)
        return _render_form(request, invoice, form)
    messages.success(
        request,
        f"Credit note {note} for {format_money(note.total, note.currency)} issued on "
        f"invoice {invoice}.",
    )
    return redirect("backoffice:credit_note_detail", pk=note.pk)


# The credit note page


def _note(pk: int) -> CreditNote:
    note = selectors.credit_note_with_details(pk)
    if note is None:
        raise Http404("No such credit note.")
    return note


@staff_required("invoices")
def credit_note_detail(request: HttpRequest, pk: int) -> HttpResponse:
    note = _note(pk)
    emails = list(EmailLog.objects.filter(template=EMAIL, context__credit_note_id=note.pk)[:20])
    return render(
        request,
        "backoffice/credit_notes/detail.html",
        {
            "nav": "credit_notes",
            "note": note,
            "invoice": note.invoice,
            "lines": list(note.lines.all()),
            "taxes": list(note.taxes.all()),
            "emails": emails,
        },
    )


@staff_required("invoices")
def credit_note_pdf_view(request: HttpRequest, pk: int) -> HttpResponse:
    note = _note(pk)
    return attachment(credit_note_pdf(note), PDF, f"{note.number}.pdf")


@staff_required("invoices")
def credit_note_einvoice_view(request: HttpRequest, pk: int, syntax: str) -> HttpResponse:
    return einvoice_download(credit_note_einvoice_file, _note(pk), syntax)


@require_POST
@staff_required("invoices")
def credit_note_email(request: HttpRequest, pk: int) -> HttpResponse:
    """Email the credit note again (or for the first time when none was logged)."""
    note = _note(pk)
    log = EmailLog.objects.filter(template=EMAIL, context__credit_note_id=note.pk).first()
    if log is not None:
        email_resend(actor=request.actor, log=log)  # type: ignore[attr-defined]
    else:
        email_queue(
            template=EMAIL,
            customer_id=note.customer_id,
            context={"credit_note_id": note.pk, "invoice_id": note.invoice_id},
        )
    messages.success(request, f"Credit note {note} is being emailed to the customer.")
    return redirect("backoffice:credit_note_detail", pk=note.pk)


# The list


def credit_notes_filtered(filters: CreditNoteFilterForm) -> QuerySet[CreditNote]:
    notes = selectors.credit_notes()
    if not filters.is_valid():
        return notes
    data = filters.cleaned_data
    if data["customer"].strip():
        notes = notes.filter(customer__in=customers_named(data["customer"].strip()))
    if data["issued_from"]:
        notes = notes.filter(issue_date__gte=data["issued_from"])
    if data["issued_to"]:
        notes = notes.filter(issue_date__lte=data["issued_to"])
    return notes


@staff_required("invoices")
def credit_note_list(request: HttpRequest) -> HttpResponse:
    filters = CreditNoteFilterForm(request.GET or None)
    page = paginate(request, credit_notes_filtered(filters))
    return render(
        request,
        "backoffice/credit_notes/list.html",
        {
            "nav": "credit_notes",
            "filters": filters,
            "page": page,
            "filtered": bool(request.GET.keys() - {"page", "after", "before"}),
        },
    )


def void_refusal(invoice: Invoice) -> str:
    """Why the invoice can't be voided ('' when it can), for the invoice page."""
    if invoice.status not in CREDITABLE:
        return ""
    try:
        void_check(invoice)
    except Refused as exc:
        return exc.message
    return ""
