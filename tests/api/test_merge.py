"""GET /customers/{id}/merge-preview and POST /customers/{id}/merge."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from fairbill.core.models import Event
from fairbill.customers.merge import customer_merge
from fairbill.customers.models import Customer
from fairbill.customers.services import customer_create, customer_note_add
from fairbill.invoicing.models import Invoice
from fairbill.invoicing.services import invoice_create
from fairbill.payments.services import credit_add, credit_balance, payment_record
from fairbill.subscriptions.models import Subscription
from fairbill.subscriptions.services import subscription_create
from tests.api.checks import assert_invalid, rows

ON = date(2027, 5, 1)


@pytest.fixture
def duplicate(customer, admin, bronze, gb_vat):
    """A second account for the same person: a package, two £60 invoices (one paid), £5
    credit and a note."""
    dup = customer_create(actor=admin, name="J. Smith", email="j.smith@example.com", country="GB")
    subscription_create(actor=admin, customer=dup, package=bronze, cycle="monthly", start_date=ON)
    lines = [{"description": "Work", "unit_price": "50.00"}]
    paid = invoice_create(actor=admin, customer=dup, lines=lines, issue_date=ON)
    invoice_create(actor=admin, customer=dup, lines=lines, issue_date=ON)
    payment_record(actor=admin, invoice=paid, amount="60.00", method="cash", on=ON)
    credit_add(actor=admin, customer=dup, amount="5.00", reason="Sorry", on=ON)
    customer_note_add(actor=admin, customer=dup, body="Duplicate account")
    return dup


MOVED = {
    "subscriptions": 1,
    "invoices": 2,
    "payments": 1,
    "credit entries": 1,
    "customer notes": 1,
}


def written() -> dict[str, object]:
    return {
        **rows(),
        "by customer": sorted(Invoice.objects.values_list("customer_id", "id")),
        "merged": sorted(Customer.objects.values_list("id", "merged_into", "status")),
    }


def test_preview_a_merge_moving_nothing(api, customer, duplicate):
    before = written()
    response = api.get(f"/customers/{customer.pk}/merge-preview", source_id=duplicate.pk)
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["target_id"], body["source_id"]) == (customer.pk, duplicate.pk)
    moved = body["moved"]
    assert moved.pop("history events") >= 5  # created, subscribed, invoiced, paid, credit…
    assert moved.pop("email logs") >= 2  # the two invoices, at least
    assert moved == MOVED
    assert written() == before


def test_merge_moves_what_the_preview_showed(api, customer, duplicate):
    preview = api.get(f"/customers/{customer.pk}/merge-preview", source_id=duplicate.pk).json()
    response = api.post(f"/customers/{customer.pk}/merge", {"source_id": duplicate.pk})
    assert response.status_code == 200, response.content
    assert response.json() == preview
    # everything is the target's now, and the source is closed but findable
    assert Invoice.objects.filter(customer=customer).count() == 2
    assert Subscription.objects.filter(customer=customer).count() == 1
    assert credit_balance(customer) == Decimal("5.00")
    duplicate.refresh_from_db()
    assert (duplicate.status, duplicate.merged_into_id) == ("cancelled", customer.pk)
    assert api.get(f"/customers/{duplicate.pk}").json()["merged_into"] == customer.pk
    event = Event.objects.get(action="customer.merged")
    assert event.actor_label == "admin (API key tests)"
    assert event.data["moved"]["invoices"] == 2


@pytest.fixture
def euro(admin, business):
    return customer_create(
        actor=admin, name="Euro GmbH", email="e@example.com", country="DE", currency="EUR"
    )


@pytest.fixture
def merged(customer, duplicate, admin):
    customer_merge(actor=admin, target=customer, source=duplicate)
    return duplicate


@pytest.fixture
def other(admin, business):
    return customer_create(actor=admin, name="Other", email="o@example.com", country="GB")


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize(
    ("target", "source", "status", "names"),
    [
        ("customer", "customer", 422, "source_id"),
        ("customer", 31337, 422, "source_id"),
        ("customer", 0, 422, "source_id"),
        ("customer", "x", 422, "source_id"),
        ("customer", None, 422, "source_id"),
        ("customer", "euro", 409, "different currencies"),
        ("other", "merged", 409, "already merged"),
        ("merged", "other", 409, "merge into that one"),
    ],
)
def test_a_refused_merge_moves_nothing(
    api, request, customer, duplicate, method, target, source, status, names
):
    target_id = request.getfixturevalue(target).pk
    source_id = (
        request.getfixturevalue(source).pk
        if source in ("customer", "euro", "merged", "other")
        else source
    )
    before = written()
    path = f"/customers/{target_id}/merge"
    if method == "get":
        params = {} if source_id is None else {"source_id": source_id}
        response = api.get(path + "-preview", **params)
    else:
        response = api.post(path, {} if source_id is None else {"source_id": source_id})
    if status == 422:
        assert_invalid(response, names)
    else:
        assert response.status_code == 409, response.content
        assert response.json()["code"] == "refused"
        assert names in response.json()["detail"]
    assert written() == before


def test_an_unknown_target_is_not_found(api, duplicate):
    response = api.post("/customers/31337/merge", {"source_id": duplicate.pk})
    assert response.status_code == 404
    assert api.get("/customers/31337/merge-preview", source_id=duplicate.pk).status_code == 404


def test_an_extra_field_is_refused(api, customer, duplicate):
    response = api.post(
        f"/customers/{customer.pk}/merge", {"source_id": duplicate.pk, "force": True}
    )
    assert_invalid(response, "force")
    assert Customer.objects.get(pk=duplicate.pk).merged_into is None


def test_merging_needs_the_customers_privilege(billing_clerk, customer, duplicate):
    before = written()
    preview = billing_clerk.get(f"/customers/{customer.pk}/merge-preview", source_id=duplicate.pk)
    assert preview.status_code == 403
    response = billing_clerk.post(f"/customers/{customer.pk}/merge", {"source_id": duplicate.pk})
    assert response.status_code == 403
    assert written() == before


def test_a_retried_merge_is_made_once(api, customer, duplicate):
    key = {"Idempotency-Key": "merge-1"}
    path = f"/customers/{customer.pk}/merge"
    first = api.post(path, {"source_id": duplicate.pk}, headers=key)
    again = api.post(path, {"source_id": duplicate.pk}, headers=key)
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Event.objects.filter(action="customer.merged").count() == 1
    # without the key, the second merge is refused: the source is already merged
    assert api.post(path, {"source_id": duplicate.pk}).status_code == 409
