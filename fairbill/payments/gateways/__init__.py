"""Payment gateways behind one small interface (base.Gateway): Stripe Checkout for cards,
the fake gateway for demos, and offline payment (bank transfer instructions)."""

from fairbill.payments.gateways.base import Checkout, Gateway, GatewayPayment, payment_gateway

__all__ = ["Checkout", "Gateway", "GatewayPayment", "payment_gateway"]
