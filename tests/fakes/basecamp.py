"""A fake Launchpad + Basecamp 4 API, serving JSON shaped like basecamp/bc3-api's examples.

Used by the tests (in a thread, see `serve`) and runnable on its own for demos:

    .venv/bin/python -m tests.fakes.basecamp --port 8765

then start Fairbill with FAIRBILL_BASECAMP_LAUNCHPAD_URL=http://127.0.0.1:8765 and
FAIRBILL_BASECAMP_API_URL=http://127.0.0.1:8765 and connect with client id `fake-client`,
secret `fake-secret` (see docs/basecamp.md).

Scenarios the tests switch on: `fail(path, status, times, headers)` answers the next requests
to a path with an error (429 with Retry-After, 500…); `expire_tokens()` makes the current
access token expired (401, then a refresh works); `revoke()` makes every token and refresh
token invalid (401, and the refresh is refused).
"""

from __future__ import annotations

import argparse
import html
import itertools
import json
import logging
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

CLIENT_ID = "fake-client"
CLIENT_SECRET = "fake-secret"  # noqa: S105 (a fake)
ACCOUNT_ID = 195539477
ACCOUNT_NAME = "Honcho Design"
TOKEN_LIFETIME = 1209600  # two weeks, as Launchpad says
STAMP = "2027-03-01T09:00:00.000Z"


def person(
    pid: int,
    name: str,
    email: str,
    *,
    client: bool,
    company: tuple[int, str] | None,
    base: str = "https://3.basecampapi.com",
    location: str | None = None,
    time_zone: str = "Europe/London",
) -> dict[str, Any]:
    """A person exactly as `GET /people.json` shows one."""
    data: dict[str, Any] = {
        "id": pid,
        "attachable_sgid": f"BAh7BkkiC19yYWlscwY6BkVU{pid}--e627c45e6b34e08862da2390686241",
        "name": name,
        "email_address": email,
        "personable_type": "Client" if client else "User",
        "title": "Client" if client else "Designer",
        "bio": None,
        "location": location,
        "created_at": STAMP,
        "updated_at": STAMP,
        "admin": False,
        "owner": False,
        "client": client,
        "employee": not client,
        "time_zone": time_zone,
        "avatar_url": f"{base}/{ACCOUNT_ID}/people/BAhpBMlkkT4={pid}/avatar",
        "can_ping": True,
        "can_manage_projects": not client,
        "can_manage_people": not client,
        "can_access_timesheet": not client,
        "can_access_hill_charts": not client,
    }
    if company:
        data["company"] = {"id": company[0], "name": company[1]}
    return data


def project(pid: int, name: str, client_company: tuple[int, str] | None, base: str) -> dict:
    """A project as `GET /projects.json` shows one (dock shortened to two tools)."""
    data: dict[str, Any] = {
        "id": pid,
        "status": "active",
        "created_at": STAMP,
        "updated_at": STAMP,
        "name": name,
        "description": f"{name} for the client.",
        "purpose": "topic",
        "clients_enabled": client_company is not None,
        "timesheet_enabled": True,
        "color": None,
        "last_needle_color": "green",
        "last_needle_position": None,
        "previous_needle_position": None,
        "bookmark_url": f"{base}/{ACCOUNT_ID}/my/bookmarks/BAh7Bk{pid}.json",
        "url": f"{base}/{ACCOUNT_ID}/projects/{pid}.json",
        "app_url": f"https://3.basecamp.com/{ACCOUNT_ID}/projects/{pid}",
        "dock": [
            {
                "id": pid * 10 + 1,
                "title": "Message Board",
                "name": "message_board",
                "enabled": True,
                "position": 1,
                "url": f"{base}/{ACCOUNT_ID}/buckets/{pid}/message_boards/{pid * 10 + 1}.json",
                "app_url": f"https://3.basecamp.com/{ACCOUNT_ID}/buckets/{pid}/message_boards/1",
            },
            {
                "id": pid * 10 + 2,
                "title": "To-dos",
                "name": "todoset",
                "enabled": True,
                "position": 2,
                "url": f"{base}/{ACCOUNT_ID}/buckets/{pid}/todosets/{pid * 10 + 2}.json",
                "app_url": f"https://3.basecamp.com/{ACCOUNT_ID}/buckets/{pid}/todosets/2",
            },
        ],
        "bookmarked": False,
    }
    if client_company:
        data["client_company"] = {"id": client_company[0], "name": client_company[1]}
        data["clientside"] = {
            "url": f"{base}/{ACCOUNT_ID}/buckets/{pid}/client/board.json",
            "app_url": f"https://3.basecamp.com/{ACCOUNT_ID}/buckets/{pid}/client/board",
        }
    return data


@dataclass
class FakeBasecamp:
    base_url: str = "http://127.0.0.1:8765"
    page_sizes: tuple[int, ...] = (15, 30, 50, 100)  # Basecamp's geared pagination
    people: list[dict[str, Any]] = field(default_factory=list)
    projects: list[dict[str, Any]] = field(default_factory=list)
    entries: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    codes: dict[str, str] = field(default_factory=dict)  # code -> redirect_uri
    access_tokens: set[str] = field(default_factory=set)
    refresh_tokens: set[str] = field(default_factory=set)
    failures: dict[str, list[tuple[int, dict[str, str]]]] = field(default_factory=dict)
    requests: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1069480000))

    # Data -------------------------------------------------------------------------------

    def add_person(
        self,
        name: str,
        email: str,
        *,
        client: bool = True,
        company=None,
        location: str | None = None,
        time_zone: str = "Europe/London",
    ) -> dict:
        """A person; Basecamp knows no postal address, only a free-text location and a time
        zone (bc3-api sections/people.md), and of a company only its id and name."""
        data = person(
            next(self._ids),
            name,
            email,
            client=client,
            company=company,
            location=location,
            time_zone=time_zone,
        )
        self.people.append(data)
        return data

    def add_project(self, name: str, client_company=None) -> dict:
        data = project(next(self._ids), name, client_company, self.base_url)
        self.projects.append(data)
        self.entries[data["id"]] = []
        return data

    def add_entry(
        self, project_id: int, *, date: str, hours: str, description: str = "", by=None
    ) -> dict:
        proj = next(p for p in self.projects if p["id"] == project_id)
        worker = by or next(p for p in self.people if not p["client"])
        eid = next(self._ids)
        base = self.base_url
        todoset = project_id * 10 + 2
        entry = {
            "id": eid,
            "status": "active",
            "visible_to_clients": False,
            "created_at": STAMP,
            "updated_at": STAMP,
            "title": "Timesheet entry",
            "inherits_status": True,
            "type": "Timesheet::Entry",
            "url": f"{base}/{ACCOUNT_ID}/projects/{project_id}/timesheet/entries/{eid}.json",
            "app_url": f"https://3.basecamp.com/{ACCOUNT_ID}/projects/{project_id}/timesheet/entries/{eid}",
            "bookmark_url": f"{base}/{ACCOUNT_ID}/my/bookmarks/BAh7Bk{eid}.json",
            "parent": {
                "id": project_id * 10 + 2,
                "title": "To-dos",
                "type": "Todoset",
                "url": f"{base}/{ACCOUNT_ID}/buckets/{project_id}/todosets/{todoset}.json",
                "app_url": f"https://3.basecamp.com/{ACCOUNT_ID}/buckets/{project_id}/todosets/2",
            },
            "bucket": {"id": project_id, "name": proj["name"], "type": "Project"},
            "creator": worker,
            "date": date,
            "description": description,
            "hours": hours,
            "person": worker,
        }
        self.entries[project_id].append(entry)
        return entry

    def edit_entry(self, entry: dict, **changes: Any) -> None:
        entry.update(changes, updated_at="2027-04-02T10:00:00.000Z")

    # Scenarios --------------------------------------------------------------------------

    def fail(self, path: str, status: int, times: int = 1, headers=None) -> None:
        self.failures.setdefault(path, []).extend([(status, headers or {})] * times)

    def issue_code(self, redirect_uri: str = "") -> str:
        code = secrets.token_hex(8)
        self.codes[code] = redirect_uri
        return code

    def expire_tokens(self) -> None:
        """The current access tokens expire (refresh tokens still work)."""
        self.access_tokens.clear()

    def revoke(self) -> None:
        """The user revoked the integration: nothing works any more."""
        self.access_tokens.clear()
        self.refresh_tokens.clear()

    def _grant(self) -> dict[str, Any]:
        access, refresh = (
            f"fake-access-{secrets.token_hex(12)}",
            f"fake-refresh-{secrets.token_hex(12)}",
        )
        self.access_tokens.add(access)
        self.refresh_tokens.add(refresh)
        return {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": TOKEN_LIFETIME,
            "refresh_token": refresh,
        }

    # WSGI -------------------------------------------------------------------------------

    def __call__(self, environ, start_response):
        request = Request(environ)
        with self.lock:
            response = self.dispatch(request)
        return response(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        path = request.path
        self.requests.append(
            {
                "method": request.method,
                "path": path,
                "query": dict(request.args),
                "user_agent": request.headers.get("User-Agent", ""),
            }
        )
        if not request.headers.get("User-Agent") and not path.startswith("/authorization/new"):
            return _json({"error": "User-Agent header required"}, 400)
        queued = self.failures.get(path)
        if queued:
            status, headers = queued.pop(0)
            return _json({"error": f"fake failure {status}"}, status, headers)
        if path == "/authorization/new":
            return self._authorize_page(request)
        if path == "/authorization/approve":
            return self._approve(request)
        if path == "/authorization/token" and request.method == "POST":
            return self._token(request)
        if not self._authorized(request):
            return _json({"error": "OAuth token expired or revoked"}, 401)
        if path == "/authorization.json":
            return _json(self._authorization())
        prefix = f"/{ACCOUNT_ID}"
        if not path.startswith(prefix + "/"):
            return _json({"error": "Not found"}, 404, {"Reason": "Account Inactive"})
        return self._api(request, path[len(prefix) :])

    def _authorized(self, request: Request) -> bool:
        header = request.headers.get("Authorization", "")
        return header.startswith("Bearer ") and header[7:] in self.access_tokens

    def _authorize_page(self, request: Request) -> Response:
        args = request.args
        if args.get("client_id") != CLIENT_ID or args.get("response_type") != "code":
            return Response("Unknown integration.", status=400)
        query = urlencode(
            {"redirect_uri": args.get("redirect_uri", ""), "state": args.get("state", "")}
        )
        body = (
            "<!doctype html><title>Basecamp (fake) – authorise</title>"
            "<h1>Fairbill would like to access your Basecamp account</h1>"
            f"<p>Account: {html.escape(ACCOUNT_NAME)}</p>"
            f'<p><a id="allow" href="/authorization/approve?{html.escape(query)}">'
            "Yes, I’ll allow access</a></p>"
        )
        return Response(body, content_type="text/html; charset=utf-8")

    def _approve(self, request: Request) -> Response:
        redirect_uri = request.args.get("redirect_uri", "")
        code = self.issue_code(redirect_uri)
        query = urlencode({"code": code, "state": request.args.get("state", "")})
        return Response(status=302, headers={"Location": f"{redirect_uri}?{query}"})

    def _token(self, request: Request) -> Response:
        form = request.form
        if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
            return _json({"error": "invalid_client"}, 401)
        grant = form.get("grant_type") or {"refresh": "refresh_token"}.get(form.get("type", ""))
        if grant == "authorization_code":
            if form.get("code") not in self.codes:
                return _json({"error": "invalid_grant"}, 400)
            del self.codes[form["code"]]
            return _json(self._grant())
        if grant == "refresh_token":
            token = form.get("refresh_token", "")
            if token not in self.refresh_tokens:
                return _json({"error": "invalid_grant"}, 400)
            self.refresh_tokens.discard(token)
            return _json(self._grant())
        return _json({"error": "unsupported_grant_type"}, 400)

    def _authorization(self) -> dict[str, Any]:
        return {
            "expires_at": "2027-03-15T12:00:00-06:00",
            "identity": {
                "id": 9999999,
                "first_name": "Victor",
                "last_name": "Cooper",
                "email_address": "victor@honchodesign.com",
            },
            "accounts": [
                {
                    "product": "bc3",
                    "id": ACCOUNT_ID,
                    "name": ACCOUNT_NAME,
                    "href": f"{self.base_url}/{ACCOUNT_ID}",
                    "app_href": f"https://3.basecamp.com/{ACCOUNT_ID}",
                },
                {
                    "product": "campfire",
                    "id": 11111111,
                    "name": "Old chat",
                    "href": "https://example.invalid/11111111",
                    "app_href": "https://example.invalid/11111111",
                },
            ],
        }

    def _api(self, request: Request, path: str) -> Response:
        if path == "/people.json":
            return self._page(request, path, self.people)
        if path == "/projects.json":
            return self._page(request, path, self.projects)
        if path == "/my/profile.json":
            me = next((p for p in self.people if not p["client"]), None)
            return _json(
                me or person(1, "Victor Cooper", "victor@example.com", client=False, company=None)
            )
        if path == "/reports/timesheet.json":
            args = request.args
            start, end = args.get("start_date"), args.get("end_date")
            if bool(start) != bool(end):
                return _json({"error": "start_date and end_date go together"}, 400)
            bucket = args.get("bucket_id")
            rows = [
                e
                for pid, entries in self.entries.items()
                if not bucket or str(pid) == bucket
                for e in entries
                if (not start or start <= e["date"] <= end)
            ]
            return _json(rows)  # not paginated, as documented
        for proj in self.projects:
            if path == f"/projects/{proj['id']}/timesheet.json":
                return self._page(request, path, self.entries[proj["id"]])
            if path == f"/projects/{proj['id']}/people.json":
                company = (proj.get("client_company") or {}).get("id")
                return _json(
                    [
                        p
                        for p in self.people
                        if not p["client"] or (p.get("company") or {}).get("id") == company
                    ]
                )
        return _json({"error": "Not found"}, 404)

    def _page(self, request: Request, path: str, items: list[dict]) -> Response:
        page = max(1, int(request.args.get("page", "1") or 1))
        sizes = list(self.page_sizes)
        start = sum(sizes[min(i, len(sizes) - 1)] for i in range(page - 1))
        size = sizes[min(page - 1, len(sizes) - 1)]
        chunk = items[start : start + size]
        headers = {"X-Total-Count": str(len(items))}
        if start + size < len(items):
            headers["Link"] = f'<{self.base_url}/{ACCOUNT_ID}{path}?page={page + 1}>; rel="next"'
        return _json(chunk, 200, headers)


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        json.dumps(data),
        status=status,
        headers=headers or {},
        content_type="application/json; charset=utf-8",
    )


def demo_data(fake: FakeBasecamp) -> FakeBasecamp:
    """A small agency: two staff, three client companies, a freelancer client, projects with
    time tracked in March 2027."""
    victor = fake.add_person(
        "Victor Cooper",
        "victor@honchodesign.com",
        client=False,
        company=(1033447817, "Honcho Design"),
    )
    annie = fake.add_person(
        "Annie Bryan", "annie@honchodesign.com", client=False, company=(1033447817, "Honcho Design")
    )
    fake.add_person(
        "Leto Atreides",
        "leto@letobrand.example",
        company=(1033447818, "Leto Brand"),
        location="Manchester",
    )
    fake.add_person("Jessica Nair", "jessica@letobrand.example", company=(1033447818, "Leto Brand"))
    fake.add_person(
        "Paul Okafor", "paul@greenhouse.example", company=(1033447819, "Greenhouse Cafe")
    )
    fake.add_person("Mina Sato", "mina@freelance.example", company=None)
    laptop = fake.add_project("The Leto Laptop", (1033447818, "Leto Brand"))
    locator = fake.add_project("The Leto Locator", (1033447818, "Leto Brand"))
    cafe = fake.add_project("Greenhouse website", (1033447819, "Greenhouse Cafe"))
    fake.add_project("Internal: office move", None)
    fake.add_entry(
        laptop["id"], date="2027-03-02", hours="2.5", description="Kick-off workshop", by=victor
    )
    fake.add_entry(
        laptop["id"], date="2027-03-03", hours="1:30", description="Wireframes", by=annie
    )
    fake.add_entry(
        laptop["id"], date="2027-03-10", hours="3.25", description="Design review", by=victor
    )
    fake.add_entry(
        locator["id"], date="2027-03-11", hours="4.0", description="Prototype firmware", by=annie
    )
    fake.add_entry(cafe["id"], date="2027-03-05", hours="6.0", description="Menu pages", by=annie)
    return fake


@contextmanager
def serve(fake: FakeBasecamp | None = None, port: int = 0) -> Iterator[FakeBasecamp]:
    """Run a fake in a thread; yields it with base_url set to where it listens."""
    fake = fake or FakeBasecamp()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = make_server("127.0.0.1", port, fake, threaded=True)
    fake.base_url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        thread.join(timeout=5)


def main() -> None:
    parser = argparse.ArgumentParser(description="Fake Launchpad + Basecamp 4 API for demos.")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    fake = demo_data(FakeBasecamp(base_url=f"http://127.0.0.1:{args.port}"))
    server = make_server("127.0.0.1", args.port, fake, threaded=True)
    print(f"Fake Basecamp on http://127.0.0.1:{args.port}")  # noqa: T201
    print(f"  FAIRBILL_BASECAMP_LAUNCHPAD_URL=http://127.0.0.1:{args.port}")  # noqa: T201
    print(f"  FAIRBILL_BASECAMP_API_URL=http://127.0.0.1:{args.port}")  # noqa: T201
    print(f"  client id: {CLIENT_ID}   client secret: {CLIENT_SECRET}")  # noqa: T201
    server.serve_forever()


if __name__ == "__main__":
    main()
