"""Every page and API list the page benchmark times makes a bounded number of queries,
with data large enough that a query per row (N+1) would show: the benchmark's own builder
with 60 customers and 600 invoices (a big customer with 12 of them and 40 packages),
payments, credit, events, emails and login attempts."""

from __future__ import annotations

from datetime import date

import pytest

from benchmarks.pages import PASSWORD, deep_links, pages
from benchmarks.pages_data import BIG_CUSTOMER, Business
from fairbill.accounts.services import api_key_create, staff_create
from fairbill.catalog.services import tax_rate_create
from fairbill.core import clock
from fairbill.core.actors import Actor
from fairbill.core.keyset import cursor_for
from fairbill.customers.models import Customer
from fairbill.customers.services import customer_create, customer_login_create
from fairbill.invoicing.services import invoice_create
from fairbill.payments.credit_notes import credit_note_issue
from fairbill.payments.models import Payment

# Queries per page at most: session, user, settings and the page's own reads. A page that
# read a row's related rows one by one would make hundreds here.
# The customer page's tabs: the overview reads the details, status, packages and payment
# methods; each other tab its own lists (a fixed number of queries, whatever the rows).
MAX_QUERIES = {
    "dashboard": 22,
    "customer page (big)": 18,
    "customer page (typical)": 18,
    "my account": 18,
}
DEFAULT_MAX = 14


@pytest.fixture
def bench_data(db):
    Business(customers=60, invoices=600, today=clock.today()).build()
    system = Actor.system("tests")
    staff = staff_create(
        actor=system, username="bench-admin", email="a@example.com", password=PASSWORD
    )
    customer_login_create(
        actor=system,
        customer=Customer.objects.get(pk=BIG_CUSTOMER),
        username="bench-customer",
        password=PASSWORD,
    )
    _, key = api_key_create(actor=system, user=staff, name="tests")
    return {"staff": staff, "key": key}


PLACEHOLDER = {"invoices_page": "", "invoices_api": "", "customers_api": ""}
NAMES = [(name, who) for name, who, _ in pages(date(2027, 1, 1), PLACEHOLDER)]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "who"), NAMES, ids=[name for name, _ in NAMES])
def test_each_benchmarked_page_makes_a_bounded_number_of_queries(
    bench_data, client, name, who, django_assert_max_num_queries
):
    # given the benchmark's business, and the page's path (deep links point mid-list)
    paths = {n: p for n, _, p in pages(clock.today(), deep_links())}
    headers = {}
    if who == "staff":
        client.force_login(bench_data["staff"])
    elif who == "customer":
        client.force_login(Customer.objects.get(pk=BIG_CUSTOMER).user)
    else:
        headers = {"Authorization": f"Bearer {bench_data['key']}"}
    # when it is opened, then it answers within its bound of queries
    with django_assert_max_num_queries(MAX_QUERIES.get(name, DEFAULT_MAX)):
        response = client.get(paths[name], headers=headers)
    assert response.status_code == 200, response.content[:300]


# Credit notes: the back office and My Account pages read a bounded number of queries
# whatever the number of credit notes (30 here, each on its own invoice of two lines).
CREDIT_NOTE_PAGES = [
    ("staff", "/credit-notes/"),
    ("staff", "/credit-notes/?customer=Credited&issued_from=2027-01-01"),
    ("staff", "/credit-notes/{note}/"),
    ("staff", "/invoices/{invoice}/"),
    ("staff", "/invoices/{invoice}/credit/"),
    ("staff", "/customers/{customer}/"),
    ("customer", "/account/credit-notes/"),
    ("customer", "/account/credit-notes/{note}/"),
    ("customer", "/account/invoices/{invoice}/"),
]


# The invoice page: its lines, taxes, payments, credit, emails, history, credit notes,
# whether the rules still allow a void, and its automatic payment attempts and refunds.
INVOICE_PAGE_MAX = 18


@pytest.fixture
def credited(db, business):
    system = Actor.system("tests")
    tax_rate_create(actor=system, country="GB", name="VAT", rate="20")
    customer = customer_create(
        actor=system, name="Credited Customer", email="cc@example.com", country="GB"
    )
    customer_login_create(actor=system, customer=customer, username="credited", password=PASSWORD)
    for n in range(30):
        invoice = invoice_create(
            actor=system,
            customer=customer,
            lines=[
                {"description": f"Work {n}", "unit_price": "50.00"},
                {"description": f"More {n}", "quantity": "2", "unit_price": "25.00"},
            ],
            issue_date=date(2027, 1, 1),
        )
        line = invoice.lines.first()
        credit_note_issue(
            actor=system,
            invoice=invoice,
            reason="Less work",
            on=date(2027, 1, 2),
            lines=[{"invoice_line_id": line.pk, "amount": "10.00"}],
        )
    credit_note_issue(
        actor=system, invoice=invoice, reason="Again", on=date(2027, 1, 3), amount="5.00"
    )
    staff = staff_create(
        actor=system, username="cn-admin", email="a@example.com", password=PASSWORD
    )
    customer.refresh_from_db()
    note = invoice.credit_notes.first()
    return {"staff": staff, "customer": customer, "invoice": invoice, "note": note}


@pytest.mark.django_db
@pytest.mark.parametrize(("who", "path"), CREDIT_NOTE_PAGES)
def test_credit_note_pages_make_a_bounded_number_of_queries(
    credited, client, who, path, django_assert_max_num_queries
):
    client.force_login(credited["staff"] if who == "staff" else credited["customer"].user)
    url = path.format(
        note=credited["note"].pk, invoice=credited["invoice"].pk, customer=credited["customer"].pk
    )
    bound = DEFAULT_MAX
    if url.startswith("/customers/"):
        bound = MAX_QUERIES["customer page (big)"]
    elif url == f"/invoices/{credited['invoice'].pk}/":
        bound = INVOICE_PAGE_MAX
    with django_assert_max_num_queries(bound):
        response = client.get(url)
    assert response.status_code == 200, response.content[:300]


# Payments: the back-office list (filtered, and a page further on), a payment's page, the
# charge attempts and the API list, on the benchmark's business (hundreds of payments).
PAYMENT_PAGES = [
    ("staff", "/payments/"),
    ("staff", "/payments/?method=bank_transfer&received_from=2020-01-01"),
    ("staff", "/payments/?customer=Smith"),
    ("staff", "/payments/?after={cursor}"),
    ("staff", "/payments/{payment}/"),
    ("staff", "/payments/attempts/?show=all"),
    ("api", "/api/v1/payments?limit=200"),
    ("api", "/api/v1/payments?customer_id={customer}"),
    ("api", "/api/v1/payments/{payment}"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("who", "path"), PAYMENT_PAGES)
def test_payment_pages_make_a_bounded_number_of_queries(
    bench_data, client, who, path, django_assert_max_num_queries
):
    payments = Payment.objects.order_by("-received_on", "-id")
    assert payments.count() > 50
    middle = payments[payments.count() // 2]
    url = path.format(
        payment=middle.pk,
        customer=BIG_CUSTOMER,
        cursor=cursor_for(middle, ["-received_on", "-id"]),
    )
    headers = {}
    if who == "staff":
        client.force_login(bench_data["staff"])
    else:
        headers = {"Authorization": f"Bearer {bench_data['key']}"}
    with django_assert_max_num_queries(DEFAULT_MAX):
        response = client.get(url, headers=headers)
    assert response.status_code == 200, response.content[:300]
