"""The page benchmark's invoices and everything hanging off them (lines, taxes, payments,
allocations, events, emails), written chunk by chunk, and the other history tables."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from benchmarks.pages_data import BIG_CUSTOMER, METHODS, PACKAGES, _at

if TYPE_CHECKING:
    from benchmarks.pages_data import Business

CENT = Decimal("0.01")
CHUNK = 20_000


@dataclass
class Row:
    id: int
    customer: int
    issued: date | None
    status: str
    subtotal: Decimal
    tax: Decimal
    total: Decimal
    paid_on: date | None


def _plan(business: Business) -> tuple[list[int], list[int]]:
    """Issue days (sorted, so numbers follow dates) and the customer of each invoice."""
    rng, n = business.rng, business.n_invoices
    span = (business.today - business.first_day).days
    days = sorted(rng.randrange(span + 1) for _ in range(n))
    big = min(5000, n // 50)
    customers = [rng.randint(1, business.n_customers) for _ in range(n - big)]
    customers += [BIG_CUSTOMER] * big
    rng.shuffle(customers)
    return days, customers


def _status(business: Business, issued: date) -> str:
    roll = business.rng.random()
    if issued > business.today - timedelta(days=30):
        return "unpaid" if roll < 0.4 else "paid"
    if roll < 0.03:
        return "unpaid"  # overdue
    if roll < 0.06:
        return "void"
    return "credited" if roll < 0.07 else "paid"  # credited in full by a credit note


def write_invoices(business: Business) -> None:
    days, customers = _plan(business)
    drafts = 20
    payment_id = 0
    for start in range(0, business.n_invoices + drafts, CHUNK):
        rows = []
        for pk in range(start + 1, min(start + CHUNK, business.n_invoices + drafts) + 1):
            if pk > business.n_invoices:
                rows.append(_row(business, pk, BIG_CUSTOMER, None))
            else:
                issued = business.first_day + timedelta(days=days[pk - 1])
                rows.append(_row(business, pk, customers[pk - 1], issued))
        _write_chunk(business, rows, payment_id)
        payment_id += sum(1 for r in rows if r.status == "paid")


def _row(business: Business, pk: int, customer: int, issued: date | None) -> Row:
    rng = business.rng
    subtotal = PACKAGES[rng.randrange(len(PACKAGES))][1] * rng.choice([1, 1, 1, 3, 12])
    if rng.random() < 0.25:
        subtotal += Decimal(rng.randint(1, 5) * 2)
    tax = (subtotal * Decimal("0.2")).quantize(CENT) if business.customer_vat[customer] else 0
    status = "draft" if issued is None else _status(business, issued)
    paid_on = None
    if status == "paid" and issued is not None:
        paid_on = min(issued + timedelta(days=rng.randrange(20)), business.today)
    return Row(pk, customer, issued, status, subtotal, Decimal(tax), subtotal + tax, paid_on)


INVOICE_COLUMNS = [
    "id", "customer_id", "number", "sequence", "kind", "status", "currency", "issue_date",
    "due_date", "subtotal", "tax", "total", "credit_applied", "amount_paid", "balance",
    "credited", "bill_to", "seller", "notes", "created_at", "paid_on", "voided_at", "void_reason",
]  # fmt: skip


def _write_chunk(business: Business, rows: list[Row], payment_id: int) -> None:
    from fairbill.core.models import Event
    from fairbill.invoicing.models import Invoice, InvoiceLine, InvoiceTax
    from fairbill.notifications.models import EmailLog
    from fairbill.payments.models import Allocation, Payment

    rng, write = business.rng, business.writer.write
    seller = {"name": "Benchmark Ltd", "country": "GB"}
    currency, names = business.customer_currency, business.customer_name

    def invoice(r: Row) -> tuple[Any, ...]:
        issued = r.issued
        created = _at(issued or business.today, rng)
        paid = r.total if r.status == "paid" else Decimal(0)
        balance = r.total if r.status in ("unpaid", "draft") else Decimal(0)
        credited = r.total if r.status == "credited" else Decimal(0)
        return (
            r.id, r.customer, f"INV-{r.id:07d}" if issued else None, r.id if issued else None,
            "renewal" if r.id % 10 else "manual", r.status, currency[r.customer], issued,
            issued + timedelta(days=14) if issued else None, r.subtotal, r.tax, r.total,
            Decimal(0), paid, balance, credited,
            {"name": names[r.customer], "email": f"c{r.customer}@example.com"}, seller, "",
            created, r.paid_on, created if r.status == "void" else None,
            "issued by mistake" if r.status == "void" else "",
        )  # fmt: skip

    write(Invoice, INVOICE_COLUMNS, (invoice(r) for r in rows))
    write(
        InvoiceLine,
        ["id", "invoice_id", "position", "kind", "description", "quantity", "unit_price"]
        + ["amount", "tax_name", "tax_rate", "period_start", "period_end"],
        (
            (r.id, r.id, 0, "package", "Hosting package", Decimal(1), r.subtotal, r.subtotal,
             "VAT" if r.tax else "", Decimal(20) if r.tax else Decimal(0), r.issued,
             r.issued + timedelta(days=30) if r.issued else None)
            for r in rows
        ),
    )  # fmt: skip
    write(
        InvoiceTax,
        ["invoice_id", "name", "rate", "net", "tax"],
        ((r.id, "VAT", Decimal(20), r.subtotal, r.tax) for r in rows if r.tax and r.issued),
    )
    paid = [r for r in rows if r.status == "paid"]
    ids = range(payment_id + 1, payment_id + len(paid) + 1)
    write(
        Payment,
        ["id", "customer_id", "currency", "amount", "method", "reference", "received_on"]
        + ["gateway", "gateway_reference", "created_at"],
        (
            (pk, r.customer, currency[r.customer], r.total, METHODS[pk % len(METHODS)], "",
             r.paid_on, "", None, _at(r.paid_on, rng))
            for pk, r in zip(ids, paid, strict=True) if r.paid_on
        ),
    )  # fmt: skip
    write(
        Allocation,
        ["payment_id", "invoice_id", "amount"],
        ((pk, r.id, r.total) for pk, r in zip(ids, paid, strict=True)),
    )
    event_columns = ["at", "actor_kind", "actor_label", "action", "subject_type", "subject_id"]
    event_columns += ["customer_id", "message", "data"]
    events = [
        (_at(r.issued, rng), "system", "billing run", "invoice.issued", "invoice", r.id,
         r.customer, "", {"number": f"INV-{r.id:07d}", "total": str(r.total)})
        for r in rows if r.issued
    ]  # fmt: skip
    events += [
        (_at(r.paid_on, rng), "staff", "admin", "payment.recorded", "payment", pk, r.customer,
         "", {"amount": str(r.total)})
        for pk, r in zip(ids, paid, strict=True) if r.paid_on
    ]  # fmt: skip
    write(Event, event_columns, events)
    write(
        EmailLog,
        ["customer_id", "template", "to", "subject", "context", "status", "error"]
        + ["created_at", "sent_at"],
        (
            (r.customer, "invoice", f"c{r.customer}@example.com", f"Invoice INV-{r.id:07d}",
             {"invoice_id": r.id}, "sent", "", _at(r.issued, rng), _at(r.issued, rng))
            for r in rows if r.issued and r.id % 2 == 0
        ),
    )  # fmt: skip
    _write_credit_notes(business, [r for r in rows if r.status == "credited"])


def _write_credit_notes(business: Business, rows: list[Row]) -> None:
    """A credit note for each invoice credited in full (its one line, its tax), numbered in
    the order of the invoices (which follows their dates)."""
    from fairbill.invoicing.models import CreditNote, CreditNoteLine, CreditNoteTax

    rng, write = business.rng, business.writer.write
    currency, names = business.customer_currency, business.customer_name
    first = business.credit_notes + 1
    notes = [
        (
            pk, r.customer, r.id, f"CN-{pk:07d}", pk, currency[r.customer],
            min(r.issued + timedelta(days=rng.randrange(1, 60)), business.today)
            if r.issued else business.today,
            "Cancelled before the period began", r.subtotal, r.tax, r.total, r.total,
            Decimal(0), Decimal(0), {"name": names[r.customer]},
            {"name": "Benchmark Ltd", "country": "GB"}, "standard",
        )
        for pk, r in enumerate(rows, start=first)
    ]  # fmt: skip
    write(
        CreditNote,
        ["id", "customer_id", "invoice_id", "number", "sequence", "currency", "issue_date"]
        + ["reason", "subtotal", "tax", "total", "to_balance", "to_credit", "refunded"]
        + ["bill_to", "seller", "tax_treatment", "created_at"],
        (note + (_at(note[6], rng),) for note in notes),
    )
    write(
        CreditNoteLine,
        ["credit_note_id", "invoice_line_id", "position", "description", "quantity"]
        + ["unit_price", "amount", "tax_name", "tax_rate"],
        (
            (pk, r.id, 0, "Hosting package", Decimal(1), r.subtotal, r.subtotal,
             "VAT" if r.tax else "", Decimal(20) if r.tax else Decimal(0))
            for pk, r in enumerate(rows, start=first)
        ),
    )  # fmt: skip
    write(
        CreditNoteTax,
        ["credit_note_id", "name", "rate", "net", "tax"],
        (
            (pk, "VAT", Decimal(20), r.subtotal, r.tax)
            for pk, r in enumerate(rows, start=first)
            if r.tax
        ),
    )
    business.credit_notes += len(rows)


def write_estimates(business: Business) -> None:
    """Estimates, one for every 200 invoices (at least 50; the big customer has 1 in 10):
    sent, expired, declined and drafts, each with two lines."""
    from fairbill.invoicing.models import Estimate, EstimateLine

    rng, write, today = business.rng, business.writer.write, business.today
    count = max(50, business.n_invoices // 200)
    span = (today - business.first_day).days
    rows = []
    for pk in range(1, count + 1):
        customer = BIG_CUSTOMER if pk % 10 == 0 else rng.randint(1, business.n_customers)
        issued = business.first_day + timedelta(days=span * pk // count)
        status = rng.choice(["sent", "sent", "declined", "draft"])
        net = PACKAGES[rng.randrange(len(PACKAGES))][1] * 12
        tax = (net * Decimal("0.2")).quantize(CENT) if business.customer_vat[customer] else 0
        rows.append((pk, customer, issued, status, net, Decimal(tax)))
    write(
        Estimate,
        ["id", "customer_id", "number", "status", "currency", "issue_date", "valid_until"]
        + ["subtotal", "tax", "total", "notes", "created_at", "sent_at", "decided_at"],
        (
            (pk, customer, f"EST-{pk:06d}", status, business.customer_currency[customer],
             issued, issued + timedelta(days=30), net, tax, net + tax, "", _at(issued, rng),
             None if status == "draft" else _at(issued, rng),
             _at(issued, rng) if status == "declined" else None)
            for pk, customer, issued, status, net, tax in rows
        ),
    )  # fmt: skip
    write(
        EstimateLine,
        ["estimate_id", "position", "description", "quantity", "unit_price", "amount"]
        + ["tax_name", "tax_rate"],
        (
            (pk, position, description, Decimal(1), amount, amount,
             "VAT" if tax else "", Decimal(20) if tax else Decimal(0))
            for pk, _, _, _, net, tax in rows
            for position, description, amount in (
                (0, "Set-up and migration", net / 4), (1, "A year of hosting", net * 3 / 4)
            )
        ),
    )  # fmt: skip
    business.estimates = count


def write_history(business: Business) -> None:
    """Login attempts, a billing run a day, notes; the invoice counter after the last."""
    from fairbill.accounts.models import LoginAttempt
    from fairbill.core.models import Counter
    from fairbill.customers.models import CustomerNote
    from fairbill.invoicing.models import BillingRun

    rng, write, today = business.rng, business.writer.write, business.today
    days = (today - business.first_day).days
    write(
        LoginAttempt,
        ["at", "username", "ip_address", "user_agent", "result", "area"],
        (
            (_at(today - timedelta(days=rng.randrange(days)), rng), f"c{n}@example.com",
             f"10.0.{n % 250}.{n % 200}", "Mozilla/5.0", "success" if n % 7 else "failure",
             "account")
            for n in range(max(1000, business.n_customers // 2))
        ),
    )  # fmt: skip
    # Small tables through the ORM, so new columns with defaults need nothing here.
    BillingRun.objects.bulk_create(
        (
            BillingRun(
                as_of=day, dry_run=False, status="finished", started_at=_at(day, rng),
                finished_at=_at(day, rng), actor_label="system",
                counts={"customers": 90, "invoices_created": 90},
            )
            for day in (business.first_day + timedelta(days=n) for n in range(days))
        ),
        batch_size=500,
    )  # fmt: skip
    write(
        CustomerNote,
        ["customer_id", "body", "public", "created_at"],
        (
            (c, "Called about the renewal.", c % 2 == 0, _at(today, rng))
            for c in range(1, business.n_customers + 1, 50)
        ),
    )
    for name, used in (
        ("invoice", business.n_invoices),
        ("credit_note", business.credit_notes),
        ("estimate", business.estimates),
    ):
        Counter.objects.update_or_create(name=name, defaults={"next_number": used + 1})
