"""The command line: `ketacare demo`, `ketacare run` and the console script itself."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError

from ketacare.accounts.models import Clinic, User
from ketacare.accounts.roles import Role
from ketacare.audit.log import verify
from ketacare.audit.models import AuditAction, AuditEntry
from ketacare.cli import main as cli_main
from ketacare.patients.demo import DEMO_CLINIC_NAME, DEMO_PASSWORD
from ketacare.patients.models import Patient, PhaseChange, Sitter
from ketacare.patients.phases import Phase
from ketacare.web.management.commands import run as run_module
from ketacare.web.management.commands.run import parse_host, parse_port

STAFF_ROLES = {
    "admin": {Role.ADMIN},
    "dr.rivera": {Role.CLINICIAN, Role.PRESCRIBER},
    "dr.chen": {Role.CLINICIAN},
    "pharmacist": {Role.PHARMACIST},
    "coordinator": {Role.COORDINATOR},
}
# Patients who dose (or may soon, or will again) at home need a sitter.
WITH_SITTER = {Phase.APPROVED, Phase.INDUCTION, Phase.MAINTENANCE, Phase.PAUSED}


def _demo(*args: str) -> str:
    out = StringIO()
    call_command("demo", *args, stdout=out)
    return out.getvalue()


def _printed_logins(output: str) -> list[str]:
    """The usernames listed under "Demo logins" in the command's output."""
    _, _, listing = output.partition("Demo logins")
    return re.findall(r"^  (\S+)\s", listing, flags=re.MULTILINE)


def _counts() -> dict[str, int]:
    return {
        "clinics": Clinic.objects.count(),
        "users": User.objects.count(),
        "patients": Patient.objects.count(),
        "sitters": Sitter.objects.count(),
        "history": PhaseChange.objects.count(),
        "audit": AuditEntry.objects.count(),
    }


# --- demo ------------------------------------------------------------------------------------


@pytest.fixture
def demo_output(db) -> str:
    return _demo("--patients", "40")


def test_demo_creates_a_clinic_with_the_patients_asked_for(demo_output) -> None:
    clinic = Clinic.objects.get(name=DEMO_CLINIC_NAME)
    assert Clinic.objects.count() == 1
    assert Patient.objects.filter(clinic=clinic).count() == 40
    assert "Loaded Demo Ketamine Clinic: 40 patients" in demo_output
    # Every patient has an account of their own, with the patient role.
    patients = Patient.objects.filter(clinic=clinic).select_related("user")
    assert all(p.user is not None and p.user.roles == {Role.PATIENT} for p in patients)


def test_demo_covers_every_phase_with_a_matching_history(demo_output) -> None:
    phases = set(Patient.objects.values_list("phase", flat=True))
    assert phases == {phase.value for phase in Phase}
    for patient in Patient.objects.all():
        last = PhaseChange.objects.filter(patient=patient).order_by("at", "pk").last()
        assert last is not None
        assert last.to_phase == patient.phase
    paused = Patient.objects.filter(phase=Phase.PAUSED)
    assert paused.exists()
    assert all(p.paused_from == Phase.MAINTENANCE for p in paused)


def test_demo_creates_the_five_staff_with_their_roles(demo_output) -> None:
    clinic = Clinic.objects.get(name=DEMO_CLINIC_NAME)
    staff = User.objects.filter(clinic=clinic, is_staff=True)
    assert {u.username: set(u.roles) for u in staff} == STAFF_ROLES


def test_demo_links_sitters_to_patients_who_need_one(demo_output) -> None:
    for patient in Patient.objects.prefetch_related("sitters__user"):
        sitters = list(patient.sitters.all())
        if patient.phase in WITH_SITTER:
            assert sitters, f"{patient.phase} patient has no sitter"
            assert all(s.user is not None and s.user.roles == {Role.SITTER} for s in sitters)
            assert all(s.clinic_id == patient.clinic_id for s in sitters)
        else:
            assert sitters == [], f"{patient.phase} patient should have no sitter"
    # One sitter of their own for each of the 22 (11 in every 20) who need one.
    assert Patient.objects.filter(phase__in=WITH_SITTER).count() == 22
    assert Sitter.objects.count() == 22


def test_demo_records_audit_entries_that_verify(demo_output) -> None:
    entries = AuditEntry.objects.filter(action=AuditAction.CREATE, object_type="patients.Patient")
    assert entries.count() == 40
    assert set(entries.values_list("patient_id", flat=True)) == set(
        Patient.objects.values_list("pk", flat=True)
    )
    assert set(entries.values_list("actor_label", flat=True)) == {"command:demo"}
    result = verify()
    assert result.ok
    assert result.checked == AuditEntry.objects.count()


def test_demo_printed_logins_work(demo_output) -> None:
    usernames = _printed_logins(demo_output)
    assert set(STAFF_ROLES) <= set(usernames)
    assert any(name.startswith("patient") for name in usernames)
    assert any(name.startswith("sitter") for name in usernames)
    assert "ketacare-demo" in demo_output
    # The logins the README lists.
    assert {"patient11", "patient15", "sitter11", "sitter15"} <= set(usernames)
    for username in usernames:
        user = authenticate(username=username, password=DEMO_PASSWORD)
        assert user is not None, f"{username} cannot sign in"
        assert user.get_username() == username
        assert authenticate(username=username, password="wrong-password") is None


def test_demo_twice_changes_nothing(demo_output) -> None:
    before = _counts()
    again = _demo("--patients", "40")
    assert "already loaded" in again
    assert "(40 patients)" in again
    assert _counts() == before
    # The logins are printed again, and still work.
    assert set(STAFF_ROLES) <= set(_printed_logins(again))


def test_demo_under_another_name_makes_a_second_clinic(demo_output) -> None:
    output = _demo("--patients", "3", "--clinic", "Second Site")
    assert Clinic.objects.count() == 2
    second = Clinic.objects.get(name="Second Site")
    assert second.patients.count() == 3
    usernames = _printed_logins(output)
    assert "secondsite.admin" in usernames
    assert authenticate(username="secondsite.dr.rivera", password=DEMO_PASSWORD) is not None
    assert verify().ok


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
    before = _counts()
    with pytest.raises(CommandError, match=re.escape(option)):
        _demo(*args)
    assert _counts() == before
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


# --- the console script ----------------------------------------------------------------------


def test_console_script_runs_django_check(capsys) -> None:
    cli_main(["check"])
    assert "System check identified no issues" in capsys.readouterr().out


def test_console_script_lists_our_commands(capsys) -> None:
    cli_main(["help"])
    out = capsys.readouterr().out
    for name in ("audit", "demo", "run"):
        assert re.search(rf"^\s+{name}$", out, flags=re.MULTILINE), name
