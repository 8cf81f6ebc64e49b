"""The clinic the browser tests play in, and the states they start from.

The journey test drives every step through the pages; what is not part of the journey
(the clinic, its staff with their passwords, the consent document, the patient's
account, the sitter) is made here with the factories and the services.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ketacare.accounts.models import Clinic, User
from ketacare.intake import services as intake_services
from ketacare.intake import specs as intake_specs
from ketacare.intake.specs import ReviewSpec
from ketacare.kernel.specs import read
from ketacare.patients import services as patient_services
from ketacare.patients.models import ConsentDocument, Patient, Sitter
from ketacare.patients.specs import SignatureSpec
from ketacare.treatment import services as treatment
from ketacare.treatment.dispensing import patient_today
from ketacare.treatment.models import DosingSession, Prescription, TreatmentPlan
from ketacare.treatment.specs.dispensing import DispenseSpec
from ketacare.treatment.specs.plans import PlanSpec
from ketacare.treatment.specs.sessions import ChecklistSpec
from tests.factories import (
    ClinicFactory,
    ConsentDocumentFactory,
    PatientFactory,
    PdmpCheckFactory,
    SitterFactory,
    UserFactory,
    shelve,
)
from tests.intake.conftest import COMPLETE
from tests.treatment.helpers import NO_IDEATION, rx_spec

# The patient of the journey: what they type in the intake form, and what is on file.
PATIENT_NAME = "Jordan Rivers"
PATIENT_USERNAME = "jordan"
SITTER_NAME = "Robin Sitter"
# 50 mg scored troches, 100 mg a session: 2 troches (as in tests/treatment/helpers.py).
TROCHES = {"kind": "troche", "strength_mg": 50, "scored": True}
DOSE_MG = 100


@dataclass
class Clinicians:
    """Clinic A and its people: everyone signs in with tests.factories.PASSWORD."""

    clinic: Clinic
    alice: User  # a clinician: reviews intakes, watches alerts
    priya: User  # a prescriber: writes plans and prescriptions
    phil: User  # a pharmacist: dispenses
    patient: Patient  # Jordan, with a sign-in, still screening
    sitter: Sitter  # Robin, Jordan's sitter, with a sign-in
    consent: ConsentDocument


def clinic_a() -> Clinicians:
    clinic = ClinicFactory(name="Riverside Ketamine Clinic", timezone="America/New_York")
    patient = PatientFactory(
        clinic=clinic,
        with_account=True,
        user__username=PATIENT_USERNAME,
        user__first_name="Jordan",
        user__last_name="Rivers",
        legal_name=PATIENT_NAME,
        date_of_birth=dt.date(1985, 6, 15),
    )

    def _staff(username: str, first: str, last: str, **role: bool) -> User:
        return UserFactory(
            clinic=clinic, username=username, first_name=first, last_name=last, **role
        )

    return Clinicians(
        clinic=clinic,
        alice=_staff("alice", "Alice", "Moreno", clinician=True),
        priya=_staff("priya", "Priya", "Shah", prescriber=True),
        phil=_staff("phil", "Phil", "Okafor", pharmacist=True),
        patient=patient,
        sitter=SitterFactory(
            clinic=clinic,
            patients=[patient],
            name=SITTER_NAME,
            user__username="robin",
            user__first_name="Robin",
            user__last_name="Sitter",
        ),
        consent=ConsentDocumentFactory(clinic=clinic),
    )


# --- States reached by services, for the tests that start further along ---------------

# What the journey types into the intake form, given here through the service: the
# intake tests' complete, eligible intake.
COMPLETE_INTAKE = COMPLETE


def submitted(people: Clinicians, patient: Patient | None = None) -> Patient:
    """The patient has signed the consent and submitted a complete intake."""
    patient = patient or people.patient
    assert patient.user is not None
    signature = SignatureSpec(signature_name=patient.legal_name)
    patient_services.sign_consent(patient.user, patient, people.consent, signature)
    intake = intake_services.start_intake(patient.user, patient)
    intake = intake_services.save_intake_draft(
        patient.user, intake, intake_specs.draft(COMPLETE_INTAKE)
    )
    intake_services.submit_intake(patient.user, intake)
    patient.refresh_from_db()
    return patient


def approved(people: Clinicians, patient: Patient | None = None) -> Patient:
    patient = submitted(people, patient)
    intake = patient.intakes.get(status="submitted")
    intake_services.review_intake(
        people.alice, intake, read(ReviewSpec, {"decision": "approve", "justification": ""})
    )
    patient.refresh_from_db()
    return patient


def planned(people: Clinicians, patient: Patient) -> TreatmentPlan:
    today = patient_today(patient)
    return treatment.create_plan(
        people.priya,
        patient,
        read(
            PlanSpec,
            {
                "route": "sublingual",
                "formulation": TROCHES,
                "dose_mg": DOSE_MG,
                "schedule": {
                    "pattern": "at_home",
                    "first_day": today.isoformat(),
                    "time_of_day": "18:00",
                    "maintenance_weeks": 4,
                },
            },
        ),
    )


def stocked(people: Clinicians, patient: Patient | None = None) -> Patient:
    """Approved, with a plan, a prescription and the first fill at home."""
    patient = approved(people, patient)
    plan = planned(people, patient)
    PdmpCheckFactory(patient=patient, checked_by=people.priya)
    prescription: Prescription = treatment.write_prescription(
        people.priya,
        patient,
        rx_spec(
            plan=plan,
            quantity=8,
            refills=0,
            directions="Hold 2 troches under the tongue for 15 minutes, with your sitter present.",
            earliest_refill_on=None,
        ),
    )
    expires_on = patient_today(patient) + dt.timedelta(days=365)
    shelve(prescription, people.clinic, lot_number="LOT-2026-01", expires_on=expires_on)
    treatment.dispense(
        people.phil, prescription, DispenseSpec(quantity=8, lot_number="LOT-2026-01")
    )
    return patient


def session_started(people: Clinicians, patient: Patient) -> DosingSession:
    """The sitter has confirmed from their own sign-in; the checklist passed."""
    assert patient.user is not None
    assert people.sitter.user is not None
    treatment.confirm_sitter_presence(people.sitter.user, patient)
    return treatment.start_session(
        patient.user,
        patient,
        ChecklistSpec(
            sitter_present=True,
            cssrs=NO_IDEATION,
            fasted=True,
            no_driving_until_tomorrow=True,
            systolic_mmhg=124,
            diastolic_mmhg=78,
        ),
    )
