"""`ketacare report cohort`: the report as text, JSON, CSV and one self-contained HTML file."""

from __future__ import annotations

import csv
import io
import json
import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from ketacare.accounts.models import Clinic, User
from ketacare.audit.models import AuditEntry
from ketacare.patients.models import Patient
from ketacare.patients.phases import Phase
from tests.factories import UserFactory
from tests.reports.cohort_helpers import build_cohort, patient, scores

pytestmark = pytest.mark.django_db
JANUARY = ("--from", "2026-01-01", "--to", "2026-01-31")


@pytest.fixture
def cohort(clinic: Clinic, other_clinic: Clinic) -> dict[str, Patient]:
    return build_cohort(clinic, other_clinic)


def report(clinic: Clinic, *args: str) -> str:
    out = StringIO()
    call_command("report", "cohort", "--clinic", str(clinic.pk), *JANUARY, *args, stdout=out)
    return out.getvalue()


def test_text_lists_every_table(cohort: dict[str, Patient], clinic: Clinic) -> None:
    text = report(clinic)
    assert "Treated (at least one dose): 3" in text
    assert "Dropouts: 1" in text
    for heading in ("Baseline", "Rates (95% interval)", "Change from baseline", "Adverse events"):
        assert heading in text
    assert "moderate: 1 events in 1 patients" in text
    assert cohort["responder"].legal_name not in text


def test_json_is_the_report(cohort: dict[str, Patient], clinic: Clinic) -> None:
    body = json.loads(report(clinic, "--format", "json"))
    assert body["clinic"]["id"] == clinic.pk
    assert body["report"]["treated"] == 3
    assert body["filters"] == {}


def test_csv_has_a_row_per_rate(cohort: dict[str, Patient], clinic: Clinic) -> None:
    rows = list(csv.DictReader(io.StringIO(report(clinic, "--format", "csv"))))
    assert rows
    assert {r["analysis"] for r in rows} == {"itt", "completer"}
    assert {r["instrument"] for r in rows} >= {"phq9", "gad7"}


def test_html_is_one_self_contained_file(
    cohort: dict[str, Patient], clinic: Clinic, tmp_path: Path
) -> None:
    output = tmp_path / "cohort.html"
    out, err = StringIO(), StringIO()
    call_command(
        "report", "cohort", "--clinic", str(clinic.pk), *JANUARY,
        "--format", "html", "--output", str(output), stdout=out, stderr=err,
    )  # fmt: skip
    html = output.read_text(encoding="utf-8")
    assert f"Wrote {output}" in err.getvalue()
    assert html.startswith("<!DOCTYPE html>")
    assert "<style>" in html
    assert "<svg" in html
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", html)
    assert "<link" not in html
    assert "<script" not in html
    assert "Hull 2022" in html


def test_one_audit_entry_names_the_command(cohort: dict[str, Patient], clinic: Clinic) -> None:
    report(clinic)
    entry = AuditEntry.objects.get(object_type="reports.CohortReport")
    assert entry.actor_id is None
    assert entry.actor_label == "command:report cohort"
    assert entry.clinic_id == clinic.pk
    assert entry.detail["via"] == "command"
    assert len(entry.detail["ids"]) == 3


def test_a_user_reads_as_themself(cohort: dict[str, Patient], clinician: User) -> None:
    out = StringIO()
    call_command("report", "cohort", *JANUARY, "--user", clinician.username, stdout=out)
    assert "Treated (at least one dose): 3" in out.getvalue()
    assert AuditEntry.objects.get(object_type="reports.CohortReport").actor_id == clinician.pk


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--from", "2026-02-01", "--to", "2026-01-01"), "end date is before"),
        (("--from", "tomorrow", "--to", "2026-01-01"), "--from"),
        (("--from", "2026-01-01", "--to", "2026-01-31", "--route", "iv"), "--route"),
        (("--from", "2026-01-01", "--to", "2026-01-31", "--window-days", "0"), "--window-days"),
        (("--from", "2026-01-01", "--to", "2026-01-31", "--window-days", "29"), "--window-days"),
    ],
)
def test_bad_options_are_refused_by_name(clinic: Clinic, args: tuple[str, ...], words: str) -> None:
    with pytest.raises(CommandError, match=re.escape(words)):
        call_command("report", "cohort", "--clinic", str(clinic.pk), *args)
    assert not AuditEntry.objects.exists()


def test_the_clinic_is_needed_without_a_user() -> None:
    with pytest.raises(CommandError, match="--clinic"):
        call_command("report", "cohort", *JANUARY)


def test_a_role_without_the_row_is_refused(clinic: Clinic) -> None:
    pharmacist = UserFactory(clinic=clinic, pharmacist=True)
    with pytest.raises(CommandError, match="see the cohort outcome report"):
        call_command("report", "cohort", *JANUARY, "--user", pharmacist.username)


def test_a_user_of_another_clinic_cannot_name_this_one(clinic: Clinic, outsider: User) -> None:
    with pytest.raises(CommandError, match="--clinic"):
        call_command(
            "report", "cohort", "--clinic", str(clinic.pk), *JANUARY, "--user", outsider.username
        )


def _scored(body: dict[str, object]) -> int:
    outcomes = body["report"]["outcomes"]  # type: ignore[index]
    return sum(o["scored"] for o in outcomes if o["analysis"] == "itt")


def test_the_window_is_the_clinics_choice(cohort: dict[str, Patient], clinic: Clinic) -> None:
    # Doses on days 0, 3, 7 and 10; a PHQ-9 on day 5.5 is 2.5 days after session 2.
    slow = patient(clinic, Phase.INDUCTION, 4)
    scores(slow, "phq9", {-1: 16, 5.5: 9})
    usual = json.loads(report(clinic, "--format", "json"))
    narrow = json.loads(report(clinic, "--format", "json", "--window-days", "2"))
    assert narrow["filters"] == {"window_days": "2"}
    assert _scored(narrow) == _scored(usual) - 1
    assert any("2 days after" in words for words in narrow["definitions"])
