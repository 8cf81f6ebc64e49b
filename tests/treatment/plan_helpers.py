"""A dose taken through the services, for the plan tests that need "after a dose"."""

from __future__ import annotations

from ketacare.patients.models import Patient
from ketacare.treatment import services
from ketacare.treatment.models import DosingSession
from ketacare.treatment.specs.sessions import DoseSpec
from tests.treatment.helpers import ready_session


def dose_once(patient: Patient, dose_mg: float) -> DosingSession:
    """One session: the patient's adult sitter confirms, the gate passes, the dose is taken."""
    assert patient.user is not None
    session = ready_session(patient.user, patient)
    assert session.status == "ready", session.gate_findings
    return services.record_dose_taken(patient.user, session, DoseSpec(dose_mg=dose_mg))
