"""Checks on business settings that field validators can't express."""

from __future__ import annotations

import re
from functools import cache
from typing import Any
from zoneinfo import available_timezones

from django_countries import countries

from fairbill.core.errors import InvalidInput
from fairbill.core.identifiers import electronic_address_clean, registration_clean
from fairbill.core.models import BusinessSettings
from fairbill.core.money import currency_check, parse_amount
from fairbill.core.numbering import CREDIT_NOTE, INVOICE, start_number_check
from fairbill.core.vat import vat_number_normalize


def text_problem(text: str) -> str | None:
    """Why a database can't store this text, or None: NUL characters (PostgreSQL refuses
    them) and lone surrogates such as "\\ud800" from a JSON escape (not valid Unicode:
    SQLite and PostgreSQL both fail to encode them)."""
    if "\x00" in text:
        return "can't contain NUL characters"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "must be valid Unicode (a lone surrogate such as \\ud800 is not)"
    return None


def ascii_digits(text: str) -> bool:
    """True for a non-empty run of 0-9 only. str.isdigit() also takes "³" and "①", which
    int() then refuses with a ValueError, and "١٢", which nobody means as an id."""
    return text.isascii() and text.isdigit()


@cache
def _country_codes() -> frozenset[str]:
    return frozenset(code for code, _ in countries)


def country_check(value: Any, *, field: str = "country", blank: bool = False) -> str:
    """An ISO 3166 alpha-2 code django-countries knows, upper-cased, or InvalidInput.

    Checked before the value reaches django-countries, which runs int() on anything
    str.isdigit() accepts ("³", "①") and fails with a ValueError."""
    text = value.strip() if isinstance(value, str) else None
    if blank and text == "":
        return ""
    if text is None or not re.fullmatch("[A-Za-z]{2}", text, re.ASCII):
        raise InvalidInput(f"{field}: give a two-letter ISO 3166 country code, e.g. GB.", field)
    code = text.upper()
    if code not in _country_codes():
        raise InvalidInput(f"{field}: '{code}' is not an ISO 3166 country code.", field)
    return code


def validate_settings(values: BusinessSettings, changed: set[str]) -> None:
    currency_check(values.currency)
    if values.time_zone not in available_timezones():
        raise InvalidInput(f"time zone: unknown time zone '{values.time_zone}'.", "time_zone")
    if "invoice_start_number" in changed:
        start_number_check(name=INVOICE, start=values.invoice_start_number)
    if "credit_note_start_number" in changed:
        start_number_check(name=CREDIT_NOTE, start=values.credit_note_start_number)
    if "vat_number" in changed or "country" in changed:
        country = str(values.country.code) if values.country else ""
        values.vat_number = vat_number_normalize(values.vat_number or "", country)
    if "credit_confirm_above" in changed:
        values.credit_confirm_above = parse_amount(
            values.credit_confirm_above, values.currency, field="credit_confirm_above"
        )
    if "iban" in changed or "bic" in changed:
        _bank_details_check(values)
    values.electronic_address_scheme, values.electronic_address = electronic_address_clean(
        values.electronic_address_scheme, values.electronic_address, field="electronic_address"
    )
    values.company_number_scheme, values.company_number = registration_clean(
        values.company_number_scheme, values.company_number, field="company_number_scheme"
    )
    days = values.reminder_days
    if not isinstance(days, list) or not all(
        isinstance(d, int) and not isinstance(d, bool) for d in days
    ):
        raise InvalidInput(
            "reminder days: give a list of whole numbers, e.g. -3, 0, 3, 7.", "reminder_days"
        )
    if any(abs(d) > 365 for d in days):
        raise InvalidInput("reminder days: each must be between -365 and 365.", "reminder_days")
    values.reminder_days = sorted(set(days))
    retries = values.charge_retry_days
    if (
        not isinstance(retries, list)
        or not all(isinstance(d, int) and not isinstance(d, bool) for d in retries)
        or any(not 1 <= d <= 60 for d in retries)
        or len(retries) > 8
    ):
        raise InvalidInput(
            "charge retry days: give up to 8 whole numbers of days after the due date, "
            "each from 1 to 60, e.g. 3, 5, 7.",
            "charge_retry_days",
        )
    values.charge_retry_days = sorted(set(retries))
    if (
        values.cancel_days_after_due
        and values.suspend_days_after_due
        and values.cancel_days_after_due < values.suspend_days_after_due
    ):
        raise InvalidInput(
            "cancel days after due must be at least the suspend days after due.",
            "cancel_days_after_due",
        )


def _bank_details_check(values: BusinessSettings) -> None:
    from stdnum import bic, iban

    values.iban = iban.compact(values.iban or "")
    values.bic = bic.compact(values.bic or "")
    if values.iban and not iban.is_valid(values.iban):
        raise InvalidInput(f"IBAN: '{values.iban}' is not a valid IBAN.", "iban")
    if values.bic and not bic.is_valid(values.bic):
        raise InvalidInput(f"BIC: '{values.bic}' is not a valid BIC.", "bic")
