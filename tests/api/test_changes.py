"""POST /subscriptions/{id}/change-preview and /change, GET /subscriptions/{id}/changes.

Bronze is £10/month, Gold £30/month or £300/year (setup fee £25 monthly), GB VAT 20%.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import time_machine

from fairbill.accounts.services import api_key_create, staff_create
from fairbill.automation.billing_run import billing_run
from fairbill.catalog.services import package_create, package_update
from fairbill.core.actors import Actor
from fairbill.core.models import Event
from fairbill.customers.services import customer_set_status
from fairbill.invoicing.models import Invoice
from fairbill.payments.services import credit_balance, payment_record
from fairbill.subscriptions.changes import subscription_change
from fairbill.subscriptions.models import PackageChange, Subscription
from fairbill.subscriptions.services import subscription_create
from tests.api.checks import assert_invalid, rows
from tests.conftest import STAFF_PASSWORD, ApiClient

UPGRADE_LINE = "Change from Bronze (monthly) to Gold (monthly), 16 Apr 2027 – 01 May 2027"


@pytest.fixture
def gold(business, system):
    return package_create(
        actor=system,
        name="Gold",
        prices=[
            {"cycle": "monthly", "price": Decimal("30.00"), "setup_fee": Decimal("25.00")},
            {"cycle": "annually", "price": Decimal("300.00")},
        ],
    )


def pay(invoice, admin, on):
    invoice.refresh_from_db()
    payment_record(
        actor=admin, invoice=invoice, amount=invoice.balance, method="bank_transfer", on=on
    )


@pytest.fixture
def april(customer, bronze, gold, gb_vat, admin):
    """Bronze £10/month billed for 1–30 April 2027 (a 30-day period) and paid; today is
    16 April."""
    with time_machine.travel("2027-04-16 12:00Z", tick=False):
        sub = subscription_create(
            actor=admin,
            customer=customer,
            package=bronze,
            cycle="monthly",
            start_date=date(2027, 4, 1),
            setup_fee="0",
        )
        billing_run(as_of=date(2027, 4, 1), actor=Actor.system("billing run"))
        pay(Invoice.objects.get(), admin, date(2027, 4, 2))
        sub.refresh_from_db()
        yield sub


def change_to(sub, admin, package, on=date(2027, 4, 16)):
    """Change the package (through the service) and pay the change invoice, if any."""
    _, change = subscription_change(
        actor=admin, subscription=sub, package=package, cycle="monthly", options=[], as_of=on
    )
    if change.invoice is not None:
        pay(change.invoice, admin, on)
    return change


def written() -> dict[str, int]:
    return {**rows(), "PackageChange": PackageChange.objects.count()}


def test_preview_an_upgrade_on_day_16_of_a_30_day_period(api, april, gold):
    before = written()
    # when Bronze → Gold is previewed on 16 April, with 15 of the 30 days left
    response = api.post(
        f"/subscriptions/{april.pk}/change-preview", {"package_id": gold.pk, "cycle": "monthly"}
    )
    # then Gold 30 × 15/30 − unused Bronze 10 × 15/30 = 10.00, + VAT 2.00
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["net"], body["subtotal"], body["tax"], body["total"], body["credit"]) == (
        "10.00",
        "10.00",
        "2.00",
        "12.00",
        "0.00",
    )
    assert body["setup_fee"] == "0.00"  # not charged unless asked
    assert body["lines"] == [
        {
            "description": UPGRADE_LINE,
            "kind": "change",
            "quantity": "1",
            "unit_price": "10.00",
            "amount": "10.00",
        }
    ]
    assert body["breakdown"] == [
        {"description": "Unused Bronze (monthly): 15 of 30 days", "amount": "-5.00"},
        {"description": "Gold (monthly) for 15 of 30 days", "amount": "15.00"},
    ]
    assert (body["effective"], body["period_start"], body["period_end"]) == (
        "2027-04-16",
        "2027-04-01",
        "2027-05-01",
    )
    assert (body["left_days"], body["total_days"]) == (15, 30)
    assert (body["from_package"], body["to_package"]) == ("Bronze", "Gold")
    assert (body["from_recurring"], body["to_recurring"]) == ("10.00", "30.00")
    assert (body["invoice_id"], body["change_id"]) == (None, None)
    # and nothing is written
    assert written() == before
    april.refresh_from_db()
    assert april.package.name == "Bronze"


def test_the_change_invoices_what_the_preview_showed(api, april, gold, customer):
    body = {"package_id": gold.pk, "cycle": "monthly", "as_of": "2027-04-16"}
    preview = api.post(f"/subscriptions/{april.pk}/change-preview", body).json()
    response = api.post(f"/subscriptions/{april.pk}/change", body)
    assert response.status_code == 201, response.content
    change = response.json()
    # the change invoice is the preview's, and the package is Gold from now on
    invoice = Invoice.objects.get(pk=change["invoice_id"])
    assert (invoice.kind, invoice.status, invoice.total) == ("change", "unpaid", Decimal("12.00"))
    assert [line.description for line in invoice.lines.all()] == [UPGRADE_LINE]
    assert change["change_id"] == PackageChange.objects.get().pk
    assert change == {**preview, "invoice_id": invoice.pk, "change_id": change["change_id"]}
    april.refresh_from_db()
    assert (april.package.name, april.price, april.renewal_date) == (
        "Gold",
        Decimal("30.00"),
        date(2027, 5, 1),
    )
    event = Event.objects.get(action="subscription.changed")
    assert event.actor_label == "admin (API key tests)"


def downgrade(april, admin, gold):
    change_to(april, admin, gold)
    return {"package_id": april.package_id, "as_of": "2027-04-21"}


@pytest.mark.parametrize(
    ("setup", "amounts"),
    [
        # Bronze → Gold on 16 April: 15.00 − 5.00 = 10.00 + VAT
        (
            lambda april, admin, gold: {"package_id": gold.pk, "cycle": "monthly"},
            ("10.00", "2.00", "12.00", "0.00"),
        ),
        # Gold → Bronze on 21 April, 10 days left: 3.33 − 10.00 = −6.67, credited with VAT
        (downgrade, ("-6.67", "0.00", "0.00", "8.00")),
        # Bronze monthly → Gold annually on 16 April: 300.00 − unused 5.00 = 295.00 + VAT
        (
            lambda april, admin, gold: {"package_id": gold.pk, "cycle": "annually"},
            ("295.00", "59.00", "354.00", "0.00"),
        ),
    ],
    ids=["upgrade", "downgrade", "cycle"],
)
def test_preview_and_change_agree_to_the_cent(api, april, admin, gold, customer, setup, amounts):
    body = setup(april, admin, gold)
    credit_before = credit_balance(customer)
    preview = api.post(f"/subscriptions/{april.pk}/change-preview", body).json()
    response = api.post(f"/subscriptions/{april.pk}/change", body)
    assert response.status_code == 201, response.content
    change = response.json()
    assert (change["net"], change["tax"], change["total"], change["credit"]) == amounts
    assert change == {
        **preview,
        "invoice_id": change["invoice_id"],
        "change_id": change["change_id"],
    }
    if change["invoice_id"] is None:
        assert change["lines"] == []
    else:
        assert str(Invoice.objects.get(pk=change["invoice_id"]).total) == change["total"]
    assert credit_balance(customer) - credit_before == Decimal(change["credit"])


def test_a_cycle_change_starts_a_new_period(api, april, gold):
    response = api.post(
        f"/subscriptions/{april.pk}/change", {"package_id": gold.pk, "cycle": "annually"}
    )
    body = response.json()
    assert (body["period_start"], body["period_end"]) == ("2027-04-16", "2028-04-16")
    assert body["breakdown"][1] == {
        "description": "Gold (annually): new period 16 Apr 2027 – 16 Apr 2028",
        "amount": "300.00",
    }
    april.refresh_from_db()
    assert (april.cycle, april.renewed_on, april.renewal_date, april.billing_day) == (
        "annually",
        date(2027, 4, 16),
        date(2028, 4, 16),
        16,
    )


def test_the_setup_fee_is_charged_when_asked(api, april, gold):
    response = api.post(
        f"/subscriptions/{april.pk}/change-preview",
        {"package_id": gold.pk, "charge_setup_fee": True},
    )
    body = response.json()
    assert (body["setup_fee"], body["subtotal"], body["tax"], body["total"]) == (
        "25.00",
        "35.00",
        "7.00",
        "42.00",
    )
    assert [(line["kind"], line["amount"]) for line in body["lines"]] == [
        ("change", "10.00"),
        ("setup", "25.00"),
    ]
    assert body["breakdown"][-1] == {"description": "Setup fee: Gold", "amount": "25.00"}


def test_options_are_priced_into_the_change(api, april, bronze, storage):
    # Bronze + 10 GB at 0.50: (10 + 5) × 15/30 − 10 × 15/30 = 2.50 + VAT 0.50
    response = api.post(
        f"/subscriptions/{april.pk}/change",
        {"package_id": bronze.pk, "options": [{"option_id": storage.pk, "quantity": 10}]},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["net"], body["total"], body["to_recurring"]) == ("2.50", "3.00", "15.00")
    april.refresh_from_db()
    assert [(o.option_id, o.quantity) for o in april.options.all()] == [(storage.pk, 10)]


def test_as_of_defaults_to_today_in_the_business_time_zone(api, april, gold):
    # 23:30 UTC on 16 April is already 17 April in London (summer time)
    with time_machine.travel("2027-04-16 23:30Z", tick=False):
        body = api.post(f"/subscriptions/{april.pk}/change-preview", {"package_id": gold.pk}).json()
    assert (body["effective"], body["left_days"]) == ("2027-04-17", 14)


def test_a_package_never_billed_changes_without_an_invoice(api, customer, bronze, gold, admin):
    sub = subscription_create(
        actor=admin, customer=customer, package=bronze, cycle="monthly", start_date=date(2027, 6, 1)
    )
    response = api.post(
        f"/subscriptions/{sub.pk}/change", {"package_id": gold.pk, "as_of": "2027-05-20"}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["total"], body["invoice_id"], body["lines"]) == ("0.00", None, [])
    assert (body["left_days"], body["total_days"]) == (None, None)
    assert "not billed yet" in body["note"]
    assert not Invoice.objects.exists()


def _cancel(april, admin, gold):
    customer_set_status(actor=admin, customer=april.customer, status="cancelled")
    Subscription.objects.filter(pk=april.pk).update(status="cancelled")


def _unpaid(april, admin, gold):
    Invoice.objects.update(status="unpaid", balance=Decimal("12.00"), amount_paid=0)


def _inactive(april, admin, gold):
    package_update(actor=admin, package=gold, active=False)


@pytest.mark.parametrize("path", ["change-preview", "change"])
@pytest.mark.parametrize(
    ("given", "change", "status", "names"),
    [
        (None, {"package_id": 31337}, 422, "package_id"),
        (None, {"options": [{"option_id": 31337}]}, 422, "options"),
        (None, {"cycle": "quarterly"}, 422, "cycle"),  # Gold has no quarterly price
        (None, {"cycle": "weekly"}, 422, "cycle"),
        (None, {"cycle": "one_time"}, 422, "cycle"),
        (None, {"as_of": "2027-04-31"}, 422, "as_of"),
        (None, {"package_id": None}, 422, "package_id"),
        (None, {"options": [{"option_id": 1, "quantity": -1}]}, 422, "quantity"),
        (None, {"charge_setup_fee": "maybe"}, 422, "charge_setup_fee"),
        (None, {"invoice_id": 1}, 422, "invoice_id"),
        (_inactive, {}, 422, "package_id"),
        (_unpaid, {}, 409, "INV-00001"),
        (_cancel, {}, 409, "cancelled"),
        (None, {"as_of": "2027-05-01"}, 409, "ended on 01 May 2027"),
    ],
)
def test_a_refused_change_writes_nothing(
    api, april, admin, gold, path, given, change, status, names
):
    if given is not None:
        given(april, admin, gold)
    before = written()
    response = api.post(f"/subscriptions/{april.pk}/{path}", {"package_id": gold.pk, **change})
    if status == 422:
        assert_invalid(response, names)
    else:
        assert response.status_code == 409, response.content
        assert names in response.json()["detail"]
    assert written() == before
    april.refresh_from_db()
    assert april.package.name == "Bronze"


def test_the_unpaid_invoice_is_named_with_its_own_code(api, april, gold):
    _unpaid(april, None, gold)
    body = api.post(f"/subscriptions/{april.pk}/change", {"package_id": gold.pk}).json()
    assert body["code"] == "unpaid_invoice"
    assert body["detail"].startswith("Invoice INV-00001 for this package is unpaid")


@pytest.mark.parametrize("path", ["change-preview", "change", "changes"])
def test_an_unknown_subscription_is_not_found(api, gold, path):
    if path == "changes":
        response = api.get(f"/subscriptions/31337/{path}")
    else:
        response = api.post(f"/subscriptions/31337/{path}", {"package_id": gold.pk})
    assert response.status_code == 404
    assert response.json()["detail"] == "No subscription with id 31337."


@pytest.fixture
def account_manager(client, db):
    """A client whose staff user has the customers privilege but not invoices."""
    user = staff_create(
        actor=Actor.system("tests"),
        username="manager",
        email="manager@example.com",
        password=STAFF_PASSWORD,
        privileges=["customers"],
    )
    _, raw = api_key_create(actor=Actor.system("tests"), user=user, name="customers")
    return ApiClient(client, raw)


def test_changing_needs_customers_and_invoices(account_manager, billing_clerk, april, gold):
    body = {"package_id": gold.pk}
    before = written()
    # previewing needs the customers privilege, changing (it invoices) invoices as well
    assert (
        account_manager.post(f"/subscriptions/{april.pk}/change-preview", body).status_code == 200
    )
    assert account_manager.post(f"/subscriptions/{april.pk}/change", body).status_code == 403
    assert billing_clerk.post(f"/subscriptions/{april.pk}/change-preview", body).status_code == 403
    assert billing_clerk.post(f"/subscriptions/{april.pk}/change", body).status_code == 403
    assert billing_clerk.get(f"/subscriptions/{april.pk}/changes").status_code == 403
    assert written() == before


def test_a_retried_change_is_made_once(api, april, gold):
    key = {"Idempotency-Key": "change-1"}
    body = {"package_id": gold.pk, "as_of": "2027-04-16"}
    first = api.post(f"/subscriptions/{april.pk}/change", body, headers=key)
    again = api.post(f"/subscriptions/{april.pk}/change", body, headers=key)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert PackageChange.objects.count() == 1
    assert Invoice.objects.filter(kind="change").count() == 1


def test_the_history_of_changes_newest_first(api, april, admin, gold, bronze):
    change_to(april, admin, gold)
    api.post(f"/subscriptions/{april.pk}/change", {"package_id": bronze.pk, "as_of": "2027-04-21"})
    response = api.get(f"/subscriptions/{april.pk}/changes")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == 2
    down, up = body["items"]
    assert (down["direction"], down["from_package"], down["to_package"]) == (
        "downgrade",
        "Gold",
        "Bronze",
    )
    assert (down["net"], down["tax"], down["credit"], down["invoice_id"]) == (
        "-6.67",
        "0.00",
        "8.00",
        None,
    )
    assert (down["as_of"], down["effective"], down["left_days"], down["total_days"]) == (
        "2027-04-21",
        "2027-04-21",
        10,
        30,
    )
    assert down["actor"] == "admin (API key tests)"
    assert (up["direction"], up["from_package_id"], up["to_package_id"]) == (
        "upgrade",
        bronze.pk,
        gold.pk,
    )
    assert (up["from_cycle"], up["to_cycle"], up["from_recurring"], up["to_recurring"]) == (
        "monthly",
        "monthly",
        "10.00",
        "30.00",
    )
    assert (up["net"], up["tax"], up["setup_fee"]) == ("10.00", "2.00", "0.00")
    assert up["invoice_id"] == Invoice.objects.get(kind="change").pk
    assert up["actor"] == "admin"  # made by staff, not through the API
    page = api.get(f"/subscriptions/{april.pk}/changes", limit=1, offset=1).json()
    assert [c["id"] for c in page["items"]] == [up["id"]]


def test_the_history_makes_a_bounded_number_of_queries(
    api, april, admin, gold, bronze, django_assert_max_num_queries
):
    for day in range(16, 26):
        change_to(april, admin, gold if day % 2 == 0 else bronze, on=date(2027, 4, day))
        april.refresh_from_db()
    with django_assert_max_num_queries(6):
        body = api.get(f"/subscriptions/{april.pk}/changes").json()
    assert body["count"] == 10
