"""`ketacare run`: serve the clinic on HOST:PORT with Django's development server.

For a developer and the demo (`make run`); a clinic runs `ketacare serve` (gunicorn).
With KETACARE_DEMO set it first loads the demo clinic (once) and prints the logins.
With --worker it also runs `ketacare worker` beside the server, so the time-based alerts
(a missed check-in, a missing blood pressure after a dose) are raised and the
notifications sent; the worker stops with the server.

The helpers here (the address, the site URL, the worker beside) serve `ketacare serve` too.
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
from django.db import connections

_HOSTNAME = re.compile(r"^[A-Za-z0-9.-]{1,253}$")
# Bound to every interface: the site URL cannot name them all; people use this name.
_WILDCARDS = frozenset({"0.0.0.0", "[::]"})  # noqa: S104 - compared, not bound


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


def adopt_site_url(host: str, port: int) -> str:
    """The sign-in address notifications carry: KETACARE_SITE_URL, else the one served.

    Set in this process's settings and environment, so that the worker started beside
    the server links to the port that really serves (not 8000 whatever the port).
    """
    site_url = os.environ.get("KETACARE_SITE_URL", "").strip()
    if not site_url:
        shown = "localhost" if host in _WILDCARDS else host
        site_url = f"http://{shown}:{port}"
        os.environ["KETACARE_SITE_URL"] = site_url
    settings.KETACARE_SITE_URL = site_url
    return site_url


def start_worker() -> subprocess.Popen[bytes]:
    """`ketacare worker --wait` in a process of its own, stopped when this one exits."""
    worker = subprocess.Popen(  # our own command, fixed arguments
        [sys.executable, "-m", "ketacare.cli", "worker", "--wait"]
    )
    atexit.register(stop_worker, worker, os.getpid())
    return worker


def stop_worker(worker: subprocess.Popen[bytes], owner_pid: int) -> None:
    """Stop the worker when the process that started it exits.

    Not when a process forked from it does: gunicorn's worker processes inherit this
    exit hook, and one restarting must not stop the worker.
    """
    if os.getpid() == owner_pid:
        worker.terminate()


def close_connections_per_request() -> None:
    """No kept database connections: runserver starts a thread per client connection.

    With CONN_MAX_AGE each of those threads would keep its own PostgreSQL connection
    after its client left, until the database refuses new ones ("too many clients").
    """
    for database in connections.settings.values():  # each thread's connection reads these
        database["CONN_MAX_AGE"] = 0


class Command(BaseCommand):
    help = (
        "Serve ketacare on HOST:PORT (default 127.0.0.1:8000) with Django's development "
        "server; a clinic runs `ketacare serve`."
    )

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
        adopt_site_url(host, port)
        close_connections_per_request()
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
