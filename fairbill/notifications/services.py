"""Queueing, sending and re-sending emails. One email = one EmailLog row, created in the
caller's transaction and sent by a background task after commit (a rolled-back action sends
nothing)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from email.utils import parseaddr
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.core.validators import validate_email
from django.db import transaction
from django.template import Context, Template

from fairbill.core import clock
from fairbill.core.actors import Actor
from fairbill.core.bulk import bulk_insert_rows
from fairbill.core.errors import InvalidInput, Refused
from fairbill.core.models import BusinessSettings
from fairbill.core.services import event_record
from fairbill.invoicing.models import Invoice
from fairbill.notifications.defaults import DEFAULTS
from fairbill.notifications.models import EmailLog, EmailTemplate
from fairbill.notifications.rendering import email_render, html_to_text

PRIORITY_HEADERS = {
    "high": {"X-Priority": "1", "Importance": "high"},
    "low": {"X-Priority": "5", "Importance": "low"},
}

EMAIL_FAILED = "email.failed"  # hook, called by the sending task: log=


def template_get(key: str) -> EmailTemplate:
    """The stored template for an email, created from the defaults the first time."""
    if key not in DEFAULTS:
        raise InvalidInput(f"Unknown email '{key}'.")
    template = EmailTemplate.objects.filter(key=key).first()
    if template is None:
        template, _ = EmailTemplate.objects.get_or_create(key=key, defaults=DEFAULTS[key])
    return template


def email_queue(
    *, template: str, customer_id: int | None, context: dict[str, Any] | None = None, to: str = ""
) -> EmailLog:
    """Log an email and send it after the surrounding transaction commits."""
    if template not in DEFAULTS:
        raise InvalidInput(f"Unknown email '{template}'.")
    log = EmailLog.objects.create(
        customer_id=customer_id,
        template=template,
        to=to,
        context=context or {},
        created_at=clock.now(),
    )
    _send_after_commit([log.pk])
    return log


def email_queue_many(*, template: str, items: Iterable[tuple[int, dict[str, Any]]]) -> uuid.UUID:
    """Log many emails of one kind (customer id, context) and send them in one task after
    commit. Returns the batch id the logs share."""
    from fairbill.notifications.tasks import send_email_batch

    batch = uuid.uuid4()
    logs = [{"customer_id": customer_id, "context": context} for customer_id, context in items]
    if logs:
        same = {
            "template": template,
            "created_at": clock.now(),
            "batch": batch,
            "status": EmailLog.Status.QUEUED,
        }
        bulk_insert_rows(EmailLog, logs, same=same)
        transaction.on_commit(lambda: send_email_batch.enqueue(str(batch)))
    return batch


def _send_after_commit(log_ids: list[int]) -> None:
    from fairbill.notifications.tasks import send_emails

    transaction.on_commit(lambda: send_emails.enqueue(log_ids))


def email_send(log: EmailLog) -> EmailLog:
    """Render and send one logged email now; records the outcome on the log."""
    template = template_get(log.template)
    if not template.active:
        log.status, log.error = EmailLog.Status.SKIPPED, "This email is switched off."
        log.save(update_fields=["status", "error"])
        return log
    try:
        rendered = email_render(template, log)
        if not rendered.to:
            raise Refused("No email address to send to.")
        message = EmailMultiAlternatives(
            subject=rendered.subject,
            body=html_to_text(rendered.html),
            from_email=template.from_email
            or BusinessSettings.load().email
            or settings.DEFAULT_FROM_EMAIL,
            to=rendered.to,
            cc=_addresses(template.cc),
            bcc=_addresses(template.bcc),
            reply_to=_addresses(template.reply_to),
            headers=PRIORITY_HEADERS.get(template.priority, {}),
        )
        message.attach_alternative(rendered.html, "text/html")
        for name, content, mimetype in rendered.attachments:
            message.attach(name, content, mimetype)
        message.send()
    except Exception as exc:  # any failure is logged on the email, never raised to a run
        log.status, log.error = EmailLog.Status.FAILED, f"{type(exc).__name__}: {exc}"[:2000]
        log.save(update_fields=["status", "error"])
        return log
    log.to = ", ".join(rendered.to)
    log.subject = rendered.subject[:300]
    log.status, log.error, log.sent_at = EmailLog.Status.SENT, "", clock.now()
    log.save(update_fields=["to", "subject", "status", "error", "sent_at"])
    return log


def email_send_unlogged(*, key: str, to: str, values: dict[str, Any]) -> bool:
    """Send at once an email that carries a secret link (password reset, login invitation),
    without keeping it in the email log: staff read the log and the link would let them take
    over the account. False when staff switched the email off."""
    from fairbill.notifications.rendering import html_to_text

    template = template_get(key)
    if not template.active:
        return False
    business = BusinessSettings.load()
    context = Context({"business": business, "site_url": settings.SITE_URL, **values})
    subject = Template("{% autoescape off %}" + template.subject + "{% endautoescape %}").render(
        context
    )
    html = Template(template.body_html).render(context)
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=html_to_text(html),
        from_email=template.from_email or business.email or settings.DEFAULT_FROM_EMAIL,
        to=[to],
    )
    message.attach_alternative(html, "text/html")
    message.send()
    return True


def login_invitation_send(*, user_id: int) -> bool:
    """Email a customer the link to choose the password of the login staff created."""
    from django.contrib.auth import get_user_model

    from fairbill.customers.logins import invitation_url

    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    customer = getattr(user, "customer", None) if user else None
    if user is None or customer is None:
        return False
    return email_send_unlogged(
        key="login_invitation",
        to=customer.email,
        values={
            "customer": customer,
            "username": user.get_username(),
            "invitation_url": invitation_url(user),
            "days": settings.INVITATION_DAYS,
        },
    )


def _addresses(value: str) -> list[str]:
    return [a.strip() for a in (value or "").split(",") if a.strip()]


@transaction.atomic
def email_resend(*, actor: Actor, log: EmailLog) -> EmailLog:
    """Send a logged email again, as a new log entry."""
    copy = email_queue(
        template=log.template, customer_id=log.customer_id, context=log.context, to=log.to
    )
    event_record(
        actor=actor,
        action="email.resent",
        subject=copy,
        customer_id=log.customer_id,
        data={"template": log.template, "original": log.pk},
    )
    return copy


@transaction.atomic
def email_signup_resend(*, actor: Actor, customer: Any) -> EmailLog:
    """Send a customer's signup email (My Account login) again: the last one logged is
    re-sent; when none was logged, a new one is queued for the customer's login."""
    if customer.user_id is None:
        raise Refused(f"{customer.name} has no My Account login to send.")
    last = EmailLog.objects.filter(customer_id=customer.pk, template="signup").first()
    if last is not None:
        return email_resend(actor=actor, log=last)
    first = customer.invoices.filter(kind=Invoice.Kind.SIGNUP).order_by("sequence").first()
    context: dict[str, Any] = {"username": customer.user.get_username()}
    if first is not None:
        context["invoice_id"] = first.pk
    log = email_queue(template="signup", customer_id=customer.pk, context=context)
    event_record(
        actor=actor,
        action="email.resent",
        subject=log,
        customer_id=customer.pk,
        data={"template": "signup", "original": None},
    )
    return log


ADDRESS_FIELDS = {"from_email": "From", "reply_to": "Reply-To", "cc": "CC", "bcc": "BCC"}


def email_addresses_check(value: object, label: str, field: str, *, many: bool = True) -> str:
    """The addresses as stored ("a@x.example, Accounts <b@y.example>"), or InvalidInput naming
    each one that is not an email address. Blank is allowed (the default applies)."""
    parts = [p.strip() for p in str(value or "").split(",") if p.strip()]
    if len(parts) > 1 and not many:
        raise InvalidInput(f"{label}: give one address.", field)
    bad = [part for part in parts if not _is_address(part)]
    if bad:
        listed = ", ".join(f"“{part}”" for part in bad)
        noun = "is not an email address" if len(bad) == 1 else "are not email addresses"
        raise InvalidInput(f"{label}: {listed} {noun}.", field)
    return ", ".join(parts)


def _is_address(text: str) -> bool:
    name, address = parseaddr(text)
    if not address or (not name and text not in (address, f"<{address}>")):
        return False
    try:
        validate_email(address)
    except ValidationError:
        return False
    return True


@transaction.atomic
def email_template_update(*, actor: Actor, key: str, **values: Any) -> EmailTemplate:
    template = template_get(key)
    allowed = {"subject", "body_html", "from_email", "reply_to", "cc", "bcc", "priority", "active"}
    unknown = set(values) - allowed
    if unknown:
        raise InvalidInput(f"Unknown field: {', '.join(sorted(unknown))}.")
    for field in ("subject", "body_html"):
        if field in values:
            source = str(values[field] or "")
            if not source.strip():
                raise InvalidInput(f"{field.replace('_', ' ')}: can't be empty.", field)
            try:
                Template(source).render(Context({}))
            except Exception as exc:
                raise InvalidInput(
                    f"{field.replace('_', ' ')}: template error: {exc}", field
                ) from None
    for field, label in ADDRESS_FIELDS.items():
        if field in values:
            many = field != "from_email"
            values[field] = email_addresses_check(values[field], label, field, many=many)
    if "priority" in values and values["priority"] not in EmailTemplate.Priority.values:
        raise InvalidInput("priority: high, normal or low.", "priority")
    for key_, value in values.items():
        setattr(template, key_, value)
    template.save()
    event_record(
        actor=actor,
        action="email_template.updated",
        subject=template,
        data={"key": key, "fields": sorted(values)},
    )
    return template
