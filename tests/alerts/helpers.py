"""A patient who took a dose at 10:00 UTC, through the real treatment services; an urgent alert."""

from __future__ import annotations

from datetime import UTC, date, datetime

from ketacare.accounts.models import Clinic, User
from ketacare.alerts.models import Alert, AlertCause, AlertSeverity
from ketacare.alerts.services import raise_alert
from ketacare.kernel.specs import read
from ketacare.patients.models import Patient, Sitter
from ketacare.patients.phases import Phase
from ketacare.treatment import services
from ketacare.treatment.models import DosingSession
from ketacare.treatment.specs.dispensing import DispenseSpec
from ketacare.treatment.specs.plans import PlanSpec
from ketacare.treatment.specs.sessions import ChecklistSpec, DoseSpec
from tests.factories import (
    PatientFactory,
    PdmpCheckFactory,
    SitterFactory,
    UserFactory,
    shelve,
)
from tests.treatment.helpers import CHECKLIST, PLAN, rx_spec

DOSE_AT = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # a Monday


def dosed_session(clinic: Clinic, *, sitter_phone: str = "+1 555 222 3333") -> DosingSession:
    """Patient, sitter (with their own sign-in), plan, prescription, fill; the dose at 10:00.

    Call with the clock at DOSE_AT.
    """
    prescriber = UserFactory(clinic=clinic, prescriber=True)
    pharmacist = UserFactory(clinic=clinic, pharmacist=True)
    patient: Patient = PatientFactory(
        clinic=clinic, with_account=True, phase=Phase.APPROVED.value, timezone="UTC"
    )
    sitter: Sitter = SitterFactory(clinic=clinic, patients=[patient], phone=sitter_phone)
    schedule = PLAN["schedule"] | {"first_day": DOSE_AT.date().isoformat(), "time_of_day": "10:00"}
    plan = services.create_plan(prescriber, patient, read(PlanSpec, PLAN | {"schedule": schedule}))
    PdmpCheckFactory(patient=patient, checked_by=prescriber)
    prescription = services.write_prescription(
        prescriber,
        patient,
        rx_spec(
            plan=plan,
            quantity=8,
            refills=0,
            directions="Hold 2 troches under the tongue for 15 minutes, with your sitter present.",
            earliest_refill_on=None,
        ),
    )
    shelve(prescription, clinic, lot_number="LOT-1", expires_on=date(2027, 1, 31))
    services.dispense(pharmacist, prescription, DispenseSpec(quantity=8, lot_number="LOT-1"))
    assert patient.user is not None
    assert sitter.user is not None
    services.confirm_sitter_presence(sitter.user, patient)
    session = services.start_session(patient.user, patient, read(ChecklistSpec, CHECKLIST))
    return services.record_dose_taken(patient.user, session, DoseSpec(dose_mg=100))


def patient_user(session: DosingSession) -> User:
    user = session.patient.user
    assert user is not None
    return user


def urgent_alert(patient: Patient) -> Alert:
    """An urgent alert that pages level 1 of the roster and escalates."""
    return raise_alert(
        patient=patient,
        cause=AlertCause.BP_RISE_AFTER_DOSE,
        severity=AlertSeverity.URGENT,
        subject="check_in:1",
        title="Blood pressure rise after a dose",
        message="",
    )
