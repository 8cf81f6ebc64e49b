"""`ketacare worker`: raise the time-based alerts and drain the notification outbox."""

from __future__ import annotations

import argparse
import os
import socket
import time
import uuid
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ketacare.audit.context import acting
from ketacare.jobs.lease import needs_lease, release_lease, take_lease
from ketacare.jobs.worker import tick

BUSY = "another worker is running; on SQLite one worker is enough"


class Command(BaseCommand):
    help = (
        "Raise missed check-in, escalation and overdue-questionnaire alerts and send the "
        "pending notifications: once (--once, for cron) or every --interval seconds."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="Run one tick and exit.")
        parser.add_argument(
            "--interval", type=int, default=60, help="Seconds between ticks (default 60)."
        )
        parser.add_argument(
            "--wait",
            action="store_true",
            help="On SQLite, wait for the running worker's lease instead of exiting.",
        )
        parser.add_argument("--max-ticks", type=int, default=0, help=argparse.SUPPRESS)

    def handle(self, *args: Any, **options: Any) -> None:
        interval: int = options["interval"]
        if interval < 1:
            raise CommandError("--interval must be at least 1 second.")
        worker_id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        ttl = timedelta(seconds=max(interval * 3, 120))
        lease = needs_lease()
        ticks = 0
        with acting(label="command:worker"):
            try:
                while True:
                    if lease and not take_lease(worker_id, ttl=ttl):
                        if not options["wait"]:
                            self.stdout.write(BUSY)
                            return
                        time.sleep(min(interval, 5))
                        continue
                    result = tick(worker_id)
                    self.stdout.write(f"worker {worker_id}: {result.summary()}")
                    for error in result.errors:
                        self.stderr.write(f"worker {worker_id}: failed: {error}")
                    ticks += 1
                    if options["once"] and result.errors:
                        raise CommandError("the tick had failures (see above)")
                    if options["once"] or (options["max_ticks"] and ticks >= options["max_ticks"]):
                        return
                    time.sleep(interval)
            finally:
                if lease:
                    release_lease(worker_id)
