"""A My Account login for a customer created by staff: the invitation to choose a password
(back office and API), its link, resend, disable, and "Forgot your password?"."""

from __future__ import annotations

import re

import pytest
import time_machine
from django.core import mail

from fairbill.core.models import Event
from fairbill.customers.models import Customer
from fairbill.customers.services import customer_create, customer_login_apply

PASSWORD = "a-sturdy-new-password-7"  # noqa: S105 (test data)
NEW = {
    "name": "Northwind Traders",
    "email": "accounts@northwind.example",
    "country": "GB",
    "currency": "GBP",
    "payment_method": "bank_transfer",
    "vat_applies": "on",
}


def _link(message) -> str:
    """The path of the first My Account link in an email."""
    return re.search(r"http://[^/\s]+(/account/[^\s\"<]+)", message.body)[1].rstrip(".")


def _choose_password(client, path: str, password: str = PASSWORD):
    response = client.get(path, follow=True)
    assert "Choose your password" in response.content.decode(), response.content
    form_url = response.redirect_chain[-1][0]
    return client.post(form_url, {"new_password1": password, "new_password2": password})


def test_staff_create_a_customer_with_an_invitation_by_default(
    staff_client, business, django_capture_on_commit_callbacks
):
    # given the new-customer form, whose login choice starts on "invitation"
    form = staff_client.get("/customers/new/").context["form"]
    assert form["login"].value() == "invite"
    # when staff create the customer with it
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post("/customers/new/", {**NEW, "login": "invite"})
    assert response.status_code == 302
    customer = Customer.objects.select_related("user").get()
    # then the login is the email address, has no password yet, and an invitation went out
    assert customer.user.username == "accounts@northwind.example"
    assert not customer.user.has_usable_password()
    (message,) = mail.outbox
    assert message.to == ["accounts@northwind.example"]
    assert "choose your password" in message.body.lower()
    actions = set(Event.objects.filter(customer_id=customer.pk).values_list("action", flat=True))
    assert {"customer.created", "customer.login_created", "customer.login_invited"} <= actions


def test_the_invitation_link_sets_the_password_once(
    client, business, system, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        customer_create(
            actor=system,
            login={"username": "northwind", "invite": True},
            **{k: v for k, v in NEW.items() if k != "vat_applies"},
        )
    path = _link(mail.outbox[-1])
    # when the customer follows the link and chooses a password
    response = _choose_password(client, path)
    assert response["Location"] == "/account/login/"
    # then they log in to My Account with it
    response = client.post("/account/login/", {"username": "northwind", "password": PASSWORD})
    assert response["Location"] == "/account/"
    assert "Northwind Traders" in client.get("/account/").content.decode()
    # and the link does not work a second time
    client.post("/account/logout/")
    page = client.get(path, follow=True).content.decode()
    assert "This link doesn" in page


def test_a_weak_password_is_refused_on_the_invitation_page(
    client, business, system, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        customer = customer_create(
            actor=system, login={"invite": True}, name="N", email="n@example.com", country="GB"
        )
    response = _choose_password(client, _link(mail.outbox[-1]), password="12345")
    assert response.status_code == 200
    assert "too short" in response.content.decode()
    customer.user.refresh_from_db()
    assert not customer.user.has_usable_password()


def test_the_invitation_expires(client, business, system, django_capture_on_commit_callbacks):
    with time_machine.travel("2027-03-01 12:00Z", tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            customer_create(
                actor=system, login={"invite": True}, name="N", email="n@example.com", country="GB"
            )
    with time_machine.travel("2027-03-09 12:00Z", tick=False):  # 8 days later
        page = client.get(_link(mail.outbox[-1]), follow=True).content.decode()
    assert "This link doesn" in page


def test_a_disabled_login_can_not_use_its_invitation_nor_reset(
    client, business, system, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        customer = customer_create(
            actor=system, login={"invite": True}, name="N", email="n@example.com", country="GB"
        )
    path = _link(mail.outbox[-1])
    customer_login_apply(actor=system, customer=customer, active=False)
    assert "This link doesn" in client.get(path, follow=True).content.decode()
    mail.outbox.clear()
    client.post("/account/password/reset/", {"email": "n@example.com"})
    assert mail.outbox == []
    assert Event.objects.filter(action="customer.login_disabled").exists()


def test_forgot_password_works_for_an_invited_customer(client, business, system):
    # given a customer invited by staff who lost the invitation
    customer_create(
        actor=system, login={"username": "nw"}, name="N", email="n@example.com", country="GB"
    )
    # when they ask for a reset link with their email
    client.post("/account/password/reset/", {"email": "n@example.com"})
    # then they get one and can choose a password with it
    (message,) = mail.outbox
    path = _link(message)
    response = client.get(path, follow=True)
    form_url = response.redirect_chain[-1][0]
    client.post(form_url, {"new_password1": PASSWORD, "new_password2": PASSWORD})
    response = client.post("/account/login/", {"username": "nw", "password": PASSWORD})
    assert response["Location"] == "/account/"


def test_staff_can_type_a_password_instead(staff_client, business, client):
    response = staff_client.post(
        "/customers/new/",
        {**NEW, "login": "password", "username": "northwind", "password": PASSWORD},
    )
    assert response.status_code == 302
    assert mail.outbox == []
    # the password is not shown back on any page
    page = staff_client.get(response.url).content.decode()
    assert PASSWORD not in page
    response = client.post("/account/login/", {"username": "northwind", "password": PASSWORD})
    assert response["Location"] == "/account/"


def test_a_weak_typed_password_is_a_field_error(staff_client, business):
    response = staff_client.post(
        "/customers/new/", {**NEW, "login": "password", "username": "nw", "password": "short"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["password"]
    assert not Customer.objects.exists()


def test_a_taken_username_is_a_field_error(staff_client, business, system):
    customer_create(
        actor=system, login={"username": "nw"}, name="A", email="a@example.com", country="GB"
    )
    response = staff_client.post("/customers/new/", {**NEW, "login": "invite", "username": "NW"})
    assert response.status_code == 200
    assert "is taken" in response.context["form"].errors["username"][0]
    assert Customer.objects.count() == 1


def test_edit_gives_an_existing_customer_a_login_then_resend_and_disable(
    staff_client, business, system, django_capture_on_commit_callbacks
):
    customer = customer_create(actor=system, name="N", email="n@example.com", country="GB")
    edit = f"/customers/{customer.pk}/edit/"
    # the edit form offers no login by default
    assert staff_client.get(edit).context["form"]["login"].value() == "none"
    values = {**NEW, "name": "N", "email": "n@example.com", "login": "invite"}
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(edit, values)
    assert len(mail.outbox) == 1
    page = staff_client.get(edit).content.decode()
    assert "Resend invitation" in page
    assert "no password chosen yet" in page
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(f"/customers/{customer.pk}/login/invite/")
    assert len(mail.outbox) == 2
    staff_client.post(f"/customers/{customer.pk}/login/disable/")
    customer.refresh_from_db()
    assert customer.user.is_active is False
    assert "Enable login" in staff_client.get(edit).content.decode()


@pytest.mark.parametrize("action", ["invite", "disable"])
def test_login_actions_need_the_customers_privilege(client, business, system, action):
    from fairbill.accounts.services import staff_create
    from fairbill.core.actors import Actor
    from tests.conftest import STAFF_PASSWORD

    customer = customer_create(
        actor=system, login={"invite": True}, name="N", email="n@example.com", country="GB"
    )
    clerk = staff_create(
        actor=Actor.system("tests"),
        username="clerk",
        email="clerk@example.com",
        password=STAFF_PASSWORD,
        privileges=["invoices"],
    )
    client.force_login(clerk)
    response = client.post(f"/customers/{customer.pk}/login/{action}/")
    assert response.status_code in (302, 403)
    customer.user.refresh_from_db()
    assert customer.user.is_active is True


def test_api_creates_a_login_with_an_invitation(api, business, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            "/customers",
            {
                "name": "N",
                "email": "n@example.com",
                "country": "GB",
                "login": {"username": "nw", "invite": True},
            },
        )
    assert response.status_code == 201, response.content
    assert response.json()["login"] == {"username": "nw", "active": True, "password_set": False}
    assert len(mail.outbox) == 1
    customer_id = response.json()["id"]
    # PATCH disables it; GET shows it
    response = api.patch(f"/customers/{customer_id}", {"login": {"active": False}})
    assert response.status_code == 200, response.content
    assert api.get(f"/customers/{customer_id}").json()["login"]["active"] is False


def test_api_shows_null_without_a_login_and_names_the_login_field(api, business, system):
    customer = customer_create(actor=system, name="N", email="n@example.com", country="GB")
    assert api.get(f"/customers/{customer.pk}").json()["login"] is None
    customer_create(
        actor=system, login={"username": "nw"}, name="A", email="a@example.com", country="GB"
    )
    response = api.patch(f"/customers/{customer.pk}", {"login": {"username": "nw"}})
    assert response.status_code == 422
    assert response.json()["field"] == "login.username"
    response = api.patch(
        f"/customers/{customer.pk}", {"login": {"username": "x1", "password": "short"}}
    )
    assert response.status_code == 422
    assert response.json()["field"] == "login.password"


@pytest.mark.parametrize(
    ("privileges", "sent"), [(["customers"], 0), (["customers", "login_as"], 1)]
)
def test_a_new_invitation_to_a_login_in_use_needs_the_login_as_privilege(
    client, business, system, django_capture_on_commit_callbacks, privileges, sent
):
    from fairbill.accounts.services import staff_create
    from fairbill.core.actors import Actor
    from tests.conftest import STAFF_PASSWORD

    # given a customer who chose their password, and staff who changed the email to their own
    customer = customer_create(
        actor=system, login={"invite": True}, name="N", email="n@example.com", country="GB"
    )
    customer.user.set_password(PASSWORD)
    customer.user.save()
    Customer.objects.filter(pk=customer.pk).update(email="clerk@example.com")
    clerk = staff_create(
        actor=Actor.system("tests"),
        username="clerk",
        email="clerk@example.com",
        password=STAFF_PASSWORD,
        privileges=privileges,
    )
    client.force_login(clerk)
    # when they resend the invitation
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/customers/{customer.pk}/login/invite/", follow=True)
    # then only staff who may log in as the customer can (it would give them the account)
    assert len(mail.outbox) == sent
    if not sent:
        assert "only staff who may log in as a customer" in response.content.decode()
        assert not Event.objects.filter(
            action="customer.login_invited", data__email="clerk@example.com"
        ).exists()
    customer.user.refresh_from_db()
    assert customer.user.check_password(PASSWORD)
