"""Changing a package from My Account: choose, review (the preview's figures), confirm.

Bronze is £10/month, Silver £20/month, Gold £30/month, GB VAT 20%; the package was billed
for 1–30 April 2027 (a 30-day period) and today is 16 April.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.contrib.messages import get_messages

from fairbill.automation.billing_run import billing_run
from fairbill.catalog.services import package_create
from fairbill.core.actors import Actor
from fairbill.invoicing.models import Invoice
from fairbill.payments.services import credit_balance, payment_record
from fairbill.subscriptions.changes import subscription_change_preview
from fairbill.subscriptions.models import PackageChange
from fairbill.subscriptions.services import options_replace, options_select, subscription_create

TODAY = "2027-04-16 12:00Z"


@pytest.fixture
def gold(shop, system):
    return package_create(
        actor=system,
        name="Gold",
        prices=[{"cycle": "monthly", "price": Decimal("30.00"), "setup_fee": Decimal("25.00")}],
    )


@pytest.fixture
def nina(account):
    return account("Nina Patel", "nina@example.com", "nina", invoice_amount=None)


@pytest.fixture
def april(nina, shop, gold, admin):
    """Subscribe Nina to a package from 1 April, bill April and (by default) pay it."""

    def make(package, paid=True, customer=None):
        sub = subscription_create(
            actor=admin,
            customer=customer or nina,
            package=package,
            cycle="monthly",
            start_date=date(2027, 4, 1),
            setup_fee="0",
        )
        billing_run(as_of=date(2027, 4, 1), actor=Actor.system("billing run"))
        invoice = Invoice.objects.get(lines__subscription=sub)
        if paid:
            payment_record(
                actor=admin,
                invoice=invoice,
                amount=invoice.balance,
                method="bank_transfer",
                on=date(2027, 4, 2),
            )
        sub.refresh_from_db()
        return sub

    return make


@pytest.fixture
def nina_client(client, nina):
    with time_machine.travel(TODAY, tick=False):  # logged in "today": the session is fresh
        client.force_login(nina.user)
        yield client


def url(name, sub):
    return f"/account/packages/{sub.pk}/change/{name}"


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_the_overview_links_each_active_package_to_its_change_page(nina_client, april, shop):
    # given Nina's paid Bronze package
    sub = april(shop.bronze)
    # when she opens My Account
    response = nina_client.get("/account/")
    # then the package has a "Change package" link
    assert f'href="{url("", sub)}"' in response.content.decode()


def test_the_choose_page_offers_the_other_active_packages_in_her_currency(
    nina_client, april, shop, gold
):
    # given Nina's Bronze package
    sub = april(shop.bronze)
    # when she opens its change page
    response = nina_client.get(url("", sub))
    # then Silver and Gold are offered with their monthly prices, not the inactive package
    offers = [(o.package.name, o.cycle, o.price) for o in response.context["offers"]]
    assert ("Gold", "monthly", Decimal("30.00")) in offers
    assert ("Silver", "monthly", Decimal("20.00")) in offers
    assert ("Bronze", "monthly", Decimal("10.00")) not in offers  # what she has now
    assert all(name != "Retired" for name, _, _ in offers)


def test_picking_a_package_without_options_goes_straight_to_the_review(
    nina_client, april, shop, gold
):
    sub = april(shop.bronze)
    response = nina_client.get(url("", sub), {"plan": f"{gold.pk}:monthly"})
    assert response.url == f"{url('review/', sub)}?package={gold.pk}&cycle=monthly"


def test_picking_a_package_with_options_offers_them_kept_from_now(nina_client, april, shop, admin):
    # given Nina's Bronze package with 2 × Extra storage
    sub = april(shop.bronze)
    rows = [{"option_id": shop.storage.pk, "quantity": 2}]
    options_replace(
        sub, options_select(package=shop.bronze, cycle="monthly", currency="GBP", rows=rows)
    )
    # when she picks Silver monthly
    response = nina_client.get(url("", sub), {"plan": f"{shop.silver.pk}:monthly"})
    # then Silver's options are offered, Extra storage at the 2 she has now
    values = {offer.option.name: value for offer, value in response.context["option_values"]}
    assert values == {"Backup plan": "0", "Extra storage": "2", "Priority support": "0"}


def test_the_review_shows_the_same_figures_as_the_preview(nina_client, april, shop, gold):
    # given Nina's paid Bronze package
    sub = april(shop.bronze)
    # when she reviews a change to Gold monthly on 16 April
    response = nina_client.get(url("review/", sub), {"package": gold.pk, "cycle": "monthly"})
    # then the page shows exactly what subscription_change_preview computes
    preview = subscription_change_preview(
        subscription=sub, package=gold, cycle="monthly", options=[], as_of=date(2027, 4, 16)
    )
    assert (preview.subtotal, preview.tax, preview.total) == (
        Decimal("10.00"),
        Decimal("2.00"),
        Decimal("12.00"),
    )
    plan = response.context["plan"]
    assert (plan.subtotal, plan.tax, plan.total, plan.breakdown) == (
        preview.subtotal,
        preview.tax,
        preview.total,
        preview.breakdown,
    )
    page = response.content.decode()
    assert "£12.00" in page
    assert "VAT 20%" in page
    assert "Unused Bronze (monthly): 15 of 30 days" in page
    assert "Gold (monthly) for 15 of 30 days" in page
    # and the staff-only setup fee is not charged (Gold's is £25)
    assert "Setup fee" not in page
    # and nothing was written
    assert not PackageChange.objects.exists()


def test_confirming_creates_the_change_invoice_with_the_reviewed_total(
    nina_client, april, shop, gold
):
    # given Nina's paid Bronze package
    sub = april(shop.bronze)
    # when she confirms the change to Gold on 16 April
    response = nina_client.post(url("confirm/", sub), {"package": gold.pk, "cycle": "monthly"})
    # then a £12.00 change invoice is made and she is sent to it to pay it
    change = PackageChange.objects.get()
    invoice = change.invoice
    assert (invoice.kind, invoice.total, invoice.status) == ("change", Decimal("12.00"), "unpaid")
    assert response.status_code == 302
    assert response.url == f"/account/invoices/{invoice.pk}/"
    assert any("Gold" in m and "£12.00" in m for m in messages_of(response))
    sub.refresh_from_db()
    assert (sub.package.name, sub.price) == ("Gold", Decimal("30.00"))
    # and the change is recorded as the customer's
    assert change.actor_label == "nina"


def test_a_chosen_option_is_priced_in_the_review_and_kept(nina_client, april, shop):
    # given Nina's paid Bronze package
    sub = april(shop.bronze)
    # when she picks Silver with Priority support (£15/month) and confirms
    data = {"package": shop.silver.pk, "cycle": "monthly", f"option_{shop.support.pk}": "1"}
    review = nina_client.get(url("review/", sub), data)
    nina_client.post(url("confirm/", sub), data)
    # then (20 + 15) × 15/30 − 10 × 15/30 = 12.50 net, 15.00 with VAT, and Silver has it
    assert review.context["plan"].total == Decimal("15.00")
    assert PackageChange.objects.get().invoice.total == Decimal("15.00")
    assert [o.option_id for o in sub.options.all()] == [shop.support.pk]


def test_a_downgrade_gives_credit_and_no_invoice(nina_client, april, shop, gold):
    # given Nina's paid Gold package
    sub = april(gold)
    invoices_before = Invoice.objects.count()
    # when she changes to Bronze on 16 April
    review = nina_client.get(url("review/", sub), {"package": shop.bronze.pk, "cycle": "monthly"})
    response = nina_client.post(
        url("confirm/", sub), {"package": shop.bronze.pk, "cycle": "monthly"}
    )
    # then the unused £15.00 − £5.00 = £10.00 comes back with its VAT as £12.00 credit
    assert review.context["plan"].credit == Decimal("12.00")
    assert "£12.00" in review.content.decode()
    assert Invoice.objects.count() == invoices_before
    assert credit_balance(sub.customer) == Decimal("12.00")
    assert response.url == "/account/"
    assert any("£12.00" in m and "credit" in m for m in messages_of(response))


def test_an_unpaid_invoice_for_the_current_period_is_refused_and_nothing_is_written(
    nina_client, april, shop, gold
):
    # given Nina's Bronze package whose April invoice is unpaid
    sub = april(shop.bronze, paid=False)
    unpaid = Invoice.objects.get()
    # when she confirms a change to Gold
    response = nina_client.post(
        url("confirm/", sub), {"package": gold.pk, "cycle": "monthly"}, follow=True
    )
    # then she is told to pay that invoice first, and nothing changed
    assert f"Invoice {unpaid.number} for this package is unpaid" in response.content.decode()
    assert not PackageChange.objects.exists()
    assert Invoice.objects.count() == 1
    sub.refresh_from_db()
    assert sub.package == shop.bronze


def test_a_cycle_without_a_price_is_refused_with_a_message(nina_client, april, shop, gold):
    # given Nina's paid Bronze package (Gold has no annual price)
    sub = april(shop.bronze)
    # when she asks for Gold annually by editing the address
    response = nina_client.get(
        url("review/", sub), {"package": gold.pk, "cycle": "annually"}, follow=True
    )
    # then she is back on the choose page with the reason
    assert "Gold has no annually price in GBP" in response.content.decode()
    assert not PackageChange.objects.exists()


def test_another_customers_package_is_not_found(nina_client, april, account, shop, gold):
    # given Bob's Bronze package
    bob = account("Bob Baker", "bob@example.com", "bob", invoice_amount=None)
    sub = april(shop.bronze, customer=bob)
    data = {"package": gold.pk, "cycle": "monthly"}
    # when Nina opens its change pages or confirms a change of it
    # then each answers 404 and nothing changes
    assert nina_client.get(url("", sub)).status_code == 404
    assert nina_client.get(url("review/", sub), data).status_code == 404
    assert nina_client.post(url("confirm/", sub), data).status_code == 404
    assert not PackageChange.objects.exists()


def test_anonymous_visitors_are_sent_to_the_login(client, april, shop, gold):
    sub = april(shop.bronze)
    response = client.get(url("", sub))
    assert response.status_code == 302
    assert response.url.startswith("/account/login/?next=")
    response = client.post(url("confirm/", sub), {"package": gold.pk, "cycle": "monthly"})
    assert response.url.startswith("/account/login/?next=")
    assert not PackageChange.objects.exists()


def test_confirming_needs_a_post(nina_client, april, shop, gold):
    sub = april(shop.bronze)
    response = nina_client.get(url("confirm/", sub), {"package": gold.pk, "cycle": "monthly"})
    assert response.status_code == 405
