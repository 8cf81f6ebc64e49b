"""`ketacare worker`: raise the time-based alerts and drain the notification outbox.

A long-lived service (docs/deployment.md): it ticks every --interval seconds until stopped.
SIGTERM or SIGINT (systemd, docker stop, Ctrl+C) stops it after the tick under way, and it
gives its lease back. A database that goes away (a restart, a failover) is waited for:
the worker says so and tries again at the next tick instead of dying. It starts only on a
migrated database.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import socket
import threading
import uuid
from datetime import timedelta
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError, close_old_connections, connection, connections

from ketacare.audit.context import acting
from ketacare.jobs.lease import needs_lease, release_lease, take_lease
from ketacare.jobs.schema import not_migrated_message
from ketacare.jobs.worker import tick

BUSY = "another worker is running; on SQLite one worker is enough"
# How long a worker that waits for another's lease (--wait, SQLite) looks again (seconds).
LEASE_POLL_S = 5
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


def first_line(exc: Exception) -> str:
    """The driver's message without its hints: one line for a log."""
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


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
        try:
            problem = not_migrated_message()
        except DatabaseError as exc:
            raise CommandError(f"the database cannot be reached: {first_line(exc)}") from None
        if problem:
            raise CommandError(problem)
        self.stopping = threading.Event()
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.lease = needs_lease()
        self.ttl = timedelta(seconds=max(interval * 3, 120))
        handlers = {} if options["once"] else self.stop_on_signals()
        with acting(label="command:worker"):
            try:
                self.loop(interval, options)
            finally:
                for signum, handler in handlers.items():
                    signal.signal(signum, handler)
                self.give_back_lease()

    def stop_on_signals(self) -> dict[int, Any]:
        """Stop after the tick under way on SIGTERM/SIGINT; the handlers it replaced."""
        return {signum: signal.signal(signum, self.stop) for signum in STOP_SIGNALS}

    def stop(self, signum: int, frame: FrameType | None) -> None:
        self.stdout.write(f"worker {self.worker_id}: stopping ({signal.Signals(signum).name})")
        self.stopping.set()

    def pause(self, seconds: float) -> None:
        """Wait between ticks; a stop signal ends the wait at once."""
        self.stopping.wait(seconds)

    def give_back_lease(self) -> None:
        if not self.lease:
            return
        # The database gone: the lease runs out by itself (its ttl).
        with contextlib.suppress(DatabaseError):
            release_lease(self.worker_id)

    def loop(self, interval: int, options: dict[str, Any]) -> None:
        ticks = 0
        while not self.stopping.is_set():
            if not connection.in_atomic_block:
                # A connection the database dropped is replaced; inside a caller's
                # transaction (a test, a shell) the connection is the caller's to keep.
                close_old_connections()
            try:
                ran = self.tick_once(options)
            except DatabaseError as exc:
                if options["once"]:
                    raise CommandError(f"the database failed: {first_line(exc)}") from None
                self.stderr.write(
                    f"worker {self.worker_id}: database unavailable ({first_line(exc)})."
                )
                connections.close_all()
                self.pause(interval)
                continue
            if ran is None:  # another worker holds the lease
                return
            ticks += ran
            if ran and (options["once"] or ticks == options["max_ticks"]):
                return
            self.pause(interval if ran else LEASE_POLL_S)

    def tick_once(self, options: dict[str, Any]) -> int | None:
        """1 after a tick, 0 when waiting for the lease, None when another worker has it."""
        if self.lease and not take_lease(self.worker_id, ttl=self.ttl):
            if not options["wait"]:
                self.stdout.write(BUSY)
                return None
            return 0
        result = tick(self.worker_id)
        self.stdout.write(f"worker {self.worker_id}: {result.summary()}")
        for error in result.errors:
            self.stderr.write(f"worker {self.worker_id}: failed: {error}")
        if options["once"] and result.errors:
            raise CommandError("the tick had failures (see above)")
        return 1
