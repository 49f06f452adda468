"""Settings → Emails: the emails Fairbill sends, their editor with a preview, and the log
of every email with a resend button."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template import Context, Template
from django.views.decorators.http import require_POST

from fairbill.accounts.access import staff_required
from fairbill.backoffice.billing_forms import EmailTemplateForm
from fairbill.backoffice.views.common import paginate, show_error
from fairbill.core.errors import FairbillError
from fairbill.customers.models import Customer
from fairbill.notifications.defaults import DEFAULTS
from fairbill.notifications.models import EmailLog, EmailTemplate
from fairbill.notifications.rendering import email_context
from fairbill.notifications.services import email_resend, email_template_update, template_get

LOG_STATUSES = [("", "All statuses"), *EmailLog.Status.choices]


@staff_required("settings")
def email_list(request: HttpRequest) -> HttpResponse:
    stored = {t.key: t for t in EmailTemplate.objects.all()}
    emails = [
        {
            "key": key,
            "name": stored[key].name if key in stored else values["name"],
            "active": stored[key].active if key in stored else True,
            "edited": key in stored,
        }
        for key, values in DEFAULTS.items()
    ]
    return render(
        request,
        "backoffice/emails/list.html",
        {"nav": "settings", "tab": "emails", "emails": emails},
    )


@staff_required("settings")
def email_edit(request: HttpRequest, key: str) -> HttpResponse:
    if key not in DEFAULTS:
        raise Http404("No such email.")
    template = template_get(key)
    form = EmailTemplateForm(
        request.POST or None, instance=EmailTemplate.objects.get(pk=template.pk)
    )
    if request.method == "POST" and form.is_valid():
        try:
            email_template_update(actor=request.actor, key=key, **form.cleaned_data)  # type: ignore[attr-defined]
        except FairbillError as exc:
            show_error(form, exc)
        else:
            messages.success(request, f"Email “{template.name}” saved.")
            return redirect("backoffice:email_edit", key=key)
    sample = _sample_log(key)
    source = form.instance if form.is_bound else template
    context: dict[str, Any] = {
        "nav": "settings",
        "tab": "emails",
        "template": template,
        "form": form,
        "sample": sample,
        **_preview(source, sample),
    }
    return render(request, "backoffice/emails/edit.html", context)


def _sample_log(key: str) -> EmailLog:
    """The last email of this kind, or a made-up one for the newest customer."""
    log = EmailLog.objects.filter(template=key).first()
    if log is not None:
        return log
    customer = Customer.objects.order_by("-id").first()
    return EmailLog(template=key, customer_id=customer.pk if customer else None, context={})


def _preview(template: EmailTemplate, log: EmailLog) -> dict[str, str]:
    try:
        context = Context(email_context(log))
        subject = Template("{% autoescape off %}" + template.subject + "{% endautoescape %}")
        return {
            "preview_subject": " ".join(subject.render(context).split()),
            "preview_html": Template(template.body_html).render(context),
        }
    except Exception as exc:  # a broken template shows its error instead of a preview
        return {"preview_error": f"{type(exc).__name__}: {exc}"}


@staff_required("settings")
def email_log(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    logs = EmailLog.objects.select_related("customer")
    if status in EmailLog.Status.values:
        logs = logs.filter(status=status)
    page = paginate(request, logs)
    return render(
        request,
        "backoffice/emails/log.html",
        {
            "nav": "settings",
            "tab": "email_log",
            "page": page,
            "status": status,
            "statuses": LOG_STATUSES,
        },
    )


@require_POST
@staff_required("settings")
def email_log_resend(request: HttpRequest, pk: int) -> HttpResponse:
    log = get_object_or_404(EmailLog, pk=pk)
    copy = email_resend(actor=request.actor, log=log)  # type: ignore[attr-defined]
    copy.refresh_from_db()
    messages.success(request, f"Email sent again ({copy.get_status_display().lower()}).")
    return redirect("backoffice:email_log")
