"""Benchmark: importing a generated customer CSV file (10,000 rows by default).

    .venv/bin/python benchmarks/csv_import.py [--rows 10000]

Uses a fresh SQLite database in a temporary folder (FAIRBILL_DATABASE_URL is ignored), writes
a CSV with N customers, then times the whole import (parsing with tablib, validating every
row, creating each customer through customers.services with its audit event, in one
transaction) and prints seconds and rows per second, ending with one JSON line. No timed
assertion: the figures are for comparing changes.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COUNTRIES = ["GB", "FR", "DE", "US", "IE", "NL"]


def generate(rows: int) -> bytes:
    out = io.StringIO()
    out.write("Name,Email,Company,Phone,Address,City,Postcode,Country,VAT applies\n")
    for n in range(rows):
        country = COUNTRIES[n % len(COUNTRIES)]
        out.write(
            f"Customer {n:05d},customer{n:05d}@example.com,Company {n % 700},"
            f"+44 20 7946 {n % 10000:04d},{n} High Street,Town {n % 97},AB{n % 90 + 10} 1CD,"
            f"{country},{'yes' if n % 2 else 'no'}\n"
        )
    return out.getvalue().encode()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="fairbill-csv-bench-")
    os.environ["FAIRBILL_DATABASE_URL"] = f"sqlite:///{workdir}/bench.sqlite3"
    os.environ["FAIRBILL_VAR_DIR"] = workdir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fairbill.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from fairbill.core.actors import Actor
    from fairbill.core.services import settings_update
    from fairbill.customers.models import Customer
    from fairbill.imports.csvfiles import CUSTOMER_FIELDS, guess_mapping, read_csv
    from fairbill.imports.services import customers_csv_import

    actor = Actor.system("benchmark")
    settings_update(actor=actor, company_name="Bench Ltd", currency="GBP", country="GB")
    data = generate(args.rows)
    started = time.perf_counter()
    sheet = read_csv(data)
    mapping = guess_mapping(sheet.headers, CUSTOMER_FIELDS)
    parsed = time.perf_counter()
    report = customers_csv_import(actor=actor, sheet=sheet, mapping=mapping)
    finished = time.perf_counter()
    assert not report.errors, report.errors[:3]
    assert Customer.objects.count() == args.rows
    seconds = finished - started
    print(f"CSV customer import, {args.rows} rows ({len(data) / 1e6:.1f} MB), SQLite")
    print(f"  parse + map:   {parsed - started:.2f} s")
    print(f"  import:        {finished - parsed:.2f} s")
    print(f"  total:         {seconds:.2f} s, {args.rows / seconds:,.0f} rows/s")
    result = {
        "rows": args.rows,
        "seconds": round(seconds, 3),
        "rows_per_second": round(args.rows / seconds),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
