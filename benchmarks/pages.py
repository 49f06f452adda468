"""Benchmark: the pages staff and customers open, and the API lists, at a business's size.

    .venv/bin/python benchmarks/pages.py [--customers 10000] [--invoices 100000]
        [--database sqlite|postgres] [--repeat 20] [--rebuild]

Builds the data in bulk (benchmarks/pages_data.py: COPY on PostgreSQL) into a database kept
between runs (PostgreSQL: `<FAIRBILL_TEST_DATABASE_URL's name>_bench`; SQLite:
var/bench/pages-C-N.sqlite3) and reuses it when its sizes match; migrates it; serves the app
with gunicorn (2 workers) with the Server-Timing header on; logs in as staff, as a customer
and with an API key; requests each page `--repeat` times after two warm-up requests and prints
the median and 95th percentile of the server's time, the client's time and the queries per
page, the web workers' memory, and one JSON line at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PASSWORD = "bench-Pa55word-42"
LIST_TARGET_MS, SUMMARY_TARGET_MS = 50.0, 150.0
SUMMARY_PAGES = ("dashboard", "report")


def database_url(args: argparse.Namespace) -> str:
    if args.database == "sqlite":
        folder = ROOT / "var" / "bench"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"pages-{args.customers}-{args.invoices}.sqlite3"
        if args.rebuild and path.exists():
            path.unlink()
        return f"sqlite:///{path}"
    base = os.environ.get("FAIRBILL_TEST_DATABASE_URL")
    if not base:
        sys.exit("--database postgres needs FAIRBILL_TEST_DATABASE_URL")
    from benchmarks.seeding import postgres_database

    name = f"{urlsplit(base).path.strip('/')}_bench"
    return postgres_database(base, name, fresh=args.rebuild)


def prepare(args: argparse.Namespace) -> dict[str, Any]:
    """Migrate; build the data unless the database already holds these sizes; the logins."""
    from django.core.management import call_command
    from django.db import connection

    from benchmarks.pages_data import Business, reset_sequences
    from fairbill.core import clock

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    migrated = time.perf_counter() - started
    from fairbill.customers.models import Customer
    from fairbill.invoicing.models import Invoice

    built = None
    if Customer.objects.count() != args.customers or Invoice.objects.count() < args.invoices:
        if Customer.objects.exists():
            sys.exit("the database holds other data: run with --rebuild")
        started = time.perf_counter()
        business = Business(args.customers, args.invoices, clock.today(), fast=True)
        business.build()
        reset_sequences()
        with connection.cursor() as cursor:
            # as autovacuum leaves a database that has settled: statistics, and on
            # PostgreSQL the visibility map (index-only scans read no table rows)
            cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
        built = time.perf_counter() - started
        print(f"Built {business.writer.rows:,} rows in {built:.1f} s", flush=True)
    else:
        print(f"Reusing the data (migrations took {migrated:.1f} s)", flush=True)
    return {"build_seconds": built, "rows": _row_counts(), **_logins()}


def _row_counts() -> dict[str, int]:
    from fairbill.core.models import Event
    from fairbill.customers.models import Customer
    from fairbill.invoicing.models import Invoice
    from fairbill.payments.models import Payment
    from fairbill.subscriptions.models import Subscription

    models = [Customer, Subscription, Invoice, Payment, Event]
    return {str(m._meta.verbose_name_plural): m.objects.count() for m in models}


def _logins() -> dict[str, Any]:
    from fairbill.accounts.models import User
    from fairbill.accounts.services import api_key_create, staff_create
    from fairbill.core.actors import Actor
    from fairbill.customers.models import Customer
    from fairbill.customers.services import customer_login_create

    actor = Actor.system("benchmark")
    staff = User.objects.filter(username="bench-admin").first() or staff_create(
        actor=actor, username="bench-admin", email="admin@example.com", password=PASSWORD
    )
    big = Customer.objects.get(pk=1)
    if not big.user_id:
        customer_login_create(
            actor=actor, customer=big, username="bench-customer", password=PASSWORD
        )
    _, key = api_key_create(actor=actor, user=staff, name="benchmark")
    return {"api_key": key}


def pages(today: date, deep: dict[str, str]) -> list[tuple[str, str, str]]:
    """(name, who, path): who is staff, customer or api."""
    year = today.year - 1
    period = f"since={year}-01-01&until={year}-12-31"
    return [
        ("dashboard", "staff", "/"),
        ("customers", "staff", "/customers/"),
        ("customers: search", "staff", "/customers/?q=Smith"),
        ("customers: suspended", "staff", "/customers/?status=suspended"),
        ("customers: page 2000", "staff", "/customers/?page=2000"),
        ("customer page (big)", "staff", "/customers/1/"),
        ("customer page (typical)", "staff", "/customers/2/"),
        # the customer page's other tabs, each its own request
        *(
            (f"customer {tab} ({size})", "staff", f"/customers/{pk}/{tab}/")
            for pk, size in ((1, "big"), (2, "typical"))
            for tab in ("invoices", "credit", "estimates", "emails", "notes", "history")
        ),
        ("invoices", "staff", "/invoices/"),
        ("invoices: unpaid", "staff", "/invoices/?status=unpaid"),
        ("invoices: paid", "staff", "/invoices/?status=paid"),
        ("invoices: void", "staff", "/invoices/?status=void"),
        ("invoices: overdue", "staff", "/invoices/?overdue=on"),
        ("invoices: customer", "staff", "/invoices/?customer=Smith+12"),
        (
            "invoices: a month",
            "staff",
            f"/invoices/?issued_from={year}-03-01&issued_to={year}-03-31",
        ),
        ("invoices: credited", "staff", "/invoices/?status=credited"),
        ("invoices: page 1000", "staff", "/invoices/?page=1000"),
        ("invoices: deep cursor", "staff", deep["invoices_page"]),
        ("credit notes", "staff", "/credit-notes/"),
        ("estimates", "staff", "/estimates/"),
        ("estimates: sent", "staff", "/estimates/?status=sent"),
        ("payments", "staff", "/payments/"),
        ("payments: card", "staff", "/payments/?method=card"),
        ("payment attempts", "staff", "/payments/attempts/"),
        ("subscriptions", "staff", "/packages/subscriptions/"),
        ("subscriptions: active", "staff", "/packages/subscriptions/?status=active"),
        ("subscriptions: search", "staff", "/packages/subscriptions/?q=Smith"),
        ("report: paid invoices", "staff", f"/reports/paid-invoices/?{period}"),
        ("report: payments", "staff", f"/reports/payments/?{period}"),
        ("report: refunds", "staff", f"/reports/refunds/?{period}"),
        ("report: tax", "staff", f"/reports/tax/?{period}"),
        ("report: credit", "staff", f"/reports/credit/?{period}"),
        ("login report", "staff", "/reports/logins/"),
        ("billing page", "staff", "/billing/"),
        ("my account", "customer", "/account/"),
        ("my account: invoices", "customer", "/account/invoices/"),
        ("my account: paid", "customer", "/account/invoices/?show=paid"),
        ("my account: credit notes", "customer", "/account/credit-notes/"),
        ("my account: estimates", "customer", "/account/estimates/"),
        ("api invoices", "api", "/api/v1/invoices?limit=50"),
        ("api invoices: unpaid", "api", "/api/v1/invoices?status=unpaid"),
        ("api invoices: overdue", "api", "/api/v1/invoices?overdue=true"),
        ("api invoices: customer", "api", "/api/v1/invoices?customer_id=1"),
        ("api invoices: deep", "api", deep["invoices_api"]),
        ("api customers", "api", "/api/v1/customers"),
        ("api customers: search", "api", "/api/v1/customers?q=Smith"),
        ("api customers: deep", "api", deep["customers_api"]),
        ("api subscriptions: active", "api", "/api/v1/subscriptions?status=active"),
        ("api credit notes", "api", "/api/v1/credit-notes"),
        ("api credit notes: customer", "api", "/api/v1/credit-notes?customer_id=1"),
        ("api estimates", "api", "/api/v1/estimates"),
        ("api payments", "api", "/api/v1/payments"),
        ("api payments: customer", "api", "/api/v1/payments?customer_id=1"),
        ("api events: customer", "api", "/api/v1/events?customer_id=1"),
    ]


def deep_links() -> dict[str, str]:
    """Links to the middle of the invoice and customer lists: a cursor where the list offers
    one, an offset or page number where it does not."""
    from fairbill.customers.models import Customer
    from fairbill.invoicing.models import Invoice

    middle_invoice = Invoice.objects.order_by("-issue_date", "-id")[Invoice.objects.count() // 2]
    middle_customer = Customer.objects.order_by("name", "id")[Customer.objects.count() // 2]
    try:
        from fairbill.core.keyset import cursor_for
    except ImportError:
        half_i, half_c = Invoice.objects.count() // 2, Customer.objects.count() // 2
        return {
            "invoices_page": f"/invoices/?page={half_i // 25}",
            "invoices_api": f"/api/v1/invoices?offset={half_i}",
            "customers_api": f"/api/v1/customers?offset={half_c}",
        }
    invoice_cursor = cursor_for(middle_invoice, ["-issue_date", "-id"])
    customer_cursor = cursor_for(middle_customer, ["name", "id"])
    return {
        "invoices_page": f"/invoices/?after={invoice_cursor}",
        "invoices_api": f"/api/v1/invoices?cursor={invoice_cursor}",
        "customers_api": f"/api/v1/customers?cursor={customer_cursor}",
    }


def serve(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        "fairbill.wsgi:application",
        "--workers=2",
        f"--bind=127.0.0.1:{port}",
        "--log-level=warning",
        "--timeout=300",
    ]
    server = subprocess.Popen(command, env=env, cwd=ROOT)
    import httpx

    for _ in range(100):
        try:
            httpx.get(f"http://127.0.0.1:{port}/login/", timeout=2)
            return server
        except httpx.HTTPError:
            time.sleep(0.2)
    server.terminate()
    sys.exit("gunicorn did not start")


def clients(base: str, api_key: str) -> dict[str, Any]:
    import httpx

    def logged_in(login_path: str, username: str) -> httpx.Client:
        client = httpx.Client(base_url=base, timeout=120)
        client.get(login_path)
        token = client.cookies["csrftoken"]
        response = client.post(
            login_path,
            data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token},
            headers={"Referer": base + login_path},
        )
        if response.status_code != 302:
            sys.exit(f"could not log in as {username} ({response.status_code})")
        return client

    api = httpx.Client(base_url=base, timeout=120, headers={"Authorization": f"Bearer {api_key}"})
    return {
        "staff": logged_in("/login/", "bench-admin"),
        "customer": logged_in("/account/login/", "bench-customer"),
        "api": api,
    }


TIMING = re.compile(r'app;dur=([\d.]+), cpu;dur=([\d.]+), db;dur=([\d.]+);desc="(\d+) queries"')


def measure(client: Any, path: str, repeat: int, budget: float) -> dict[str, Any]:
    server, wall, cpu, db, queries = [], [], [], [], 0
    spent = 0.0
    for n in range(repeat + 2):
        started = time.perf_counter()
        response = client.get(path)
        elapsed = time.perf_counter() - started
        if response.status_code != 200:
            return {"status": response.status_code}
        found = TIMING.search(response.headers.get("server-timing", ""))
        if n >= 2 or spent > budget:  # two warm-up requests, unless one is already slow
            server.append(float(found[1]) if found else elapsed * 1000)
            wall.append(elapsed * 1000)
            cpu.append(float(found[2]) if found else 0.0)
            db.append(float(found[3]) if found else 0.0)
            queries = int(found[4]) if found else -1
        spent += elapsed
        if spent > budget and len(server) >= 3:
            break
    return {
        "status": 200,
        "n": len(server),
        "median_ms": round(statistics.median(server), 1),
        "p95_ms": round(_p95(server), 1),
        "client_median_ms": round(statistics.median(wall), 1),
        "cpu_median_ms": round(statistics.median(cpu), 1),
        "db_median_ms": round(statistics.median(db), 1),
        "queries": queries,
    }


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, -(-len(ordered) * 95 // 100) - 1)]


def worker_memory_mb(server: subprocess.Popen[bytes]) -> float:
    """The largest resident memory of the gunicorn workers (children of the master)."""
    found = 0.0
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        if re.search(rf"^PPid:\s+{server.pid}$", text, re.M):
            rss = re.search(r"^VmRSS:\s+(\d+) kB", text, re.M)
            found = max(found, int(rss[1]) / 1024 if rss else 0)
    return round(found, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--customers", type=int, default=int(os.environ.get("BENCH_CUSTOMERS", 10000))
    )
    parser.add_argument(
        "--invoices", type=int, default=int(os.environ.get("BENCH_INVOICES", 100000))
    )
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--port", type=int, default=int(os.environ.get("BENCH_PORT", 8106)))
    parser.add_argument("--rebuild", action="store_true", help="build the data again")
    parser.add_argument("--only", default="", help="time only the pages whose name has this")
    args = parser.parse_args()
    url = database_url(args)
    env = {
        **os.environ,
        "FAIRBILL_DATABASE_URL": url,
        "FAIRBILL_LOG_LEVEL": "WARNING",
        "FAIRBILL_SERVER_TIMING": "1",
        "FAIRBILL_LOCKOUT": "0",
        "DJANGO_SETTINGS_MODULE": "fairbill.settings",
    }
    os.environ.update(env)
    import django

    django.setup()
    from django.db import connections

    from fairbill.core import clock

    print(
        f"{args.customers:,} customers, {args.invoices:,} invoices on {args.database}", flush=True
    )
    prepared = prepare(args)
    today = clock.today()
    deep = deep_links()
    connections.close_all()
    server = serve(env, args.port)
    results: dict[str, Any] = {}
    try:
        sessions = clients(f"http://127.0.0.1:{args.port}", prepared["api_key"])
        memory_before = worker_memory_mb(server)
        print(
            f"\n{'page':<28} {'median':>8} {'p95':>8} {'cpu':>6} {'db':>6} {'queries':>7}  target"
        )
        for name, who, path in pages(today, deep):
            if args.only and args.only not in name:
                continue
            result = measure(sessions[who], path, args.repeat, budget=30.0)
            result["path"] = path
            results[name] = result
            print(_line(name, result), flush=True)
        memory_after = worker_memory_mb(server)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    failed = [n for n, r in results.items() if not _within(n, r)]
    print(f"\nweb worker memory: {memory_before} MB after login, {memory_after} MB at the end")
    print(f"pages over target: {', '.join(failed) or 'none'}")
    print(
        json.dumps(
            {
                "database": args.database,
                "customers": args.customers,
                "invoices": args.invoices,
                "build_seconds": prepared["build_seconds"],
                "rows": prepared["rows"],
                "worker_rss_mb": memory_after,
                "over_target": failed,
                "pages": results,
            }
        )
    )


def _target(name: str) -> float:
    return SUMMARY_TARGET_MS if name.startswith(SUMMARY_PAGES) else LIST_TARGET_MS


def _within(name: str, result: dict[str, Any]) -> bool:
    return result.get("status") == 200 and result["p95_ms"] <= _target(name)


def _line(name: str, r: dict[str, Any]) -> str:
    if r.get("status") != 200:
        return f"{name:<28} HTTP {r.get('status')}"
    mark = "ok" if _within(name, r) else "OVER"
    return (
        f"{name:<28} {r['median_ms']:>8.1f} {r['p95_ms']:>8.1f} {r['cpu_median_ms']:>6.1f}"
        f" {r['db_median_ms']:>6.1f} {r['queries']:>7}  {_target(name):.0f} {mark}"
    )


if __name__ == "__main__":
    main()
