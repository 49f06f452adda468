import pytest

from fairbill.core.errors import InvalidInput
from fairbill.core.models import BusinessSettings, Event
from fairbill.core.services import settings_update


def test_settings_change_is_validated_and_recorded(business, admin):
    settings_update(actor=admin, payment_terms_days=30, reminder_days=[7, -3, 0, 3, 3])
    current = BusinessSettings.load()
    assert current.payment_terms_days == 30
    assert current.reminder_days == [-3, 0, 3, 7]  # sorted, duplicates dropped
    event = Event.objects.filter(action="settings.updated").latest("id")
    assert event.data["payment_terms_days"] == [7, 30]
    assert event.actor_label == "admin"


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"currency": "ABC"}, "ISO 4217"),
        ({"time_zone": "Mars/Olympus"}, "unknown time zone"),
        ({"reminder_days": ["soon"]}, "whole numbers"),
        ({"reminder_days": [400]}, "between -365 and 365"),
        ({"suspend_days_after_due": 30, "cancel_days_after_due": 10}, "at least the suspend days"),
        ({"payment_terms_days": 1000}, "payment terms days"),
        ({"order_email": "not-an-email"}, "order email"),
        ({"colour": "blue"}, "Unknown setting"),
    ],
)
def test_bad_settings_are_refused_and_nothing_changes(business, admin, values, message):
    before = BusinessSettings.load().updated_at
    with pytest.raises(InvalidInput, match=message):
        settings_update(actor=admin, **values)
    assert BusinessSettings.load().updated_at == before
    assert BusinessSettings.load().currency == "GBP"


def test_there_is_one_settings_row(business, admin):
    settings_update(actor=admin, company_name="Renamed Ltd")
    assert BusinessSettings.objects.count() == 1
    assert BusinessSettings.load().company_name == "Renamed Ltd"


def test_the_business_vat_number_is_checked(business, admin):
    with pytest.raises(InvalidInput, match="not a valid GB VAT number"):
        settings_update(actor=admin, vat_number="GB123")
    settings_update(actor=admin, vat_number="GB 980 7806 84")
    assert BusinessSettings.load().vat_number == "GB980780684"
