"""Back office → Payments: the list of received payments (filters, refunds, disputes), a
payment's page, and the charge attempts that failed or are still open."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from fairbill.backoffice.views import common
from fairbill.customers.services import customer_create
from fairbill.invoicing.services import invoice_create
from fairbill.payments.models import Dispute, PaymentAttempt, Refund, SavedPaymentMethod
from fairbill.payments.services import payment_record

pytestmark = pytest.mark.django_db

NOW = datetime(2027, 3, 10, 12, tzinfo=UTC)


def bill(actor, customer, price):
    return invoice_create(
        actor=actor,
        customer=customer,
        lines=[{"description": "Work", "quantity": "1", "unit_price": price}],
        issue_date=date(2027, 3, 1),
        due_date=date(2027, 3, 8),
    )


@pytest.fixture
def omar(system, business):
    return customer_create(actor=system, name="Omar Ali", email="omar@example.com", country="GB")


@pytest.fixture
def received(system, customer, omar):
    """Jane pays £100.00 by bank transfer (5 March) and £40.00 by card (7 March: £15.00
    refunded, disputed); Omar pays £30.00 by cheque (6 March)."""
    janes = bill(system, customer, "140.00")
    transfer = payment_record(
        actor=system,
        invoice=janes,
        amount="100.00",
        method="bank_transfer",
        on=date(2027, 3, 5),
        reference="BACS-77",
    )
    card = payment_record(
        actor=system, invoice=janes, amount="40.00", method="card", on=date(2027, 3, 7)
    )
    cheque = payment_record(
        actor=system,
        invoice=bill(system, omar, "30.00"),
        amount="30.00",
        method="cheque",
        on=date(2027, 3, 6),
    )
    Refund.objects.create(
        payment=card,
        invoice=janes,
        amount=Decimal("15.00"),
        currency="GBP",
        reason="Goodwill",
        gateway_reference="re_1",
        created_on=date(2027, 3, 9),
        created_at=NOW,
    )
    Dispute.objects.create(
        payment=card,
        invoice=janes,
        gateway_reference="dp_1",
        amount=Decimal("25.00"),
        currency="GBP",
        reason="fraudulent",
        opened_at=NOW,
    )
    return {"transfer": transfer, "card": card, "cheque": cheque, "janes": janes}


def rows(page: str) -> str:
    return page.split('data-testid="payments"', 1)[1].split("</table>", 1)[0]


def test_the_list_shows_payments_newest_first_with_refunds_and_disputes(staff_client, received):
    page = staff_client.get("/payments/").content.decode()
    table = rows(page)
    card, cheque, transfer = received["card"], received["cheque"], received["transfer"]
    positions = [table.index(f"/payments/{p.pk}/") for p in (card, cheque, transfer)]
    assert positions == sorted(positions)
    assert "Jane Smith" in table
    assert "Omar Ali" in table
    assert received["janes"].number in table
    assert "£15.00" in table  # refunded
    assert "Open" in table  # the dispute
    assert "BACS-77" in table


@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [
        ("method=cheque", ["cheque"], ["card", "transfer"]),
        ("customer=Omar", ["cheque"], ["card", "transfer"]),
        ("received_from=2027-03-06&received_to=2027-03-06", ["cheque"], ["card", "transfer"]),
        ("customer=Jane&method=card", ["card"], ["cheque", "transfer"]),
    ],
)
def test_the_list_filters_by_method_customer_and_dates(
    staff_client, received, query, shown, hidden
):
    table = rows(staff_client.get(f"/payments/?{query}").content.decode())
    for name in shown:
        assert f"/payments/{received[name].pk}/" in table
    for name in hidden:
        assert f"/payments/{received[name].pk}/" not in table


def test_a_bad_date_filter_is_shown_and_the_list_stays(staff_client, received):
    page = staff_client.get("/payments/?received_from=yesterday").content.decode()
    assert "Enter a valid date" in page
    assert f"/payments/{received['cheque'].pk}/" in page


def test_the_list_pages_by_cursor(staff_client, received, monkeypatch):
    monkeypatch.setattr(common, "PER_PAGE", 2)
    monkeypatch.setattr(common.paginate, "__defaults__", (2,))
    first = staff_client.get("/payments/")
    assert first.context["page"].next_cursor
    second = staff_client.get(f"/payments/?after={first.context['page'].next_cursor}")
    shown = [p.pk for p in first.context["page"].object_list] + [
        p.pk for p in second.context["page"].object_list
    ]
    card, cheque, transfer = received["card"], received["cheque"], received["transfer"]
    assert shown == [card.pk, cheque.pk, transfer.pk]


def test_a_payment_page_shows_invoices_refunds_disputes_and_the_refund_action(
    staff_client, received
):
    card = received["card"]
    page = staff_client.get(f"/payments/{card.pk}/").content.decode()
    assert received["janes"].number in page.split('data-testid="allocations"', 1)[1]
    assert "Goodwill" in page
    assert "re_1" in page
    assert "Dispute" in page
    assert "fraudulent" in page
    assert 'data-testid="refunded">£15.00<' in page
    assert f'href="/payments/{card.pk}/refund/"' in page


def test_a_payment_from_an_automatic_charge_names_the_attempt(staff_client, received, customer):
    method = SavedPaymentMethod.objects.create(
        customer=customer,
        gateway="fake",
        reference="fake_pm_1",
        kind="card",
        label="Visa",
        last4="4242",
        is_default=True,
        created_at=NOW,
    )
    card = received["card"]
    PaymentAttempt.objects.create(
        invoice=received["janes"],
        customer=customer,
        method=method,
        number=1,
        amount=Decimal("40.00"),
        currency="GBP",
        state="succeeded",
        gateway="fake",
        payment=card,
        on=date(2027, 3, 7),
        created_at=NOW,
        updated_at=NOW,
    )
    page = staff_client.get(f"/payments/{card.pk}/").content.decode()
    attempt = page.split('data-testid="attempt">', 1)[1].split("</td>", 1)[0]
    assert "attempt 1" in attempt
    assert "Visa •••• 4242" in attempt


@pytest.fixture
def failed_charge(system, customer, received):
    """An unpaid invoice of Jane's whose automatic charge was declined."""
    invoice = bill(system, customer, "12.00")
    method = SavedPaymentMethod.objects.create(
        customer=customer,
        gateway="fake",
        reference="fake_pm_2",
        kind="card",
        label="Visa",
        last4="0341",
        is_default=True,
        created_at=NOW,
    )
    return PaymentAttempt.objects.create(
        invoice=invoice,
        customer=customer,
        method=method,
        number=1,
        amount=invoice.total,
        currency="GBP",
        state="failed",
        gateway="fake",
        decline_code="insufficient_funds",
        failure_message="Your card has insufficient funds.",
        on=date(2027, 3, 9),
        created_at=NOW,
        updated_at=NOW,
    )


def test_the_dashboard_links_failed_charges_to_the_attempt_list(staff_client, failed_charge):
    dashboard = staff_client.get("/").content.decode()
    assert 'href="/payments/attempts/" data-testid="to-look-at">1<' in dashboard
    page = staff_client.get("/payments/attempts/").content.decode()
    listed = page.split('data-testid="attempt-list"', 1)[1]
    assert failed_charge.invoice.number in listed
    assert "insufficient_funds" in listed


def test_the_attempt_list_leaves_out_a_charge_paid_since(staff_client, failed_charge, system):
    payment_record(
        actor=system,
        invoice=failed_charge.invoice,
        amount=failed_charge.amount,
        method="bank_transfer",
        on=date(2027, 3, 10),
    )
    page = staff_client.get("/payments/attempts/").content.decode()
    assert 'data-testid="attempt-list"' not in page
    every = staff_client.get("/payments/attempts/?show=failed").content.decode()
    assert failed_charge.invoice.number in every.split('data-testid="attempt-list"', 1)[1]


def test_payments_need_the_invoices_privilege(client_with, received):
    client = client_with("customers")
    assert client.get("/payments/").status_code == 403
    assert client.get(f"/payments/{received['card'].pk}/").status_code == 403
    assert client.get("/payments/attempts/").status_code == 403


def test_the_invoice_page_links_each_payment_to_its_page(staff_client, received):
    page = staff_client.get(f"/invoices/{received['janes'].pk}/").content.decode()
    assert f'href="/payments/{received["card"].pk}/"' in page
    assert f'href="/payments/{received["transfer"].pk}/"' in page
