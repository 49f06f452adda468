"""Identifiers e-invoices carry: electronic addresses (Peppol participant ids, EN 16931 BT-34 /
BT-49) with their scheme from the EAS code list, and the scheme of a company registration
number (BT-30 / BT-47) from the ISO 6523 ICD list. Checked the way the EN 16931 rules
(BR-CL-25, BR-CL-11) and Peppol's (PEPPOL-EN16931-CL008, PEPPOL-COMMON-R040..R050) check
them, so a document built from them is not refused by the receiving access point."""

from __future__ import annotations

import re
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from stdnum import ean
from stdnum.au import abn
from stdnum.be import vat as be_vat
from stdnum.dk import cvr
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import ValidationError as NumberError
from stdnum.fr import siren, siret
from stdnum.gb import vat as gb_vat
from stdnum.no import orgnr as no_orgnr
from stdnum.se import orgnr as se_orgnr

from fairbill.core.errors import InvalidInput

EMAIL = "EM"

# The Electronic Address Scheme codes Peppol BIS Billing 3.0 accepts (PEPPOL-EN16931-CL008,
# OpenPeppol release 2026.5; all also in the EN 16931 list, BR-CL-25), and EM (an email
# address: valid EN 16931, the fallback, but not an address on the Peppol network).
EAS_CODES = frozenset(
    """0002 0007 0009 0060 0088 0096 0097 0106 0130 0135 0142 0151 0183 0184 0188 0190 0191
    0192 0195 0196 0198 0199 0200 0201 0204 0208 0209 0210 0211 0216 0218 0221 0225 0230 0235
    0240 0242 0244 0245 0246 0248 9910 9913 9914 9915 9918 9919 9920 9922 9923 9924 9925 9926
    9927 9928 9929 9930 9931 9932 9933 9934 9935 9936 9937 9938 9939 9940 9941 9942 9943 9944
    9945 9946 9947 9948 9949 9950 9951 9952 9953 9957 9959 EM""".split()
)
# Names for the schemes a business is likely to pick; the others are shown by code.
EAS_NAMES = {
    "0088": "GLN (GS1 Global Location Number)",
    "0208": "Belgian enterprise number (KBO/BCE)",
    "0009": "French SIRET",
    "0002": "French SIREN",
    "0225": "French public administration (Chorus Pro)",
    "0204": "German Leitweg-ID",
    "9930": "German VAT number",
    "9957": "French VAT number",
    "9925": "Belgian VAT number",
    "9944": "Dutch VAT number",
    "0106": "Dutch KvK number",
    "0190": "Dutch OIN",
    "0192": "Norwegian organisation number",
    "0007": "Swedish organisation number",
    "0184": "Danish CVR number",
    "0151": "Australian ABN",
    "9932": "UK VAT number",
    "9935": "Irish VAT number",
    "EM": "Email address (not a Peppol address)",
}

# ISO 6523 ICD codes the EN 16931 rules accept for registration identifiers (BR-CL-11).
ICD_CODES = frozenset(f"{n:04d}" for n in range(2, 249) if n not in {1, 92, 103, 181, 182})

# EAS codes that are a VAT number: the country its number must be valid in (those checked
# against the published list; the other VAT schemes get the plain check).
_VAT_SCHEMES = {
    "9930": "DE",
    "9957": "FR",
    "9925": "BE",
    "9944": "NL",
    "9932": "GB",
    "9935": "IE",
}


def _digits(count: int) -> Callable[[str], str]:
    def check(value: str) -> str:
        if not re.fullmatch(rf"[0-9]{{{count}}}", value):
            raise NumberError(f"give the {count} digits")
        return value

    return check


def _gln(value: str) -> str:
    if len(value) != 13:
        raise NumberError("a GLN has 13 digits")
    return str(ean.validate(value))


def _vat(country: str) -> Callable[[str], str]:
    def check(value: str) -> str:
        compact = re.sub(r"[\s.\-/]", "", value).upper()
        prefix = "EL" if country == "GR" else country
        if not compact[:2].isalpha():
            compact = prefix + compact
        if compact[:2] != prefix:
            raise NumberError(f"give a {country} VAT number")
        if country == "GB":
            return "GB" + str(gb_vat.validate(compact[2:]))
        return str(eu_vat.validate(compact))

    return check


# Format checks by scheme; each returns the number in its compact form or raises.
_FORMATS: dict[str, Callable[[str], str]] = {
    "0088": _gln,
    "0208": lambda value: str(be_vat.validate(value))[-10:].zfill(10),
    "0009": lambda value: str(siret.validate(value)),
    "0002": lambda value: str(siren.validate(value)),
    "0192": lambda value: str(no_orgnr.validate(value)),
    "0007": lambda value: str(se_orgnr.validate(value)),
    "0184": lambda value: str(cvr.validate(value)),
    "0151": lambda value: str(abn.validate(value)),
    "0106": _digits(8),
    "0190": _digits(20),
    **{scheme: _vat(country) for scheme, country in _VAT_SCHEMES.items()},
}

# Peppol participant identifiers are at most 135 characters with their scheme; keep to ids
# made of visible characters without spaces.
_PLAIN_ID = re.compile(r"[^\s\x00-\x1f]{1,100}")


def electronic_address_clean(scheme: str, address: str, *, field: str) -> tuple[str, str]:
    """(scheme, address) checked and in compact form: both empty, or a scheme from the EAS
    code list and an address valid for it. `field` names the address field in errors (its
    scheme is `<field>_scheme`)."""
    scheme, address = scheme.strip().upper(), address.strip()
    label = field.replace("_", " ")
    if not scheme and not address:
        return "", ""
    if not scheme:
        raise InvalidInput(
            f"{label} scheme: choose the scheme of the address (EAS code, e.g. 0088 for a "
            "GLN, EM for an email address).",
            f"{field}_scheme",
        )
    if scheme not in EAS_CODES:
        raise InvalidInput(
            f"{label} scheme: '{scheme}' is not in the EAS code list.", f"{field}_scheme"
        )
    if not address:
        raise InvalidInput(f"{label}: give the address for scheme {scheme}.", field)
    if scheme == EMAIL:
        try:
            validate_email(address)
        except ValidationError:
            raise InvalidInput(f"{label}: '{address}' is not an email address.", field) from None
        return scheme, address.lower()
    check = _FORMATS.get(scheme)
    try:
        if check is not None:
            return scheme, check(address.replace(" ", ""))
    except (NumberError, ValueError):
        name = EAS_NAMES.get(scheme, f"scheme {scheme}")
        raise InvalidInput(f"{label}: '{address}' is not a valid {name}.", field) from None
    if not _PLAIN_ID.fullmatch(address):
        raise InvalidInput(
            f"{label}: up to 100 characters without spaces for scheme {scheme}.", field
        )
    return scheme, address


def registration_clean(scheme: str, number: str, *, field: str) -> tuple[str, str]:
    """(scheme, number) of a company registration (BT-30 / BT-47): the scheme is an ISO 6523
    ICD code or "" (many national registers need none), and with a scheme whose format is
    known (0088 GLN, 0208, 0009, 0002, 0192, 0007…) the number must pass its check, as
    Peppol checks registration numbers too (PEPPOL-COMMON-R040..R050). `field` names the
    scheme field in errors; the number's field is `company_number`."""
    scheme, number = scheme.strip(), number.strip()
    label = field.replace("_", " ")
    if not scheme:
        return "", number
    if scheme not in ICD_CODES:
        raise InvalidInput(
            f"{label}: '{scheme}' is not an ISO 6523 ICD code "
            "(4 digits, e.g. 0002 SIREN, 0208 Belgian enterprise number).",
            field,
        )
    if not number:
        raise InvalidInput(f"{label}: give the registration number it is the scheme of.", field)
    check = _FORMATS.get(scheme)
    if check is None:
        return scheme, number
    try:
        return scheme, check(number.replace(" ", ""))
    except (NumberError, ValueError):
        name = EAS_NAMES.get(scheme, f"scheme {scheme}")
        raise InvalidInput(
            f"company number: '{number}' is not a valid {name}.", "company_number"
        ) from None


def eas_choices() -> list[tuple[str, str]]:
    """The EAS codes for a form's select: named ones first, then the rest by code."""
    named = sorted(EAS_NAMES.items(), key=lambda item: (item[0] != EMAIL, item[1]))
    rest = sorted(EAS_CODES - EAS_NAMES.keys())
    return [("", "—"), *((c, f"{c} — {n}") for c, n in named), *((c, c) for c in rest)]
