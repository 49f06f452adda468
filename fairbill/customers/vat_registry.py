"""VAT number checks against the tax authorities' registers over HTTP.

EU numbers: the European Commission's VIES REST API (POST /check-vat-number).
GB numbers: HMRC's "Check a UK VAT number" API v2 (OAuth client credentials).

A check that could not be made (service or member state down, timeout, rate limit, bad
answer) is `unverified`, never `invalid`: only the register saying "not registered" is.
Base URLs, credentials and the timeout are FAIRBILL_* settings (docs/configuration.md).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings

from fairbill.core.vat import PREFIX_COUNTRY

if TYPE_CHECKING:  # imported when a register is asked: most commands never do
    import httpx

logger = logging.getLogger(__name__)

# Set while loading made-up data (the demo): its numbers are fictitious and the registers are
# not asked about them (a machine without network would wait for each time-out). Holds the
# made-up numbers to answer `valid` (the demo's reverse-charge customer).
_offline: ContextVar[frozenset[str] | None] = ContextVar("vat_registers_offline", default=None)
DEMO_CONSULTATION = "DEMO-NOT-ASKED"


@contextmanager
def registers_offline(valid: frozenset[str] = frozenset()) -> Iterator[None]:
    """Within this block no register is called: every check answers `unverified`, except
    the made-up numbers in `valid`, which answer `valid` with the consultation
    DEMO-NOT-ASKED (demo data only: no register said so)."""
    token = _offline.set(frozenset(valid))
    try:
        yield
    finally:
        _offline.reset(token)


VALID = "valid"
INVALID = "invalid"
UNVERIFIED = "unverified"
EU_VAT_PREFIXES = frozenset(
    "AT BE BG CY CZ DE DK EE EL ES FI FR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK XI".split()
)
RETRIES = 2  # after a 5xx answer


@dataclass(frozen=True)
class RegistryAnswer:
    status: str  # valid, invalid, unverified
    name: str = ""
    address: str = ""
    consultation: str = ""  # the register's reference for this check (the evidence)
    error: str = ""  # the raw error code when unverified


def split_number(number: str, country: str) -> tuple[str, str]:
    """(VAT prefix, digits) of a compact number: 'DE136695976' → ('DE', '136695976').
    A number without its prefix takes the customer's country (Greece: EL)."""
    head = number[:2]
    if head.isalpha() and len(number) > 2:
        return head.upper(), number[2:]
    code = country.upper()
    inverse = {v.upper(): k.upper() for k, v in PREFIX_COUNTRY.items() if k != "xi"}
    return inverse.get(code, code), number


def registry_for(number: str, country: str) -> str | None:
    """'vies', 'hmrc', or None when no register can check this number."""
    prefix, _ = split_number(number, country)
    if prefix == "GB":
        return "hmrc"
    return "vies" if prefix in EU_VAT_PREFIXES else None


def vat_number_lookup(number: str, country: str, *, requester: str = "") -> RegistryAnswer | None:
    """Ask the register about a VAT number; None when no register covers it.
    `requester`: the business's own VAT number, to get a consultation number."""
    registry = registry_for(number, country)
    if registry is None:
        return None
    offline = _offline.get()
    if offline is not None:
        if number in offline:
            return RegistryAnswer(VALID, consultation=DEMO_CONSULTATION)
        return RegistryAnswer(UNVERIFIED, error="NOT_ASKED: demo data")
    import httpx

    try:
        if registry == "hmrc":
            return _hmrc_lookup(number, country, requester)
        return _vies_lookup(number, country, requester)
    except httpx.TimeoutException:
        logger.warning("VAT check %s: timeout", registry)
        return RegistryAnswer(UNVERIFIED, error="TIMEOUT")
    except (httpx.HTTPError, ValueError) as exc:
        logger.warning("VAT check %s: %s", registry, type(exc).__name__)
        return RegistryAnswer(UNVERIFIED, error=f"SERVICE_UNAVAILABLE: {type(exc).__name__}")


def _client() -> httpx.Client:
    import httpx

    return httpx.Client(timeout=settings.VAT_CHECK_TIMEOUT, follow_redirects=False)


def _send(client: httpx.Client, method: str, url: str, **kwargs: Any) -> httpx.Response:
    """One request, retried a little on 5xx answers."""
    for attempt in range(RETRIES + 1):
        response = client.request(method, url, **kwargs)
        if response.status_code < 500 or attempt == RETRIES:
            return response
        time.sleep(settings.VAT_CHECK_RETRY_SECONDS * (attempt + 1))
    raise AssertionError("unreachable")


def _vies_lookup(number: str, country: str, requester: str) -> RegistryAnswer:
    prefix, digits = split_number(number, country)
    body = {"countryCode": prefix, "vatNumber": digits}
    if requester:
        requester_prefix, requester_digits = split_number(requester, "")
        if requester_prefix in EU_VAT_PREFIXES:
            body["requesterMemberStateCode"] = requester_prefix
            body["requesterNumber"] = requester_digits
    with _client() as client:
        response = _send(
            client,
            "POST",
            f"{settings.VIES_URL}/check-vat-number",
            json=body,
            headers={"Accept": "application/json"},
        )
    data = response.json() if response.content else {}
    if not isinstance(data, dict):
        raise ValueError("VIES answered something that is not an object")
    errors = data.get("errorWrappers") or []
    if data.get("actionSucceed") is False or errors or "valid" not in data:
        codes = [str(e.get("error", "")) for e in errors if isinstance(e, dict)]
        error = ", ".join(c for c in codes if c) or f"HTTP {response.status_code}"
        logger.warning("VIES could not check a %s number: %s", prefix, error)
        return RegistryAnswer(UNVERIFIED, error=error)
    return RegistryAnswer(
        VALID if data["valid"] is True else INVALID,
        name=_shown(data.get("name")),
        address=_shown(data.get("address")),
        consultation=str(data.get("requestIdentifier") or ""),
    )


def _shown(value: object) -> str:
    """VIES writes '---' where a member state doesn't disclose a field."""
    text = str(value or "").strip()
    return "" if text == "---" else text


_token: dict[str, Any] = {}


def _hmrc_token(client: httpx.Client) -> str:
    if _token.get("value") and _token.get("until", 0) > time.monotonic():
        return str(_token["value"])
    response = _send(
        client,
        "POST",
        f"{settings.HMRC_URL}/oauth/token",
        data={
            "client_id": settings.HMRC_CLIENT_ID,
            "client_secret": settings.HMRC_CLIENT_SECRET,
            "grant_type": "client_credentials",
        },
    )
    response.raise_for_status()
    data = response.json()
    _token["value"] = data["access_token"]
    _token["until"] = time.monotonic() + int(data.get("expires_in", 3600)) - 60
    return str(data["access_token"])


def _hmrc_lookup(number: str, country: str, requester: str) -> RegistryAnswer:
    if not (settings.HMRC_CLIENT_ID and settings.HMRC_CLIENT_SECRET):
        return RegistryAnswer(UNVERIFIED, error="HMRC credentials are not configured")
    _, digits = split_number(number, country)
    path = f"/organisations/vat/check-vat-number/lookup/{digits}"
    requester_prefix, requester_digits = split_number(requester, "") if requester else ("", "")
    if requester_prefix == "GB":
        path += f"/{requester_digits}"
    with _client() as client:
        token = _hmrc_token(client)
        response = _send(
            client,
            "GET",
            settings.HMRC_URL + path,
            headers={
                "Accept": "application/vnd.hmrc.2.0+json",
                "Authorization": f"Bearer {token}",
            },
        )
    if response.status_code == 404:
        return RegistryAnswer(INVALID)
    if response.status_code == 401:
        _token.clear()  # expired or revoked: ask for a new one next time
    if response.status_code != 200:
        code = ""
        try:
            code = str(response.json().get("code", ""))
        except ValueError:
            pass
        error = code or f"HTTP {response.status_code}"
        logger.warning("HMRC could not check a GB number: %s", error)
        return RegistryAnswer(UNVERIFIED, error=error)
    data = response.json()
    target = data.get("target") or {}
    address = target.get("address") or {}
    return RegistryAnswer(
        VALID,
        name=str(target.get("name") or ""),
        address=", ".join(
            str(address[key])
            for key in ("line1", "line2", "line3", "line4", "line5", "postcode", "countryCode")
            if address.get(key)
        ),
        consultation=str(data.get("consultationNumber") or ""),
    )
