"""Exports of a clinic's records: the files, their columns and rows, the range, the clinic."""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any

import pytest

from ketacare.accounts.models import Clinic, User
from ketacare.audit.models import AuditAction, AuditEntry
from ketacare.interop.exports.people import ITEMS
from ketacare.interop.exports.records import TYPE_KEYS
from ketacare.interop.exports.services import export
from ketacare.interop.exports.sinks import ZipSink
from ketacare.interop.exports.specs import ExportSpec
from ketacare.kernel.errors import NotAllowed, NotFound
from ketacare.patients.models import Patient
from tests.factories import UserFactory
from tests.interop.exports.helpers import CHECK_IN_NOTE, EVENT_TEXT, treated, zip_files

pytestmark = pytest.mark.django_db

MONDAY = date(2025, 3, 3)


def run(actor: User, clinic: Clinic, **fields: Any) -> dict[str, list[dict[str, str]]]:
    spec = ExportSpec(clinic_id=clinic.pk, **({"first_day": MONDAY, "last_day": MONDAY} | fields))
    buffer = io.BytesIO()
    with ZipSink(buffer) as sink:
        export(actor, spec, sink)
    return zip_files(buffer.getvalue())


def test_one_file_per_record_type_with_its_header(pat: Patient, clinic_admin: User) -> None:
    files = run(clinic_admin, pat.clinic)
    assert sorted(files) == sorted(f"{key}.csv" for key in TYPE_KEYS)
    [patient] = files["patients.csv"]
    assert patient["patient_id"] == str(pat.pk)
    assert patient["legal_name"] == "Pat Exportable"
    assert patient["date_of_birth"] == "1985-06-15"
    assert patient["registered_at_utc"] == "2025-03-03T23:00:00+00:00"
    assert patient["timezone"] == "America/New_York"


def test_a_questionnaire_response_is_one_row_with_a_column_per_item(
    pat: Patient, clinic_admin: User
) -> None:
    rows = run(clinic_admin, pat.clinic)["questionnaire_responses.csv"]
    [phq9] = [r for r in rows if r["instrument"] == "phq9"]
    assert [phq9[f"item_{n}"] for n in range(1, 10)] == [
        "2",
        "1",
        "1",
        "1",
        "1",
        "1",
        "1",
        "1",
        "0",
    ]
    assert phq9["item_10"] == ""  # PHQ-9's tenth item was not answered
    assert f"item_{ITEMS}" in phq9
    assert (phq9["total"], phq9["band"]) == ("9", "mild")
    assert phq9["recorded_at_utc"] == "2025-03-03T23:00:00+00:00"
    assert phq9["patient_timezone"] == "America/New_York"


def test_a_session_carries_its_three_blood_pressures(pat: Patient, clinic_admin: User) -> None:
    [session] = run(clinic_admin, pat.clinic)["sessions.csv"]
    assert (session["pre_dose_systolic_mmhg"], session["pre_dose_diastolic_mmhg"]) == ("120", "80")
    assert (session["after_dose_systolic_mmhg"], session["after_dose_diastolic_mmhg"]) == (
        "132",
        "84",
    )
    assert session["after_dose_recorded_at_utc"] == "2025-03-03T23:40:00+00:00"
    assert (session["release_systolic_mmhg"], session["release_diastolic_mmhg"]) == ("124", "80")
    assert session["status"] == "released"


def test_doses_check_ins_events_ledger_and_alerts(pat: Patient, clinic_admin: User) -> None:
    files = run(clinic_admin, pat.clinic)
    [dose] = files["doses.csv"]
    assert (dose["dose_mg"], dose["route"], dose["as_planned"]) == (
        "100.0000",
        "sublingual",
        "true",
    )
    [check_in] = files["check_ins.csv"]
    assert (check_in["feeling"], check_in["notes"]) == ("well", CHECK_IN_NOTE)
    [event] = files["adverse_events.csv"]
    assert (event["description"], event["severity"]) == (EVENT_TEXT, "mild")
    kinds = [row["kind"] for row in files["ledger_events.csv"]]
    assert kinds == ["dispensed", "taken", "counted"]
    assert {row["cause"] for row in files["alerts.csv"]} >= {"worsening"}
    # Every file's rows join on the session and the patient.
    assert dose["session_id"] == check_in["session_id"] == event["session_id"]


def test_another_clinics_rows_never_appear(
    pat: Patient, stranger: Patient, clinic_admin: User
) -> None:
    files = run(clinic_admin, pat.clinic)
    for name, rows in files.items():
        assert {row["patient_id"] for row in rows} == {str(pat.pk)}, name
    cells = " ".join(v for rows in files.values() for row in rows for v in row.values())
    assert "Sol Otherclinic" not in cells


def test_the_range_is_days_on_the_clinics_clock(
    clock: Any, pat: Patient, clinic_admin: User, prescriber: User, pharmacist: User
) -> None:
    clock.move_to(pat.created_at + timedelta(days=30))
    later = treated(clock, pat.clinic, prescriber, pharmacist, legal_name="Lou Later")
    monday = run(clinic_admin, pat.clinic)
    assert {r["patient_id"] for r in monday["doses.csv"]} == {str(pat.pk)}
    # Patients registered by the end of the range only.
    assert {r["patient_id"] for r in monday["patients.csv"]} == {str(pat.pk)}
    both = run(clinic_admin, pat.clinic, last_day=MONDAY + timedelta(days=30))
    assert {r["patient_id"] for r in both["doses.csv"]} == {str(pat.pk), str(later.pk)}
    # 23:00 UTC on Monday is 18:00 in New York: Tuesday's export (UTC's day) has none of it.
    tuesday = MONDAY + timedelta(days=1)
    assert run(clinic_admin, pat.clinic, first_day=tuesday, last_day=tuesday)["doses.csv"] == []


def test_chosen_types_only(pat: Patient, clinic_admin: User) -> None:
    files = run(clinic_admin, pat.clinic, types=("doses", "patients"))
    assert sorted(files) == ["doses.csv", "patients.csv"]


def test_each_export_leaves_exactly_one_audit_entry(pat: Patient, clinic_admin: User) -> None:
    before = AuditEntry.objects.count()
    run(clinic_admin, pat.clinic, types=("patients", "doses"))
    assert AuditEntry.objects.count() == before + 1
    entry = AuditEntry.objects.order_by("-seq").first()
    assert entry is not None
    assert (entry.action, entry.actor_id, entry.clinic_id) == (
        AuditAction.EXPORT,
        clinic_admin.pk,
        pat.clinic_id,
    )
    assert entry.detail == {
        "mode": "identifying",
        "types": ["patients", "doses"],
        "first_day": "2025-03-03",
        "last_day": "2025-03-03",
        "rows": {"patients": 1, "doses": 1},
    }


def test_a_clinician_may_not_export(pat: Patient, clinician: User) -> None:
    before = AuditEntry.objects.count()
    with pytest.raises(NotAllowed, match="export the clinic's records"):
        run(clinician, pat.clinic)
    with pytest.raises(NotAllowed):
        run(clinician, pat.clinic, research=True)
    assert AuditEntry.objects.count() == before


def test_a_prescriber_may_export_for_research_only(pat: Patient, prescriber: User) -> None:
    assert run(prescriber, pat.clinic, research=True)["doses.csv"]
    with pytest.raises(NotAllowed):
        run(prescriber, pat.clinic)


def test_another_clinics_administrator_finds_no_clinic(pat: Patient, other_clinic: Clinic) -> None:
    admin = UserFactory(clinic=other_clinic, clinic_admin=True)
    before = AuditEntry.objects.count()
    with pytest.raises(NotFound):
        run(admin, pat.clinic)
    assert AuditEntry.objects.count() == before


def test_reads_are_bounded_whatever_the_number_of_rows(  # noqa: PLR0913, PLR0917 - fixtures
    clock: Any,
    pat: Patient,
    clinic_admin: User,
    prescriber: User,
    pharmacist: User,
    django_assert_max_num_queries: Any,
) -> None:
    for n in range(3):
        clock.move_to(pat.created_at + timedelta(minutes=n))
        treated(clock, pat.clinic, prescriber, pharmacist, legal_name=f"More {n}")
    with django_assert_max_num_queries(30):  # a few per file, never one per row
        files = run(clinic_admin, pat.clinic)
    assert len(files["doses.csv"]) == 4
