"""Offline payment: the customer pays by bank transfer (or cheque, cash) following the
business's instructions, and staff record the payment when it arrives."""

from __future__ import annotations

from decimal import Decimal

from fairbill.invoicing.models import Invoice
from fairbill.payments.gateways.base import Checkout, Gateway, refuse_offline


class OfflineGateway(Gateway):
    name = "offline"
    label = "Bank transfer"
    online = False

    def checkout_start(
        self,
        *,
        invoice: Invoice,
        amount: Decimal,
        success_url: str,
        cancel_url: str,
        save_for: str = "",
    ) -> Checkout:
        raise refuse_offline()
