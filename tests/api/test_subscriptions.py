"""GET/POST /subscriptions and GET/PATCH /subscriptions/{id}."""

from __future__ import annotations

from datetime import date

import pytest

from fairbill.core.models import Event
from fairbill.customers.services import customer_create
from fairbill.subscriptions.models import Subscription
from fairbill.subscriptions.services import subscription_create
from tests.api.checks import assert_invalid, rows


@pytest.fixture
def order(customer, bronze):
    return {
        "customer_id": customer.pk,
        "package_id": bronze.pk,
        "cycle": "monthly",
        "start_date": "2027-01-31",
    }


@pytest.fixture
def subscription(customer, bronze, storage, system):
    return subscription_create(
        actor=system,
        customer=customer,
        package=bronze,
        cycle="monthly",
        start_date=date(2027, 1, 31),
        options=[{"option_id": storage.pk, "quantity": 10}],
    )


def test_subscribe_a_customer_to_a_package_with_options(api, order, storage, region):
    # when a customer is subscribed to Bronze with 10 GB and the Frankfurt region
    frankfurt = region.choices.get(name="Frankfurt")
    response = api.post(
        "/subscriptions",
        {
            **order,
            "options": [
                {"option_id": storage.pk, "quantity": 10},
                {"option_id": region.pk, "choice_id": frankfurt.pk},
            ],
        },
    )
    # then it is active, priced from the catalog, and due to be billed from its start date
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["package_id"] == order["package_id"]
    assert body["package_name"] == "Bronze"
    assert (body["cycle"], body["pending_cycle"], body["currency"]) == ("monthly", None, "GBP")
    assert (body["price"], body["setup_fee"]) == ("10.00", "5.00")
    assert (body["start_date"], body["renewal_date"], body["renewed_on"]) == (
        "2027-01-31",
        "2027-01-31",
        None,
    )
    assert body["billing_day"] == 31
    assert (body["status"], body["payment_method"]) == ("active", "bank_transfer")
    assert [
        (o["option_id"], o["name"], o["choice"], o["quantity"], o["unit_price"])
        for o in body["options"]
    ] == [
        (storage.pk, "Extra storage", None, 10, "0.50"),
        (region.pk, "Region", "Frankfurt", 1, "2.00"),
    ]
    assert Event.objects.filter(
        action="subscription.created", subject_id=body["id"], actor_kind="api"
    ).exists()


def test_a_choice_can_be_given_by_name(api, order, region):
    response = api.post(
        "/subscriptions", {**order, "options": [{"option_id": region.pk, "choice": "london"}]}
    )
    assert response.status_code == 201, response.content
    assert response.json()["options"][0]["choice"] == "London"


def test_subscribe_with_a_custom_price_pending_and_by_card(api, order):
    response = api.post(
        "/subscriptions",
        {
            **order,
            "price": "8.50",
            "setup_fee": "0",
            "status": "pending",
            "payment_method": "card",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["price"], body["setup_fee"]) == ("8.50", "0.00")
    assert (body["status"], body["payment_method"]) == ("pending", "card")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"customer_id": 31337}, "customer_id"),
        ({"package_id": 31337}, "package_id"),
        ({"cycle": "quarterly"}, "cycle"),  # Bronze has no quarterly price
        ({"cycle": "weekly"}, "cycle"),
        ({"options": [{"option_id": 31337}]}, "options"),
        ({"price": "-1.00"}, "price"),
        ({"price": "10.005"}, "price"),
        ({"price": 10.5}, "price"),
        ({"setup_fee": "free"}, "setup_fee"),
        ({"status": "sleeping"}, "status"),
        ({"payment_method": "barter"}, "payment_method"),
        ({"start_date": "2027-02-30"}, "start_date"),
        ({"start_date": None}, "start_date"),
        ({"id": 5}, "id"),
    ],
)
def test_a_bad_subscription_is_refused_and_nothing_written(api, order, change, field):
    before = rows()
    response = api.post("/subscriptions", {**order, **change})
    assert_invalid(response, field)
    assert rows() == before


def test_an_option_not_offered_with_the_package_is_refused(api, order, business, system):
    from fairbill.catalog.services import option_create

    # given an option offered with no package
    backup = option_create(
        actor=system, name="Backups", kind="checkbox", prices=[{"cycle": "monthly", "price": "3"}]
    )
    # when it is chosen with Bronze
    response = api.post("/subscriptions", {**order, "options": [{"option_id": backup.pk}]})
    # then it is refused, naming the option and the package
    assert_invalid(response, "options")
    assert "Backups is not offered with Bronze" in response.json()["detail"]
    assert not Subscription.objects.exists()


@pytest.mark.parametrize(
    "option",
    [
        {"quantity": 101},  # more than its maximum
        {"quantity": 0},
        {"option_id": "x"},
    ],
)
def test_a_bad_option_row_is_refused(api, order, storage, option):
    response = api.post(
        "/subscriptions", {**order, "options": [{"option_id": storage.pk, **option}]}
    )
    assert response.status_code == 422, response.content
    assert not Subscription.objects.exists()


def test_an_unknown_choice_is_refused(api, order, region):
    response = api.post(
        "/subscriptions", {**order, "options": [{"option_id": region.pk, "choice": "Paris"}]}
    )
    assert_invalid(response, "options")
    assert (
        "London, Frankfurt" in response.json()["detail"]
        or "Frankfurt" in (response.json()["detail"])
    )


def test_a_cancelled_customer_cannot_subscribe(api, order, customer, system):
    from fairbill.customers.services import customer_set_status

    customer_set_status(actor=system, customer=customer, status="cancelled")
    response = api.post("/subscriptions", order)
    assert response.status_code == 409
    assert response.json()["code"] == "refused"


def test_get_a_subscription(api, subscription):
    response = api.get(f"/subscriptions/{subscription.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == subscription.pk
    assert body["options"][0]["quantity"] == 10


@pytest.mark.parametrize("method", ["get", "patch"])
def test_an_unknown_subscription_is_not_found(api, business, method):
    response = getattr(api, method)("/subscriptions/31337")
    assert response.status_code == 404
    assert response.json() == {"detail": "No subscription with id 31337.", "code": "not_found"}


def test_edit_price_renewal_date_and_payment_method(api, subscription):
    # when the price, renewal date and payment method are edited
    response = api.patch(
        f"/subscriptions/{subscription.pk}",
        {"price": "12.00", "renewal_date": "2027-02-15", "payment_method": "cheque"},
    )
    # then the next renewal bills the new price on the new day; nothing is invoiced
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["price"], body["renewal_date"], body["billing_day"]) == ("12.00", "2027-02-15", 15)
    assert body["payment_method"] == "cheque"
    event = Event.objects.get(action="subscription.edited", subject_id=subscription.pk)
    assert event.data["price"] == ["10.00", "12.00"]
    assert event.actor_label == "admin (API key tests)"


def test_edit_the_cycle_of_a_subscription_never_billed(api, subscription):
    response = api.patch(f"/subscriptions/{subscription.pk}", {"cycle": "annually"})
    assert response.status_code == 200, response.content
    body = response.json()
    # never billed: the first period uses the new cycle and its catalog price at once
    assert (body["cycle"], body["pending_cycle"], body["price"]) == ("annually", None, "100.00")
    assert body["options"][0]["unit_price"] == "5.00"


def test_edit_the_cycle_of_a_billed_subscription_waits_for_the_renewal(api, subscription):
    # given a subscription whose first period was billed
    Subscription.objects.filter(pk=subscription.pk).update(
        renewed_on=date(2027, 1, 31), renewal_date=date(2027, 2, 28)
    )
    # when its cycle is edited
    body = api.patch(f"/subscriptions/{subscription.pk}", {"cycle": "annually"}).json()
    # then the next renewal switches to it
    assert (body["cycle"], body["pending_cycle"]) == ("monthly", "annually")


def test_edit_replaces_the_options(api, subscription, region):
    response = api.patch(
        f"/subscriptions/{subscription.pk}",
        {"options": [{"option_id": region.pk, "choice": "Frankfurt"}]},
    )
    assert response.status_code == 200, response.content
    assert [o["name"] for o in response.json()["options"]] == ["Region"]


def test_suspend_a_subscription_by_hand(api, subscription):
    body = api.patch(f"/subscriptions/{subscription.pk}", {"status": "suspended"}).json()
    assert body["status"] == "suspended"
    assert Subscription.objects.get(pk=subscription.pk).suspended_by == "staff"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"price": "-5"}, "price"),
        ({"cycle": "quarterly"}, "cycle"),
        ({"status": "asleep"}, "status"),
        ({"renewal_date": None}, "renewal_date"),
        ({"renewed_on": "2027-03-01"}, "renewed_on"),  # after the renewal date
        ({"options": [{"option_id": 31337}]}, "options"),
        ({"customer_id": 2}, "customer_id"),
    ],
)
def test_a_bad_edit_changes_nothing(api, subscription, change, field):
    before = rows()
    # a valid change sent with the bad one is not kept either
    response = api.patch(f"/subscriptions/{subscription.pk}", {"payment_method": "cash", **change})
    assert_invalid(response, field)
    assert rows() == before
    subscription.refresh_from_db()
    assert subscription.payment_method == "bank_transfer"
    assert subscription.price == 10


def test_list_subscriptions_of_a_customer_by_status(api, subscription, bronze, system, business):
    other = customer_create(actor=system, name="Other", email="o@example.com", country="GB")
    suspended = subscription_create(
        actor=system,
        customer=other,
        package=bronze,
        cycle="monthly",
        start_date=date(2027, 1, 1),
        status="suspended",
    )
    assert api.get("/subscriptions").json()["count"] == 2
    mine = api.get("/subscriptions", customer_id=subscription.customer_id).json()
    assert [s["id"] for s in mine["items"]] == [subscription.pk]
    by_status = api.get("/subscriptions", status="suspended").json()
    assert [s["id"] for s in by_status["items"]] == [suspended.pk]
    assert api.get("/subscriptions", customer_id=31337).json() == {
        "items": [],
        "count": 0,
        "count_exact": True,
        "next_cursor": None,
    }
    assert_invalid(api.get("/subscriptions", status="asleep"), "status")


def test_the_subscription_list_makes_a_bounded_number_of_queries(
    api, customer, bronze, storage, region, system, django_assert_max_num_queries
):
    for day in range(1, 31):
        subscription_create(
            actor=system,
            customer=customer,
            package=bronze,
            cycle="monthly",
            start_date=date(2027, 1, day),
            options=[
                {"option_id": storage.pk, "quantity": 2},
                {"option_id": region.pk, "choice": "London"},
            ],
        )
    with django_assert_max_num_queries(10):
        body = api.get("/subscriptions").json()
    assert body["count"] == 30
    assert all(len(s["options"]) == 2 for s in body["items"])


def test_subscriptions_need_the_customers_privilege(billing_clerk, subscription):
    assert billing_clerk.get("/subscriptions").status_code == 403
    assert billing_clerk.get(f"/subscriptions/{subscription.pk}").status_code == 403
