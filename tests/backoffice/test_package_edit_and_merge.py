"""Back office → editing a customer's package, and merging a duplicate customer."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import time_machine

from fairbill.catalog.services import option_create
from fairbill.core.models import Event
from fairbill.customers.models import Customer
from fairbill.customers.services import customer_create, customer_note_add
from fairbill.invoicing.models import Invoice
from fairbill.payments.services import credit_add
from fairbill.subscriptions.models import Subscription
from tests.backoffice.conftest import bill_and_pay, form_errors, messages_of


@pytest.fixture(autouse=True)
def _frozen_clock():
    with time_machine.travel("2027-04-16 10:00:00+01:00", tick=False):
        yield


@pytest.fixture
def backups(bronze, system):
    return option_create(
        actor=system,
        name="Backups",
        kind="quantity",
        unit="GB",
        package_ids=[bronze.pk],
        prices=[
            {"cycle": "monthly", "price": "2.00", "setup_fee": "0"},
            {"cycle": "annually", "price": "20.00", "setup_fee": "0"},
        ],
    )


@pytest.fixture
def sub(customer, bronze, gb_vat):
    sub, _ = bill_and_pay(customer, bronze, date(2027, 4, 1))
    return sub


def edit_url(sub):
    return f"/customers/{sub.customer_id}/packages/{sub.pk}/edit/"


def form_data(sub, **changes):
    data = {
        "price": str(sub.price),
        "setup_fee": str(sub.setup_fee),
        "start_date": sub.start_date.isoformat(),
        "renewal_date": sub.renewal_date.isoformat(),
        "renewed_on": sub.renewed_on.isoformat() if sub.renewed_on else "",
        "cycle": sub.pending_cycle or sub.cycle,
        "payment_method": sub.payment_method,
        "status": sub.status,
    }
    return {**data, **changes}


# Edit a package


def test_edit_page_explains_renewal_date_cycle_and_status(staff_client, sub, backups):
    html = staff_client.get(edit_url(sub)).content.decode()
    assert "changes the day the next invoice is generated" in html
    assert "takes effect at the next renewal" in html
    assert "Automation may change the status" in html
    assert "Monthly £2.00, Annually £20.00" in html  # the option's prices per cycle


def test_edit_saves_price_renewal_date_and_options(staff_client, sub, backups):
    response = staff_client.post(
        edit_url(sub),
        form_data(sub, price="12.00", renewal_date="2027-05-10", **{f"option_{backups.pk}": "3"}),
    )
    assert response.status_code == 302
    sub.refresh_from_db()
    assert (sub.price, sub.renewal_date, sub.billing_day) == (
        Decimal("12.00"),
        date(2027, 5, 10),
        10,
    )
    [option] = sub.options.all()
    assert (option.quantity, option.unit_price) == (3, Decimal("2.00"))
    event = Event.objects.filter(action="subscription.edited").get()
    assert set(event.data) == {"price", "renewal_date", "options"}
    assert not Invoice.objects.filter(kind="change").exists()  # an edit never invoices


def test_a_renewal_date_out_of_range_is_a_form_error(staff_client, sub):
    # when the renewal date is moved to 9999 (the next period would overflow)
    before = sub.renewal_date
    response = staff_client.post(edit_url(sub), form_data(sub, renewal_date="9999-12-31"))
    # then the form says which dates it takes, and nothing changed
    assert response.status_code == 200
    assert "between 1 Jan 1900 and 31 Dec 2999" in response.content.decode()
    sub.refresh_from_db()
    assert sub.renewal_date == before
    assert not Event.objects.filter(action="subscription.edited").exists()


def test_a_cycle_edit_waits_for_the_renewal_and_shows_as_pending(staff_client, sub):
    staff_client.post(edit_url(sub), form_data(sub, cycle="annually"))
    sub.refresh_from_db()
    assert (sub.cycle, sub.pending_cycle, sub.price) == ("monthly", "annually", Decimal("100.00"))
    html = staff_client.get(edit_url(sub)).content.decode()
    assert "Pending: Monthly → <strong>Annually</strong>" in html
    assert (
        "→ Annually at renewal"
        in staff_client.get(f"/customers/{sub.customer_id}/").content.decode()
    )


def test_status_can_be_set_by_staff(staff_client, sub):
    staff_client.post(edit_url(sub), form_data(sub, status="suspended"))
    sub.refresh_from_db()
    assert (sub.status, sub.suspended_by) == ("suspended", Subscription.SuspendedBy.STAFF)


def test_nothing_changed_records_nothing(staff_client, sub):
    response = staff_client.post(edit_url(sub), form_data(sub), follow=True)
    assert "Nothing changed." in messages_of(response)
    assert not Event.objects.filter(action="subscription.edited").exists()


def test_validation_errors_show_on_the_fields(staff_client, sub):
    response = staff_client.post(
        edit_url(sub), form_data(sub, price="ten", renewed_on="2027-06-01")
    )
    assert response.status_code == 200
    assert form_errors(response)["price"]
    response = staff_client.post(edit_url(sub), form_data(sub, renewed_on="2027-06-01"))
    assert form_errors(response)["renewed_on"] == [
        "Renewed on (1 Jun 2027) can't be after the renewal date (1 May 2027)."
    ]


def test_edit_needs_the_customers_privilege(client_with, sub):
    assert client_with("invoices").get(edit_url(sub)).status_code == 403


def test_edit_of_another_customers_package_is_not_found(staff_client, sub, system):
    other = customer_create(actor=system, name="Bob", email="bob@example.com", country="GB")
    url = f"/customers/{other.pk}/packages/{sub.pk}/edit/"
    assert staff_client.get(url).status_code == 404


# Merge


@pytest.fixture
def duplicate(business, system, customer):
    dup = customer_create(
        actor=system, name="Jane Smith (old)", email="jane.old@example.com", country="GB"
    )
    customer_note_add(actor=system, customer=dup, body="Called about the move", public=False)
    credit_add(actor=system, customer=dup, amount="7.50", reason="Goodwill", on=date(2027, 4, 1))
    return dup


def merge_url(customer):
    return f"/customers/{customer.pk}/merge/"


def test_merge_search_finds_the_duplicate_by_name_or_email(staff_client, customer, duplicate):
    response = staff_client.get(merge_url(customer), {"q": "jane.old@"})
    assert [c.name for c in response.context["results"]] == ["Jane Smith (old)"]
    response = staff_client.get(merge_url(customer), {"q": "Jane"})
    assert [c.pk for c in response.context["results"]] == [duplicate.pk]  # never itself


def test_merge_review_lists_what_will_move(staff_client, customer, duplicate):
    response = staff_client.get(merge_url(customer), {"q": "old", "source": duplicate.pk})
    items = {item.label: item.count for item in response.context["items"]}
    assert items["customer notes"] == 1
    assert items["credit entries"] == 1
    expected = (
        f"Merge #{duplicate.pk} Jane Smith (old) (jane.old@example.com)"
        f" into #{customer.pk} Jane Smith (jane@example.com)"
    )
    assert expected in response.content.decode()
    assert not Customer.objects.filter(merged_into__isnull=False).exists()


def test_merging_two_customers_of_the_same_name_tells_them_apart(staff_client, customer, system):
    # given two customers both called Jane Smith
    twin = customer_create(
        actor=system, name="Jane Smith", email="j.smith@example.org", country="GB"
    )
    # when staff review merging one into the other
    response = staff_client.get(merge_url(customer), {"q": "Jane", "source": twin.pk})
    # then the button names each by number and email
    html = response.content.decode()
    assert (
        f"Merge #{twin.pk} Jane Smith (j.smith@example.org)"
        f" into #{customer.pk} Jane Smith (jane@example.com)"
    ) in html
    assert "Merge Jane Smith into Jane Smith" not in html
    # and the confirmation does too
    response = staff_client.post(merge_url(customer), {"source": twin.pk}, follow=True)
    assert any(
        m.startswith(f"#{twin.pk} Jane Smith (j.smith@example.org) merged into #{customer.pk}")
        for m in messages_of(response)
    )


def test_merge_confirm_moves_everything_and_links_the_source(staff_client, customer, duplicate):
    response = staff_client.post(merge_url(customer), {"source": duplicate.pk}, follow=True)
    assert any(
        m.startswith(f"#{duplicate.pk} Jane Smith (old) (jane.old@example.com) merged into")
        for m in messages_of(response)
    )
    duplicate.refresh_from_db()
    assert duplicate.merged_into_id == customer.pk
    assert response.context["credit"] == Decimal("7.50")
    source_page = staff_client.get(f"/customers/{duplicate.pk}/").content.decode()
    assert "Merged into" in source_page
    assert f'href="/customers/{customer.pk}/"' in source_page


def test_merge_refuses_different_currencies_with_a_clear_message(staff_client, customer, system):
    euro = customer_create(
        actor=system, name="Jean", email="jean@example.com", country="FR", currency="EUR"
    )
    response = staff_client.get(merge_url(customer), {"source": euro.pk})
    assert "customers with different currencies can&#x27;t be merged" in response.content.decode()
    assert "confirm" not in response.context
    response = staff_client.post(merge_url(customer), {"source": euro.pk}, follow=True)
    assert any("different currencies" in m for m in messages_of(response))
    euro.refresh_from_db()
    assert euro.merged_into_id is None


def test_merge_refuses_the_same_customer_and_one_already_merged(
    staff_client, customer, duplicate, admin
):
    from fairbill.customers.merge import customer_merge

    response = staff_client.get(merge_url(customer), {"source": customer.pk})
    assert "can&#x27;t be merged into itself" in response.content.decode()
    other = customer_create(actor=admin, name="Third", email="third@example.com", country="GB")
    customer_merge(actor=admin, target=other, source=duplicate)
    response = staff_client.get(merge_url(customer), {"source": duplicate.pk})
    assert "was already merged into another customer" in response.content.decode()


def test_merge_needs_the_customers_privilege(client_with, customer, duplicate):
    client = client_with("invoices")
    assert client.get(merge_url(customer)).status_code == 403
    assert client.post(merge_url(customer), {"source": duplicate.pk}).status_code == 403
