"""Benchmark: the billing run renewing N subscriptions due on one date.

    .venv/bin/python benchmarks/billing_run.py --n 10000 --database sqlite|postgres

Builds a fresh database (SQLite file in a temporary folder, or a new PostgreSQL database next
to FAIRBILL_TEST_DATABASE_URL), fills it with N customers with one active subscription each
(70% monthly, 20% annually, 10% quarterly; 30% with an option; 30% with account credit; 50%
with VAT), then times `fairbill bill --as-of` for that date in a child process and prints the
figures, ending with one JSON line. The data set-up uses bulk inserts (it is not measured).

Then it runs `fairbill bill` again for the same date: nothing is left to bill (it checks that
no invoice was added), and the time beyond Django's start-up (`fairbill version`, best of 3
each) is the idle run's figure. Last, the raw-SQL floor (../shared/tools/floor.py, when it
is there) writes the same kind of rows for the same N with nothing else, and the ratio of
Fairbill's time to it is printed.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

from seeding import catalog_seed, due_customers_seed, postgres_database, postgres_database_drop

ROOT = Path(__file__).resolve().parent.parent
FLOOR = ROOT.parent / "shared" / "tools" / "floor.py"
DUE = date(2027, 3, 1)


def database_url(kind: str, n: int, workdir: str) -> str:
    if kind == "sqlite":
        return f"sqlite:///{workdir}/bench.sqlite3"
    base = os.environ.get("FAIRBILL_TEST_DATABASE_URL")
    if not base:
        sys.exit(
            "--database postgres needs FAIRBILL_TEST_DATABASE_URL (e.g. "
            "postgres://postgres@127.0.0.1:5432/fairbill)"
        )
    return postgres_database(base, f"fairbill_bench_{n}", fresh=True)


def populate(n: int) -> None:
    """N customers with due subscriptions, inserted in bulk."""
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    rng = random.Random(42)
    now = datetime(2027, 2, 1, tzinfo=UTC)
    package, option = catalog_seed("Benchmark Ltd")
    chunk = 5000
    for first in range(0, n, chunk):
        due_customers_seed(
            first=first,
            count=min(chunk, n - first),
            package=package,
            option=option,
            rng=rng,
            now=now,
            start_date=date(2026, 3, 1),
            renewed_on=date(2027, 2, 1),
            renewal_date=lambda cycle: DUE,
            reason="benchmark",
        )
    # A database in use has planner statistics and its pages written out (autovacuum and the
    # checkpoints keep them); bulk-loaded tables don't yet. As the floor script does before
    # it times its run: VACUUM ANALYZE and a CHECKPOINT on PostgreSQL, ANALYZE and the WAL
    # written back on SQLite, so the run is not charged for the set-up's writes.
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM ANALYZE")
            cursor.execute("CHECKPOINT")
        else:
            cursor.execute("ANALYZE")
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument(
        "--processes",
        type=int,
        default=None,
        help="`fairbill bill --processes` (default: 2 on PostgreSQL, 1 on SQLite)",
    )
    args = parser.parse_args()
    if args.processes is None:
        args.processes = 2 if args.database == "postgres" else 1
    with tempfile.TemporaryDirectory(prefix="fairbill-bench-") as workdir:
        url = database_url(args.database, args.n, workdir)
        env = {
            **os.environ,
            "FAIRBILL_DATABASE_URL": url,
            "FAIRBILL_VAR_DIR": workdir,
            "FAIRBILL_LOG_LEVEL": "WARNING",
            "DJANGO_SETTINGS_MODULE": "fairbill.settings",
        }
        os.environ.update(env)
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        print(f"Populating {args.n:,} subscriptions on {args.database}...", flush=True)
        setup_started = time.perf_counter()
        populate(args.n)
        print(f"  set-up took {time.perf_counter() - setup_started:.1f} s", flush=True)
        from django.db import connections

        connections.close_all()
        load = os.getloadavg()[0]
        bill = [sys.executable, "-m", "fairbill", "bill", "--as-of", DUE.isoformat()]
        bill += ["--no-progress", "--processes", str(args.processes)]
        cpu_before = children_cpu()
        started = time.perf_counter()
        result = subprocess.run(
            bill,
            env=env,
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        seconds = time.perf_counter() - started
        cpu = children_cpu() - cpu_before
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        if result.returncode != 0:
            print(result.stdout, result.stderr, file=sys.stderr)
            sys.exit("the billing run failed")
        from fairbill.invoicing.models import Invoice

        invoices = Invoice.objects.count()
        print(result.stdout.strip())
        print(
            f"n={args.n:,} database={args.database} processes={args.processes} "
            f"seconds={seconds:.2f} renewals/s={args.n / seconds:,.0f} invoices={invoices:,} "
            f"peak_rss={peak_mb:.0f} MB cpu={cpu:.2f} s load={load:.1f}",
            flush=True,
        )
        connections.close_all()
        idle = idle_seconds(bill, env)
        if Invoice.objects.count() != invoices:
            sys.exit("running the billing run again billed something twice")
        print(
            f"idle run (nothing due, {args.n:,} subscriptions): {idle['beyond_startup']:.2f} s "
            f"beyond Django's start-up ({idle['run']:.2f} s, start-up {idle['startup']:.2f} s; "
            f"CPU {idle['cpu_beyond_startup']:.2f} s beyond start-up's)",
            flush=True,
        )
        connections.close_all()
        floor = floor_seconds(args.database, args.n, url, workdir)
        if floor is None:
            print(f"floor: not measured ({FLOOR} not found)")
        else:
            print(
                f"floor ({'COPY' if args.database == 'postgres' else 'executemany'}, same N): "
                f"{floor:.2f} s; Fairbill takes {seconds / floor:.1f}x the floor"
            )
        print(
            json.dumps(
                {
                    "n": args.n,
                    "database": args.database,
                    "processes": args.processes,
                    "seconds": round(seconds, 2),
                    "cpu_seconds": round(cpu, 2),
                    "renewals_per_second": round(args.n / seconds, 1),
                    "invoices": invoices,
                    "peak_rss_mb": round(peak_mb, 1),
                    "load_average": round(load, 2),
                    "idle_seconds_beyond_startup": round(idle["beyond_startup"], 2),
                    "idle_cpu_seconds_beyond_startup": round(idle["cpu_beyond_startup"], 2),
                    "floor_seconds": round(floor, 2) if floor is not None else None,
                    "floor_ratio": round(seconds / floor, 2) if floor is not None else None,
                }
            )
        )
        if args.database == "postgres":
            connections.close_all()


def children_cpu() -> float:
    """CPU seconds (user + system) of the child processes waited for so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def idle_seconds(bill: list[str], env: dict[str, str]) -> dict[str, float]:
    """The billing run again for the same date (nothing left to do), and Django's start-up
    alone (`fairbill version`), best of 3 each, in wall-clock and CPU seconds (the CPU
    figure is what a busy machine inflates least)."""

    def best(command: list[str]) -> tuple[float, float]:
        times, cpus = [], []
        for _ in range(3):
            cpu = children_cpu()
            started = time.perf_counter()
            subprocess.run(command, env=env, capture_output=True, check=True, cwd=ROOT)
            times.append(time.perf_counter() - started)
            cpus.append(children_cpu() - cpu)
        return min(times), min(cpus)

    run, run_cpu = best(bill)
    startup, startup_cpu = best([sys.executable, "-m", "fairbill", "version"])
    return {
        "run": run,
        "startup": startup,
        "beyond_startup": max(run - startup, 0.0),
        "cpu_beyond_startup": max(run_cpu - startup_cpu, 0.0),
    }


def floor_seconds(kind: str, n: int, url: str, workdir: str) -> float | None:
    """The raw-SQL floor's time for the same N (COPY on PostgreSQL, executemany on SQLite),
    in its own database or file; None when the floor script is not there."""
    if not FLOOR.exists():
        return None
    results = Path(workdir) / "floor.jsonl"
    if kind == "sqlite":
        target = ["--sqlite", f"{workdir}/floor.sqlite3", "--strategies", "executemany"]
    else:
        floor_url = postgres_database(url, f"fairbill_floor_{n}", fresh=True)
        target = ["--dsn", floor_url, "--strategies", "copy"]
    try:
        subprocess.run(
            [sys.executable, str(FLOOR), *target, "--n", str(n), "--runs", "1"]
            + ["--json", str(results)],
            check=True,
            capture_output=True,
            text=True,
        )
    finally:
        if kind == "postgres":
            postgres_database_drop(floor_url)
    return float(json.loads(results.read_text().splitlines()[-1])["total_s"])


if __name__ == "__main__":
    main()
