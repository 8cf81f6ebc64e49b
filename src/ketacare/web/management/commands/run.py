"""`ketacare run`: serve the clinic on HOST:PORT (Django's development server).

With KETACARE_DEMO set it first loads the demo clinic (once) and prints the logins.
With --worker it also runs `ketacare worker` beside the server, so the time-based alerts
(a missed check-in, a missing blood pressure after a dose) are raised and the
notifications sent; the worker stops with the server.
"""

from __future__ import annotations

import atexit
import ipaddress
import os
import re
import subprocess
import sys
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

_HOSTNAME = re.compile(r"^[A-Za-z0-9.-]{1,253}$")


def parse_host(value: str) -> str:
    """A host for the server: an IP address or a host name; IPv6 comes back in brackets."""
    host = value.strip().strip("[]")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        if not _HOSTNAME.match(host):
            raise CommandError(f"--host {value!r} is not an IP address or host name.") from None
        return host
    return f"[{address}]" if address.version == 6 else str(address)  # noqa: PLR2004


def parse_port(value: str) -> int:
    try:
        port = int(value)
    except ValueError:
        raise CommandError(f"--port {value!r} is not a number.") from None
    if not 1 <= port <= 65535:  # noqa: PLR2004 - the TCP port range
        raise CommandError(f"--port {port} is outside 1-65535.")
    return port


class Command(BaseCommand):
    help = "Serve ketacare on HOST:PORT (default 127.0.0.1:8000)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", default="8000")
        parser.add_argument(
            "--migrate", action="store_true", help="Apply database migrations first."
        )
        parser.add_argument(
            "--worker",
            action="store_true",
            help="Also run the worker (time-based alerts, notifications) beside the server.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        host = parse_host(options["host"])
        port = parse_port(options["port"])
        # The auto-reloader runs this command again in a child process (RUN_MAIN=true);
        # migrate and load the demo only once, in the parent.
        if os.environ.get("RUN_MAIN") != "true":
            if options["migrate"]:
                call_command("migrate", interactive=False, verbosity=1)
            if settings.KETACARE_DEMO:
                call_command("demo")  # loads the demo clinic once; later runs print the logins
            if options["worker"]:
                start_worker()
                self.stdout.write("ketacare worker running beside the server")
            self.stdout.write(f"ketacare serving on http://{host}:{port}/ (Ctrl+C to stop)")
        call_command("runserver", f"{host}:{port}", use_reloader=settings.DEBUG)


def start_worker() -> subprocess.Popen[bytes]:
    """`ketacare worker --wait` in a process of its own, stopped when this one exits."""
    worker = subprocess.Popen(  # our own command, fixed arguments
        [sys.executable, "-m", "ketacare.cli", "worker", "--wait"]
    )
    atexit.register(worker.terminate)
    return worker
