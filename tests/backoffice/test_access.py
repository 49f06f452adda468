"""Every back-office page: renders for an administrator, needs its privilege, needs a login."""

from __future__ import annotations

from datetime import date
from urllib.parse import unquote

import pytest

from fairbill.accounts.models import PRIVILEGES
from fairbill.accounts.services import api_key_create
from fairbill.catalog.services import option_create, order_form_create
from fairbill.core.models import Event
from fairbill.customers.services import customer_login_create
from fairbill.invoicing.services import invoice_create

PAGES = [
    ("/", None),
    ("/customers/", "customers"),
    ("/customers/new/", "customers"),
    ("/customers/{customer}/", "customers"),
    ("/customers/{customer}/edit/", "customers"),
    ("/invoices/", "invoices"),
    ("/invoices/new", "invoices"),
    ("/invoices/new?customer={customer}", "invoices"),
    ("/invoices/new?q=Jane", "invoices"),
    ("/invoices/{invoice}/", "invoices"),
    ("/invoices/{invoice}/pdf", "invoices"),
    ("/billing/", "invoices"),
    ("/packages/", "packages"),
    ("/packages/new/", "packages"),
    ("/packages/{package}/edit/", "packages"),
    ("/packages/options/", "packages"),
    ("/packages/options/new/", "packages"),
    ("/packages/options/{option}/edit/", "packages"),
    ("/packages/order-forms/", "packages"),
    ("/packages/order-forms/new/", "packages"),
    ("/packages/order-forms/{order_form}/edit/", "packages"),
    ("/settings/", "settings"),
    ("/settings/billing/", "settings"),
    ("/settings/tax-rates/", "settings"),
    ("/settings/tax-rates/new/", "settings"),
    ("/settings/tax-rates/{tax_rate}/edit/", "settings"),
    ("/settings/tax-rates/{tax_rate}/delete/", "settings"),
    ("/settings/staff/", "staff"),
    ("/settings/staff/new/", "staff"),
    ("/settings/staff/{staff}/", "staff"),
    ("/settings/api-keys/", "staff"),
    ("/settings/emails/", "settings"),
    ("/settings/emails/invoice_issued/", "settings"),
    ("/settings/emails/reminder/", "settings"),
    ("/settings/email-log/", "settings"),
    ("/reports/logins/", "reports"),
]


@pytest.fixture
def ids(business, customer, bronze, gb_vat, admin_user, system):
    option = option_create(
        actor=system,
        name="Extra storage",
        kind="quantity",
        unit="GB",
        package_ids=[bronze.pk],
        prices=[{"cycle": "monthly", "price": "1.00"}],
    )
    order_form = order_form_create(actor=system, name="Hosting", package_ids=[bronze.pk])
    api_key_create(actor=system, user=admin_user, name="export")
    invoice = invoice_create(
        actor=system,
        customer=customer,
        lines=[{"description": "Consulting", "quantity": "1", "unit_price": "50.00"}],
        issue_date=date(2027, 1, 10),
    )
    return {
        "invoice": invoice.pk,
        "customer": customer.pk,
        "package": bronze.pk,
        "option": option.pk,
        "order_form": order_form.pk,
        "tax_rate": gb_vat.pk,
        "staff": admin_user.pk,
    }


@pytest.mark.parametrize(("url", "privilege"), PAGES)
def test_page_renders_for_an_administrator(staff_client, ids, url, privilege):
    # given an administrator, when they open the page
    response = staff_client.get(url.format(**ids))
    # then it renders
    assert response.status_code == 200


@pytest.mark.parametrize(("url", "privilege"), [p for p in PAGES if p[1]])
def test_page_refuses_staff_without_its_privilege(client_with, ids, url, privilege):
    # given a staff user with every privilege but this page's
    others = [p for p in PRIVILEGES if p not in (privilege, "login_as")]
    client = client_with(*others)
    # when they open the page, then it is forbidden
    assert client.get(url.format(**ids)).status_code == 403


@pytest.mark.parametrize(("url", "privilege"), [p for p in PAGES if p[1]])
def test_page_opens_with_only_its_privilege(client_with, ids, url, privilege):
    # given a staff user with only this page's privilege, when they open it, then it renders
    assert client_with(privilege).get(url.format(**ids)).status_code == 200


@pytest.mark.parametrize(("url", "privilege"), PAGES)
def test_anonymous_visitor_is_sent_to_the_login_page(client, ids, url, privilege):
    # given nobody logged in, when the page is opened
    path = url.format(**ids)
    response = client.get(path)
    # then the visitor is redirected to the login form, coming back afterwards
    assert response.status_code == 302
    assert response.url.startswith("/login/?next=")
    assert path in unquote(response.url)


def test_customer_logins_are_not_staff(client, customer, system):
    # given a customer with a My Account login
    user = customer_login_create(
        actor=system, customer=customer, username="jane", password="a-good-long-password"
    )
    client.force_login(user)
    # when it opens a back-office page, then it is sent to the staff login
    response = client.get("/customers/")
    assert response.status_code == 302
    assert response.url.startswith("/login/")


def test_navigation_shows_only_the_areas_a_user_may_open(client_with):
    # given a staff user with only the customers privilege
    response = client_with("customers").get("/")
    nav = response.content.decode().split('class="mainnav"')[1].split("</nav>")[0]
    # then the menu offers customers and not the other areas
    assert "/customers/" in nav
    assert "/packages/" not in nav
    assert "/settings/" not in nav


@pytest.mark.parametrize(
    "url",
    [
        "/customers/999999/",
        "/customers/999999/edit/",
        "/packages/999999/edit/",
        "/invoices/999999/",
        "/invoices/999999/pdf",
        "/invoices/new?customer=999999",
        "/settings/emails/no_such_email/",
    ],
)
def test_unknown_ids_answer_404(staff_client, business, url):
    assert staff_client.get(url).status_code == 404


def test_actor_is_the_logged_in_staff_user(staff_client, business):
    # given an administrator, when they create a customer
    staff_client.post(
        "/customers/new/",
        {
            "name": "Acting Test",
            "email": "act@example.com",
            "country": "GB",
            "currency": "GBP",
            "payment_method": "bank_transfer",
        },
    )
    # then the event names them
    event = Event.objects.get(action="customer.created")
    assert (event.actor_kind, event.actor_label) == ("staff", "admin")
