"""The business settings are read once per request (core.middleware): a page asked for them
up to seven times. Each caller gets its own copy, and saving them reads them again."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fairbill.core.models import BusinessSettings, settings_read_once


def _settings_queries(queries: CaptureQueriesContext) -> int:
    return sum("core_businesssettings" in q["sql"] for q in queries.captured_queries)


@pytest.mark.django_db
def test_within_a_request_the_settings_are_read_once_and_each_caller_has_a_copy(business):
    with settings_read_once(), CaptureQueriesContext(connection) as queries:
        # when two callers load the settings and the first changes its copy without saving
        first = BusinessSettings.load()
        first.company_name = "Not saved"
        second = BusinessSettings.load()
    # then the database was read once, and the second caller sees the saved settings
    assert _settings_queries(queries) == 1
    assert second.company_name == business.company_name != "Not saved"


@pytest.mark.django_db
def test_a_caller_changing_a_list_of_its_copy_leaves_the_others_alone(business):
    with settings_read_once():
        first = BusinessSettings.load()
        first.reminder_days.append(99)
        first.charge_retry_days.clear()
        second = BusinessSettings.load()
    assert 99 not in second.reminder_days
    assert second.charge_retry_days == BusinessSettings.objects.get(pk=1).charge_retry_days


@pytest.mark.django_db
def test_saving_the_settings_within_a_request_reads_them_again(business):
    with settings_read_once():
        settings = BusinessSettings.load()
        settings.company_name = "Renamed Ltd"
        settings.save()
        # when they are loaded after the save, then the new name is read
        assert BusinessSettings.load().company_name == "Renamed Ltd"


@pytest.mark.django_db
def test_outside_a_request_every_load_reads_the_database(business):
    with CaptureQueriesContext(connection) as queries:
        BusinessSettings.load()
        BusinessSettings.load()
    assert _settings_queries(queries) == 2


@pytest.mark.django_db
def test_a_page_reads_the_settings_once_and_the_next_request_sees_a_change(staff_client, business):
    # given a page that needs the time zone, the currency and the header
    with CaptureQueriesContext(connection) as queries:
        response = staff_client.get("/")
    assert response.status_code == 200
    assert _settings_queries(queries) == 1
    # when the settings change between requests, then the next page shows the change
    BusinessSettings.objects.filter(pk=1).update(company_name="Changed Between Requests")
    assert "Changed Between Requests" in staff_client.get("/").content.decode()
