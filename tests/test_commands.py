"""The command line: `ketacare demo`'s options, `ketacare run` and the console script."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.core.management.base import CommandError

from ketacare.accounts.models import Clinic
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
    monkeypatch.setattr(run_module.atexit, "register", stops.append)
    out = StringIO()
    call_command("run", "--migrate", "--worker", stdout=out)
    assert [args[-2:] for args in started] == [["worker", "--wait"]]
    assert started[0][1:3] == ["-m", "ketacare.cli"]
    assert len(stops) == 1  # stopped with the server
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
