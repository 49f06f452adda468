"""A customer cancelled by staff or the API is billed no more: its packages are cancelled
with it, and the billing run renews none of them; what it owes stays owed."""

from __future__ import annotations

from datetime import date

import pytest

from fairbill.core.models import Event
from fairbill.subscriptions.models import Subscription
from fairbill.subscriptions.services import customer_status_change, subscription_set_status

pytestmark = pytest.mark.django_db


def test_cancelling_a_customer_cancels_its_packages_and_the_run_bills_nothing_more(
    billing, customer, admin
):
    # given two packages, one suspended, billed on 1 March; the March invoice unpaid
    running = billing.subscribe(start=date(2027, 3, 1))
    paused = billing.subscribe(start=date(2027, 3, 1))
    billing.run(as_of=date(2027, 3, 1))
    subscription_set_status(actor=admin, subscription=paused, status="suspended", reason="x")
    owed = billing.invoices()[-1]
    # when staff cancel the customer on 10 March
    customer, cancelled = customer_status_change(
        actor=admin, customer=customer, status="cancelled", reason="Closed the business"
    )
    # then both packages are cancelled, saying why
    assert {s.pk for s in cancelled} == {running.pk, paused.pk}
    assert set(Subscription.objects.values_list("status", "status_reason")) == {
        ("cancelled", "Customer cancelled: Closed the business")
    }
    assert Event.objects.filter(action="subscription.cancelled").count() == 2
    # and no renewal comes on 1 April (or after); the March invoice is still owed
    billing.run(as_of=date(2027, 4, 1))
    billing.run(as_of=date(2027, 6, 1))
    assert billing.invoices() == [owed]
    owed.refresh_from_db()
    assert owed.status == "unpaid"


def test_other_statuses_leave_the_packages_alone(billing, customer, admin):
    sub = billing.subscribe(start=date(2027, 3, 1))
    customer, cancelled = customer_status_change(
        actor=admin, customer=customer, status="suspended", reason="Asked to pause"
    )
    assert cancelled == []
    sub.refresh_from_db()
    assert sub.status == "active"


def test_a_bad_status_changes_nothing(billing, customer, admin):
    from fairbill.core.errors import InvalidInput

    sub = billing.subscribe(start=date(2027, 3, 1))
    with pytest.raises(InvalidInput):
        customer_status_change(actor=admin, customer=customer, status="asleep")
    sub.refresh_from_db()
    customer.refresh_from_db()
    assert (customer.status, sub.status) == ("active", "active")


def test_the_back_office_asks_first_and_says_what_was_cancelled(staff_client, billing, customer):
    billing.subscribe(start=date(2027, 3, 1))
    page = staff_client.get(f"/customers/{customer.pk}/").content.decode()
    assert "Cancelling a customer also cancels their packages" in page
    response = staff_client.post(
        f"/customers/{customer.pk}/status/",
        {"status": "cancelled", "reason": "Moved away"},
        follow=True,
    )
    html = response.content.decode()
    assert "Status is now Cancelled; 1 package cancelled with it." in html
    assert "unpaid invoice" not in html  # none yet
    # and no package can be added until the customer is active again
    assert "+ Add a package" not in html
    assert "set them active again to add a package" in html
    assert Subscription.objects.get().status == "cancelled"


def test_the_api_cancels_the_packages_with_the_customer(api, billing, customer):
    billing.subscribe(start=date(2027, 3, 1))
    response = api.patch(f"/customers/{customer.pk}", {"status": "cancelled"})
    assert response.status_code == 200
    assert Subscription.objects.get().status == "cancelled"


def test_a_cancelled_customers_package_cant_be_switched_back_on(billing, customer, admin, api):
    from fairbill.core.errors import Refused
    from fairbill.subscriptions.services import subscription_update

    sub = billing.subscribe(start=date(2027, 3, 1))
    customer_status_change(actor=admin, customer=customer, status="cancelled")
    sub.refresh_from_db()
    with pytest.raises(Refused, match="This customer is cancelled; reactivate it first."):
        subscription_update(actor=admin, subscription=sub, status="active")
    response = api.patch(f"/subscriptions/{sub.pk}", {"status": "active"})
    assert (response.status_code, response.json()["code"]) == (409, "customer_cancelled")
    sub.refresh_from_db()
    assert sub.status == "cancelled"
    # the next renewal date passes: nothing is billed
    billing.run(as_of=date(2027, 4, 1))
    assert billing.invoices() == []


def test_cancelling_an_already_cancelled_customer_again_cancels_nothing(billing, customer, admin):
    sub = billing.subscribe(start=date(2027, 3, 1))
    customer_status_change(actor=admin, customer=customer, status="cancelled")
    # a package staff set running again by hand before (a legacy state) is left alone
    Subscription.objects.filter(pk=sub.pk).update(status="active")
    _, cancelled = customer_status_change(actor=admin, customer=customer, status="cancelled")
    assert cancelled == []
    sub.refresh_from_db()
    assert sub.status == "active"


def test_cancelling_says_which_unpaid_invoices_stay_owed(staff_client, billing, customer):
    billing.subscribe(start=date(2027, 3, 1))
    billing.run(as_of=date(2027, 3, 1))  # the March invoice, unpaid
    response = staff_client.post(
        f"/customers/{customer.pk}/status/", {"status": "cancelled", "reason": "x"}, follow=True
    )
    assert "1 unpaid invoice still owed, reminded and charged as before" in (
        response.content.decode()
    )
