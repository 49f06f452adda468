"""GET/PATCH /settings."""

from __future__ import annotations

import pytest

from fairbill.core.models import BusinessSettings, Event
from tests.api.checks import assert_invalid


def test_get_settings_shows_the_business_and_billing_settings(api, business):
    # when reading the settings
    response = api.get("/settings")
    # then the business details and the billing settings are there
    assert response.status_code == 200
    body = response.json()
    assert body["company_name"] == "Acme Hosting Ltd"
    assert body["currency"] == "GBP"
    assert body["country"] == "GB"
    assert body["vat_number"] == "GB980780684"
    assert body["invoice_prefix"] == "INV-"
    assert body["payment_terms_days"] == 7
    assert body["reminder_days"] == []
    assert body["auto_apply_credit"] is True
    assert body["time_zone"] == "Europe/London"


def test_patch_settings_changes_only_the_fields_sent(api, business):
    # when changing the prefix, reminders and terms
    response = api.patch(
        "/settings",
        {"invoice_prefix": "ACME-", "reminder_days": [7, -3, 0], "payment_terms_days": 14},
    )
    # then they are saved (reminders sorted), the rest is unchanged, and an event records it
    assert response.status_code == 200
    body = response.json()
    assert body["invoice_prefix"] == "ACME-"
    assert body["reminder_days"] == [-3, 0, 7]
    assert body["payment_terms_days"] == 14
    assert body["company_name"] == "Acme Hosting Ltd"
    saved = BusinessSettings.load()
    assert saved.invoice_prefix == "ACME-"
    assert Event.objects.filter(action="settings.updated").count() == 2  # fixture + this


def test_patch_settings_accepts_business_details(api, business):
    response = api.patch(
        "/settings",
        {
            "company_name": "Acme Ltd",
            "email": "billing@acme.example",
            "address_line1": "1 Main Street",
            "city": "Leeds",
            "postcode": "LS1 1AA",
            "country": "GB",
            "terms_url": "https://acme.example/terms",
            "payment_instructions": "Sort code 00-00-00",
            "order_email": "orders@acme.example",
            "attach_pdf": False,
        },
    )
    assert response.status_code == 200
    body = response.json()
    assert body["country"] == "GB"
    assert body["attach_pdf"] is False
    assert body["city"] == "Leeds"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"currency": "XYZ"}, "currency"),
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"country": "XX"}, "country"),
        ({"email": "not-an-email"}, "email"),
        ({"order_email": "nope@"}, "order_email"),
        ({"terms_url": "not a url"}, "terms_url"),
        ({"payment_terms_days": 100000}, "payment_terms_days"),
        ({"payment_terms_days": -1}, "payment_terms_days"),
        ({"invoice_start_number": 10**30}, "invoice_start_number"),
        ({"invoice_number_padding": 99}, "invoice_number_padding"),
        ({"reminder_days": [1000]}, "reminder_days"),
        ({"reminder_days": ["soon"]}, "reminder_days"),
        ({"suspend_days_after_due": 10, "cancel_days_after_due": 5}, "cancel_days_after_due"),
        ({"company_name": None}, "company_name"),
        ({"company_name": "x" * 201}, "company_name"),
        ({"auto_apply_credit": "maybe"}, "auto_apply_credit"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_invalid_settings_are_refused_and_nothing_changes(api, business, change, field):
    # given the current settings
    before = api.get("/settings").json()
    events = Event.objects.count()
    # when sending an invalid value
    response = api.patch("/settings", change)
    # then 422 names the field, and nothing was written
    assert_invalid(response, field)
    assert api.get("/settings").json() == before
    assert Event.objects.count() == events


def test_a_refused_change_writes_none_of_the_other_fields(api, business):
    # when one valid and one invalid field are sent together
    response = api.patch("/settings", {"invoice_prefix": "NEW-", "currency": "XYZ"})
    # then neither is saved
    assert response.status_code == 422
    assert BusinessSettings.load().invoice_prefix == "INV-"
