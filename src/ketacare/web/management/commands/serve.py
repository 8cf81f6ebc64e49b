"""`ketacare serve`: serve the clinic with gunicorn, a production WSGI server.

What a clinic runs (docs/deployment.md). Gunicorn's threaded worker: --workers processes,
each serving --threads requests at once; a thread lives as long as its process and keeps
one database connection (CONN_MAX_AGE), so one server holds at most workers x threads
of them. Static files are served from the installed package (WhiteNoise): nothing to
collect. The database must be migrated (`ketacare migrate`, or --migrate here).
`ketacare worker` runs as a service of its own; --worker starts one beside the server for
a single machine.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.wsgi import get_wsgi_application
from django.db import connections
from gunicorn.app.base import BaseApplication

from ketacare.jobs.schema import not_migrated_message
from ketacare.web.management.commands.run import (
    adopt_site_url,
    parse_host,
    parse_port,
    start_worker,
)

# Seconds a request may take before gunicorn restarts its worker (the PK preview and the
# biggest panel take well under one), and that a stopping worker gets to finish its own.
TIMEOUT_S = 60
GRACEFUL_TIMEOUT_S = 30


class Server(BaseApplication):  # type: ignore[misc]  # gunicorn ships no type hints
    """Gunicorn configured from a dict (its setting names), serving ketacare's WSGI app."""

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            if key in self.cfg.settings:  # a setting an older gunicorn lacks is left out
                self.cfg.set(key, value)

    def load(self) -> WSGIHandler:
        return get_wsgi_application()


def gunicorn_options(host: str, port: int, workers: int, threads: int) -> dict[str, Any]:
    return {
        "bind": [f"{host}:{port}"],
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread",
        "timeout": TIMEOUT_S,
        "graceful_timeout": GRACEFUL_TIMEOUT_S,
        "accesslog": "-",
        "errorlog": "-",
        # Several servers may run on one machine (and in the load benchmark): no shared
        # control socket under the home directory.
        "control_socket_disable": True,
    }


def positive(name: str) -> Callable[[str], int]:
    def parse(value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            raise CommandError(f"{name} {value!r} is not a whole number.") from None
        if number < 1:
            raise CommandError(f"{name} must be at least 1.")
        return number

    return parse


class Command(BaseCommand):
    help = (
        "Serve ketacare with gunicorn on HOST:PORT (default 127.0.0.1:8000): the production "
        "server. Run `ketacare worker` beside it (or pass --worker)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", default="8000")
        parser.add_argument(
            "--workers",
            default=str(settings.KETACARE_SERVE_WORKERS),
            help="Worker processes (default KETACARE_SERVE_WORKERS, 2).",
        )
        parser.add_argument(
            "--threads",
            default=str(settings.KETACARE_SERVE_THREADS),
            help="Threads per worker process (default KETACARE_SERVE_THREADS, 4).",
        )
        parser.add_argument(
            "--migrate", action="store_true", help="Apply database migrations first."
        )
        parser.add_argument(
            "--worker",
            action="store_true",
            help="Also run `ketacare worker` beside the server (one machine).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        host = parse_host(options["host"])
        port = parse_port(options["port"])
        workers = positive("--workers")(options["workers"])
        threads = positive("--threads")(options["threads"])
        site_url = adopt_site_url(host, port)
        if options["migrate"]:
            call_command("migrate", interactive=False, verbosity=1)
        problem = not_migrated_message()
        if problem:
            raise CommandError(problem)
        # The workers are forked from this process: no connection of ours may cross.
        connections.close_all()
        if options["worker"]:
            start_worker()
            self.stdout.write("ketacare worker running beside the server")
        self.stdout.write(
            f"ketacare serving on http://{host}:{port}/ with {workers} worker(s) x "
            f"{threads} thread(s); sign-in links: {site_url}"
        )
        self.stdout.flush()
        Server(gunicorn_options(host, port, workers, threads)).run()
