"""E-invoice identifiers: electronic addresses by EAS scheme and registration schemes."""

from __future__ import annotations

import pytest

from fairbill.core.errors import InvalidInput
from fairbill.core.identifiers import (
    EAS_CODES,
    ICD_CODES,
    electronic_address_clean,
    registration_scheme_clean,
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


def test_the_code_lists_are_those_of_the_en16931_rules():
    # BR-CL-25 and BR-CL-11 of the EN 16931 artefacts 1.3.16
    assert {"0088", "0208", "0009", "9930", "EM", "0204"} <= EAS_CODES
    assert "0001" not in EAS_CODES
    assert {"0002", "0088", "0208", "0248"} <= ICD_CODES
    assert {"0001", "0092", "0103", "0181", "0182", "0249"}.isdisjoint(ICD_CODES)


def test_registration_scheme():
    assert registration_scheme_clean("0002", "732829320", field="s") == "0002"
    assert registration_scheme_clean("", "", field="s") == ""
    with pytest.raises(InvalidInput, match="not an ISO 6523 ICD code"):
        registration_scheme_clean("ABCD", "1", field="s")
    with pytest.raises(InvalidInput, match="give the registration number"):
        registration_scheme_clean("0002", " ", field="s")
