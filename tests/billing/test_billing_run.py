from datetime import date
from decimal import Decimal

from django.core import mail

from fairbill.invoicing.models import Invoice


def test_renewal_keeps_billing_day_at_month_end(billing):
    # given a monthly subscription started on 31 January
    sub = billing.subscribe(package="Bronze", cycle="monthly", start=date(2027, 1, 31))
    # when the billing run reaches the start and the next two renewal dates
    billing.run(as_of=date(2027, 1, 31))
    billing.run(as_of=date(2027, 2, 28))
    billing.run(as_of=date(2027, 3, 31))
    # then it renewed on the last day of February and on 31 March, once each
    assert [start for start, _ in billing.periods(sub)] == [
        date(2027, 1, 31),
        date(2027, 2, 28),
        date(2027, 3, 31),
    ]
    billing.assert_nothing_more_to_bill(as_of=date(2027, 3, 31))


def test_first_invoice_has_setup_fee_and_vat(billing):
    billing.subscribe(package="Bronze", cycle="monthly", start=date(2027, 1, 10))
    report = billing.run(as_of=date(2027, 1, 10))
    assert report.invoices_created == 1
    invoice = Invoice.objects.get()
    assert [(line.description, line.amount) for line in invoice.lines.all()] == [
        ("Bronze (monthly)", Decimal("10.00")),
        ("Setup fee: Bronze", Decimal("5.00")),
    ]
    assert (invoice.subtotal, invoice.tax, invoice.total) == (
        Decimal("15.00"),
        Decimal("3.00"),
        Decimal("18.00"),
    )
    assert invoice.number == "INV-00001"
    assert invoice.due_date == date(2027, 1, 17)
    assert invoice.status == "unpaid"
    assert len(mail.outbox) == 1
    assert "INV-00001" in mail.outbox[0].subject
    assert mail.outbox[0].attachments[0][0] == "INV-00001.pdf"


def test_missed_periods_are_billed_oldest_first_on_one_invoice(billing):
    sub = billing.subscribe(package="Bronze", cycle="monthly", start=date(2027, 1, 15))
    report = billing.run(as_of=date(2027, 4, 20))
    assert report.invoices_created == 1
    assert billing.periods(sub) == [
        (date(2027, 1, 15), date(2027, 2, 15)),
        (date(2027, 2, 15), date(2027, 3, 15)),
        (date(2027, 3, 15), date(2027, 4, 15)),
        (date(2027, 4, 15), date(2027, 5, 15)),
    ]
    sub.refresh_from_db()
    assert sub.renewal_date == date(2027, 5, 15)
    assert sub.renewed_on == date(2027, 4, 15)
    billing.assert_nothing_more_to_bill(as_of=date(2027, 4, 20))


def test_dry_run_writes_nothing(billing):
    billing.subscribe(package="Bronze", cycle="monthly", start=date(2027, 1, 10))
    report = billing.run(as_of=date(2027, 1, 10), dry_run=True)
    assert report.invoices_created == 1
    assert report.preview[0]["total"] == "18.00"
    assert Invoice.objects.count() == 0
    assert len(mail.outbox) == 0


def test_candidates_among_some_customers_are_those_with_something_left(billing, system):
    # given three customers due on 1 March, one of them billed already
    from fairbill.automation.billing_run import candidate_customers
    from fairbill.core.models import BusinessSettings
    from fairbill.customers.services import customer_create

    others = [
        customer_create(actor=system, name=f"Other {n}", email=f"o{n}@example.com", country="GB")
        for n in range(2)
    ]
    for customer in [billing.customer, *others]:
        billing.subscribe(start=date(2027, 2, 1), customer=customer)
    billing.run(as_of=date(2027, 2, 1))
    billing.subscribe(start=date(2027, 3, 1), customer=others[0])  # due again later
    business = BusinessSettings.load()
    # when the candidates are looked for among two of them as of 1 February, again
    found = candidate_customers(
        as_of=date(2027, 2, 1),
        horizon=date(2027, 2, 1),
        business=business,
        among=[billing.customer.pk, others[0].pk],
    )
    # then none is left: all were billed (the new subscription is not due yet)
    assert found == []
    # and as of 1 March, only those among the ids with something due
    found = candidate_customers(
        as_of=date(2027, 3, 1),
        horizon=date(2027, 3, 1),
        business=business,
        among=[billing.customer.pk, others[0].pk],
    )
    assert found == sorted([billing.customer.pk, others[0].pk])


def test_a_process_of_a_parallel_run_bills_each_customer_once(billing, system):
    # given five customers due on 1 February
    from fairbill.customers.services import customer_create

    customers = [billing.customer] + [
        customer_create(actor=system, name=f"Other {n}", email=f"o{n}@example.com", country="GB")
        for n in range(4)
    ]
    for customer in customers:
        billing.subscribe(start=date(2027, 2, 1), customer=customer)
    # when the second of two processes runs alone, in batches of two, then the first
    second = billing.run(as_of=date(2027, 2, 1), share=(1, 2), batch_size=2, record=False)
    first = billing.run(as_of=date(2027, 2, 1), share=(0, 2), batch_size=2, record=False)
    # then the second billed everyone, starting from its own place, and the first nothing
    assert second.invoices_created == 5
    assert first.invoices_created == 0
    assert [len(billing.invoices(customer=c)) for c in customers] == [1, 1, 1, 1, 1]
    billing.assert_nothing_more_to_bill(as_of=date(2027, 2, 1))
