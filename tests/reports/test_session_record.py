"""The session record's gathering: every part present, "not recorded" words, few queries."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ketacare.accounts.models import Clinic, User
from ketacare.audit.models import AuditAction, AuditEntry
from ketacare.kernel.errors import NotAllowed, NotFound
from ketacare.patients.phases import Phase
from ketacare.reports.session_record import SessionRecord, session_record
from ketacare.reports.session_record_rows import NOT_RECORDED, Row
from ketacare.treatment.models import DosingSession
from tests.factories import SitterFactory
from tests.reports.session_record_helpers import bare_session, full_session
from tests.treatment.helpers import NOW
from tests.web.workspace.conftest import make_patient

pytestmark = pytest.mark.django_db

# The patient's check, the session with its one-to-ones, the readings, the adverse
# events, the lot, the alerts, the induction review: whatever the session holds.
MAX_READS = 7


@pytest.fixture(autouse=True)
def clock() -> Iterator[time_machine.Coordinates]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def session(clinic: Clinic, clinician: User, prescriber: User, pharmacist: User) -> DosingSession:
    return full_session(clinic, clinician, prescriber, pharmacist)


def values(rows: list[Row]) -> dict[str, str]:
    return {row.label: row.value for row in rows}


def text(rec: SessionRecord) -> str:
    parts = (
        rec.product,
        rec.checklist,
        rec.blood_pressure,
        rec.sitter,
        rec.cadss6,
        rec.side_effects,
        rec.adverse_events,
        rec.reviews,
    )
    return " ".join(f"{r.label}: {r.value}" for rows in parts for r in rows)


def test_every_part_of_a_full_session(session: DosingSession, clinician: User):
    rec = session_record(clinician, session.patient, session.pk)
    patient = session.patient
    assert (rec.patient_name, rec.record_number) == ("Jo Journey", patient.record_number)
    assert rec.date_of_birth == f"{patient.date_of_birth:%Y-%m-%d}"
    assert rec.zone == "America/New_York"
    # Dosed 2025-03-01 23:00 UTC: 18:00 in New York, the same day there.
    assert rec.session_date == "2025-03-01"
    assert rec.filename == "session-record-2025-03-01.pdf"
    product = values(rec.product)
    assert product["Product"].startswith("Ketamine (racemic), troche 50 mg")
    assert product["Lot"].startswith("LOT-2025-01")
    assert product["Dose taken"] == "100 mg at 2025-03-01 18:00"
    assert values(rec.checklist)["Checklist result"] == "Passed"
    assert values(rec.checklist)["Fasted"] == "Yes"
    bp = values(rec.blood_pressure)
    assert bp["Before the dose"].startswith("120/80 mmHg")
    assert bp["At about 40 min"].startswith("150/95 mmHg (18:40, 40 min after the dose)")
    assert bp["At release"].startswith("131/84 mmHg (20:00, 120 min after the dose)")
    sitter = values(rec.sitter)
    assert sitter["Sitter"] == "Sid Sitter"
    assert "Sid Sitter confirmed being there" in sitter["Presence"]
    assert sitter["Release"].startswith("Sid Sitter confirmed alert and stable at 2025-03-01 20:10")
    assert sitter["Sitter's note"] == "All fine."
    assert values(rec.cadss6)["CADSS-6"].startswith("3 of 24")
    effects = values(rec.side_effects)
    assert (effects["Feeling"], effects["Side effects"]) == ("Okay", "Feeling sick (nausea)")
    assert "Felt faint for a minute." in text(rec)
    assert "acknowledged by" in text(rec).lower()
    assert "UTC" not in text(rec)


def test_a_session_without_sitter_or_readings_says_not_recorded(
    clinic: Clinic, clinician: User, prescriber: User
):
    patient = make_patient(clinic, "Bo Bare", with_account=True, phase=Phase.APPROVED.value)
    session = bare_session(prescriber, patient)
    rec = session_record(clinician, patient, session.pk)
    bp = values(rec.blood_pressure)
    assert bp["At about 40 min"] == NOT_RECORDED
    assert bp["At release"] == NOT_RECORDED
    assert values(rec.sitter)["Release"] == NOT_RECORDED
    assert values(rec.sitter)["Presence"].startswith(NOT_RECORDED)
    assert values(rec.product)["Dose taken"] == NOT_RECORDED
    assert values(rec.product)["Lot"].startswith(NOT_RECORDED)
    assert values(rec.cadss6)["CADSS-6"] == NOT_RECORDED
    assert values(rec.side_effects)["Post-dose check-in"] == NOT_RECORDED
    assert values(rec.adverse_events) == {"Adverse events": "None reported"}
    assert values(rec.reviews) == {"Reviewed by": "Not reviewed yet"}


def test_the_query_count_is_bounded(session: DosingSession, clinician: User):
    patient = session.patient
    with CaptureQueriesContext(connection) as queries:
        session_record(clinician, patient, session.pk)
    reads = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith("SELECT") and "audit_" not in q["sql"]
    ]
    assert len(reads) <= MAX_READS, reads


def test_the_read_is_audited_as_a_read_of_the_patient(session: DosingSession, clinician: User):
    session_record(clinician, session.patient, session.pk)
    entry = AuditEntry.objects.filter(action=AuditAction.READ, patient_id=session.patient_id).last()
    assert entry is not None
    assert entry.detail == {"via": "session record", "session_id": session.pk}
    assert entry.actor_id == clinician.pk


def test_the_patient_reads_their_own_without_the_clinic_alerts(session: DosingSession):
    rec = session_record(session.patient.user, session.patient, session.pk)
    assert "acknowledged by" not in text(rec).lower()


def test_a_sitter_may_not(session: DosingSession):
    sitter = session.released_by_sitter
    assert sitter is not None
    with pytest.raises(NotAllowed):
        session_record(sitter.user, session.patient, session.pk)
    assert not AuditEntry.objects.filter(
        patient_id=session.patient_id, detail__via="session record"
    ).exists()


def test_another_patients_session_is_not_found(
    session: DosingSession, clinic: Clinic, clinician: User, prescriber: User
):
    other = make_patient(clinic, "Olly Other", with_account=True, phase=Phase.APPROVED.value)
    with pytest.raises(NotFound):
        session_record(clinician, other, session.pk)
    assert SitterFactory  # the factory module loads (sitters are built by the helpers)
