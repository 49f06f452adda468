"""GET /payments and /payments/{id}: received payments with their invoices, refunds, the
latest dispute and the automatic charge they came from."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from fairbill.customers.services import customer_create
from fairbill.invoicing.services import invoice_create
from fairbill.payments.models import Dispute, Refund
from fairbill.payments.services import payment_record
from tests.api.checks import assert_invalid

pytestmark = pytest.mark.django_db

NOW = datetime(2027, 3, 10, 12, tzinfo=UTC)


def paid(actor, invoice, amount, on, method="bank_transfer", reference=""):
    return payment_record(
        actor=actor, invoice=invoice, amount=amount, method=method, on=on, reference=reference
    )


@pytest.fixture
def other_customer(system):
    return customer_create(
        actor=system,
        name="Omar Ali",
        email="omar@example.com",
        country="GB",
        address_line1="3 Low Road",
        city="Leeds",
        postcode="LS1 1AA",
    )


@pytest.fixture
def payments(admin, customer, other_customer, invoice, gb_vat):
    """Jane pays £120.00 in two parts (8 and 9 March, the second by card, refunded £5.00 and
    disputed); Omar pays £12.00 on 9 March."""
    first = paid(admin, invoice, "100.00", date(2027, 3, 8), reference="BACS 1")
    second = paid(admin, invoice, "20.00", date(2027, 3, 9), method="card")
    omars = invoice_create(
        actor=admin,
        customer=other_customer,
        lines=[{"description": "Support", "quantity": "1", "unit_price": "10.00"}],
        issue_date=date(2027, 3, 1),
        due_date=date(2027, 3, 8),
    )
    third = paid(admin, omars, "12.00", date(2027, 3, 9))
    Refund.objects.create(
        payment=second,
        invoice=invoice,
        amount=Decimal("3.00"),
        currency="GBP",
        reason="Goodwill",
        created_on=date(2027, 3, 10),
        created_at=NOW,
    )
    Refund.objects.create(
        payment=second,
        invoice=invoice,
        amount=Decimal("2.00"),
        currency="GBP",
        reason="Goodwill again",
        created_on=date(2027, 3, 10),
        created_at=NOW,
    )
    Dispute.objects.create(
        payment=second,
        invoice=invoice,
        gateway_reference="dp_1",
        amount=Decimal("15.00"),
        currency="GBP",
        reason="fraudulent",
        opened_at=NOW,
    )
    return first, second, third, omars


def test_the_list_is_newest_first_with_refunds_and_dispute(api, payments, invoice):
    first, second, third, omars = payments
    body = api.get("/payments").json()
    assert body["count"] == 3
    assert [p["id"] for p in body["items"]] == [third.pk, second.pk, first.pk]
    card = body["items"][1]
    assert (card["amount"], card["method"], card["date"]) == ("20.00", "card", "2027-03-09")
    assert card["allocations"] == [{"invoice_id": invoice.pk, "amount": "20.00"}]
    assert card["refunded"] == "5.00"
    assert sorted(r["amount"] for r in card["refunds"]) == ["2.00", "3.00"]
    assert card["dispute"]["status"] == "open"
    assert card["dispute"]["amount"] == "15.00"
    assert card["attempt_id"] is None
    bank = body["items"][2]
    assert (bank["refunded"], bank["refunds"], bank["dispute"]) == ("0.00", [], None)
    assert bank["reference"] == "BACS 1"


def test_filters_by_customer_invoice_and_method(api, payments, customer, other_customer, invoice):
    first, second, third, omars = payments
    ids = lambda query: [p["id"] for p in api.get(f"/payments?{query}").json()["items"]]  # noqa: E731
    assert ids(f"customer_id={customer.pk}") == [second.pk, first.pk]
    assert ids(f"customer_id={other_customer.pk}") == [third.pk]
    assert ids(f"invoice_id={invoice.pk}") == [second.pk, first.pk]
    assert ids(f"invoice_id={omars.pk}") == [third.pk]
    assert ids("method=card") == [second.pk]
    assert ids(f"method=bank_transfer&customer_id={customer.pk}") == [first.pk]
    assert ids("received_from=2027-03-09") == [third.pk, second.pk]
    assert ids("received_to=2027-03-08") == [first.pk]
    assert ids("received_from=2027-03-10") == []


def test_unknown_ids_give_an_empty_list(api, payments):
    body = api.get("/payments?customer_id=999999&invoice_id=999999").json()
    assert (body["items"], body["count"]) == ([], 0)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("method=bitcoin", "method"),
        ("customer_id=abc", "customer_id"),
        ("invoice_id=0", "invoice_id"),
        ("cursor=not-a-cursor", "cursor"),
        ("received_from=2027-02-30", "received_from"),
    ],
)
def test_bad_filters_are_refused(api, payments, query, field):
    assert_invalid(api.get(f"/payments?{query}"), field)


def test_cursor_paging_shows_every_payment_once(api, payments):
    first, second, third, _ = payments
    page1 = api.get("/payments?limit=2").json()
    assert [p["id"] for p in page1["items"]] == [third.pk, second.pk]
    page2 = api.get(f"/payments?limit=2&cursor={page1['next_cursor']}").json()
    assert [p["id"] for p in page2["items"]] == [first.pk]
    assert page2["next_cursor"] is None


def test_the_list_takes_a_fixed_number_of_queries(api, payments, django_assert_max_num_queries):
    with django_assert_max_num_queries(9):
        assert len(api.get("/payments").json()["items"]) == 3


def test_one_payment(api, payments, invoice):
    _, second, _, _ = payments
    body = api.get(f"/payments/{second.pk}").json()
    assert (body["id"], body["refunded"], body["dispute"]["status"]) == (second.pk, "5.00", "open")
    assert api.get("/payments/999999").status_code == 404


def test_payments_need_the_invoices_privilege(reporter, payments):
    assert reporter.get("/payments").status_code == 403
    assert reporter.get(f"/payments/{payments[0].pk}").status_code == 403
