"""Staff logging in to a customer's My Account: privilege, audit, banner, way back, and no way
for a customer to become staff."""

import pytest

from fairbill.accounts.models import LoginAttempt
from fairbill.accounts.services import staff_create
from fairbill.core.actors import Actor
from fairbill.core.models import Event
from fairbill.customers.services import customer_login_create
from tests.conftest import STAFF_PASSWORD


@pytest.fixture
def jane_login(customer, system):
    return customer_login_create(
        actor=system, customer=customer, username="jane", password="a-long-enough-secret"
    )


def test_staff_with_the_privilege_opens_my_account_with_a_banner(
    staff_client, customer, jane_login, admin_user
):
    # when an administrator logs in as the customer
    response = staff_client.post(f"/customers/{customer.pk}/login-as/", follow=True)
    # then My Account shows the customer's page with the banner and a way back
    html = response.content.decode()
    assert response.request["PATH_INFO"].startswith("/account")
    assert "You are viewing My Account as <strong>Jane Smith</strong>" in html
    assert "Back to the back office" in html
    event = Event.objects.get(action="customer.login_as")
    assert (event.customer_id, event.actor_label) == (customer.pk, "admin")
    # and it is not counted as a login attempt
    assert not LoginAttempt.objects.filter(username="jane").exists()


def test_the_way_back_restores_the_staff_session(staff_client, customer, jane_login):
    staff_client.post(f"/customers/{customer.pk}/login-as/")
    response = staff_client.post("/account/login-as/end/")
    assert response.url == f"/customers/{customer.pk}/"
    assert staff_client.get(f"/customers/{customer.pk}/").status_code == 200
    assert Event.objects.filter(action="customer.login_as_ended").count() == 1


def test_the_privilege_is_required(client, customer, jane_login, business):
    limited = staff_create(
        actor=Actor.system("tests"),
        username="clerk",
        email="clerk@example.com",
        password=STAFF_PASSWORD,
        privileges=["customers"],
    )
    client.force_login(limited)
    response = client.post(f"/customers/{customer.pk}/login-as/")
    assert response.status_code == 403
    assert "_auth_user_id" in client.session
    assert int(client.session["_auth_user_id"]) == limited.pk
    assert not Event.objects.filter(action="customer.login_as").exists()


def test_get_is_refused(staff_client, customer, jane_login):
    assert staff_client.get(f"/customers/{customer.pk}/login-as/").status_code == 405


def test_a_customer_cannot_escalate_to_staff(client, customer, jane_login):
    client.force_login(jane_login)
    # a customer can't start a login-as, nor open the back office
    response = client.post(f"/customers/{customer.pk}/login-as/")
    assert response.status_code in (302, 403)
    assert "/login/" in response.get("Location", "/login/")
    assert client.get("/").status_code in (302, 403)
    # and ending a login-as that never started leads nowhere near staff
    client.post("/account/login-as/end/")
    assert client.get("/customers/").status_code in (302, 403)
    jane_login.refresh_from_db()
    assert not jane_login.is_staff


def test_a_customer_without_a_login_cannot_be_opened(staff_client, customer):
    response = staff_client.post(f"/customers/{customer.pk}/login-as/", follow=True)
    assert "This customer has no active My Account login." in response.content.decode()
    assert not Event.objects.filter(action="customer.login_as").exists()
