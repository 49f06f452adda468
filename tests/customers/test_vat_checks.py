"""VAT number checks against VIES (EU) and HMRC (GB), replaced only at the HTTP boundary by
pytest-httpserver answering as their documented APIs do."""

import json
import time
from datetime import date

import pytest
from werkzeug import Response

from fairbill.core.models import Event
from fairbill.customers.models import VatCheckStatus
from fairbill.customers.services import customer_create, customer_update, customer_vat_check
from tests.fakes.vat_registers import (
    HMRC_LOOKUP,
    HMRC_TOKEN,
    VIES_PATH,
    hmrc_valid,
    vies_error,
    vies_invalid,
    vies_valid,
)


@pytest.fixture
def hmrc(httpserver, settings):
    from fairbill.customers import vat_registry

    vat_registry._token.clear()
    settings.HMRC_URL = httpserver.url_for("")
    settings.HMRC_CLIENT_ID = "fairbill-client"
    settings.HMRC_CLIENT_SECRET = "s3cret"  # noqa: S105 (test data)
    httpserver.expect_request(
        HMRC_TOKEN,
        method="POST",
        data="client_id=fairbill-client&client_secret=s3cret&grant_type=client_credentials",
    ).respond_with_json(
        {"access_token": "tok-1", "scope": "read:vat", "token_type": "bearer", "expires_in": 14400}
    )
    return httpserver


def german_customer(system, **fields):
    return customer_create(
        actor=system,
        name="Acme GmbH",
        email="billing@acme.de",
        country="DE",
        currency="EUR",
        **fields,
    )


def test_valid_vies_answer_is_kept_as_evidence(eu_business, system, vies):
    vies.expect_oneshot_request(
        VIES_PATH,
        method="POST",
        json={
            "countryCode": "DE",
            "vatNumber": "136695976",
            "requesterMemberStateCode": "IE",
            "requesterNumber": "6388047V",
        },
    ).respond_with_json(vies_valid("DE136695976"))
    customer = german_customer(system, vat_number="DE136695976")
    assert customer.vat_check_status == VatCheckStatus.VALID
    assert customer.vat_check_number == "DE136695976"
    assert customer.vat_check_name == "ACME GMBH"
    assert customer.vat_check_consultation == "WAPIAAAAZHxLjQ1m"
    assert customer.vat_checked_at is not None
    event = Event.objects.get(action="customer.vat_checked")
    assert event.data["consultation"] == "WAPIAAAAZHxLjQ1m"


def test_vies_not_registered_is_invalid(eu_business, system, vies):
    vies.expect_oneshot_request(VIES_PATH, method="POST").respond_with_json(
        vies_invalid("DE136695976")
    )
    customer = german_customer(system, vat_number="DE136695976")
    assert customer.vat_check_status == VatCheckStatus.INVALID
    assert customer.vat_check_name == ""


@pytest.mark.parametrize(
    ("code", "http_status"),
    [
        ("MS_UNAVAILABLE", 200),
        ("TIMEOUT", 200),
        ("MS_MAX_CONCURRENT_REQ", 200),
        ("SERVICE_UNAVAILABLE", 500),
        ("INVALID_INPUT", 400),
    ],
)
def test_vies_errors_are_unverified_never_invalid(eu_business, system, vies, code, http_status):
    vies.expect_request(VIES_PATH, method="POST").respond_with_json(
        vies_error(code), status=http_status
    )
    customer = german_customer(system, vat_number="DE136695976")
    assert customer.vat_check_status == VatCheckStatus.UNVERIFIED
    assert customer.vat_check_error == code


def test_vies_5xx_is_retried_then_answers(eu_business, system, vies):
    vies.expect_ordered_request(VIES_PATH, method="POST").respond_with_json(
        vies_error("SERVICE_UNAVAILABLE"), status=503
    )
    vies.expect_ordered_request(VIES_PATH, method="POST").respond_with_json(
        vies_valid("DE136695976")
    )
    assert german_customer(system, vat_number="DE136695976").vat_check_status == "valid"


def test_vies_too_slow_is_unverified(eu_business, system, vies, settings):
    settings.VAT_CHECK_TIMEOUT = 0.2

    def slow(request):
        time.sleep(0.5)
        return Response(json.dumps(vies_valid("DE136695976")), content_type="application/json")

    vies.expect_request(VIES_PATH, method="POST").respond_with_handler(slow)
    customer = german_customer(system, vat_number="DE136695976")
    assert (customer.vat_check_status, customer.vat_check_error) == ("unverified", "TIMEOUT")


def test_service_unreachable_is_unverified(eu_business, system):
    customer = german_customer(system, vat_number="DE136695976")  # VIES at 127.0.0.1:9
    assert customer.vat_check_status == VatCheckStatus.UNVERIFIED
    assert customer.vat_check_error.startswith("SERVICE_UNAVAILABLE")


def test_changing_the_number_forgets_the_old_check_and_checks_the_new(eu_business, system, vies):
    vies.expect_oneshot_request(VIES_PATH, method="POST").respond_with_json(
        vies_valid("DE136695976")
    )
    customer = german_customer(system, vat_number="DE136695976")
    vies.expect_oneshot_request(VIES_PATH, method="POST").respond_with_json(
        vies_error("MS_UNAVAILABLE")
    )
    customer = customer_update(actor=system, customer=customer, vat_number="DE813495425")
    assert customer.vat_check_status == VatCheckStatus.UNVERIFIED
    assert customer.vat_check_number == "DE813495425"
    assert customer.vat_check_consultation == ""


def test_moving_to_another_country_forgets_the_check_and_checks_again(eu_business, system, vies):
    # given a German customer whose number was checked valid
    vies.expect_oneshot_request(VIES_PATH, method="POST").respond_with_json(
        vies_valid("DE136695976")
    )
    customer = german_customer(system, vat_number="DE136695976")
    # when the customer moves to France keeping the number, and the register can't answer
    vies.expect_oneshot_request(VIES_PATH, method="POST").respond_with_json(
        vies_error("MS_UNAVAILABLE")
    )
    customer = customer_update(actor=system, customer=customer, country="FR")
    # then the old valid check no longer counts
    assert customer.vat_check_status == VatCheckStatus.UNVERIFIED
    assert len(vies.log) == 2


def test_editing_something_else_does_not_check_again(eu_business, system, vies):
    vies.expect_oneshot_request(VIES_PATH, method="POST").respond_with_json(
        vies_valid("DE136695976")
    )
    customer = german_customer(system, vat_number="DE136695976")
    customer = customer_update(actor=system, customer=customer, phone="+49 30 1234")
    assert customer.vat_check_status == VatCheckStatus.VALID
    assert len(vies.log) == 1


def test_numbers_outside_eu_and_gb_are_not_checked(eu_business, system):
    customer = customer_create(
        actor=system, name="Swiss AG", email="a@b.ch", country="CH", vat_number="CHE100416306MWST"
    )
    assert customer.vat_check_status == VatCheckStatus.UNCHECKED


def test_hmrc_valid_number_with_consultation_number(business, system, hmrc):
    # business (GB980780684) checks a GB customer: requester VRN in the path.
    hmrc.expect_request(
        HMRC_LOOKUP.format("220430231/980780684"),
        method="GET",
        headers={"Authorization": "Bearer tok-1", "Accept": "application/vnd.hmrc.2.0+json"},
    ).respond_with_json(hmrc_valid("220430231", "980780684", "Credite Sberger Donal Inc."))
    customer = customer_create(
        actor=system,
        name="Credite",
        email="a@credite.co.uk",
        country="GB",
        vat_number="GB220430231",
    )
    assert customer.vat_check_status == VatCheckStatus.VALID
    assert customer.vat_check_consultation == "ABC-DEF-GHI"
    assert customer.vat_check_address == "131B Barton Hamlet, SW97 5CK, GB"


def test_hmrc_not_found_is_invalid(business, system, hmrc):
    hmrc.expect_request(HMRC_LOOKUP.format("220430231/980780684")).respond_with_json(
        {"code": "NOT_FOUND", "message": "targetVrn does not match a registered company"},
        status=404,
    )
    customer = customer_create(
        actor=system, name="X", email="x@x.co.uk", country="GB", vat_number="GB220430231"
    )
    assert customer.vat_check_status == VatCheckStatus.INVALID


def test_hmrc_down_is_unverified(business, system, hmrc):
    hmrc.expect_request(HMRC_LOOKUP.format("220430231/980780684")).respond_with_json(
        {"code": "SERVER_ERROR", "message": "Internal server error"}, status=503
    )
    customer = customer_create(
        actor=system, name="X", email="x@x.co.uk", country="GB", vat_number="GB220430231"
    )
    assert (customer.vat_check_status, customer.vat_check_error) == ("unverified", "SERVER_ERROR")


def test_hmrc_without_credentials_is_unverified_without_calling(business, system, httpserver):
    customer = customer_create(
        actor=system, name="X", email="x@x.co.uk", country="GB", vat_number="GB220430231"
    )
    assert customer.vat_check_status == VatCheckStatus.UNVERIFIED
    assert "credentials" in customer.vat_check_error
    assert httpserver.log == []


def test_check_now_rechecks(eu_business, system, vies):
    vies.expect_ordered_request(VIES_PATH, method="POST").respond_with_json(
        vies_error("MS_UNAVAILABLE")
    )
    vies.expect_ordered_request(VIES_PATH, method="POST").respond_with_json(
        vies_valid("DE136695976")
    )
    customer = german_customer(system, vat_number="DE136695976")
    assert customer.vat_check_status == "unverified"
    customer = customer_vat_check(actor=system, customer=customer)
    assert customer.vat_check_status == "valid"
    assert customer.vat_checked_at.date() <= date.today()
