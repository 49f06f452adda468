"""The public order form: what it offers, the running total, placing an order, and what an
order creates."""

from __future__ import annotations

import json
import time
from datetime import date
from decimal import Decimal

import pytest
import stripe as stripe_sdk
import time_machine
from django.core import mail

from fairbill.accounts.models import User
from fairbill.core.actors import Actor
from fairbill.core.models import Event
from fairbill.core.services import settings_update
from fairbill.customers.models import Customer
from fairbill.invoicing.models import Invoice
from fairbill.notifications.models import EmailLog
from fairbill.payments.models import GatewayCustomer, SavedPaymentMethod
from fairbill.payments.services import payment_record
from fairbill.subscriptions.models import Subscription
from tests.fakes.stripe_api import StripeFake

pytestmark = pytest.mark.django_db

TODAY = "2027-03-15 10:00Z"


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(TODAY, tick=False):
        yield


def place(client, shop, capture, **overrides):
    with capture(execute=True):
        return client.post(shop.url, shop.data(**overrides))


def test_order_form_shows_active_packages_with_prices_per_cycle(client, shop):
    # when a visitor opens the order form
    response = client.get(shop.url)
    # then the active packages, their prices per cycle and setup fees are shown; not the
    # inactive package
    page = response.content.decode()
    assert response.status_code == 200
    assert "Bronze" in page
    assert "Silver" in page
    assert "Retired" not in page
    assert "£10.00" in page
    assert "£100.00" in page
    assert "£5.00" in page
    assert "Extra storage" in page
    assert "Backup plan" in page
    # and the running total for the default choice (Bronze monthly, UK) includes VAT
    assert 'data-testid="order-total">£18.00<' in page  # (10 + 5 setup) × 1.2


def test_order_form_offers_only_the_cycles_it_allows(client, shop, system):
    from fairbill.catalog.services import order_form_update

    order_form_update(
        actor=system,
        order_form=shop.form,
        name="Hosting",
        slug="hosting",
        package_ids=[shop.bronze.pk],
        cycles=["annually"],
    )
    page = client.get(shop.url).content.decode()
    assert '<option value="annually"' in page
    assert '<option value="monthly"' not in page
    assert "Silver" not in page


def test_unknown_or_closed_order_form_answers_404(client, shop, system):
    assert client.get("/order/nothing-here/").status_code == 404


def test_total_changes_with_the_country_and_region(client, shop):
    # given Bronze monthly with two storage blocks (10 + 5 setup + 2 × 2.50 + 2 × 1.00 setup)
    data = shop.data()
    # when the visitor's country is the UK, then New York, then France (no rate)
    uk = client.post(f"{shop.url}total/", {**data, "country": "GB"}).content.decode()
    ny = client.post(
        f"{shop.url}total/", {**data, "country": "US", "region": "NY"}
    ).content.decode()
    fr = client.post(f"{shop.url}total/", {**data, "country": "FR"}).content.decode()
    # then the total carries 20% VAT, 4% sales tax, or no tax
    assert 'data-testid="order-total">£26.40<' in uk
    assert 'data-testid="order-total">£22.88<' in ny
    assert 'data-testid="order-total">£22.00<' in fr
    # and the region becomes a select of the states with their own rate for the US
    assert '<select name="region"' in ny
    assert 'hx-swap-oob="true"' in ny
    assert '<select name="region"' not in uk


def test_update_total_button_works_without_javascript(client, shop):
    # when the visitor presses "Update total" (no JavaScript) after choosing New York
    data = shop.data(country="US", region="NY", action="update")
    response = client.post(shop.url, data)
    page = response.content.decode()
    # then the page shows again with the new total, no errors and nothing created
    assert response.status_code == 200
    assert 'data-testid="order-total">£22.88<' in page
    assert "Please check the fields" not in page
    assert 'value="nina-secret' not in page
    assert "a-sturdy-customer-password" not in page
    assert not Customer.objects.exists()


def test_placing_an_order_creates_customer_login_subscription_and_signup_invoice(
    client, shop, django_capture_on_commit_callbacks
):
    # when a visitor orders Bronze monthly with two storage blocks
    response = place(client, shop, django_capture_on_commit_callbacks)
    # then they are sent to the thank-you page, logged in as the new customer
    assert response.status_code == 302
    assert response["Location"] == "/order/hosting/thanks/"
    customer = Customer.objects.get()
    assert customer.status == "pending"
    assert customer.email == "nina@example.com"
    assert customer.user.username == "nina"
    assert customer.user.check_password("a-sturdy-customer-password")
    assert not customer.user.is_staff
    assert int(client.session["_auth_user_id"]) == customer.user.pk
    # and the subscription is pending with its first period invoiced
    sub = Subscription.objects.get()
    assert sub.status == "pending"
    assert sub.start_date == date(2027, 3, 15)
    assert sub.renewed_on == date(2027, 3, 15)
    assert sub.renewal_date == date(2027, 4, 15)
    assert sub.setup_fee_billed
    assert [(o.option.name, o.quantity) for o in sub.options.all()] == [("Extra storage", 2)]
    # and the signup invoice has the period, the options, the setup fees and UK VAT
    invoice = Invoice.objects.get()
    assert invoice.kind == "signup"
    assert invoice.status == "unpaid"
    lines = [(line.kind, line.description, line.amount) for line in invoice.lines.all()]
    assert lines == [
        ("package", "Bronze (monthly)", Decimal("10.00")),
        ("option", "Extra storage", Decimal("5.00")),
        ("setup", "Setup fee: Bronze", Decimal("5.00")),
        ("setup", "Setup fee: Extra storage", Decimal("2.00")),
    ]
    period = invoice.lines.get(kind="package")
    assert (period.period_start, period.period_end) == (date(2027, 3, 15), date(2027, 4, 15))
    assert (invoice.subtotal, invoice.tax, invoice.total) == (
        Decimal("22.00"),
        Decimal("4.40"),
        Decimal("26.40"),
    )
    assert invoice.number
    # and the order is in the audit log with the visitor's address
    event = Event.objects.get(action="order.placed")
    assert event.data["ip"] == "127.0.0.1"
    assert event.customer_id == customer.pk


def test_an_order_sends_signup_invoice_and_business_emails(
    client, shop, django_capture_on_commit_callbacks
):
    place(client, shop, django_capture_on_commit_callbacks)
    # then the customer gets the signup email (username, never the password) and the invoice
    by_template = {log.template: log for log in EmailLog.objects.all()}
    assert set(by_template) == {"signup", "invoice_issued", "order_received"}
    assert all(log.status == "sent" for log in by_template.values())
    signup = next(m for m in mail.outbox if "your order" in m.subject)
    assert signup.to == ["nina@example.com"]
    assert "nina" in signup.body
    assert "a-sturdy-customer-password" not in signup.body
    assert not any("a-sturdy-customer-password" in m.body for m in mail.outbox)
    # and the business is told at its order address
    notice = next(m for m in mail.outbox if m.subject.startswith("New order"))
    assert notice.to == ["orders@acme.example"]
    assert "Nina Patel" in notice.body
    assert "Bronze" in notice.body


def test_plain_text_emails_keep_paragraphs_and_characters(
    client, shop, django_capture_on_commit_callbacks
):
    place(client, shop, django_capture_on_commit_callbacks, company="Patel & Söhne")
    signup = next(m for m in mail.outbox if "your order" in m.subject)
    assert signup.body.startswith("Dear Nina Patel,\n\nThank you for your order.")
    notice = next(m for m in mail.outbox if m.subject.startswith("New order"))
    assert "(Patel & Söhne)" in notice.body
    assert "&amp;" not in notice.body


def test_thank_you_page_offers_to_pay_the_invoice(client, shop, django_capture_on_commit_callbacks):
    place(client, shop, django_capture_on_commit_callbacks)
    invoice = Invoice.objects.get()
    page = client.get("/order/hosting/thanks/").content.decode()
    assert invoice.number in page
    assert f'href="/account/invoices/{invoice.pk}/#pay"' in page
    # and "Pay now" opens the invoice directly (the new customer is logged in)
    assert client.get(f"/account/invoices/{invoice.pk}/").status_code == 200


def test_order_return_url_is_used_when_set(
    client, shop, system, django_capture_on_commit_callbacks
):
    settings_update(actor=system, order_return_url="https://acme.example/welcome")
    response = place(client, shop, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert response["Location"] == "https://acme.example/welcome"


def test_paying_the_signup_invoice_activates_subscription_and_customer(
    client, shop, django_capture_on_commit_callbacks
):
    place(client, shop, django_capture_on_commit_callbacks)
    invoice = Invoice.objects.get()
    mail.outbox.clear()
    # when the signup invoice is paid
    with django_capture_on_commit_callbacks(execute=True):
        payment_record(
            actor=Actor.system("tests"),
            invoice=invoice,
            amount=invoice.balance,
            method="bank_transfer",
            on=date(2027, 3, 16),
        )
    # then the subscription and the customer are active, and the welcome email goes out
    assert Subscription.objects.get().status == "active"
    assert Customer.objects.get().status == "active"
    assert any("is active" in m.subject for m in mail.outbox)


def test_a_failure_in_the_middle_of_an_order_leaves_nothing(
    client, shop, monkeypatch, django_capture_on_commit_callbacks
):
    # given issuing the signup invoice blows up (after customer, login and subscription exist)
    import fairbill.orders.services as orders

    def explode(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(orders, "invoice_issue", explode)
    client.raise_request_exception = False
    # when a visitor orders
    response = place(client, shop, django_capture_on_commit_callbacks)
    # then the order fails and nothing of it remains: no customer, login, subscription,
    # invoice, event or email
    assert response.status_code == 500
    assert not Customer.objects.exists()
    assert not User.objects.filter(username="nina").exists()
    assert not Subscription.objects.exists()
    assert not Invoice.objects.exists()
    assert not Event.objects.filter(action__in=["order.placed", "customer.created"]).exists()
    assert not EmailLog.objects.exists()
    assert mail.outbox == []


def test_signup_email_failure_marks_the_subscription_error(
    client, shop, settings, django_capture_on_commit_callbacks
):
    # given the mail server is down
    settings.EMAIL_BACKEND = "tests.billing.failing_backend.Backend"
    # when a visitor orders
    response = place(client, shop, django_capture_on_commit_callbacks)
    # then the order itself went through, but the subscription and the customer are in
    # error with the reason (counted as errors on the dashboard)
    assert response.status_code == 302
    sub = Subscription.objects.get()
    assert sub.status == "error"
    assert "Signup email failed" in sub.status_reason
    assert "SMTP is down" in sub.status_reason
    customer = Customer.objects.get()
    assert customer.status == "error"
    assert Event.objects.filter(action="subscription.error", subject_id=sub.pk).exists()


def test_dashboard_counts_a_failed_signup_as_error(
    client, shop, settings, admin_user, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.billing.failing_backend.Backend"
    place(client, shop, django_capture_on_commit_callbacks)
    client.force_login(admin_user)
    response = client.get("/")
    counts = dict((s, n) for s, _, n in response.context["customer_counts"])
    assert counts["error"] == 1


def test_filled_honeypot_is_silently_refused(client, shop, django_capture_on_commit_callbacks):
    response = place(client, shop, django_capture_on_commit_callbacks, website="http://spam")
    assert response.status_code == 200
    assert b"Thank you" in response.content
    assert not Customer.objects.exists()
    assert mail.outbox == []


def test_more_than_five_orders_an_hour_from_one_address_are_refused(
    client, shop, django_capture_on_commit_callbacks
):
    # given five orders from one address in the last hour
    for n in range(5):
        client.logout()
        response = place(
            client,
            shop,
            django_capture_on_commit_callbacks,
            email=f"buyer{n}@example.com",
            username=f"buyer{n}",
        )
        assert response.status_code == 302
    # when a sixth comes
    client.logout()
    response = place(
        client, shop, django_capture_on_commit_callbacks, email="six@example.com", username="six"
    )
    # then it is refused with 429 and a clear message, and nothing is created
    assert response.status_code == 429
    assert b"Too many orders from your address" in response.content
    assert Customer.objects.count() == 5
    # and another address may still order
    response = client.post(
        shop.url,
        shop.data(email="other@example.com", username="other"),
        REMOTE_ADDR="10.9.8.7",
    )
    assert response.status_code == 302


def test_orders_older_than_an_hour_do_not_count_towards_the_limit(
    client, shop, settings, django_capture_on_commit_callbacks
):
    settings.ORDER_RATE_LIMIT = 1
    place(client, shop, django_capture_on_commit_callbacks)
    client.logout()
    with time_machine.travel("2027-03-15 11:01Z", tick=False):
        response = place(
            client,
            shop,
            django_capture_on_commit_callbacks,
            email="later@example.com",
            username="later",
        )
    assert response.status_code == 302


def test_an_email_that_already_has_an_account_is_told_to_log_in(
    client, shop, django_capture_on_commit_callbacks
):
    place(client, shop, django_capture_on_commit_callbacks)
    client.logout()
    # when the same email orders again as a new customer (another username)
    response = place(
        client, shop, django_capture_on_commit_callbacks, email="NINA@example.com", username="n2"
    )
    # then the form says to log in, with a link, and nothing more is created
    page = response.content.decode()
    assert response.status_code == 200
    assert "If you already have an account" in page
    assert 'href="/account/login/"' in page
    assert Customer.objects.count() == 1


def test_an_order_sent_twice_shows_the_first_order(
    client, shop, django_capture_on_commit_callbacks
):
    # when "Place order" is sent twice (a double click: the second request carries the same
    # copy of the form, with its one-time token, from a visitor not yet logged in)
    token = client.get(shop.url).context["form"]["order_token"].value()
    place(client, shop, django_capture_on_commit_callbacks, order_token=token)
    client.logout()
    response = place(client, shop, django_capture_on_commit_callbacks, order_token=token)
    # then the second answer is the first order's thank-you page, and nothing is created twice
    assert response.status_code == 302
    assert response["Location"] == "/order/hosting/thanks/"
    customer = Customer.objects.get()
    assert int(client.session["_auth_user_id"]) == customer.user.pk
    assert Invoice.objects.count() == 1
    assert Subscription.objects.count() == 1
    page = client.get("/order/hosting/thanks/").content.decode()
    assert Invoice.objects.get().number in page


def test_the_same_details_from_another_copy_of_the_form_are_not_a_repeat(
    client, shop, django_capture_on_commit_callbacks
):
    # given an order placed from one copy of the form
    token = client.get(shop.url).context["form"]["order_token"].value()
    place(client, shop, django_capture_on_commit_callbacks, order_token=token)
    client.logout()
    # when the same details, password included, come from another copy (another token)
    other = client.get(shop.url).context["form"]["order_token"].value()
    assert other != token
    response = place(client, shop, django_capture_on_commit_callbacks, order_token=other)
    # then the visitor is told to log in, and is not logged in
    assert response.status_code == 200
    assert "If you already have an account" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_same_copy_of_the_form_with_another_choice_is_not_a_repeat(
    client, shop, django_capture_on_commit_callbacks
):
    token = client.get(shop.url).context["form"]["order_token"].value()
    place(client, shop, django_capture_on_commit_callbacks, order_token=token)
    client.logout()
    another = {"cycle": "annually", f"option_{shop.storage.pk}": "", "order_token": token}
    response = place(client, shop, django_capture_on_commit_callbacks, **another)
    assert response.status_code == 200
    assert "If you already have an account" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert Customer.objects.count() == 1


def test_a_repeat_after_a_quarter_of_an_hour_is_told_to_log_in(
    client, shop, django_capture_on_commit_callbacks
):
    token = client.get(shop.url).context["form"]["order_token"].value()
    place(client, shop, django_capture_on_commit_callbacks, order_token=token)
    client.logout()
    with time_machine.travel("2027-03-15 10:16Z", tick=False):
        response = place(client, shop, django_capture_on_commit_callbacks, order_token=token)
    assert response.status_code == 200
    assert "If you already have an account" in response.content.decode()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"password2": "something-else-entirely"}, "password2", "The two passwords are different."),
        ({"password1": "short", "password2": "short"}, "password1", "too short"),
        ({"terms": None}, "terms", "Please accept the terms and conditions"),
        ({"email": "not-an-email"}, "email", "Enter a valid email address."),
        ({"name": ""}, "name", "This field is required."),
        ({"country": "XX"}, "country", "Select a valid choice."),
        ({"package": "999999"}, "package", "Select a valid choice."),
        ({"cycle": "weekly"}, "cycle", "Select a valid choice."),
    ],
)
def test_bad_input_is_shown_on_the_right_field(
    client, shop, overrides, field, message, django_capture_on_commit_callbacks
):
    response = place(client, shop, django_capture_on_commit_callbacks, **overrides)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert any(message in e for e in errors[field]), errors
    assert not Customer.objects.exists()


def test_a_taken_username_is_shown_on_the_username_field(
    client, shop, alice, django_capture_on_commit_callbacks
):
    response = place(client, shop, django_capture_on_commit_callbacks, username="ALICE")
    assert response.context["form"].errors["username"] == ["'ALICE' is taken."]
    assert Customer.objects.count() == 1  # only Alice


def test_an_option_not_offered_with_the_package_is_refused(
    client, shop, django_capture_on_commit_callbacks
):
    # Priority support is only offered with Silver
    response = place(
        client, shop, django_capture_on_commit_callbacks, **{f"option_{shop.support.pk}": "on"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "That option is not offered with Bronze" in page
    assert "options:" not in page  # the service's field prefix is not shown
    assert not Customer.objects.exists()


def test_a_package_price_missing_for_the_cycle_is_refused(
    client, shop, django_capture_on_commit_callbacks
):
    # Silver has no annual price
    response = place(
        client,
        shop,
        django_capture_on_commit_callbacks,
        package=str(shop.silver.pk),
        cycle="annually",
        **{f"option_{shop.storage.pk}": "0"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["cycle"] == [
        "Silver can't be paid annually: choose monthly."
    ]
    assert not Customer.objects.exists()


def test_the_cycle_offers_only_what_the_chosen_package_offers(client, shop):
    # when the running total is asked for Silver (monthly only) paid annually, as after
    # switching from Bronze (monthly and annually) with "Annually" chosen
    data = shop.data(package=str(shop.silver.pk), cycle="annually")
    response = client.post(f"{shop.url}total/", data, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    # then the cycle is reset to one Silver offers, saying so, and the total follows it
    assert "Silver can&#x27;t be paid annually: changed to monthly." in page
    assert '<fieldset id="cycle-field" hx-swap-oob="true">' in page
    cycle_field = page.split('id="cycle-field"', 1)[1].split("</fieldset>", 1)[0]
    assert '<option value="monthly" selected>' in cycle_field
    assert "annually" not in cycle_field.split("</select>")[0].split("<select", 1)[1]
    assert 'data-testid="order-total">' in page


def test_without_javascript_update_total_resets_a_cycle_the_package_lacks(client, shop):
    data = shop.data(package=str(shop.silver.pk), cycle="annually", action="update")
    page = client.post(shop.url, data).content.decode()
    assert "Silver can&#x27;t be paid annually: changed to monthly." in page
    assert "Choose how often to pay" not in page
    assert not Customer.objects.exists()


def test_choice_and_checkbox_options_are_ordered_with_their_prices(
    client, shop, django_capture_on_commit_callbacks
):
    hourly = shop.backup.choices.get(name="Hourly")
    place(
        client,
        shop,
        django_capture_on_commit_callbacks,
        package=str(shop.silver.pk),
        **{
            f"option_{shop.storage.pk}": "0",
            f"option_{shop.support.pk}": "on",
            f"option_{shop.backup.pk}": str(hourly.pk),
        },
    )
    lines = [(line.description, line.amount) for line in Invoice.objects.get().lines.all()]
    assert lines == [
        ("Silver (monthly)", Decimal("20.00")),
        ("Backup plan: Hourly", Decimal("12.00")),
        ("Priority support", Decimal("15.00")),
    ]


def test_the_demo_order_form_works(client, db, django_capture_on_commit_callbacks):
    from fairbill.demo.services import demo_load

    demo_load()
    page = client.get("/order/hosting/").content.decode()
    assert "Bronze" in page
    assert "Gold" in page
    assert "Priority support" in page
    from fairbill.catalog.models import Package

    gold = Package.objects.get(name="Gold")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/order/hosting/",
            {
                "package": gold.pk,
                "cycle": "annually",
                "name": "Demo Buyer",
                "email": "demo.buyer@example.com",
                "address_line1": "1 Any Street",
                "city": "Cardiff",
                "country": "GB",
                "payment_method": "bank_transfer",
                "password1": "a-sturdy-customer-password",
                "password2": "a-sturdy-customer-password",
                "terms": "on",
                "action": "order",
            },
        )
    assert response.status_code == 302, response.context["form"].errors
    customer = Customer.objects.get(email="demo.buyer@example.com")
    assert customer.user.username == "demo.buyer@example.com"
    invoice = Invoice.objects.get(customer=customer)
    assert invoice.total == Decimal("480.00")  # 400 + 20% VAT


def test_changing_the_country_clears_a_region_of_the_old_country(client, shop):
    data = shop.data(country="GB", region="NY", region_country="US")
    page = client.post(f"{shop.url}total/", data).content.decode()
    assert 'name="region" value="NY"' not in page
    assert 'data-testid="order-total">£26.40<' in page


# "Save this card and pay future invoices with it automatically" on the order form: the
# thank-you page's Pay button pays the first invoice through the invoice payment, which keeps
# the card (tests/portal/test_payment_methods.py covers that mechanism itself).


def pay_from_thanks(client):
    page = client.get("/order/hosting/thanks/").content.decode()
    assert 'data-testid="pay-and-save"' in page
    invoice = Invoice.objects.get()
    start = client.post(
        f"/account/invoices/{invoice.pk}/pay/", {"method": "card", "save_card": "1"}
    )
    assert start.status_code == 302
    return start["Location"]


def test_the_save_card_choice_is_offered_only_when_the_gateway_can_keep_a_card(
    client, shop, settings
):
    settings.PAYMENT_GATEWAY = "offline"
    assert 'name="save_card"' not in client.get(shop.url).content.decode()
    settings.PAYMENT_GATEWAY = "fake"
    assert 'name="save_card"' in client.get(shop.url).content.decode()


def test_ordering_with_save_card_saves_the_card_and_pays_automatically(
    client, shop, settings, django_capture_on_commit_callbacks
):
    settings.PAYMENT_GATEWAY = "fake"
    place(client, shop, django_capture_on_commit_callbacks, payment_method="card", save_card="on")
    checkout = pay_from_thanks(client)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(checkout)  # the demo checkout's Pay button
    invoice = Invoice.objects.get()
    assert invoice.status == "paid"
    customer = Customer.objects.get()
    method = SavedPaymentMethod.objects.get(customer=customer)
    assert (method.label, method.last4, method.is_default) == ("Visa (demo)", "4242", True)
    assert customer.payment_method == "automatic"


def test_ordering_without_save_card_saves_nothing(
    client, shop, settings, django_capture_on_commit_callbacks
):
    settings.PAYMENT_GATEWAY = "fake"
    place(client, shop, django_capture_on_commit_callbacks, payment_method="card")
    page = client.get("/order/hosting/thanks/").content.decode()
    assert 'data-testid="pay-and-save"' not in page
    invoice = Invoice.objects.get()
    start = client.post(f"/account/invoices/{invoice.pk}/pay/", {"method": "card"})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(start["Location"])
    assert Invoice.objects.get().status == "paid"
    assert not SavedPaymentMethod.objects.exists()
    assert Customer.objects.get().payment_method == "card"


def test_save_card_with_bank_transfer_chosen_saves_nothing(
    client, shop, settings, django_capture_on_commit_callbacks
):
    settings.PAYMENT_GATEWAY = "fake"
    place(client, shop, django_capture_on_commit_callbacks, save_card="on")
    page = client.get("/order/hosting/thanks/").content.decode()
    assert 'data-testid="pay-and-save"' not in page
    assert not SavedPaymentMethod.objects.exists()


def test_an_order_with_save_card_sent_twice_saves_one_card(
    client, shop, settings, django_capture_on_commit_callbacks
):
    settings.PAYMENT_GATEWAY = "fake"
    token = client.get(shop.url).context["form"]["order_token"].value()
    choice = {"payment_method": "card", "save_card": "on", "order_token": token}
    place(client, shop, django_capture_on_commit_callbacks, **choice)
    client.logout()
    place(client, shop, django_capture_on_commit_callbacks, **choice)
    checkout = pay_from_thanks(client)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(checkout)
        client.post(checkout)  # the checkout's Pay button clicked twice
    assert Customer.objects.count() == 1
    assert SavedPaymentMethod.objects.count() == 1
    assert Invoice.objects.get().amount_paid == Invoice.objects.get().total


def test_ordering_with_save_card_through_stripe_asks_stripe_to_keep_the_card(
    client, shop, settings, httpserver, django_capture_on_commit_callbacks
):
    settings.PAYMENT_GATEWAY = ""
    settings.STRIPE_SECRET_KEY = "sk_test_order"
    settings.STRIPE_WEBHOOK_SECRET = "whsec_order"  # noqa: S105 (test data)
    settings.STRIPE_API_BASE = httpserver.url_for("").rstrip("/")
    stripe = StripeFake(httpserver)
    assert 'name="save_card"' in client.get(shop.url).content.decode()
    place(client, shop, django_capture_on_commit_callbacks, payment_method="card", save_card="on")
    pay_from_thanks(client)
    (session,) = stripe.sessions.values()
    customer = Customer.objects.get()
    assert session["customer"] == GatewayCustomer.objects.get(customer=customer).reference
    assert session["payment_intent_data"]["setup_future_usage"] == "off_session"
    assert session["metadata"]["save_method"] == "1"
    # when Stripe reports the paid session, the card it kept is saved and collects from now on
    stripe.method_add("pm_card_visa", customer=session["customer"])
    stripe.intents["pi_order"] = {
        "id": "pi_order",
        "object": "payment_intent",
        "status": "succeeded",
        "payment_method": "pm_card_visa",
    }
    invoice = Invoice.objects.get()
    paid = {
        **session,
        "payment_status": "paid",
        "status": "complete",
        "amount_total": 2640,
        "currency": "gbp",
        "payment_intent": "pi_order",
        "client_reference_id": str(invoice.pk),
    }
    payload = json.dumps(
        {
            "id": "evt_order",
            "object": "event",
            "type": "checkout.session.completed",
            "data": {"object": paid},
        }
    )
    header = stripe_sdk.WebhookSignature.generate_signature_header(
        payload, "whsec_order", int(time.time())
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/payments/stripe/webhook/",
            data=payload,
            content_type="application/json",
            headers={"Stripe-Signature": header},
        )
    assert response.status_code == 200
    assert Invoice.objects.get().status == "paid"
    method = SavedPaymentMethod.objects.get(customer=customer)
    assert (method.reference, method.last4, method.is_default) == ("pm_card_visa", "4242", True)
    customer.refresh_from_db()
    assert customer.payment_method == "automatic"


def test_with_a_return_url_the_invoice_page_keeps_the_save_card_choice(
    client, shop, system, settings, django_capture_on_commit_callbacks
):
    # given a business that sends new customers to its own page after ordering
    settings.PAYMENT_GATEWAY = "fake"
    settings_update(actor=system, order_return_url="https://acme.example/welcome")
    place(client, shop, django_capture_on_commit_callbacks, payment_method="card", save_card="on")
    invoice = Invoice.objects.get()
    # then the invoice's page in My Account has "save this card" ticked already
    page = client.get(f"/account/invoices/{invoice.pk}/").content.decode()
    assert '<input type="checkbox" name="save_card" value="1" checked>' in page


def test_without_save_card_the_invoice_page_leaves_it_unticked(
    client, shop, settings, django_capture_on_commit_callbacks
):
    settings.PAYMENT_GATEWAY = "fake"
    place(client, shop, django_capture_on_commit_callbacks, payment_method="card")
    invoice = Invoice.objects.get()
    page = client.get(f"/account/invoices/{invoice.pk}/").content.decode()
    assert '<input type="checkbox" name="save_card" value="1">' in page
