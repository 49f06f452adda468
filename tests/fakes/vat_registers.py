"""Answers shaped as the VIES REST API and HMRC's "Check a UK VAT number" API v2 document
them, for pytest-httpserver."""

from __future__ import annotations

VIES_BASE = "/taxation_customs/vies/rest-api"
VIES_PATH = f"{VIES_BASE}/check-vat-number"
HMRC_TOKEN = "/oauth/token"
HMRC_LOOKUP = "/organisations/vat/check-vat-number/lookup/{}"


def vies_valid(number: str, name: str = "ACME GMBH") -> dict:
    """POST /check-vat-number, 200: a CheckVatResponse."""
    return {
        "countryCode": number[:2],
        "vatNumber": number[2:],
        "requestDate": "2027-03-15T10:12:31.402Z",
        "valid": True,
        "requestIdentifier": "WAPIAAAAZHxLjQ1m",
        "name": name,
        "address": "MUSTERSTRASSE 1\n10115 BERLIN",
        "traderName": "---",
        "traderStreet": "---",
        "traderPostalCode": "---",
        "traderCity": "---",
        "traderCompanyType": "---",
        "traderNameMatch": "NOT_PROCESSED",
        "traderStreetMatch": "NOT_PROCESSED",
        "traderPostalCodeMatch": "NOT_PROCESSED",
        "traderCityMatch": "NOT_PROCESSED",
        "traderCompanyTypeMatch": "NOT_PROCESSED",
    }


def vies_invalid(number: str) -> dict:
    return {**vies_valid(number, name="---"), "valid": False, "address": "---"}


def vies_error(code: str) -> dict:
    """The CommonResponse VIES answers when it could not check (MS_UNAVAILABLE, TIMEOUT,
    INVALID_INPUT, SERVICE_UNAVAILABLE, MS_MAX_CONCURRENT_REQ...)."""
    return {"actionSucceed": False, "errorWrappers": [{"error": code}]}


def hmrc_valid(vrn: str, requester: str, name: str) -> dict:
    """GET /organisations/vat/check-vat-number/lookup/{targetVrn}/{requesterVrn}, 200."""
    return {
        "target": {
            "name": name,
            "vatNumber": vrn,
            "address": {"line1": "131B Barton Hamlet", "postcode": "SW97 5CK", "countryCode": "GB"},
        },
        "requester": requester,
        "consultationNumber": "ABC-DEF-GHI",
        "processingDate": "2027-03-15T10:12:31+00:00",
    }
