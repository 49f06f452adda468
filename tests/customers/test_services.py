import pytest

from fairbill.core.errors import InvalidInput, Refused
from fairbill.core.models import Event
from fairbill.customers.models import Customer
from fairbill.customers.services import (
    customer_create,
    customer_login_create,
    customer_note_add,
    customer_set_status,
    customer_update,
)


def test_create_customer_defaults_to_business_currency_and_records_event(business, admin):
    customer = customer_create(
        actor=admin, name=" Jane Smith ", email="Jane@Example.com", country="GB"
    )
    assert customer.name == "Jane Smith"
    assert customer.email == "jane@example.com"
    assert customer.currency == "GBP"
    assert customer.status == "active"
    event = Event.objects.get(action="customer.created")
    assert event.customer_id == customer.pk
    assert event.actor_label == "admin"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": ""}, "name"),
        ({"email": "not-an-email"}, "email"),
        ({"country": "XX"}, "country"),
        ({"currency": "ABC"}, "currency"),
        ({"vat_number": "GB123"}, "not a valid GB VAT number"),
        ({"payment_method": "barter"}, "payment method"),
        ({"status": "happy"}, "status"),
    ],
)
def test_bad_customer_input_is_refused_and_nothing_written(business, admin, fields, message):
    values = {"name": "Jane", "email": "jane@example.com", "country": "GB", **fields}
    with pytest.raises(InvalidInput, match=message):
        customer_create(actor=admin, **values)
    assert Customer.objects.count() == 0
    assert not Event.objects.filter(action="customer.created").exists()


def test_vat_number_is_checked_and_kept_compact(business, admin):
    customer = customer_create(
        actor=admin,
        name="Acme GmbH",
        email="a@example.de",
        country="DE",
        vat_number="DE 136 695 976",
    )
    assert customer.vat_number == "DE136695976"


def test_update_records_only_what_changed(customer, admin):
    customer_update(actor=admin, customer=customer, city="Leeds", name="Jane Smith")
    event = Event.objects.get(action="customer.updated")
    assert event.data == {"city": ["London", "Leeds"]}


def test_update_with_bad_input_changes_nothing(customer, admin):
    with pytest.raises(InvalidInput):
        customer_update(actor=admin, customer=customer, city="Leeds", email="bad")
    customer.refresh_from_db()
    assert customer.city == "London"


def test_status_change_is_recorded(customer, admin):
    customer_set_status(actor=admin, customer=customer, status="suspended", reason="asked to")
    customer.refresh_from_db()
    assert customer.status == "suspended"
    assert Event.objects.get(action="customer.status_changed").data == {
        "status": ["active", "suspended"]
    }


def test_merged_customer_cannot_be_edited(customer, admin, business):
    target = customer_create(actor=admin, name="Target", email="t@example.com", country="GB")
    Customer.objects.filter(pk=customer.pk).update(merged_into=target)
    with pytest.raises(Refused):
        customer_update(actor=admin, customer=customer, city="Leeds")


def test_notes_public_and_private(customer, admin):
    customer_note_add(actor=admin, customer=customer, body="Pays late", public=False)
    customer_note_add(actor=admin, customer=customer, body="Welcome!", public=True)
    assert [n.public for n in customer.notes.all()] == [True, False]
    with pytest.raises(InvalidInput):
        customer_note_add(actor=admin, customer=customer, body="   ")


@pytest.mark.parametrize(
    ("body", "message"),
    [("x" * 5001, "at most 5,000 characters"), ("a\x00b", "NUL"), ("\ud800", "Unicode")],
)
def test_a_note_too_long_or_with_text_a_database_cannot_store_is_refused(
    customer, admin, body, message
):
    with pytest.raises(InvalidInput, match=message):
        customer_note_add(actor=admin, customer=customer, body=body)
    assert not customer.notes.exists()
    customer_note_add(actor=admin, customer=customer, body="x" * 5000)
    assert customer.notes.count() == 1


def test_customer_login_is_never_staff(customer, admin):
    user = customer_login_create(
        actor=admin, customer=customer, username="jane", password="a-long-enough-secret"
    )
    assert not user.is_staff
    assert not user.is_superuser
    assert user.check_password("a-long-enough-secret")
    assert user.customer == customer
    with pytest.raises(Refused):
        customer_login_create(actor=admin, customer=customer, username="jane2")


def test_customer_login_refuses_taken_username_and_weak_password(customer, admin, admin_user):
    with pytest.raises(InvalidInput, match="taken"):
        customer_login_create(actor=admin, customer=customer, username="ADMIN")
    with pytest.raises(InvalidInput, match="password"):
        customer_login_create(actor=admin, customer=customer, username="jane", password="123")
    customer.refresh_from_db()
    assert customer.user is None
