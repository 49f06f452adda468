"""Stripe's webhook endpoint: /payments/stripe/webhook/ (no login, no CSRF: Stripe signs it)."""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from fairbill.core import clock
from fairbill.core.actors import Actor
from fairbill.payments.gateways.base import payment_gateway
from fairbill.payments.gateways.services import gateway_payment_record
from fairbill.payments.gateways.stripe import PAID_EVENTS, StripeGateway, WebhookRefused
from fairbill.payments.webhooks import HANDLED, checkout_event_handle, webhook_event_handle

log = logging.getLogger(__name__)


@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    gateway = payment_gateway()
    if not isinstance(gateway, StripeGateway):
        return HttpResponse("Stripe is not configured.", status=404, content_type="text/plain")
    try:
        event = gateway.event_verify(
            payload=request.body, signature=request.headers.get("Stripe-Signature", "")
        )
    except WebhookRefused as exc:
        log.warning("Stripe webhook refused: %s", exc)
        return HttpResponse("Bad signature.", status=400, content_type="text/plain")
    if event.get("type") in PAID_EVENTS:
        try:  # once per event: a redelivery does nothing
            checkout_event_handle(gateway=gateway, event=event)
        except Exception as exc:  # the payment is recorded whatever happens to this
            log.warning("Saving the card of a checkout failed: %s", type(exc).__name__)
    if event.get("type") in HANDLED:
        webhook_event_handle(gateway=gateway, event=event)
        return HttpResponse("ok", content_type="text/plain")
    try:
        payment = gateway.webhook_payment(
            payload=request.body, signature=request.headers.get("Stripe-Signature", "")
        )
    except WebhookRefused as exc:
        log.warning("Stripe webhook refused: %s", exc)
        return HttpResponse("Bad signature.", status=400, content_type="text/plain")
    if payment is not None:
        gateway_payment_record(
            actor=Actor.system("stripe webhook"),
            gateway=gateway.name,
            payment=payment,
            on=clock.today(),
        )
    return HttpResponse("ok", content_type="text/plain")
