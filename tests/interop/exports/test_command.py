"""`ketacare export`: a directory or a zip, the person named, refusals in words."""

from __future__ import annotations

import csv
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from ketacare.accounts.models import User
from ketacare.audit.models import AuditAction, AuditEntry
from ketacare.interop.exports.records import TYPE_KEYS
from ketacare.patients.models import Patient
from tests.interop.exports.helpers import zip_files

pytestmark = pytest.mark.django_db

DAYS = ("--from", "2025-03-03", "--to", "2025-03-03")


def _export(*args: str) -> str:
    out = StringIO()
    call_command("export", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_a_directory_of_csv_files(pat: Patient, clinic_admin: User, tmp_path: Path) -> None:
    said = _export("--user", "adam", "--clinic", "Clinic A", *DAYS, "--output", str(tmp_path))
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"{k}.csv" for k in TYPE_KEYS)
    with (tmp_path / "doses.csv").open(encoding="utf-8", newline="") as handle:
        [dose] = list(csv.DictReader(handle))
    assert dose["patient_id"] == str(pat.pk)
    assert "Exported identifying records of Clinic A" in said
    assert "doses 1" in said


def test_a_zip_with_chosen_types_for_research(
    pat: Patient, clinic_admin: User, tmp_path: Path
) -> None:
    target = tmp_path / "out.zip"
    before = AuditEntry.objects.count()
    _export(
        "--user", "adam", "--clinic", str(pat.clinic_id), *DAYS,
        "--types", "patients,doses", "--research", "--output", str(target),
    )  # fmt: skip
    files = zip_files(target.read_bytes())
    assert sorted(files) == ["doses.csv", "patients.csv"]
    assert "legal_name" not in files["patients.csv"][0]
    assert AuditEntry.objects.count() == before + 1
    entry = AuditEntry.objects.order_by("-seq").first()
    assert entry is not None
    assert (entry.action, entry.actor_id, entry.detail["mode"]) == (
        AuditAction.EXPORT,
        clinic_admin.pk,
        "research",
    )


def test_refused_without_a_user(pat: Patient, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="Say who is exporting with --user"):
        _export("--clinic", "Clinic A", *DAYS, "--output", str(tmp_path / "x.zip"))
    assert not (tmp_path / "x.zip").exists()


def test_refused_for_a_clinician(pat: Patient, clinician: User, tmp_path: Path) -> None:
    before = AuditEntry.objects.count()
    with pytest.raises(CommandError, match="alice may not export the clinic's records"):
        _export("--user", "alice", "--clinic", "Clinic A", *DAYS, "--output", str(tmp_path))
    assert AuditEntry.objects.count() == before


def test_refused_for_another_clinic(
    pat: Patient, stranger: Patient, clinic_admin: User, tmp_path: Path
) -> None:
    target = tmp_path / "x.zip"
    with pytest.raises(CommandError, match="No such clinic"):
        _export("--user", "adam", "--clinic", "Clinic B", *DAYS, "--output", str(target))
    assert not target.exists()


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--from", "2025-03-04", "--to", "2025-03-03"), "last day comes before the first"),
        (("--from", "March", "--to", "2025-03-03"), "date"),
        ((*DAYS, "--types", "patients,selfies"), "selfies is not a kind of record"),
    ],
)
def test_bad_options_are_named(
    clinic_admin: User, tmp_path: Path, args: tuple[str, ...], words: str
) -> None:
    with pytest.raises(CommandError, match=words):
        _export("--user", "adam", "--clinic", "Clinic A", *args, "--output", str(tmp_path))
