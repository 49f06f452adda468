"""Fault campaign: the billing run killed, run concurrently and run under API traffic, on
PostgreSQL, checked against a clean run.

    FAIRBILL_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/x \\
      .venv/bin/python benchmarks/faults.py --customers 600 --kills 50 --concurrent 10 --mixed 10

Uses one database, FAIRBILL_FAULTS_DATABASE (default fairbill_faults_campaign) on the server
of FAIRBILL_TEST_DATABASE_URL, emptied and filled again (in bulk) before each trial. Trials:

- kill: `fairbill bill` SIGKILLed at a random moment (a third of the time its re-run is
  killed too), then run again to the end;
- concurrent: four `fairbill bill` processes at once (in half the trials one is killed),
  then a re-run;
- mixed: two runners while API clients pay the new invoices and add account credit (the
  payment service locks the customer's row), one runner killed, then a re-run.

Then a worker pass (`fairbill worker --once`: the email tasks and the outbox sweep) and the
invariants: no period billed twice, every period due billed, invoice numbers gapless, credit
never negative, per-customer totals equal to the clean run's (and the credit applied, when no
one added credit), every invoice email sent exactly once (counted by a recording email
backend, across processes), no BillingRun left running, and the runs' records (and the
reports printed by the runs that finished) equal to the database. Prints a table.
Not part of `make test` (it takes minutes).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from seeding import catalog_seed, due_customers_seed, postgres_database

ROOT = Path(__file__).resolve().parent.parent
DUE = date(2027, 3, 1)
PORT = int(os.environ.get("FAIRBILL_FAULTS_PORT", "8110"))
INVARIANTS = [
    "billed twice",
    "not billed",
    "number gap",
    "credit < 0",
    "totals differ",
    "email not once",
    "left running",
    "record != DB",
]


def campaign_database() -> str:
    base = os.environ.get("FAIRBILL_TEST_DATABASE_URL")
    if not base:
        sys.exit("Set FAIRBILL_TEST_DATABASE_URL (a PostgreSQL server).")
    name = os.environ.get("FAIRBILL_FAULTS_DATABASE", "fairbill_faults_campaign")
    return postgres_database(base, name)


def reset(n: int, seed: int) -> str:
    """Empty every table and insert the same N customers, each with a subscription due.
    Returns an API key for the traffic."""
    from django.db import connection

    from fairbill.accounts.models import PRIVILEGES
    from fairbill.accounts.services import api_key_create, staff_create
    from fairbill.core.actors import Actor

    tables = ", ".join(f'"{t}"' for t in connection.introspection.django_table_names(True))
    with connection.cursor() as cursor:
        # the campaign's own database: connections left by killed processes go first
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        cursor.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
    fill(n, random.Random(seed))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    system = Actor.system("fault campaign")
    user = staff_create(
        actor=system,
        username="campaign",
        email="campaign@example.com",
        password="campaign-password-not-used",  # noqa: S106 (test data)
        privileges=list(PRIVILEGES),
    )
    return api_key_create(actor=system, user=user, name="campaign")[1]


def fill(n: int, rng: random.Random) -> None:
    """N customers (30% with credit) with one subscription each (70% monthly, 20% annual,
    10% quarterly; some monthly ones two months behind, so several periods are due),
    inserted in bulk. The business attaches no PDF: the campaign counts emails, not PDFs."""
    package, option = catalog_seed("Faults Ltd", attach_pdf=False)

    def renewal_date(cycle: str) -> date:
        behind = rng.random() < 0.2  # a few customers two months behind: several periods
        return date(2027, 1, 1) if behind and cycle == "monthly" else DUE

    due_customers_seed(
        first=0,
        count=n,
        package=package,
        option=option,
        rng=rng,
        now=datetime(2027, 2, 1, tzinfo=UTC),
        start_date=date(2026, 1, 1),
        renewed_on=date(2026, 12, 1),
        renewal_date=renewal_date,
        reason="campaign",
    )


def bill(env: dict[str, str], batch_size: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "fairbill", "bill", "--as-of", DUE.isoformat()]
        + ["--no-progress", "--json", "--batch-size", str(batch_size)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


class Trial:
    """One trial's runs: `fairbill bill` processes (some killed) and a last run in this
    process; the counts each finished run reported, to compare with its record."""

    def __init__(self, env: dict[str, str], batch_size: int, rng: random.Random, span: float):
        self.env, self.batch_size, self.rng, self.span = env, batch_size, rng, span
        self.kills = 0
        self.runs = 0
        self.reports: list[tuple[str, int, dict]] = []  # ("pid" or "id", key, counts)

    def start(self) -> subprocess.Popen[str]:
        self.runs += 1
        return bill(self.env, self.batch_size)

    def kill_later(self, process: subprocess.Popen[str]) -> None:
        """SIGKILL at a random moment of the run's work (its start-up excluded)."""
        from fairbill.invoicing.models import BillingRun

        while process.poll() is None and not BillingRun.objects.filter(pid=process.pid).exists():
            time.sleep(0.02)
        time.sleep(self.rng.uniform(0, self.span))
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            self.kills += 1
        self.finish(process)

    def finish(self, process: subprocess.Popen[str]) -> None:
        out, err = process.communicate()
        if process.returncode == 0:
            printed = json.loads(out.strip().splitlines()[-1])
            printed.pop("error_messages"), printed.pop("not_done_ids")
            self.reports.append(("pid", process.pid, printed))
        elif process.returncode != -signal.SIGKILL:
            raise SystemExit(f"a billing run failed ({process.returncode}): {err[-2000:]}")

    def last_run(self) -> None:
        from fairbill.automation.billing_run import billing_run
        from fairbill.core.actors import Actor

        self.runs += 1
        report = billing_run(
            as_of=DUE, actor=Actor.system("fault campaign"), batch_size=self.batch_size
        )
        assert report.run_id is not None
        self.reports.append(("id", report.run_id, report.counts()))


def trial_kill(trial: Trial) -> None:
    trial.kill_later(trial.start())
    if trial.rng.random() < 1 / 3:
        trial.kill_later(trial.start())
    trial.last_run()


def trial_concurrent(trial: Trial) -> None:
    processes = [trial.start() for _ in range(4)]
    victim = processes[0] if trial.rng.random() < 0.5 else None
    for process in processes:
        trial.kill_later(process) if process is victim else trial.finish(process)
    trial.last_run()


def trial_mixed(trial: Trial, key: str) -> int:
    stop = threading.Event()
    calls: list[int] = []
    threads = [
        threading.Thread(target=traffic, args=(key, kind, stop, calls, trial.rng.random()))
        for kind in ("pay", "credit")
    ]
    for thread in threads:
        thread.start()
    processes = [trial.start(), trial.start()]
    trial.kill_later(processes[0])
    trial.finish(processes[1])
    trial.last_run()
    stop.set()
    for thread in threads:
        thread.join()
    return len(calls)


def traffic(key: str, kind: str, stop: threading.Event, calls: list[int], seed: float) -> None:
    """An API client paying new invoices in full, or adding credit to random customers."""
    import httpx

    rng = random.Random(seed)
    api = httpx.Client(
        base_url=f"http://127.0.0.1:{PORT}/api/v1",
        headers={"Authorization": f"Bearer {key}"},
        timeout=30,
    )
    while not stop.is_set():
        if kind == "credit":
            customer = rng.randint(1, 200)
            answer = api.post(
                f"/customers/{customer}/credit", json={"amount": "1.00", "reason": "x"}
            )
        else:
            found = api.get("/invoices", params={"status": "unpaid", "limit": 20}).json()
            for invoice in found.get("items", [])[:3]:
                payment = {"amount": invoice["balance"], "method": "bank_transfer"}
                payment["date"] = DUE.isoformat()
                answer = api.post(f"/invoices/{invoice['id']}/payments", json=payment)
                calls.append(answer.status_code)
            time.sleep(0.05)
            continue
        calls.append(answer.status_code)
        time.sleep(0.02)


def worker_pass(mailbox: Path) -> None:
    """`fairbill worker --once` in this process: the email tasks the runs enqueued, then the
    outbox sweep (FAIRBILL_EMAIL_OUTBOX_AFTER_SECONDS=0 here: every queued email is due)."""
    from io import StringIO

    from django.core.management import call_command

    os.environ["FAIRBILL_TEST_MAILBOX"] = str(mailbox)
    call_command("worker", "--once", "--no-schedule", stdout=StringIO())


def snapshot() -> dict:
    """What the clean run left (compared with each trial's)."""
    from fairbill.core.aggregates import MoneySum
    from fairbill.invoicing.models import Invoice, InvoiceLine

    totals: dict[int, tuple[Decimal, Decimal]] = {}
    for row in Invoice.objects.values("customer_id").annotate(
        total=MoneySum("total"), credit=MoneySum("credit_applied")
    ):
        totals[row["customer_id"]] = (row["total"], row["credit"])
    periods = set(
        InvoiceLine.objects.filter(kind="package").values_list("subscription_id", "period_start")
    )
    return {"totals": totals, "periods": periods}


def check(clean: dict, trial: Trial, mailbox: Path, credit_added: bool) -> dict[str, bool]:
    from fairbill.core.aggregates import MoneySum
    from fairbill.invoicing.models import BillingRun, Invoice, InvoiceLine
    from fairbill.invoicing.run_records import runs_mark_interrupted
    from fairbill.notifications.models import EmailLog
    from fairbill.payments.models import CreditEntry
    from tests.fakes.mailbox import messages

    broken = {}
    lines = list(
        InvoiceLine.objects.filter(kind="package").values_list("subscription_id", "period_start")
    )
    broken["billed twice"] = len(lines) != len(set(lines))
    broken["not billed"] = set(lines) != clean["periods"]
    sequences = sorted(Invoice.objects.values_list("sequence", flat=True))
    broken["number gap"] = sequences != list(range(1, len(sequences) + 1))
    balances = CreditEntry.objects.values("customer_id").annotate(balance=MoneySum("amount"))
    broken["credit < 0"] = any(row["balance"] < 0 for row in balances)
    now = snapshot()["totals"]
    if credit_added:  # credit added during the run changes what it applies, not the totals
        now = {k: (v[0], None) for k, v in now.items()}
        expected = {k: (v[0], None) for k, v in clean["totals"].items()}
    else:
        expected = clean["totals"]
    broken["totals differ"] = now != expected
    sent = messages(mailbox)
    numbers = Invoice.objects.values_list("number", flat=True)
    invoice_mails = Counter({line: n for line, n in sent.items() if "\tInvoice " in line})
    per_number = Counter(line.split("\tInvoice ")[1].split(" ")[0] for line in invoice_mails)
    broken["email not once"] = (
        any(invoice_mails[line] != 1 for line in invoice_mails)
        or sorted(per_number) != sorted(numbers)
        or EmailLog.objects.filter(status__in=["queued", "sending"]).exists()
    )
    runs_mark_interrupted()
    broken["left running"] = BillingRun.objects.filter(status="running").exists()
    broken["record != DB"] = not records_match(BillingRun, Invoice, trial)
    return broken


def records_match(BillingRun, Invoice, trial: Trial) -> bool:  # noqa: N803 (models)
    from fairbill.core.aggregates import MoneySum

    invoices, total, credit = 0, Decimal(0), Decimal(0)
    records = {}
    for run in BillingRun.objects.filter(dry_run=False):
        invoices += run.counts.get("invoices_created", 0)
        total += Decimal(run.counts.get("total_amount", {}).get("GBP", "0"))
        credit += Decimal(run.counts.get("credit_applied", {}).get("GBP", "0"))
        records[("pid", run.pid)] = records[("id", run.pk)] = run.counts
        if run.not_done:
            return False
    db = Invoice.objects.aggregate(total=MoneySum("total"), credit=MoneySum("credit_applied"))
    db_total, db_credit = db["total"] or Decimal(0), db["credit"] or Decimal(0)
    printed_ok = all(records.get((kind, key)) == counts for kind, key, counts in trial.reports)
    return (invoices, total, credit) == (Invoice.objects.count(), db_total, db_credit) and (
        printed_ok
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=600)
    parser.add_argument("--kills", type=int, default=50)
    parser.add_argument("--concurrent", type=int, default=10)
    parser.add_argument("--mixed", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="fairbill-faults-"))
    env = environment(workdir)
    rng = random.Random(args.seed)
    clean, span = clean_run(args, env, workdir, rng)
    server = subprocess.Popen(
        [sys.executable, "-m", "fairbill", "runserver", f"127.0.0.1:{PORT}", "--noreload"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    rows: dict[str, dict] = defaultdict(lambda: defaultdict(int))
    plan = ["kill"] * args.kills + ["concurrent"] * args.concurrent + ["mixed"] * args.mixed
    try:
        for number, kind in enumerate(plan, 1):
            trial_run(number, kind, args, env, workdir, rng, clean, span, rows[kind])
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait()
    print_table(rows)


def environment(workdir: Path) -> dict[str, str]:
    """The settings of every process of the campaign (this one included), then Django."""
    env = {
        **os.environ,
        "FAIRBILL_DATABASE_URL": campaign_database(),
        "FAIRBILL_VAR_DIR": str(workdir),
        "FAIRBILL_LOG_LEVEL": "WARNING",
        "FAIRBILL_EMAIL_BACKEND": "tests.fakes.mailbox.Backend",
        "FAIRBILL_EMAIL_OUTBOX_AFTER_SECONDS": "0",
        "DJANGO_SETTINGS_MODULE": "fairbill.settings",
        "PYTHONPATH": str(ROOT),
    }
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return env


def clean_run(args, env, workdir: Path, rng: random.Random) -> tuple[dict, float]:
    """One run, undisturbed: the reference, and how long a run's work takes."""
    from django.db import connections

    reset(args.customers, args.seed)
    connections.close_all()
    started = time.perf_counter()
    trial = Trial(env, args.batch_size, rng, 1)
    trial.last_run()
    span = time.perf_counter() - started  # the work of a run, without a process start-up
    worker_pass(workdir / "clean.txt")
    clean = snapshot()
    broken = check(clean, trial, workdir / "clean.txt", False)
    print(
        f"Clean run: {args.customers} customers, {len(clean['periods'])} periods, "
        f"{sum(v[0] for v in clean['totals'].values())} GBP, {span:.1f} s; "
        f"broken: {[k for k, v in broken.items() if v] or 'none'}",
        flush=True,
    )
    return clean, span


def trial_run(number, kind, args, env, workdir, rng, clean, span, row) -> None:  # noqa: PLR0913
    from django.db import connections

    from fairbill.invoicing.models import BillingRun

    phase = time.perf_counter()
    key = reset(args.customers, args.seed)
    times = [time.perf_counter() - phase]
    connections.close_all()
    mailbox = workdir / f"mail-{number}.txt"
    trial = Trial({**env, "FAIRBILL_TEST_MAILBOX": str(mailbox)}, args.batch_size, rng, span)
    calls = 0
    if kind == "kill":
        trial_kill(trial)
    elif kind == "concurrent":
        trial_concurrent(trial)
    else:
        calls = trial_mixed(trial, key)
    times.append(time.perf_counter() - phase - sum(times))
    worker_pass(mailbox)
    times.append(time.perf_counter() - phase - sum(times))
    broken = check(clean, trial, mailbox, credit_added=kind == "mixed")
    times.append(time.perf_counter() - phase - sum(times))
    interrupted = BillingRun.objects.filter(status="interrupted").count()
    connections.close_all()
    row["trials"] += 1
    row["kills"] += trial.kills
    row["interrupted"] += interrupted
    row["runs"] += trial.runs
    row["api calls"] += calls
    row["seconds"] += time.perf_counter() - phase
    for name in INVARIANTS:
        row[name] += int(broken[name])
    failed = [name for name in INVARIANTS if broken[name]]
    print(
        f"  trial {number} ({kind}): {trial.kills} killed, {interrupted} interrupted, "
        f"{trial.runs} runs, {calls} API calls, broken: {failed or 'none'} "
        f"(reset/runs/worker/check: {'/'.join(f'{t:.0f}' for t in times)} s)",
        flush=True,
    )


def print_table(rows: dict[str, dict]) -> None:
    columns = ["trials", "kills", "interrupted", "runs", "api calls", *INVARIANTS]
    print("\n| trial | " + " | ".join(columns) + " | time |")
    print("|---" * (len(columns) + 2) + "|")
    for kind, row in rows.items():
        cells = [str(row[c]) for c in columns]
        print(f"| {kind} | " + " | ".join(cells) + f" | {row['seconds']:.0f} s |")


if __name__ == "__main__":
    main()
