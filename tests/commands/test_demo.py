"""`fairbill demo`: demo data through the services, loaded once."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.management import call_command

from fairbill.accounts.models import ApiKey, User
from fairbill.catalog.models import Option, OrderForm, Package, PackagePrice, TaxRate
from fairbill.core.models import BusinessSettings, Event
from fairbill.customers.models import Customer, CustomerNote, Status
from fairbill.demo.services import (
    ADMIN_PASSWORD,
    CUSTOMER_EMAIL,
    CUSTOMER_PASSWORD,
    REVERSE_CHARGE_VAT_NUMBER,
)
from fairbill.invoicing.models import CreditNote, Invoice

pytestmark = pytest.mark.django_db


def demo(*args: str) -> str:
    out = io.StringIO()
    call_command("demo", *args, stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    models = [
        User, ApiKey, Customer, CustomerNote, Package, PackagePrice, Option, OrderForm, TaxRate,
        Event,
    ]  # fmt: skip
    return {model.__name__: model.objects.count() for model in models}


def test_demo_twice_changes_nothing():
    # given the demo loaded once
    demo()
    before = counts()
    settings_before = BusinessSettings.load().updated_at
    # when it runs again
    out = demo()
    # then nothing was added or changed
    assert counts() == before
    assert BusinessSettings.load().updated_at == settings_before
    assert "already loaded" in out


def test_demo_creates_customers_in_every_status():
    # when the demo is loaded
    demo()
    # then there are a dozen customers and every status has some
    statuses = list(Customer.objects.values_list("status", flat=True))
    assert len(statuses) == 12
    assert set(statuses) == set(Status.values)


def test_demo_sets_up_the_business():
    # when the demo is loaded
    demo()
    # then the business settings are the demo company's
    business = BusinessSettings.load()
    assert business.company_name == "Northwind Hosting Ltd"
    assert business.vat_number == "GB980780684"
    assert business.invoice_prefix == "NW-"
    assert business.reminder_days == [-3, 0, 3, 7]
    assert (business.suspend_days_after_due, business.cancel_days_after_due) == (14, 60)
    assert "IBAN" in business.payment_instructions


def test_demo_builds_the_catalogue():
    # when the demo is loaded
    demo()
    # then the packages, options and order form are there and linked
    assert list(Package.objects.values_list("name", flat=True)) == ["Bronze", "Silver", "Gold"]
    silver_cycles = set(Package.objects.get(name="Silver").prices.values_list("cycle", flat=True))
    assert silver_cycles == {"monthly", "quarterly", "annually"}
    kinds = dict(Option.objects.values_list("name", "kind"))
    assert kinds == {
        "Extra storage": "quantity",
        "Priority support": "checkbox",
        "Backup plan": "choice",
    }
    form = OrderForm.objects.get(slug="hosting")
    assert form.packages.count() == 3
    assert form.options.count() == 3
    assert TaxRate.objects.filter(country="US").exclude(region="").exists()


def test_demo_logins_work_and_are_printed():
    # when the demo is loaded
    out = demo()
    # then the printed logins work: an administrator, a limited staff user and a customer
    admin = User.objects.get(username="admin")
    assert admin.is_administrator
    assert admin.check_password(ADMIN_PASSWORD)
    support = User.objects.get(username="support")
    assert support.is_staff
    assert not support.is_administrator
    customer_user = Customer.objects.get(user__username="demo").user
    assert not customer_user.is_staff
    assert customer_user.check_password(CUSTOMER_PASSWORD)
    assert f"admin / {ADMIN_PASSWORD}" in out
    assert f"demo / {CUSTOMER_PASSWORD}" in out


def test_demo_if_empty_does_nothing_when_a_customer_exists(customer):
    # given a database with one customer
    before = counts()
    # when the demo is asked to load only into an empty database
    out = demo("--if-empty")
    # then nothing was added
    assert counts() == before
    assert "not loaded" in out


def test_demo_if_empty_loads_an_empty_database():
    # when the demo is asked to load into an empty database
    demo("--if-empty")
    # then it did
    assert Customer.objects.count() == 12


def test_demo_keeps_an_existing_admin(system):
    # given an administrator "admin" created by hand, with its own password
    from fairbill.accounts.services import staff_create

    staff_create(
        actor=system, username="admin", email="me@example.com", password="my-own-passphrase-2"
    )
    # when the demo is loaded
    out = demo()
    # then that login keeps its password and the demo password is not advertised for it
    admin = User.objects.get(username="admin")
    assert admin.check_password("my-own-passphrase-2")
    assert f"admin / {ADMIN_PASSWORD}" not in out
    assert Customer.objects.count() == 12


def test_demo_loads_nothing_if_any_step_fails(monkeypatch):
    # given a customer step that fails half way
    from fairbill.core.errors import InvalidInput
    from fairbill.demo import services as demo_module

    def failing(actor, customers):
        raise InvalidInput("boom")

    monkeypatch.setattr(demo_module, "customer_logins_load", failing)
    # when the demo runs
    with pytest.raises(Exception, match="boom"):
        demo()
    # then nothing at all was written
    assert not Customer.objects.exists()
    assert not Package.objects.exists()


@pytest.mark.django_db
def test_loading_the_demo_asks_no_vat_register(vies):
    # given VIES standing at a local server that records every request
    # when the demo is loaded (its customers have made-up EU and GB VAT numbers)
    demo()
    # then no register was asked, and the EU customers' checks say they were not made,
    # except the reverse-charge customer's made-up number, marked as a demo answer
    assert vies.log == []
    checked = Customer.objects.exclude(vat_number="").exclude(vat_check_status="unchecked")
    others = checked.exclude(vat_number=REVERSE_CHARGE_VAT_NUMBER)
    assert others.exists()
    assert set(others.values_list("vat_check_status", flat=True)) == {"unverified"}
    becker = Customer.objects.get(vat_number=REVERSE_CHARGE_VAT_NUMBER)
    assert (becker.vat_check_status, becker.vat_check_consultation) == ("valid", "DEMO-NOT-ASKED")


def test_the_demo_has_a_reverse_charge_customer_and_credit_notes(client):
    # when the demo is loaded
    demo()
    # then the EU business customer's invoices are reverse charged (no tax)
    becker = Customer.objects.get(vat_number=REVERSE_CHARGE_VAT_NUMBER)
    invoices = Invoice.objects.filter(customer=becker).exclude(status="draft")
    assert invoices.exists()
    assert set(invoices.values_list("tax_treatment", flat=True)) == {"reverse_charge"}
    assert all(i.tax == 0 for i in invoices)
    # and one of them has a credit note (no tax either), its credit on the account
    note = CreditNote.objects.get(customer=becker)
    assert (note.tax_treatment, note.tax) == ("reverse_charge", Decimal("0.00"))
    assert note.to_credit == note.total > 0
    # and the demo login's customer has a credit note in the history (one storage block)
    alex = Customer.objects.get(email=CUSTOMER_EMAIL)
    history = CreditNote.objects.get(customer=alex)
    assert history.lines.get().quantity == Decimal("1")
    assert history.issue_date < note.issue_date
    # and their pages open: the back office's (admin) and My Account's (the demo login)
    client.force_login(User.objects.get(username="admin"))
    for path in ("/credit-notes/", f"/credit-notes/{note.pk}/", f"/invoices/{note.invoice_id}/"):
        assert client.get(path).status_code == 200, path
    assert note.tax_note in client.get(f"/credit-notes/{note.pk}/").content.decode()
    client.force_login(alex.user)
    page = client.get(f"/account/credit-notes/{history.pk}/")
    assert page.status_code == 200
    assert history.number in client.get("/account/credit-notes/").content.decode()


def test_demo_has_a_customer_paying_by_saved_card_collected_by_the_daily_run(settings):
    from datetime import timedelta

    import time_machine

    from fairbill.automation.billing_run import billing_run
    from fairbill.core import clock
    from fairbill.core.actors import Actor
    from fairbill.invoicing.models import Invoice
    from fairbill.payments.gateways.base import payment_gateway
    from fairbill.payments.models import PaymentAttempt, SavedPaymentMethod

    settings.STRIPE_SECRET_KEY = ""
    settings.PAYMENT_GATEWAY = ""
    demo()
    bakery = Customer.objects.get(email="tom@fletcherbakery.example")
    assert bakery.payment_method == "automatic"
    card = SavedPaymentMethod.objects.get(customer=bakery)
    assert (card.gateway, card.label, card.last4, card.is_default) == (
        "fake",
        "Visa (demo)",
        "4242",
        True,
    )
    assert payment_gateway().name == "fake"  # the demo is loaded: the demo gateway
    # its past invoices were collected by the run on their due dates
    collected = PaymentAttempt.objects.filter(customer=bakery, state="succeeded")
    assert collected.count() >= 9
    assert all(a.on == a.invoice.due_date for a in collected)
    # and the next renewal is collected by the daily run when it falls due
    today = clock.today()
    for day in range(1, 46):
        on = today + timedelta(days=day)
        with time_machine.travel(on.isoformat() + " 06:00Z", tick=False):
            billing_run(as_of=on, actor=Actor.system("billing run"))
    later = Invoice.objects.filter(customer=bakery, issue_date__gt=today)
    assert later.exists()
    assert all(i.status == "paid" for i in later if i.due_date <= on)
    assert PaymentAttempt.objects.filter(invoice__in=later, state="succeeded").exists()
