"""HTTP client for Launchpad (OAuth 2) and the Basecamp 4 API.

- Every request carries a User-Agent naming Fairbill and a contact address, as Basecamp asks.
- Lists follow the `Link: <…>; rel="next"` header until the last page.
- 429 waits for Retry-After, 5xx and network errors back off exponentially; both a bounded
  number of times (`sleep` is injectable so tests don't wait).
- An expired access token is refreshed before the request; a 401 refreshes once and retries;
  a second 401, or a refused refresh, asks the staff member to reconnect.
- Tokens never reach a log: only the method, the path and the status are logged.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx

from fairbill.core import clock
from fairbill.core.validation import ascii_digits
from fairbill.integrations.basecamp.errors import (
    BasecampError,
    Forbidden,
    Missing,
    Reconnect,
    Unavailable,
)

log = logging.getLogger("fairbill.basecamp")

RETRY_STATUSES = {429, 500, 502, 503, 504}
# Refresh a little before the token expires, so it doesn't expire mid-import.
REFRESH_MARGIN = timedelta(minutes=2)


@dataclass(frozen=True)
class TokenGrant:
    access_token: str
    refresh_token: str
    expires_at: datetime | None

    def __repr__(self) -> str:  # never print a token, not even in a traceback
        return f"TokenGrant(expires_at={self.expires_at!r})"


def user_agent(contact: str) -> str:
    return f"Fairbill billing ({contact or 'https://github.com/fairbill'})"


class Http:
    """Sends requests with retries on 429/5xx/network errors; knows nothing about tokens."""

    def __init__(
        self,
        *,
        contact: str,
        timeout: float = 20.0,
        max_retries: int = 4,
        max_wait: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.client = httpx.Client(
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            headers={"User-Agent": user_agent(contact), "Accept": "application/json"},
            transport=transport,
            follow_redirects=False,
        )
        self.max_retries = max_retries
        self.max_wait = max_wait
        self.sleep = sleep

    def close(self) -> None:
        self.client.close()

    def send(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        where = urlsplit(url).path
        for attempt in range(self.max_retries + 1):
            last = attempt == self.max_retries
            try:
                response = self.client.request(method, url, **kwargs)
            except httpx.TimeoutException:
                log.warning("Basecamp %s %s timed out (attempt %d)", method, where, attempt + 1)
                if last:
                    raise Unavailable("Basecamp did not answer in time; try again later.") from None
                self.sleep(self._backoff(attempt))
                continue
            except httpx.TransportError as exc:
                log.warning("Basecamp %s %s failed: %s", method, where, type(exc).__name__)
                if last:
                    raise Unavailable(
                        f"Can't reach Basecamp ({type(exc).__name__}); check the network "
                        "and try again."
                    ) from None
                self.sleep(self._backoff(attempt))
                continue
            log.info("Basecamp %s %s → %d", method, where, response.status_code)
            if response.status_code not in RETRY_STATUSES:
                return response
            wait = self._wait_for(response, attempt)
            if last or wait > self.max_wait:
                if response.status_code == 429:
                    raise Unavailable(
                        "Basecamp's rate limit was reached; try again in a few minutes."
                    )
                raise Unavailable(
                    f"Basecamp is having trouble (HTTP {response.status_code}); try again later."
                )
            self.sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover

    def _wait_for(self, response: httpx.Response, attempt: int) -> float:
        retry_after = response.headers.get("Retry-After")
        if retry_after:
            seconds = _retry_after_seconds(retry_after)
            if seconds is not None:
                return seconds
        return self._backoff(attempt)

    @staticmethod
    def _backoff(attempt: int) -> float:
        return float(min(2**attempt, 30))


def _retry_after_seconds(value: str) -> float | None:
    value = value.strip()
    if ascii_digits(value):
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (moment - clock.now()).total_seconds())


def _expires_at(payload: dict[str, Any]) -> datetime | None:
    seconds = payload.get("expires_in")
    if isinstance(seconds, int) and seconds > 0:
        return clock.now() + timedelta(seconds=seconds)
    return None


class Launchpad:
    """37signals Launchpad: the OAuth 2 authorization code flow and authorization.json."""

    def __init__(
        self, *, base_url: str, client_id: str, client_secret: str, redirect_uri: str, http: Http
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.client_id = client_id
        self.client_secret = client_secret
        self.redirect_uri = redirect_uri
        self.http = http

    def authorize_url(self, state: str) -> str:
        query = urlencode(
            {
                "response_type": "code",
                "client_id": self.client_id,
                "redirect_uri": self.redirect_uri,
                "state": state,
            }
        )
        return f"{self.base_url}/authorization/new?{query}"

    def exchange(self, code: str) -> TokenGrant:
        return self._token(
            {
                "grant_type": "authorization_code",
                "client_id": self.client_id,
                "client_secret": self.client_secret,
                "redirect_uri": self.redirect_uri,
                "code": code,
            },
            refused="Basecamp did not accept the authorisation (the code expired or the "
            "client id, secret or redirect URI don't match the integration): connect again.",
        )

    def refresh(self, refresh_token: str) -> TokenGrant:
        return self._token(
            {
                "grant_type": "refresh_token",
                "refresh_token": refresh_token,
                "client_id": self.client_id,
                "client_secret": self.client_secret,
            },
            refused="",
        )

    def _token(self, form: dict[str, str], refused: str) -> TokenGrant:
        response = self.http.send("POST", f"{self.base_url}/authorization/token", data=form)
        if response.status_code >= 400:
            raise Reconnect(refused)
        payload = _json(response)
        access = payload.get("access_token") if isinstance(payload, dict) else None
        if not isinstance(access, str) or not access:
            raise Reconnect(refused)
        refresh = payload.get("refresh_token") or form.get("refresh_token", "")
        return TokenGrant(access, str(refresh), _expires_at(payload))

    def authorization(self, access_token: str) -> dict[str, Any]:
        response = self.http.send(
            "GET",
            f"{self.base_url}/authorization.json",
            headers={"Authorization": f"Bearer {access_token}"},
        )
        if response.status_code == 401:
            raise Reconnect()
        _raise_for_status(response, "your Basecamp authorisation")
        payload = _json(response)
        if not isinstance(payload, dict):
            raise BasecampError("Launchpad answered with something that isn't an authorisation.")
        return payload


def bc3_accounts(authorization: dict[str, Any]) -> list[dict[str, Any]]:
    """The Basecamp 4 accounts of an authorization.json answer (product "bc3")."""
    return [
        {"id": a["id"], "name": a.get("name", ""), "href": a.get("href", "")}
        for a in authorization.get("accounts", [])
        if isinstance(a, dict) and a.get("product") == "bc3" and "id" in a
    ]


class Basecamp:
    """The API of one Basecamp account (base URL …/<account_id>), with token refresh."""

    def __init__(
        self,
        *,
        account_href: str,
        tokens: TokenGrant,
        launchpad: Launchpad,
        on_refresh: Callable[[TokenGrant], None],
    ) -> None:
        self.base_url = account_href.rstrip("/")
        self._tokens = tokens
        self.launchpad = launchpad
        self.http = launchpad.http
        self.on_refresh = on_refresh

    def close(self) -> None:
        self.http.close()

    # The resources Fairbill reads -------------------------------------------------------

    def people(self) -> list[dict[str, Any]]:
        return list(self.each("/people.json", what="the people of the account"))

    def projects(self) -> list[dict[str, Any]]:
        return list(self.each("/projects.json", what="the projects"))

    def timesheet(self, *, project_id: int, start: str, end: str) -> list[dict[str, Any]]:
        """Timesheet entries of a project from start to end (ISO dates, both included)."""
        return list(
            self.each(
                "/reports/timesheet.json",
                params={"start_date": start, "end_date": end, "bucket_id": project_id},
                what="the timesheet report (the connected user needs access to timesheets)",
            )
        )

    def profile(self) -> dict[str, Any]:
        payload = self.get("/my/profile.json", what="your Basecamp profile")
        return payload if isinstance(payload, dict) else {}

    # Plumbing ---------------------------------------------------------------------------

    def get(self, path: str, *, params: dict[str, Any] | None = None, what: str = "") -> Any:
        return _json(self._request("GET", self.base_url + path, params, what))

    def each(
        self, path: str, *, params: dict[str, Any] | None = None, what: str = ""
    ) -> Iterator[dict[str, Any]]:
        """Every item of a paginated list, page after page (Link rel="next")."""
        url: str | None = self.base_url + path
        query = params
        while url:
            response = self._request("GET", url, query, what)
            page = _json(response)
            if not isinstance(page, list):
                raise BasecampError(f"Basecamp answered with something that isn't a list ({what}).")
            yield from (item for item in page if isinstance(item, dict))
            url = response.links.get("next", {}).get("url")
            query = None  # the next link carries its own query

    def _request(
        self, method: str, url: str, params: dict[str, Any] | None, what: str
    ) -> httpx.Response:
        refreshed = False
        expires_at = self._tokens.expires_at
        if expires_at is not None and expires_at - REFRESH_MARGIN <= clock.now():
            self._refresh()
            refreshed = True
        while True:
            response = self.http.send(
                method,
                url,
                params=params,
                headers={"Authorization": f"Bearer {self._tokens.access_token}"},
            )
            if response.status_code == 401 and not refreshed:
                self._refresh()
                refreshed = True
                continue
            if response.status_code == 401:
                raise Reconnect()
            _raise_for_status(response, what or "this")
            return response

    def _refresh(self) -> None:
        if not self._tokens.refresh_token:
            raise Reconnect()
        log.info("Basecamp access token expired: refreshing it")
        self._tokens = self.launchpad.refresh(self._tokens.refresh_token)
        self.on_refresh(self._tokens)


def _raise_for_status(response: httpx.Response, what: str) -> None:
    status = response.status_code
    if status < 400:
        return
    if status == 403:
        raise Forbidden(
            f"Basecamp refused access to {what}: the Basecamp user who connected Fairbill "
            "lacks the permission. Ask a Basecamp administrator, or reconnect as one."
        )
    if status == 404:
        if response.headers.get("Reason", "").lower() == "account inactive":
            raise Missing(
                "The Basecamp account is inactive (trial expired or account suspended): "
                "reactivate it, or connect another account."
            )
        raise Missing(
            f"Basecamp can't find {what}: it was deleted, or the connected user can't see it."
        )
    raise BasecampError(f"Basecamp refused the request for {what} (HTTP {status}).")


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        raise BasecampError("Basecamp answered with something that isn't JSON.") from None
