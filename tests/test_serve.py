"""`ketacare serve` really serves: gunicorn in a process of its own, as a clinic runs it.

The server runs without DEBUG on a copy of the test database (a temp SQLite file), answers
the health check, the packaged static files and the favicon, and stops cleanly. No sleep:
the test waits on the server's output between tries to connect, a bounded number of times.
"""

from __future__ import annotations

import http.client
import os
import select
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from ketacare.web.management.commands import serve as serve_module

# Lines of output the server may print before it listens (migrations are not run here).
MAX_TRIES = 200
# The longest wait for one line of output: a bound on a stuck server, not a pace.
LINE_WAIT_S = 120
STOP_WAIT_S = 60


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def copy_of_test_database(target: Path) -> None:
    """The migrated test database (SQLite, in memory) in a file for the server."""
    if connection.vendor != "sqlite":
        pytest.skip("serve's own test copies the SQLite test database")
    connection.ensure_connection()
    with sqlite3.connect(target) as copy:
        connection.connection.backup(copy)


def wait_until_listening(server: subprocess.Popen[bytes], port: int, output: list[bytes]) -> None:
    """Try to connect; after each refusal, wait for the server to print something more."""
    assert server.stdout is not None
    pipe = server.stdout.fileno()
    for _ in range(MAX_TRIES):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=LINE_WAIT_S):
                return
        except ConnectionRefusedError:
            ready, _, _ = select.select([pipe], [], [], LINE_WAIT_S)
            chunk = os.read(pipe, 65536) if ready else b""
            if not chunk:
                break  # the server exited, or printed nothing for too long
            output.append(chunk)
    pytest.fail("ketacare serve did not listen:\n" + b"".join(output).decode(errors="replace"))


@pytest.fixture
def served(tmp_path: Path) -> Iterator[int]:
    """`ketacare serve` on a free port, against a copy of the test database; its port."""
    database = tmp_path / "serve.sqlite3"
    copy_of_test_database(database)
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "DEBUG"}},
        "DATABASE_URL": f"sqlite:///{database}",
        "ALLOWED_HOSTS": "127.0.0.1",
        "KETACARE_DATA_DIR": str(tmp_path),
    }
    command = [sys.executable, "-m", "ketacare.cli", "serve", "--port", str(port)]
    server = subprocess.Popen(  # noqa: S603 - our own command, fixed arguments
        [*command, "--workers", "1", "--threads", "2"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    output: list[bytes] = []
    try:
        wait_until_listening(server, port, output)
        yield port
    finally:
        server.terminate()
        server.communicate(timeout=STOP_WAIT_S)
    assert server.returncode == 0  # gunicorn stops gracefully on SIGTERM


def get(port: int, path: str) -> http.client.HTTPResponse:
    client = http.client.HTTPConnection("127.0.0.1", port, timeout=LINE_WAIT_S)
    client.request("GET", path)
    response = client.getresponse()
    response.read()
    client.close()
    return response


@pytest.mark.django_db(transaction=True)  # no transaction open: SQLite copies the database
def test_serve_answers_the_health_check_and_the_packaged_static_files(served: int) -> None:
    health = get(served, "/healthz")
    assert health.status == 200
    assert health.getheader("Server", "").startswith("gunicorn")
    css = get(served, "/static/ketacare/site.css")
    assert css.status == 200
    assert css.getheader("Content-Type", "").startswith("text/css")
    icon = get(served, "/favicon.ico")
    assert icon.status == 301
    assert icon.getheader("Location") == "/static/ketacare/favicon.ico"
    assert get(served, "/static/ketacare/favicon.ico").status == 200
    assert get(served, "/login/").status == 200


# --- its options, without starting gunicorn ---------------------------------------------------


@pytest.fixture
def gunicorn(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, object]]:
    """Stand in for gunicorn: the options each `serve` would have run it with."""
    runs: list[dict[str, object]] = []

    class Server:
        def __init__(self, options: dict[str, object]) -> None:
            runs.append(options)

        def run(self) -> None:
            pass

    monkeypatch.setattr(serve_module, "Server", Server)
    monkeypatch.delenv("KETACARE_SITE_URL", raising=False)
    return runs


@pytest.mark.django_db
def test_serve_runs_threaded_workers_on_the_address(gunicorn, settings) -> None:
    out = StringIO()
    call_command(
        "serve", "--host", "::1", "--port", "9002", "--workers", "3", "--threads", "5", stdout=out
    )
    [options] = gunicorn
    assert options["bind"] == ["[::1]:9002"]
    assert (options["workers"], options["threads"]) == (3, 5)
    assert options["worker_class"] == "gthread"
    assert "3 worker(s) x 5 thread(s)" in out.getvalue()
    # Notifications link to the address served, and so does the worker it starts.
    assert settings.KETACARE_SITE_URL == "http://[::1]:9002"
    assert os.environ["KETACARE_SITE_URL"] == "http://[::1]:9002"


@pytest.mark.django_db
def test_serve_defaults_come_from_the_settings(gunicorn, settings) -> None:
    call_command("serve", stdout=StringIO())
    assert gunicorn[0]["bind"] == ["127.0.0.1:8000"]
    assert (gunicorn[0]["workers"], gunicorn[0]["threads"]) == (2, 4)


@pytest.mark.django_db
def test_serve_keeps_a_site_url_the_clinic_set(gunicorn, settings, monkeypatch) -> None:
    monkeypatch.setenv("KETACARE_SITE_URL", "https://clinic.example.org")
    call_command("serve", "--host", "0.0.0.0", "--port", "8080", stdout=StringIO())  # noqa: S104
    assert settings.KETACARE_SITE_URL == "https://clinic.example.org"


@pytest.mark.django_db
def test_serve_on_every_interface_links_to_localhost(gunicorn, settings) -> None:
    call_command("serve", "--host", "0.0.0.0", "--port", "8080", stdout=StringIO())  # noqa: S104
    assert settings.KETACARE_SITE_URL == "http://localhost:8080"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["--workers", "0"], "--workers"),
        (["--threads", "x"], "--threads"),
        (["--port", "70000"], "--port"),
        (["--host", "no such host!"], "--host"),
    ],
)
def test_serve_rejects_bad_options_before_serving(gunicorn, args, option) -> None:
    with pytest.raises(CommandError, match=option):
        call_command("serve", *args, stdout=StringIO())
    assert gunicorn == []


@pytest.mark.django_db
def test_serve_refuses_an_unmigrated_database(gunicorn, monkeypatch) -> None:
    monkeypatch.setattr(serve_module, "not_migrated_message", lambda: "run `ketacare migrate`")
    with pytest.raises(CommandError, match="ketacare migrate"):
        call_command("serve", stdout=StringIO())
    assert gunicorn == []
