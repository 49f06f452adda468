"""The billing run in several processes on PostgreSQL.

The processes share the customers through row locks with SKIP LOCKED (the same mechanism
that makes concurrent runs safe); each starts at a different place in the list, so they
rarely meet. One BillingRun row records the whole run. No more processes are started than
there are batches to bill. SQLite runs one writer at a time, so
there the run stays in one process.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date

from django.db import connection

from fairbill.automation.billing_run import Progress, RunReport, billing_run, candidate_count
from fairbill.core.actors import Actor
from fairbill.invoicing.models import BillingRun
from fairbill.invoicing.run_records import run_finish, run_start, runs_mark_interrupted


def billing_run_parallel(
    *, as_of: date, actor: Actor, processes: int, batch_size: int, progress: Progress | None = None
) -> RunReport:
    if processes > 1 and connection.vendor == "postgresql":
        # no process without at least a batch of its own (a quiet day stays in one process)
        processes = min(processes, -(-candidate_count(as_of=as_of) // batch_size))
    if processes <= 1 or connection.vendor != "postgresql":
        return billing_run(as_of=as_of, actor=actor, batch_size=batch_size, progress=progress)
    runs_mark_interrupted()
    # the record's heartbeat and counts follow this process's share until the end
    run = run_start(as_of=as_of, actor_label=f"{actor.label} ({processes} processes)")
    children = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "fairbill",
                "bill",
                "--as-of",
                as_of.isoformat(),
                "--share",
                f"{index}/{processes}",
                "--batch-size",
                str(batch_size),
                "--json",
                "--no-progress",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for index in range(1, processes)
    ]
    failed = False
    try:
        report = billing_run(
            as_of=as_of,
            actor=actor,
            batch_size=batch_size,
            progress=progress,
            record=False,
            share=(0, processes),
            run_id=run.pk,
        )
    except BaseException:
        failed = True
        raise
    finally:
        outputs = [child.communicate() for child in children]
        if failed:
            run_finish(run.pk, status=BillingRun.Status.FAILED, counts={}, errors=[])
    for child, (out, err) in zip(children, outputs, strict=True):
        if child.returncode != 0 and not out.strip():
            report.errors.append(f"a billing process failed: {err.strip()[-300:]}")
            continue
        report.add_counts(json.loads(out.strip().splitlines()[-1]))
    run_finish(
        run.pk,
        status=BillingRun.Status.FINISHED,
        counts=report.counts(),
        errors=report.errors,
        not_done=report.not_done,
    )
    report.run_id = run.pk
    return report
