"""Turning a logged email into its subject, HTML and attachments."""

from __future__ import annotations

import html as html_lib
import re
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.template import Context, Template
from django.utils.html import strip_tags

from fairbill.core.models import BusinessSettings
from fairbill.core.money import format_money
from fairbill.customers.models import Customer
from fairbill.invoicing.estimate_pdf import estimate_pdf, estimate_pdf_name
from fairbill.invoicing.models import CreditNote, Estimate, Invoice
from fairbill.invoicing.pdf import credit_note_pdf, invoice_pdf
from fairbill.notifications.models import EmailLog, EmailTemplate
from fairbill.payments.models import CreditEntry, Payment
from fairbill.subscriptions.models import Subscription

_BLOCK_END = re.compile(r"(?i)</(p|div|h[1-6]|li|tr|table|ul|ol|blockquote)>")
_LINE_BREAK = re.compile(r"(?i)<br\s*/?>")


def html_to_text(html: str) -> str:
    """The plain-text part of an email: one paragraph per block, entities decoded (strip_tags
    alone runs the paragraphs together and leaves "&amp;" in names)."""
    html = _LINE_BREAK.sub("\n", _BLOCK_END.sub(lambda m: m.group(0) + "\n\n", html))
    text = strip_tags(html)
    text = html_lib.unescape(text)
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"


@dataclass
class Rendered:
    to: list[str]
    subject: str
    html: str
    attachments: list[tuple[str, bytes, str]] = field(default_factory=list)


def email_context(log: EmailLog) -> dict[str, Any]:
    business = BusinessSettings.load()
    data = dict(log.context)
    context: dict[str, Any] = {
        **{k: v for k, v in data.items() if not k.endswith("_id") and not k.endswith("_ids")},
        "business": business,
        "site_url": settings.SITE_URL,
        "account_url": f"{settings.SITE_URL}/account/",
    }
    customer = Customer.objects.filter(pk=log.customer_id).first() if log.customer_id else None
    context["customer"] = customer
    if data.get("invoice_id"):
        invoice = Invoice.objects.filter(pk=data["invoice_id"]).first()
        if invoice is not None:
            money = invoice.currency
            context.update(
                invoice=invoice,
                invoice_total=format_money(invoice.total, money),
                invoice_balance=format_money(invoice.balance, money),
                invoice_credit=format_money(invoice.credit_applied, money),
                invoice_url=f"{settings.SITE_URL}/account/invoices/{invoice.pk}/",
            )
    if data.get("estimate_id"):
        estimate = (
            Estimate.objects.filter(pk=data["estimate_id"]).select_related("customer").first()
        )
        if estimate is not None:
            context.update(
                estimate=estimate,
                estimate_total=format_money(estimate.total, estimate.currency),
                estimate_url=f"{settings.SITE_URL}/account/estimates/{estimate.pk}/",
            )
    if data.get("credit_note_id"):
        note = CreditNote.objects.filter(pk=data["credit_note_id"]).first()
        if note is not None:
            context.update(
                credit_note=note,
                credit_note_total=format_money(note.total, note.currency),
                credit_note_to_balance=format_money(note.to_balance, note.currency),
                credit_note_to_credit=format_money(note.to_credit, note.currency),
                credit_note_refunded=format_money(note.refunded, note.currency),
            )
    if data.get("payment_id"):
        payment = Payment.objects.filter(pk=data["payment_id"]).first()
        if payment is not None:
            context.update(
                payment=payment, payment_amount=format_money(payment.amount, payment.currency)
            )
    if data.get("credit_entry_id"):
        entry = CreditEntry.objects.filter(pk=data["credit_entry_id"]).first()
        if entry is not None:
            context.update(
                credit_entry=entry, credit_amount=format_money(entry.amount, entry.currency)
            )
    if data.get("subscription_ids"):
        subs = Subscription.objects.filter(pk__in=data["subscription_ids"]).select_related(
            "package"
        )
        context["subscriptions"] = list(subs)
        context["package_names"] = ", ".join(sorted({s.package.name for s in subs}))
    return context


def email_render(template: EmailTemplate, log: EmailLog) -> Rendered:
    context = email_context(log)
    subject = Template("{% autoescape off %}" + template.subject + "{% endautoescape %}").render(
        Context(context)
    )
    html = Template(template.body_html).render(Context(context))
    customer = context.get("customer")
    to = [a.strip() for a in log.to.split(",") if a.strip()] or (
        [customer.email] if customer is not None and customer.email else []
    )
    attachments = []
    invoice = context.get("invoice")
    if invoice is not None and log.template == "invoice_issued" and context["business"].attach_pdf:
        attachments.append((f"{invoice.number}.pdf", invoice_pdf(invoice), "application/pdf"))
    estimate = context.get("estimate")
    if estimate is not None and log.template == "estimate_sent" and context["business"].attach_pdf:
        attachments.append((estimate_pdf_name(estimate), estimate_pdf(estimate), "application/pdf"))
    note = context.get("credit_note")
    # Credit notes go with their PDF under the same setting as invoices.
    if note is not None and log.template == "credit_note_issued" and context["business"].attach_pdf:
        attachments.append((f"{note.number}.pdf", credit_note_pdf(note), "application/pdf"))
    return Rendered(
        to=to, subject=" ".join(subject.split())[:300], html=html, attachments=attachments
    )
