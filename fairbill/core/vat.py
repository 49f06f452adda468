"""VAT number format checks with python-stdnum (format and check digits, not a registry look-up)."""

from __future__ import annotations

import re

from stdnum.exceptions import ValidationError as StdnumError
from stdnum.util import get_cc_module

from fairbill.core.errors import InvalidInput

# Prefixes that differ from the ISO country code.
PREFIX_COUNTRY = {"el": "gr", "xi": "gb"}


def vat_number_normalize(number: str, country: str) -> str:
    """Return the compact VAT number, or raise InvalidInput if its format is wrong.

    A number may carry its country prefix (GB980780684) or not (980780684, then the
    customer's country is used). Countries python-stdnum doesn't know accept 2-20 letters/digits.
    """
    compact = re.sub(r"[\s.\-/]", "", number).upper()
    if not compact:
        return ""
    prefix = compact[:2].lower()
    if prefix.isalpha() and len(compact) > 2:
        cc = PREFIX_COUNTRY.get(prefix, prefix)
    else:
        cc = country.lower()
    module = get_cc_module(cc, "vat") if cc else None
    if module is None:
        if not re.fullmatch(r"[A-Z0-9]{2,20}", compact):
            raise InvalidInput("VAT number: use 2 to 20 letters and digits.", "vat_number")
        return compact
    try:
        module.validate(compact)
    except StdnumError:
        raise InvalidInput(
            f"VAT number: '{number}' is not a valid {cc.upper()} VAT number.", "vat_number"
        ) from None
    return compact
