from datetime import date
from decimal import Decimal

import pytest
from django.db.models import Sum

from fairbill.core.errors import InvalidInput, Refused
from fairbill.core.models import Event
from fairbill.customers.merge import customer_merge, customer_merge_preview
from fairbill.customers.models import Customer
from fairbill.customers.services import customer_create, customer_login_create, customer_note_add
from fairbill.invoicing.models import Invoice
from fairbill.invoicing.services import invoice_create
from fairbill.notifications.models import EmailLog
from fairbill.payments.models import CreditEntry, Payment
from fairbill.payments.services import credit_add, credit_balance, payment_record
from fairbill.subscriptions.models import Subscription
from fairbill.subscriptions.services import subscription_create

ON = date(2027, 5, 1)


@pytest.fixture
def duplicate(customer, admin, bronze, gb_vat):
    """A second account for the same person, with a package, invoices, a payment, credit,
    a note and a login."""
    dup = customer_create(actor=admin, name="J. Smith", email="j.smith@example.com", country="GB")
    subscription_create(actor=admin, customer=dup, package=bronze, cycle="monthly", start_date=ON)
    lines = [{"description": "Work", "unit_price": "50.00"}]
    paid = invoice_create(actor=admin, customer=dup, lines=lines, issue_date=ON)
    invoice_create(actor=admin, customer=dup, lines=lines, issue_date=ON)
    payment_record(actor=admin, invoice=paid, amount="70.00", method="cash", on=ON)
    credit_add(actor=admin, customer=dup, amount="5.00", reason="Sorry", on=ON)
    customer_note_add(actor=admin, customer=dup, body="Duplicate account", public=False)
    customer_login_create(actor=admin, customer=dup, username="jsmith", password="a-long-secret-1")
    invoice_create(actor=admin, customer=customer, lines=lines, issue_date=ON)
    return dup


def totals():
    return (
        Invoice.objects.aggregate(t=Sum("total"), b=Sum("balance")),
        Payment.objects.aggregate(s=Sum("amount")),
        CreditEntry.objects.aggregate(s=Sum("amount")),
        Invoice.objects.count(),
        Payment.objects.count(),
        Subscription.objects.count(),
        EmailLog.objects.count(),
    )


def test_everything_moves_and_nothing_is_lost(customer, duplicate, admin):
    before = totals()
    target_credit = credit_balance(customer) + credit_balance(duplicate)
    preview = customer_merge_preview(target=customer, source=duplicate)
    moved = customer_merge(actor=admin, target=customer, source=duplicate)
    assert {i.label: i.count for i in moved} == {i.label: i.count for i in preview}
    assert totals() == before
    assert Invoice.objects.filter(customer=customer).count() == 3
    assert Subscription.objects.filter(customer=customer).count() == 1
    assert customer.notes.count() == 1
    assert credit_balance(customer) == target_credit == Decimal("15.00")  # 10 overpaid + 5
    assert not Invoice.objects.filter(customer=duplicate).exists()
    assert Event.objects.filter(customer_id=duplicate.pk).count() == 1  # only "merged away"
    event = Event.objects.get(action="customer.merged")
    assert event.data["moved"]["invoices"] == 2


def test_source_is_closed_findable_and_cannot_log_in(customer, duplicate, admin, client):
    customer_merge(actor=admin, target=customer, source=duplicate)
    duplicate.refresh_from_db()
    assert (duplicate.status, duplicate.merged_into) == ("cancelled", customer)
    assert Customer.objects.filter(name="J. Smith").exists()
    assert not duplicate.user.is_active
    response = client.post("/account/login/", {"username": "jsmith", "password": "a-long-secret-1"})
    assert "_auth_user_id" not in client.session
    assert response.status_code in (200, 429)


def test_refused_for_the_same_customer_or_different_currencies(customer, admin, business):
    with pytest.raises(InvalidInput, match="itself"):
        customer_merge(actor=admin, target=customer, source=customer)
    euro = customer_create(
        actor=admin, name="Euro", email="e@example.com", country="DE", currency="EUR"
    )
    with pytest.raises(Refused, match="different currencies"):
        customer_merge(actor=admin, target=customer, source=euro)
    euro.refresh_from_db()
    assert euro.merged_into is None


def test_a_merged_customer_cannot_be_merged_again(customer, duplicate, admin, business):
    customer_merge(actor=admin, target=customer, source=duplicate)
    other = customer_create(actor=admin, name="Other", email="o@example.com", country="GB")
    with pytest.raises(Refused, match="already merged"):
        customer_merge(actor=admin, target=other, source=duplicate)
    with pytest.raises(Refused, match="merge into that one"):
        customer_merge(actor=admin, target=duplicate, source=other)
