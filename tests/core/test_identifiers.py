"""E-invoice identifiers: electronic addresses by EAS scheme and registration schemes."""

from __future__ import annotations

import pytest

from fairbill.core.errors import InvalidInput
from fairbill.core.identifiers import (
    EAS_CODES,
    ICD_CODES,
    electronic_address_clean,
    registration_clean,
)


@pytest.mark.parametrize(
    ("scheme", "given", "kept"),
    [
        ("0088", "5790000435975", "5790000435975"),  # GLN, GS1 check digit 5
        ("0208", "BE 0403.019.261", "0403019261"),  # Belgian enterprise number, mod 97
        ("0009", "732 829 320 00074", "73282932000074"),  # SIRET
        ("9930", "DE136695976", "DE136695976"),
        ("9930", "136695976", "DE136695976"),  # the country prefix added
        ("em", "Invoices@Example.COM", "invoices@example.com"),
        ("0204", "991-01234-44", "991-01234-44"),  # Leitweg-ID: no format check of ours
        ("", "", ""),
    ],
)
def test_valid_addresses_are_kept_in_compact_form(scheme, given, kept):
    assert electronic_address_clean(scheme, given, field="electronic_address") == (
        scheme.upper(),
        kept,
    )


@pytest.mark.parametrize(
    ("scheme", "given", "field", "words"),
    [
        ("0088", "5790000435976", "electronic_address", "not a valid GLN"),  # check digit
        ("0208", "0403019262", "electronic_address", "not a valid Belgian"),
        ("0009", "73282932000075", "electronic_address", "not a valid French SIRET"),
        ("9930", "FR40303265045", "electronic_address", "not a valid German VAT"),
        ("EM", "not-an-email", "electronic_address", "not an email address"),
        ("0204", "with space", "electronic_address", "without spaces"),
        ("1234", "x", "electronic_address_scheme", "not in the EAS code list"),
        ("", "5790000435975", "electronic_address_scheme", "choose the scheme"),
        ("0088", "", "electronic_address", "give the address"),
    ],
)
def test_bad_addresses_are_refused_naming_the_field(scheme, given, field, words):
    with pytest.raises(InvalidInput) as refused:
        electronic_address_clean(scheme, given, field="electronic_address")
    assert refused.value.field == field
    assert words in refused.value.message


def test_the_code_lists_are_those_of_the_rules():
    # Peppol's EAS list (CL008) and EM; ICD as BR-CL-11 of the EN 16931 artefacts 1.3.16
    assert {"0088", "0208", "0009", "9930", "EM", "0204"} <= EAS_CODES
    assert {"0001", "0037", "0212", "AN"}.isdisjoint(EAS_CODES)  # EN 16931 only, not Peppol
    assert {"0002", "0088", "0208", "0248"} <= ICD_CODES
    assert {"0001", "0092", "0103", "0181", "0182", "0249"}.isdisjoint(ICD_CODES)


def test_registration_scheme():
    assert registration_clean("0002", "732 829 320", field="s") == ("0002", "732829320")
    assert registration_clean("", "IE-CRO-654321", field="s") == ("", "IE-CRO-654321")
    assert registration_clean("0060", "DUNS 1", field="s") == ("0060", "DUNS 1")  # no check
    with pytest.raises(InvalidInput, match="not an ISO 6523 ICD code"):
        registration_clean("ABCD", "1", field="s")
    with pytest.raises(InvalidInput, match="give the registration number"):
        registration_clean("0002", " ", field="s")


def test_a_registration_number_is_checked_as_its_scheme_says():
    # Peppol applies its identifier checks to registration numbers too (PEPPOL-COMMON-R043)
    with pytest.raises(InvalidInput) as refused:
        registration_clean("0208", "0403019262", field="company_number_scheme")
    assert refused.value.field == "company_number"
    assert "not a valid Belgian enterprise number" in refused.value.message
