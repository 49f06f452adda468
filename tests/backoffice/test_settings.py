"""Back office → settings: business details, billing, tax rates, staff, API keys; reports."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from fairbill.accounts.models import ApiKey, LoginAttempt, User
from fairbill.accounts.services import api_key_create, login_attempt_record
from fairbill.backoffice.forms import BILLING_FIELDS, BUSINESS_FIELDS
from fairbill.catalog.models import TaxRate
from fairbill.core.models import BusinessSettings, Event
from fairbill.core.services import SETTINGS_FIELDS
from fairbill.customers.services import customer_login_create
from tests.backoffice.conftest import form_errors, make_staff, messages_of
from tests.conftest import STAFF_PASSWORD

BUSINESS = {
    "company_name": "Acme Hosting Ltd",
    "company_number": "01234567",
    "vat_number": "GB980780684",
    "email": "billing@acme.example",
    "phone": "",
    "address_line1": "1 Dock Road",
    "address_line2": "",
    "city": "Bristol",
    "region": "",
    "postcode": "BS1 1AA",
    "country": "GB",
    "terms_url": "",
    "payment_instructions": "Sort code 12-34-56",
}

BILLING = {
    "currency": "GBP",
    "time_zone": "Europe/London",
    "invoice_prefix": "INV-",
    "invoice_start_number": "1",
    "invoice_number_padding": "5",
    "credit_note_prefix": "CN-",
    "credit_note_start_number": "1",
    "payment_terms_days": "14",
    "invoice_days_before_renewal": "0",
    "auto_apply_credit": "on",
    "credit_on_downgrade": "on",
    "reminder_days": "-3, 0, 3, 7",
    "suspend_days_after_due": "14",
    "cancel_days_after_due": "30",
    "date_window_years": "10",
    "credit_confirm_above": "1000.00",
    "attach_pdf": "on",
    "einvoice_pdf": "on",
    "vat_check_max_age_days": "30",
    "order_email": "",
    "order_return_url": "",
}


def png() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "navy").save(buffer, format="PNG")
    return SimpleUploadedFile("logo.png", buffer.getvalue(), content_type="image/png")


def test_the_two_settings_forms_cover_every_setting():
    assert sorted(BUSINESS_FIELDS + BILLING_FIELDS) == sorted(SETTINGS_FIELDS)


# Business details


def test_save_business_details(staff_client, business):
    response = staff_client.post("/settings/", {**BUSINESS, "city": "Leeds"})
    assert response.status_code == 302
    assert BusinessSettings.load().city == "Leeds"
    assert "Business details saved." in messages_of(staff_client.get(response.url))
    assert Event.objects.filter(action="settings.updated", actor_label="admin").exists()


def test_upload_and_remove_the_logo(staff_client, business, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    staff_client.post("/settings/", {**BUSINESS, "logo": png()})
    logo = BusinessSettings.load().logo
    assert logo.name.startswith("logo/logo")
    assert (tmp_path / logo.name).exists()
    # and saving again without a file keeps it
    staff_client.post("/settings/", BUSINESS)
    assert BusinessSettings.load().logo.name == logo.name
    # and ticking "clear" removes it
    staff_client.post("/settings/", {**BUSINESS, "logo-clear": "on"})
    assert not BusinessSettings.load().logo


def test_a_logo_that_is_not_an_image_is_refused(staff_client, business, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    fake = SimpleUploadedFile("logo.png", b"not an image", content_type="image/png")
    response = staff_client.post("/settings/", {**BUSINESS, "logo": fake})
    assert response.status_code == 200
    assert "logo" in form_errors(response)
    assert not BusinessSettings.load().logo


@pytest.mark.parametrize(
    ("field", "value"),
    [("company_name", ""), ("email", "nope"), ("country", "XX"), ("terms_url", "not a url")],
)
def test_bad_business_details_are_refused(staff_client, business, field, value):
    response = staff_client.post("/settings/", {**BUSINESS, "city": "Leeds", field: value})
    assert response.status_code == 200
    assert field in form_errors(response)
    assert BusinessSettings.load().city == ""


# Billing settings


def test_save_billing_settings_with_reminder_days_as_text(staff_client, business):
    response = staff_client.post("/settings/billing/", {**BILLING, "reminder_days": "7, -3,0  3"})
    assert response.status_code == 302
    current = BusinessSettings.load()
    assert current.reminder_days == [-3, 0, 3, 7]
    assert (current.payment_terms_days, current.cancel_days_after_due) == (14, 30)
    form = staff_client.get("/settings/billing/").context["form"]
    assert form["reminder_days"].value() == "-3, 0, 3, 7"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("reminder_days", "-3, soon", "'soon' is not a whole number; write e.g. -3, 0, 3, 7."),
        ("reminder_days", "400", "Each must be between -365 and 365."),
        ("currency", "ZZZ", "Select a valid choice. ZZZ is not one of the available choices."),
        ("payment_terms_days", "-1", "Ensure this value is greater than or equal to 0."),
        (
            "cancel_days_after_due",
            "7",
            "Cancel days after due must be at least the suspend days after due.",
        ),
    ],
)
def test_bad_billing_settings_are_refused(staff_client, business, field, value, message):
    response = staff_client.post("/settings/billing/", {**BILLING, field: value})
    assert response.status_code == 200
    assert form_errors(response)[field] == [message]
    assert BusinessSettings.load().payment_terms_days == 7


# Tax rates


def test_create_edit_and_delete_a_tax_rate(staff_client, business):
    response = staff_client.post(
        "/settings/tax-rates/new/", {"country": "GB", "region": "", "name": "VAT", "rate": "20"}
    )
    assert response.status_code == 302
    rate = TaxRate.objects.get()
    assert rate.rate == Decimal("20")
    staff_client.post(
        f"/settings/tax-rates/{rate.pk}/edit/",
        {"country": "GB", "region": "", "name": "VAT", "rate": "17.5"},
    )
    rate.refresh_from_db()
    assert rate.rate == Decimal("17.5")
    assert "17.5%" in staff_client.get("/settings/tax-rates/").content.decode()
    # deleting asks first, then deletes on POST
    assert staff_client.get(f"/settings/tax-rates/{rate.pk}/delete/").status_code == 200
    assert TaxRate.objects.exists()
    response = staff_client.post(f"/settings/tax-rates/{rate.pk}/delete/")
    assert response.status_code == 302
    assert not TaxRate.objects.exists()
    assert "deleted" in messages_of(staff_client.get(response.url))[0]


@pytest.mark.parametrize(
    ("field", "value"), [("rate", "120"), ("rate", "-1"), ("name", ""), ("country", "XX")]
)
def test_bad_tax_rates_are_refused(staff_client, business, field, value):
    data = {"country": "GB", "region": "", "name": "VAT", "rate": "20", field: value}
    response = staff_client.post("/settings/tax-rates/new/", data)
    assert response.status_code == 200
    assert field in form_errors(response)
    assert not TaxRate.objects.exists()


def test_a_second_tax_rate_for_the_same_place_is_refused(staff_client, gb_vat):
    response = staff_client.post(
        "/settings/tax-rates/new/", {"country": "GB", "region": "", "name": "VAT", "rate": "5"}
    )
    assert response.status_code == 200
    assert form_errors(response)
    assert TaxRate.objects.count() == 1


# Staff


def test_create_staff_with_some_privileges(staff_client, business):
    response = staff_client.post(
        "/settings/staff/new/",
        {
            "username": "bob",
            "email": "bob@example.com",
            "password": STAFF_PASSWORD,
            "privileges": ["customers", "invoices"],
        },
    )
    assert response.status_code == 302
    bob = User.objects.get(username="bob")
    assert bob.is_staff
    assert bob.privileges == ["customers", "invoices"]
    html = staff_client.get("/settings/staff/").content.decode()
    assert "bob" in html
    assert "Invoices and payments" in html


def test_staff_with_a_weak_password_is_refused(staff_client, business):
    response = staff_client.post(
        "/settings/staff/new/",
        {"username": "bob", "email": "bob@example.com", "password": "123"},
    )
    assert response.status_code == 200
    assert "too short" in " ".join(form_errors(response)["password"])
    assert not User.objects.filter(username="bob").exists()


def test_a_taken_username_is_refused(staff_client, business, admin_user):
    response = staff_client.post(
        "/settings/staff/new/",
        {"username": "ADMIN", "email": "x@example.com", "password": STAFF_PASSWORD},
    )
    assert form_errors(response)["username"] == ["'ADMIN' is taken."]


def test_change_privileges(staff_client, business):
    bob = make_staff("bob", ["customers"])
    response = staff_client.post(f"/settings/staff/{bob.pk}/", {"privileges": ["reports"]})
    assert response.status_code == 302
    bob.refresh_from_db()
    assert bob.privileges == ["reports"]
    form = staff_client.get(f"/settings/staff/{bob.pk}/").context["form"]
    assert form["privileges"].value() == ["reports"]


def test_privileges_of_a_customer_login_are_404(staff_client, customer, system):
    user = customer_login_create(actor=system, customer=customer, username="jane")
    assert staff_client.get(f"/settings/staff/{user.pk}/").status_code == 404


# API keys


def test_create_api_key_shows_the_secret_once(staff_client, admin_user):
    # when staff create a key
    response = staff_client.post("/settings/api-keys/", {"name": "export", "user": admin_user.pk})
    # then the page shows the secret with a warning, and it authenticates
    raw = response.context["raw_key"]
    html = response.content.decode()
    assert raw in html
    assert "shown only this once" in html
    assert response["Cache-Control"].startswith("max-age=0")
    key = ApiKey.objects.get()
    assert key.key_hash == ApiKey.hash(raw)
    # and the list afterwards shows only the prefix
    later = staff_client.get("/settings/api-keys/").content.decode()
    assert raw not in later
    assert key.prefix in later


def test_revoke_api_key(staff_client, admin_user, system):
    key, _ = api_key_create(actor=system, user=admin_user, name="old")
    response = staff_client.post(f"/settings/api-keys/{key.pk}/revoke/")
    assert response.status_code == 302
    key.refresh_from_db()
    assert key.revoked_at is not None
    assert "revoked" in messages_of(staff_client.get(response.url))[0]


def test_api_key_for_a_non_staff_user_is_refused(staff_client, customer, system):
    user = customer_login_create(actor=system, customer=customer, username="jane")
    response = staff_client.post("/settings/api-keys/", {"name": "x", "user": user.pk})
    assert "user" in form_errors(response)
    assert not ApiKey.objects.exists()


# Login report


def record_attempts(count: int, result: str, username: str = "someone"):
    for _ in range(count):
        login_attempt_record(username=username, result=result, area="backoffice")


def test_login_report_lists_attempts_with_their_result(client_with):
    record_attempts(1, LoginAttempt.Result.FAILURE, username="mallory")
    html = client_with("reports").get("/reports/logins/").content.decode()
    assert "mallory" in html
    assert "badge-failure" in html


def test_login_report_filters_by_result(client_with):
    record_attempts(2, LoginAttempt.Result.SUCCESS)
    record_attempts(3, LoginAttempt.Result.LOCKED)
    response = client_with("reports").get("/reports/logins/", {"result": "locked"})
    assert {a.result for a in response.context["page"].object_list} == {"locked"}
    assert response.context["page"].count == 3


def test_login_report_is_paginated_keeping_the_filter(client_with):
    record_attempts(55, LoginAttempt.Result.FAILURE)
    response = client_with("reports").get("/reports/logins/", {"result": "failure"})
    assert len(response.context["page"].object_list) == 50
    cursor = response.context["page"].next_cursor
    assert f'href="?result=failure&amp;after={cursor}"' in response.content.decode()


# Invoices (empty state until invoicing has its list)


def test_invoice_list_has_an_honest_empty_state(client_with):
    html = client_with("invoices").get("/invoices/").content.decode()
    assert "No invoices yet: they appear when the billing run or staff create them" in html
