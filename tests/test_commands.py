"""The command line: `ketacare demo`'s options, `ketacare run` and the console script."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections

from ketacare.accounts.models import Clinic
from ketacare.cli import asks_for_help
from ketacare.cli import main as cli_main
from ketacare.web.management.commands import run as run_module
from ketacare.web.management.commands.run import parse_host, parse_port
from tests.demo_helpers import counts, run_demo

# --- demo: its options (its data: tests/test_demo.py, tests/test_demo_journeys.py) ---------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["--patients", "0"], "--patients"),
        (["--patients=-5"], "--patients"),
        (["--patients", "abc"], "--patients"),
        (["--patients", "2.5"], "--patients"),
        (["--patients", "1000001"], "--patients"),
        (["--clinic", ""], "--clinic"),
        (["--clinic", "   "], "--clinic"),
    ],
)
def test_demo_rejects_bad_options_and_stores_nothing(args, option) -> None:
    before = counts()
    with pytest.raises(CommandError, match=re.escape(option)):
        run_demo(*args)
    assert counts() == before
    assert Clinic.objects.count() == 0


# --- run -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("127.0.0.1", "127.0.0.1"),
        ("0.0.0.0", "0.0.0.0"),  # noqa: S104 - a value under test, not a bind
        ("localhost", "localhost"),
        ("clinic.example.org", "clinic.example.org"),
        (" 10.0.0.1 ", "10.0.0.1"),
        ("::1", "[::1]"),
        ("[::1]", "[::1]"),
        ("::", "[::]"),
    ],
)
def test_parse_host_accepts_addresses_and_names(value, expected) -> None:
    assert parse_host(value) == expected


@pytest.mark.parametrize("value", ["bad host!", "", "host:8000", "a/b", "x" * 254])
def test_parse_host_rejects_garbage_naming_the_option(value) -> None:
    with pytest.raises(CommandError, match="--host"):
        parse_host(value)


@pytest.mark.parametrize(("value", "expected"), [("1", 1), ("8000", 8000), ("65535", 65535)])
def test_parse_port_accepts_the_tcp_range(value, expected) -> None:
    assert parse_port(value) == expected


@pytest.mark.parametrize("value", ["abc", "0", "70000", "65536", "-1", "", "80.5"])
def test_parse_port_rejects_bad_ports_naming_the_option(value) -> None:
    with pytest.raises(CommandError, match="--port"):
        parse_port(value)


@pytest.fixture
def served(monkeypatch) -> list[tuple[tuple[object, ...], dict[str, object]]]:
    """Stand in for the commands `run` calls, so no server starts and no migration runs."""
    calls: list[tuple[tuple[object, ...], dict[str, object]]] = []
    monkeypatch.setattr(run_module, "call_command", lambda *a, **kw: calls.append((a, kw)))
    monkeypatch.delenv("KETACARE_SITE_URL", raising=False)
    # `run` sets CONN_MAX_AGE in the database settings: the tests' own must come back.
    for alias, database in connections.settings.items():
        monkeypatch.setitem(connections.settings[alias], "CONN_MAX_AGE", database["CONN_MAX_AGE"])
    return calls


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["--port", "abc"], "--port"),
        (["--port", "0"], "--port"),
        (["--host", "bad host!"], "--host"),
    ],
)
def test_run_rejects_bad_options_before_serving(served, args, option) -> None:
    with pytest.raises(CommandError, match=re.escape(option)):
        call_command("run", *args, stdout=StringIO())
    assert served == []


def test_run_serves_on_the_parsed_address(served) -> None:
    out = StringIO()
    call_command("run", "--host", "::1", "--port", "9001", stdout=out)
    assert served == [(("runserver", "[::1]:9001"), {"use_reloader": django_settings.DEBUG})]
    assert "http://[::1]:9001/" in out.getvalue()


def test_run_with_migrate_migrates_first(served, settings) -> None:
    settings.KETACARE_DEMO = False
    call_command("run", "--migrate", stdout=StringIO())
    assert [args[0] for args, _ in served] == ["migrate", "runserver"]
    assert served[0][1]["interactive"] is False
    assert served[1][0] == ("runserver", "127.0.0.1:8000")


def test_run_with_ketacare_demo_loads_the_demo_after_migrating(served, settings) -> None:
    settings.KETACARE_DEMO = True
    call_command("run", "--migrate", stdout=StringIO())
    assert [args[0] for args, _ in served] == ["migrate", "demo", "runserver"]


def test_run_in_the_reloader_child_only_serves(served, settings, monkeypatch) -> None:
    # The auto-reloader runs the command again with RUN_MAIN=true: the parent has
    # already migrated and loaded the demo.
    settings.KETACARE_DEMO = True
    monkeypatch.setenv("RUN_MAIN", "true")
    call_command("run", "--migrate", "--port", "8123", stdout=StringIO())
    assert served == [(("runserver", "127.0.0.1:8123"), {"use_reloader": settings.DEBUG})]


def test_run_with_worker_starts_the_worker_beside_the_server(served, settings, monkeypatch):
    settings.KETACARE_DEMO = False
    started: list[list[str]] = []
    stops: list[object] = []

    class Worker:
        def __init__(self, args: list[str]) -> None:
            started.append(args)

        def terminate(self) -> None:
            stops.append(self)

    monkeypatch.setattr(run_module.subprocess, "Popen", Worker)
    monkeypatch.setattr(
        run_module.atexit, "register", lambda hook, *args: stops.append((hook, args))
    )
    out = StringIO()
    call_command("run", "--migrate", "--worker", stdout=out)
    assert [args[-2:] for args in started] == [["worker", "--wait"]]
    assert started[0][1:3] == ["-m", "ketacare.cli"]
    assert len(stops) == 1  # stopped with the server
    hook, _ = stops[0]
    assert hook is run_module.stop_worker
    assert "worker running beside the server" in out.getvalue()
    assert [args[0] for args, _ in served] == ["migrate", "runserver"]


def test_run_without_worker_starts_none(served, settings, monkeypatch):
    settings.KETACARE_DEMO = False
    monkeypatch.setattr(run_module.subprocess, "Popen", lambda args: pytest.fail(str(args)))
    call_command("run", stdout=StringIO())


# --- the console script ----------------------------------------------------------------------


def test_console_script_runs_django_check(capsys) -> None:
    cli_main(["check"])
    assert "System check identified no issues" in capsys.readouterr().out


def test_console_script_lists_our_commands(capsys) -> None:
    cli_main(["help"])
    out = capsys.readouterr().out
    for name in ("audit", "demo", "run"):
        assert re.search(rf"^\s+{name}$", out, flags=re.MULTILINE), name


def test_run_keeps_no_database_connection_after_a_request(served, settings) -> None:
    # runserver starts a thread per client connection: a kept connection per thread
    # would pile up on PostgreSQL ("too many clients").
    connections.settings["default"]["CONN_MAX_AGE"] = 60
    call_command("run", stdout=StringIO())
    assert connections.settings["default"]["CONN_MAX_AGE"] == 0


def test_run_links_notifications_to_the_port_it_serves(served, settings) -> None:
    call_command("run", "--port", "8123", stdout=StringIO())
    assert settings.KETACARE_SITE_URL == "http://127.0.0.1:8123"
    assert os.environ["KETACARE_SITE_URL"] == "http://127.0.0.1:8123"  # for the worker


def test_run_keeps_the_site_url_the_clinic_set(served, settings, monkeypatch) -> None:
    monkeypatch.setenv("KETACARE_SITE_URL", "https://clinic.example.org")
    call_command("run", "--port", "8123", stdout=StringIO())
    assert settings.KETACARE_SITE_URL == "https://clinic.example.org"


def test_the_worker_is_stopped_only_by_the_process_that_started_it() -> None:
    stopped: list[bool] = []

    class Worker:
        def terminate(self) -> None:
            stopped.append(True)

    run_module.stop_worker(Worker(), owner_pid=os.getpid() + 1)  # a forked gunicorn worker
    assert stopped == []
    run_module.stop_worker(Worker(), owner_pid=os.getpid())
    assert stopped == [True]


# --- without configuration ----------------------------------------------------------------


def unconfigured_ketacare(*args: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """`ketacare ARGS` as on a fresh machine: no DEBUG, no SECRET_KEY, no audit key."""
    unset = {
        "DEBUG",
        "SECRET_KEY",
        "SECRET_KEY_FILE",
        "KETACARE_AUDIT_KEY",
        "KETACARE_AUDIT_KEY_FILE",
        "DJANGO_SETTINGS_MODULE",
        "DATABASE_URL",
    }
    env = {k: v for k, v in os.environ.items() if k not in unset}
    return subprocess.run(  # noqa: S603 - our own command, fixed arguments
        [sys.executable, "-m", "ketacare.cli", *args],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )


def test_help_without_configuration_lists_our_commands(tmp_path) -> None:
    done = unconfigured_ketacare("--help", tmp_path=tmp_path)
    assert done.returncode == 0, done.stderr
    for name in ("serve", "run", "worker", "demo", "audit"):
        assert re.search(rf"^\s+{name}$", done.stdout, flags=re.MULTILINE), name


def test_a_command_without_configuration_says_what_to_set_in_one_line(tmp_path) -> None:
    done = unconfigured_ketacare("worker", "--once", tmp_path=tmp_path)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    [line] = done.stderr.splitlines()
    assert line.startswith("ketacare: SECRET_KEY")
    assert not list(tmp_path.iterdir())  # nothing written


def test_asking_for_help_is_recognised() -> None:
    assert asks_for_help([])
    assert asks_for_help(["help"])
    assert asks_for_help(["worker", "--help"])
    assert not asks_for_help(["worker", "--once"])
