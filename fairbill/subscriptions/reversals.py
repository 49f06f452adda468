"""Reversing a renewal a credit note credited in full (staff's choice when crediting).

For each subscription whose package line for [S, E) the note credits in full: its renewal
date moves back from E to S, and renewed-on to the start of the period billed before it
(none if there was none). The period may then be billed again by the billing run (an active
subscription is billed for it on the next run; a cancelled one is not billed). Nothing else
changes: the subscription's status, price, options, cycle and a cycle change applied at that
renewal stay as they are. Refused when a later period was billed already (credit that one
first).
"""

from __future__ import annotations

from django.db.models import Max

from fairbill.core import clock
from fairbill.core.actors import Actor
from fairbill.core.errors import Refused
from fairbill.core.hooks import hook_register
from fairbill.core.services import event_record
from fairbill.invoicing.models import CreditNote, InvoiceLine
from fairbill.payments.credit_notes import RENEWAL_REVERSED
from fairbill.subscriptions.models import Subscription


def renewals_reverse(*, actor: Actor, credit_note: CreditNote, lines: list[InvoiceLine]) -> None:
    """Move back the renewal dates of the package lines' subscriptions (the customer is
    locked by the credit note's service)."""
    for line in lines:
        sub = Subscription.objects.select_for_update().get(pk=int(line.subscription_id or 0))
        if sub.renewal_date != line.period_end:
            raise Refused(
                f"reverse_renewal: {sub.package} was billed past {line.period_end:%-d %b %Y} "
                f"(it renews on {sub.renewal_date:%-d %b %Y}); credit the later period first.",
                "reverse_renewal",
            )
        previous = InvoiceLine.objects.filter(
            subscription=sub,
            kind=InvoiceLine.Kind.PACKAGE,
            period_reversed=False,
            period_start__lt=line.period_start,
        ).aggregate(start=Max("period_start"))["start"]
        before = {"renewal_date": sub.renewal_date, "renewed_on": sub.renewed_on}
        sub.renewal_date = line.period_start
        sub.renewed_on = previous
        sub.updated_at = clock.now()
        sub.save(update_fields=["renewal_date", "renewed_on", "updated_at"])
        event_record(
            actor=actor,
            action="subscription.renewal_reversed",
            subject=sub,
            customer_id=sub.customer_id,
            message=f"Renewal of {line.period_start:%-d %b %Y} reversed by credit note "
            f"{credit_note.number}",
            data={
                "renewal_date": [str(before["renewal_date"]), str(sub.renewal_date)],
                "renewed_on": [str(before["renewed_on"] or ""), str(sub.renewed_on or "")],
                "credit_note": credit_note.number,
            },
        )


def handlers_register() -> None:
    hook_register(RENEWAL_REVERSED, renewals_reverse)
