"""`fairbill worker`: runs background tasks (emails, PDFs, runs started from the back office),
starts the billing run once a day at FAIRBILL_BILLING_HOUR, every minute sends the queued
emails a crash left behind (notifications/outbox.py) and checks again the VAT numbers whose
register could not answer, each after its wait (customers/vat_retries.py)."""

from __future__ import annotations

import logging
import signal
import time
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS
from django_tasks.utils import get_random_id
from django_tasks_db.management.commands.db_worker import Worker

from fairbill.automation.schedule import billing_due
from fairbill.automation.tasks import run_billing
from fairbill.core import clock
from fairbill.core.actors import Actor
from fairbill.customers.vat_retries import vat_checks_retry
from fairbill.notifications.tasks import outbox_send

logger = logging.getLogger("fairbill.worker")
OUTBOX_EVERY = 60.0  # seconds between two sweeps of the email outbox


class Command(BaseCommand):
    help = "Run background tasks and the daily billing run."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--interval",
            type=float,
            default=2.0,
            help="Seconds between polls when idle (default 2).",
        )
        parser.add_argument(
            "--no-schedule",
            action="store_true",
            help="Only run tasks; never start the daily billing run.",
        )
        parser.add_argument(
            "--once", action="store_true", help="Run what is due and queued now, then exit."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        self.running = True
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        worker_id = get_random_id()
        self.stdout.write(
            f"Worker {worker_id} started"
            f"{'' if options['no_schedule'] else ' (daily billing run scheduled)'}."
        )
        last_sweep = float("-inf")
        while self.running:
            close_old_connections()
            if time.monotonic() - last_sweep >= OUTBOX_EVERY or options["once"]:
                last_sweep = time.monotonic()
                sent = outbox_send()
                if any(sent.values()):
                    logger.info("Outbox: %s", sent)
                self._vat_checks_retry()
            if not options["no_schedule"]:
                due = billing_due(clock.now())
                if due is not None:
                    logger.info("Daily billing run due for %s", due)
                    self.stdout.write(f"Starting the daily billing run for {due}.")
                    run_billing.enqueue(due.isoformat())
            Worker(
                queue_names=["default"],
                interval=0,
                batch=True,
                backend_name=DEFAULT_TASK_BACKEND_ALIAS,
                startup_delay=False,
                max_tasks=None,
                worker_id=worker_id,
                excluded_queue_names=[],
            ).run()
            if options["once"]:
                break
            time.sleep(options["interval"])
        self.stdout.write("Worker stopped.")

    def _vat_checks_retry(self) -> None:
        try:
            checked = vat_checks_retry(actor=Actor.system("VAT check retry"), now=clock.now())
        except Exception:  # a register misbehaving must not stop the worker's other work
            logger.exception("VAT check retries failed")
            return
        if checked:
            logger.info("VAT numbers checked again: %s", checked)

    def _stop(self, signum: int, frame: FrameType | None) -> None:
        self.running = False
