"""GET/POST /customers and GET/PATCH /customers/{id}."""

from __future__ import annotations

import pytest

from fairbill.core.models import Event
from fairbill.customers.models import Customer
from fairbill.customers.services import customer_create
from tests.api.checks import assert_invalid

ANN = {"name": "Ann Lee", "email": "Ann@Example.com", "country": "GB"}


def test_create_a_customer(api, business):
    # when creating a customer with the minimum details
    response = api.post("/customers", {**ANN, "city": "York", "vat_number": "GB 980 7806 84"})
    # then it is active, in the business currency, with a normalised email and VAT number
    assert response.status_code == 201
    body = response.json()
    assert body["name"] == "Ann Lee"
    assert body["email"] == "ann@example.com"
    assert body["country"] == "GB"
    assert body["currency"] == "GBP"
    assert body["status"] == "active"
    assert body["vat_number"] == "GB980780684"
    assert body["vat_applies"] is True
    assert body["payment_method"] == "bank_transfer"
    assert body["merged_into"] is None
    assert Customer.objects.get(pk=body["id"]).city == "York"
    assert Event.objects.filter(action="customer.created", customer_id=body["id"]).exists()


def test_a_change_through_the_api_is_recorded_as_the_api_key(api, business):
    # when a customer is created with the administrator's key (named "tests")
    response = api.post("/customers", ANN)
    # then the audit event names the staff user and the key
    event = Event.objects.get(action="customer.created", customer_id=response.json()["id"])
    assert (event.actor_kind, event.actor_label) == ("api", "admin (API key tests)")


def test_create_a_pending_customer_in_another_currency(api, business):
    response = api.post(
        "/customers", {**ANN, "currency": "EUR", "status": "pending", "payment_method": "card"}
    )
    assert response.status_code == 201
    assert (response.json()["currency"], response.json()["status"]) == ("EUR", "pending")


def test_get_a_customer(api, customer):
    response = api.get(f"/customers/{customer.pk}")
    assert response.status_code == 200
    assert response.json()["email"] == "jane@example.com"
    assert response.json()["postcode"] == "SW1A 1AA"


@pytest.mark.parametrize("method", ["get", "patch"])
def test_an_unknown_customer_is_not_found(api, business, method):
    response = getattr(api, method)("/customers/31337")
    assert response.status_code == 404
    assert response.json() == {"detail": "No customer with id 31337.", "code": "not_found"}


@pytest.fixture
def customers(business, system):
    return [
        customer_create(actor=system, name=name, email=email, country="GB", status=status)
        for name, email, status in [
            ("Zed Works", "zed@works.example", "active"),
            ("Alpha Ltd", "ops@alpha.example", "suspended"),
            ("Beta plc", "beta@beta.example", "active"),
        ]
    ]


def test_list_customers_by_name(api, customers):
    response = api.get("/customers")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    assert [c["name"] for c in body["items"]] == ["Alpha Ltd", "Beta plc", "Zed Works"]


def test_search_customers(api, customers):
    response = api.get("/customers", q="alpha.example")
    assert [c["name"] for c in response.json()["items"]] == ["Alpha Ltd"]
    assert response.json()["count"] == 1


def test_filter_customers_by_status(api, customers):
    response = api.get("/customers", status="active")
    assert [c["name"] for c in response.json()["items"]] == ["Beta plc", "Zed Works"]


def test_an_unknown_status_filter_is_refused(api, customers):
    assert_invalid(api.get("/customers", status="happy"), "status")


def test_patch_contact_details(api, customer):
    response = api.patch(f"/customers/{customer.pk}", {"phone": "+44 20 7946 0000", "city": "Bath"})
    assert response.status_code == 200
    assert (response.json()["phone"], response.json()["city"]) == ("+44 20 7946 0000", "Bath")
    assert Event.objects.filter(action="customer.updated", customer_id=customer.pk).exists()


def test_patch_currency_of_a_customer_with_invoices_is_refused(api, customer, admin):
    from datetime import date

    from fairbill.invoicing.services import invoice_create

    # given a GBP customer with an invoice
    invoice_create(
        actor=admin,
        customer=customer,
        lines=[{"description": "Work", "quantity": "1", "unit_price": "10.00"}],
        issue_date=date(2027, 3, 1),
    )
    # when a script switches it to dollars
    response = api.patch(f"/customers/{customer.pk}", {"currency": "USD", "name": "Renamed"})
    # then it is refused, naming the field, and nothing changed
    assert response.status_code == 409, response.content
    assert response.json()["field"] == "currency"
    customer.refresh_from_db()
    assert (customer.currency, customer.name) == ("GBP", "Jane Smith")


def test_patch_status_changes_it_with_a_reason(api, customer):
    response = api.patch(
        f"/customers/{customer.pk}", {"status": "suspended", "status_reason": "Asked to pause"}
    )
    assert response.status_code == 200
    assert response.json()["status"] == "suspended"
    assert response.json()["status_reason"] == "Asked to pause"
    assert Event.objects.filter(action="customer.status_changed", customer_id=customer.pk).exists()


def test_patch_details_and_status_together(api, customer):
    response = api.patch(f"/customers/{customer.pk}", {"name": "Jane Doe", "status": "cancelled"})
    assert (response.json()["name"], response.json()["status"]) == ("Jane Doe", "cancelled")


def test_a_bad_status_rolls_back_the_details_sent_with_it(api, customer):
    response = api.patch(f"/customers/{customer.pk}", {"name": "Jane Doe", "status": "asleep"})
    assert_invalid(response, "status")
    customer.refresh_from_db()
    assert (customer.name, customer.status) == ("Jane Smith", "active")


def test_merged_into_is_read_only(api, customer):
    response = api.patch(f"/customers/{customer.pk}", {"merged_into": 1})
    assert_invalid(response, "merged_into")


def customer_with(**changes):
    return {**ANN, **changes}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (customer_with(name=""), "name"),
        (customer_with(name="   "), "name"),
        (customer_with(name="x" * 201), "name"),
        ({"email": "a@example.com", "country": "GB"}, "name"),
        (customer_with(email="not-an-email"), "email"),
        (customer_with(email="ann@"), "email"),
        (customer_with(email=""), "email"),
        (customer_with(country="XX"), "country"),
        (customer_with(country=""), "country"),
        (customer_with(currency="XYZ"), "currency"),
        (customer_with(vat_number="GB123"), "vat_number"),
        (customer_with(country="DE", vat_number="DE12345"), "vat_number"),
        (customer_with(payment_method="barter"), "payment_method"),
        (customer_with(status="happy"), "status"),
        (customer_with(vat_applies="perhaps"), "vat_applies"),
        (customer_with(postcode="9" * 1000), "postcode"),
        (customer_with(city="Nul\x00city"), "city"),
        (customer_with(merged_into=1), "merged_into"),
        (customer_with(name=None), "name"),
    ],
)
def test_an_invalid_customer_is_refused_and_nothing_is_written(api, customer, body, field):
    events = Event.objects.count()
    response = api.post("/customers", body)
    assert_invalid(response, field)
    assert Customer.objects.count() == 1
    assert Event.objects.count() == events


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": ""}, "name"),
        ({"email": "broken"}, "email"),
        ({"country": "ZZ"}, "country"),
        ({"vat_number": "GB000"}, "vat_number"),
        ({"currency": "ABC"}, "currency"),
        ({"status": "asleep"}, "status"),
        ({"email": None}, "email"),
        ({"status_reason": "no status"}, "status_reason"),
    ],
)
def test_an_invalid_patch_changes_nothing(api, customer, body, field):
    before = api.get(f"/customers/{customer.pk}").json()
    events = Event.objects.count()
    response = api.patch(f"/customers/{customer.pk}", body)
    assert_invalid(response, field)
    assert api.get(f"/customers/{customer.pk}").json() == before
    assert Event.objects.count() == events
