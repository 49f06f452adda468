"""Back office → the upgrade / downgrade wizard: pick, choose, review, generate."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import time_machine

from fairbill.core.models import Event
from fairbill.invoicing.models import Invoice
from fairbill.payments.services import credit_balance
from fairbill.subscriptions.models import PackageChange
from tests.backoffice.conftest import bill_and_pay, messages_of

APRIL_16 = "2027-04-16 10:00:00+01:00"


@pytest.fixture
def paid_bronze(customer, bronze, gold, gb_vat):
    """Bronze £10/month renewed on 1 April 2027 (a 30-day period), paid."""
    sub, _ = bill_and_pay(customer, bronze, date(2027, 4, 1))
    return sub


@pytest.fixture(autouse=True)
def _mid_april():
    with time_machine.travel(APRIL_16, tick=False):
        yield


def pay_changes():
    from fairbill.core.actors import Actor
    from fairbill.payments.services import payment_record

    for invoice in Invoice.objects.filter(kind="change", status="unpaid"):
        payment_record(
            actor=Actor.system("tests"),
            invoice=invoice,
            amount=invoice.balance,
            method="bank_transfer",
            on=date(2027, 4, 11),
        )


def choices(gold, **extra):
    return {"package": gold.pk, "cycle": "monthly", "as_of": "2027-04-16", **extra}


def review_url(sub):
    return f"/customers/{sub.customer_id}/packages/{sub.pk}/change/review/"


def test_step_1_lists_the_packages_and_highlights_those_changed_before(
    staff_client, paid_bronze, gold, admin
):
    from fairbill.subscriptions.changes import subscription_change

    subscription_change(
        actor=admin,
        subscription=paid_bronze,
        package=gold,
        cycle="monthly",
        options=[],
        as_of=date(2027, 4, 10),
    )
    pay_changes()
    html = staff_client.get(f"/customers/{paid_bronze.customer_id}/change/").content.decode()
    assert "changed before" in html
    assert f"/packages/{paid_bronze.pk}/change/" in html


def test_step_2_offers_packages_cycles_options_and_today(staff_client, paid_bronze, gold):
    response = staff_client.get(
        f"/customers/{paid_bronze.customer_id}/packages/{paid_bronze.pk}/change/"
    )
    form = response.context["form"]
    assert form.initial["as_of"] == date(2027, 4, 16)
    assert {p.name for p in form.fields["package"].queryset} == {"Bronze", "Gold"}
    assert "one_time" not in dict(form.fields["cycle"].choices)
    assert "charge_setup_fee" in form.fields


def test_step_3_reviews_the_proration_line_by_line_without_writing(staff_client, paid_bronze, gold):
    response = staff_client.get(review_url(paid_bronze), choices(gold))
    html = response.content.decode()
    plan = response.context["plan"]
    # Gold 30 × 15/30 − unused Bronze 10 × 15/30 = 10.00 + VAT 2.00
    assert (plan.net, plan.tax, plan.total) == (Decimal("10.00"), Decimal("2.00"), Decimal("12.00"))
    assert "Unused Bronze (monthly): 15 of 30 days" in html
    assert "Gold (monthly) for 15 of 30 days" in html
    assert "−£5.00" in html or "-£5.00" in html
    assert "£15.00" in html
    assert "£12.00" in html
    assert "Generate invoice" in html
    assert not PackageChange.objects.exists()
    assert not Invoice.objects.filter(kind="change").exists()


def test_step_3_carries_the_choices_in_hidden_fields(staff_client, paid_bronze, gold):
    response = staff_client.get(review_url(paid_bronze), choices(gold, charge_setup_fee="on"))
    carried = dict(response.context["carried"])
    assert carried == {
        "package": str(gold.pk),
        "cycle": "monthly",
        "as_of": "2027-04-16",
        "charge_setup_fee": "on",
    }
    assert response.context["plan"].setup_fee == Decimal("20.00")


def test_generate_makes_the_invoice_the_review_showed_to_the_cent(staff_client, paid_bronze, gold):
    preview = staff_client.get(review_url(paid_bronze), choices(gold)).context["plan"]
    response = staff_client.post(
        review_url(paid_bronze).replace("review/", "generate/"), choices(gold)
    )
    change = PackageChange.objects.get()
    assert response.status_code == 302
    assert response.url == f"/customers/{paid_bronze.customer_id}/changes/{change.pk}/"
    invoice = change.invoice
    assert (invoice.subtotal, invoice.tax, invoice.total) == (
        preview.subtotal,
        preview.tax,
        preview.total,
    )
    assert [(line.description, line.amount) for line in invoice.lines.all()] == [
        (spec.description, spec.unit_price) for spec in preview.specs
    ]


def test_step_4_shows_the_invoice_and_the_change_in_the_history(staff_client, paid_bronze, gold):
    response = staff_client.post(
        review_url(paid_bronze).replace("review/", "generate/"), choices(gold), follow=True
    )
    html = response.content.decode()
    invoice = Invoice.objects.get(kind="change")
    assert invoice.number in html
    assert "£12.00" in html
    assert "subscription.changed" in html
    assert Event.objects.filter(action="subscription.changed").exists()
    # and the customer page shows the package as changed
    page = staff_client.get(f"/customers/{paid_bronze.customer_id}/").content.decode()
    assert "badge-changed" in page
    assert "Upgrade from Bronze on 16 Apr 2027" in page


def test_a_downgrade_reviews_and_makes_account_credit(staff_client, paid_bronze, gold, admin):
    from fairbill.catalog.models import Package
    from fairbill.subscriptions.changes import subscription_change

    subscription_change(
        actor=admin,
        subscription=paid_bronze,
        package=gold,
        cycle="monthly",
        options=[],
        as_of=date(2027, 4, 11),
    )
    pay_changes()
    bronze = Package.objects.get(name="Bronze")
    # 15 days left of 30: Bronze 5.00 − Gold 15.00 = −10.00, credited with VAT: 12.00
    response = staff_client.get(review_url(paid_bronze), choices(bronze))
    plan = response.context["plan"]
    assert (plan.net, plan.credit) == (Decimal("-10.00"), Decimal("12.00"))
    assert "Account credit" in response.content.decode()
    staff_client.post(review_url(paid_bronze).replace("review/", "generate/"), choices(bronze))
    assert credit_balance(paid_bronze.customer) == Decimal("12.00")


def test_a_new_cycle_reviews_a_new_period(staff_client, paid_bronze, gold):
    response = staff_client.get(review_url(paid_bronze), choices(gold, cycle="annually"))
    html = response.content.decode()
    assert "Gold (annually): new period 16 Apr 2027 – 16 Apr 2028" in html
    assert response.context["plan"].total == Decimal("354.00")


def test_an_unpaid_invoice_for_the_period_is_refused_naming_it(
    staff_client, customer, bronze, gold, gb_vat
):
    sub, invoice = bill_and_pay(customer, bronze, date(2027, 4, 1), pay=False)
    response = staff_client.get(review_url(sub), choices(gold))
    html = response.content.decode()
    assert f"Invoice {invoice.number} for this package is unpaid" in html
    assert response.context["step"] == 2
    post = staff_client.post(review_url(sub).replace("review/", "generate/"), choices(gold))
    assert f"Invoice {invoice.number}" in post.content.decode()
    assert not PackageChange.objects.exists()


def test_field_errors_show_on_step_2(staff_client, paid_bronze, gold):
    response = staff_client.get(review_url(paid_bronze), choices(gold, as_of="not a date"))
    assert response.context["step"] == 2
    assert response.context["form"].errors["as_of"]


def test_the_wizard_needs_the_customers_privilege(client_with, paid_bronze, gold):
    client = client_with("invoices")
    assert client.get(f"/customers/{paid_bronze.customer_id}/change/").status_code == 403
    assert client.get(review_url(paid_bronze), choices(gold)).status_code == 403


def test_generating_needs_the_invoices_privilege_too(client_with, paid_bronze, gold):
    client = client_with("customers")
    review = client.get(review_url(paid_bronze), choices(gold))
    assert review.status_code == 200
    assert "needs the “invoices” privilege" in review.content.decode()
    response = client.post(review_url(paid_bronze).replace("review/", "generate/"), choices(gold))
    assert response.status_code == 403
    assert not PackageChange.objects.exists()


def test_another_customers_package_is_not_found(staff_client, paid_bronze, gold, system):
    from fairbill.customers.services import customer_create

    other = customer_create(actor=system, name="Bob", email="bob@example.com", country="GB")
    url = f"/customers/{other.pk}/packages/{paid_bronze.pk}/change/review/"
    assert staff_client.get(url, choices(gold)).status_code == 404


def test_messages_helper_is_quiet_on_the_review(staff_client, paid_bronze, gold):
    response = staff_client.get(review_url(paid_bronze), choices(gold))
    assert messages_of(response) == []
