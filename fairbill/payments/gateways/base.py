"""The gateway interface and the choice of the active gateway.

A gateway starts a checkout for an invoice (sending the customer to a payment page) and
turns what the payment provider reports back into a GatewayPayment, which
gateways.services.gateway_payment_record records once per (gateway, reference).

Which gateway is active (settings, see docs/payments.md):
- Stripe whenever FAIRBILL_STRIPE_SECRET_KEY is set, unless FAIRBILL_PAYMENT_GATEWAY=offline.
  The fake gateway is never active when Stripe keys are set, whatever else says so.
- The fake gateway when FAIRBILL_PAYMENT_GATEWAY=fake, or by default when DEBUG is on or the
  demo data is loaded.
- Otherwise offline: customers see the bank transfer instructions only.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

from django.conf import settings

from fairbill.core.errors import Refused
from fairbill.core.models import BusinessSettings
from fairbill.core.selectors import demo_is_loaded
from fairbill.invoicing.models import Invoice

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Checkout:
    """A started checkout: where to send the customer, and the gateway's id for it."""

    url: str
    reference: str


@dataclass(frozen=True)
class GatewayPayment:
    """Money a gateway says it received for an invoice."""

    reference: str
    invoice_id: int
    amount: Decimal
    currency: str
    # For a Checkout session (reference cs_…): its PaymentIntent, what refunds and disputes
    # name. Empty when the reference is the PaymentIntent itself.
    intent: str = ""


@dataclass(frozen=True)
class MethodDetails:
    """A saved payment method as the gateway describes it (never the card number)."""

    reference: str
    gateway_customer: str
    kind: str  # card, sepa_debit, bacs_debit
    label: str
    last4: str
    exp_month: int | None = None
    exp_year: int | None = None
    mandate_reference: str = ""


@dataclass(frozen=True)
class Charge:
    """What the gateway says about a charge: `state` is one of PaymentAttempt.State's
    succeeded, pending (processing), failed, unknown (no answer: ask again later)."""

    state: str
    reference: str = ""  # the PaymentIntent id, when the gateway gave one
    amount: Decimal | None = None
    currency: str = ""
    method_kind: str = "card"
    code: str = ""
    decline_code: str = ""
    message: str = ""
    attempt_id: int | None = None  # from the intent's metadata


@dataclass(frozen=True)
class ChargeRequest:
    """A charge of a saved method, off session, for one attempt (its key made once)."""

    attempt_id: int
    invoice_id: int
    invoice_number: str
    customer_id: int
    amount: Decimal
    currency: str
    method_reference: str
    gateway_customer: str
    method_kind: str
    idempotency_key: str


class Gateway(ABC):
    name: ClassVar[str]
    label: ClassVar[str]
    online: ClassVar[bool] = True  # takes payments on a web page
    demo: ClassVar[bool] = False  # moves no money (shown on every page it renders)

    @abstractmethod
    def checkout_start(
        self,
        *,
        invoice: Invoice,
        amount: Decimal,
        success_url: str,
        cancel_url: str,
        save_for: str = "",
    ) -> Checkout:
        """Start paying `amount` of an invoice; `success_url` may contain {REFERENCE}, which
        is replaced by the checkout's reference when the customer comes back. `save_for`
        (the customer's id at the gateway) also saves the card for later payments."""

    # Saved methods and automatic charges: only gateways that can hold a method (Stripe,
    # the fake) implement these.
    saves_methods: ClassVar[bool] = False

    def setup_start(
        self,
        *,
        customer_id: int,
        email: str,
        gateway_customer: str,
        success_url: str,
        cancel_url: str,
    ) -> Checkout:
        raise Refused("Saving a card or Direct Debit needs the Stripe gateway.")

    def customer_create(self, *, customer_id: int, name: str, email: str) -> str:
        raise Refused("Saving a card or Direct Debit needs the Stripe gateway.")

    def setup_result(self, *, reference: str) -> MethodDetails | None:
        """The method a finished setup saved (reference: the setup's id), None if not yet."""
        raise Refused("Saving a card or Direct Debit needs the Stripe gateway.")

    def method_detach(self, *, reference: str) -> None:
        raise Refused("Saving a card or Direct Debit needs the Stripe gateway.")

    def charge(self, request: ChargeRequest) -> Charge:
        raise Refused("Automatic charges need the Stripe gateway.")

    def charge_lookup(self, *, reference: str) -> Charge:
        raise Refused("Automatic charges need the Stripe gateway.")

    def charge_find(self, *, request: ChargeRequest) -> Charge | None:
        """The charge made for an attempt (found by the attempt, customer and invoice it
        carries), None if the gateway made none; a Charge in state `unknown` if it could
        not be asked or found more than one."""
        raise Refused("Automatic charges need the Stripe gateway.")

    def refund(
        self, *, payment_reference: str, amount: Decimal, currency: str, idempotency_key: str
    ) -> str:
        """Give back `amount` of a gateway payment; returns the refund's id."""
        raise Refused("This payment was not taken online: refund it by bank transfer.")


def bank_transfer_instructions(invoice: Invoice) -> str:
    """The business's payment instructions, with the invoice number as the reference."""
    text = BusinessSettings.load().payment_instructions.strip()
    if not text:
        return ""
    return f"{text}\nReference: {invoice.number}"


def payment_gateway() -> Gateway:
    """The gateway customers pay with now (see the module docstring)."""
    from fairbill.payments.gateways.fake import FakeGateway
    from fairbill.payments.gateways.offline import OfflineGateway

    choice = settings.PAYMENT_GATEWAY
    if choice not in ("", "stripe", "fake", "offline"):
        log.warning("FAIRBILL_PAYMENT_GATEWAY=%r is unknown: using offline payment.", choice)
        return OfflineGateway()
    if settings.STRIPE_SECRET_KEY:
        if choice == "offline":
            return OfflineGateway()
        if choice == "fake":
            log.warning("Stripe keys are set: the fake payment gateway stays off.")
        # imported only then: the Stripe library costs every command's start-up a tenth of
        # a second
        from fairbill.payments.gateways.stripe import StripeGateway

        return StripeGateway(
            secret_key=settings.STRIPE_SECRET_KEY,
            webhook_secret=settings.STRIPE_WEBHOOK_SECRET,
            api_base=settings.STRIPE_API_BASE,
        )
    if choice == "fake" or (choice == "" and _demo_mode()):
        return FakeGateway()
    return OfflineGateway()


def _demo_mode() -> bool:
    return bool(settings.DEBUG) or demo_is_loaded()


def refuse_offline() -> Refused:
    return Refused("Online payment is not available: please pay by bank transfer.")
