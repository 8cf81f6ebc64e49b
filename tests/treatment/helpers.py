"""Plans, checklists and stock for the treatment tests."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from ketacare.accounts.models import Clinic, User
from ketacare.kernel import specs
from ketacare.kernel.specs import read
from ketacare.patients.models import ClinicProtocol, Patient, PatientReturns
from ketacare.treatment import services
from ketacare.treatment.models import (
    Dispense,
    DosingSession,
    Prescription,
    SitterPresence,
    TreatmentPlan,
)
from ketacare.treatment.specs.dispensing import DispenseSpec
from ketacare.treatment.specs.ledger import LedgerEventSpec
from ketacare.treatment.specs.plans import ClearanceSpec, PlanRevisionSpec, PlanSpec
from ketacare.treatment.specs.prescriptions import CorrectionSpec, PrescriptionSpec, VoidSpec
from ketacare.treatment.specs.sessions import ChecklistSpec
from tests.factories import PdmpCheckFactory, SitterFactory, UserFactory, shelve

# Monday 3 March 2025, 18:00 in New York (the factories' patient time zone).
NOW = datetime(2025, 3, 3, 23, 0, tzinfo=UTC)
TODAY = date(2025, 3, 3)

# 50 mg scored troches (halves of 25 mg), 100 mg a session: 2 troches.
TROCHES = {"kind": "troche", "strength_mg": 50, "scored": True}
SCHEDULE = {
    "pattern": "at_home",
    "first_day": "2025-03-03",
    "time_of_day": "18:00",
    "maintenance_weeks": 4,
}
PLAN: dict[str, Any] = {
    "route": "sublingual",
    "formulation": TROCHES,
    "dose_mg": 100,
    "schedule": SCHEDULE,
}
# The C-SSRS screen since the last contact, every answer no (CLINICAL.md A8, G3).
NO_IDEATION = {"wish_to_be_dead": False, "suicidal_thoughts": False, "behaviour": False}
CHECKLIST: dict[str, Any] = {
    "sitter_present": True,
    "cssrs": NO_IDEATION,
    "fasted": True,
    "no_driving_until_tomorrow": True,
    "substances_today": [],
    "systolic_mmhg": 120,
    "diastolic_mmhg": 80,
}


def plan_for(prescriber: User, patient: Patient, **changes: Any) -> TreatmentPlan:
    """The plan, and the prescriber's state PDMP check (every prescription needs a recent one)."""
    plan = services.create_plan(prescriber, patient, specs.read(PlanSpec, PLAN | changes))
    PdmpCheckFactory(patient=patient, checked_by=prescriber)
    return plan


def revision(**fields: Any) -> PlanRevisionSpec:
    """A revision of the plan as the prescriber writes it: what changes, and why."""
    return specs.read(PlanRevisionSpec, fields)


def clearance(**fields: Any) -> ClearanceSpec:
    """A clinician's clearance of a hold on dosing: which hold, and their note."""
    return specs.read(ClearanceSpec, fields)


def rx_spec(*, plan: TreatmentPlan, **fields: Any) -> PrescriptionSpec:
    """A prescription of `plan` as the prescriber writes it."""
    return specs.read(PrescriptionSpec, fields | {"plan_id": plan.pk})


def correction(**fields: Any) -> CorrectionSpec:
    """The replacement of a prescription, and why."""
    return specs.read(CorrectionSpec, fields)


def rx_void(**fields: Any) -> VoidSpec:
    """Why a prescription is voided."""
    return specs.read(VoidSpec, fields)


def prescribe(
    prescriber: User,
    patient: Patient,
    *,
    quantity: int = 8,
    refills: int = 2,
    earliest_refill_on: date | None = date(2025, 3, 24),
) -> Prescription:
    plan = services.active_plan(patient)
    assert plan is not None
    PdmpCheckFactory(patient=patient, checked_by=prescriber)
    return services.write_prescription(
        prescriber,
        patient,
        rx_spec(
            plan=plan,
            quantity=quantity,
            refills=refills,
            directions="Hold 2 troches under the tongue for 15 minutes, with your sitter present.",
            earliest_refill_on=earliest_refill_on if refills else None,
        ),
    )


def fill(pharmacist: User, prescription: Prescription, quantity: int = 8, **extra: Any) -> Dispense:
    lot = {"quantity": quantity, "lot_number": "LOT-2025-01", "expires_on": date(2026, 1, 31)}
    fields = lot | extra
    clinic = prescription.patient.clinic
    shelve(prescription, clinic, lot_number=fields["lot_number"], expires_on=fields["expires_on"])
    return services.dispense(pharmacist, prescription, read(DispenseSpec, fields))


def ledger_spec(
    kind: Any, quantity: Any, *, witness: User | None = None, note: str = ""
) -> LedgerEventSpec:
    """A ledger event by hand; the witness by their id, as the faces give it."""
    fields = {"kind": kind, "quantity": quantity, "note": note}
    if witness is not None:
        fields["witness_id"] = witness.pk
    return read(LedgerEventSpec, fields)


def sitter_here(patient: Patient) -> SitterPresence:
    """The patient's registered adult sitter confirms being there, from their own sign-in."""
    sitter = patient.sitters.filter(adult_confirmed=True, user__isnull=False).first()
    if sitter is None:
        sitter = SitterFactory(clinic=patient.clinic, patients=[patient])
    assert sitter.user is not None
    return services.confirm_sitter_presence(sitter.user, patient)


def ready_session(
    actor: User, patient: Patient, *, with_sitter: bool = True, **changes: Any
) -> DosingSession:
    """The pre-dose checklist; a sitter confirms first unless `with_sitter=False`."""
    if with_sitter:
        sitter_here(patient)
    return services.start_session(actor, patient, read(ChecklistSpec, (CHECKLIST | changes)))


def after_observation(clock: Any, session: DosingSession) -> None:
    """Move the frozen clock to the end of the session's observation (the check-in opens)."""
    assert session.observation_ends_at is not None
    clock.move_to(session.observation_ends_at)


# The release check-in's blood pressure (CLINICAL.md D: required).
CHECK_IN_BP = (124, 80)


def balance(patient: Patient) -> Decimal:
    patient.ledger_account.refresh_from_db()
    return patient.ledger_account.balance


def accept_returns(clinic: Clinic) -> ClinicProtocol:
    """The clinic's protocol, a new version: it takes back patients' units (21 CFR 1317).

    Returns and destructions on a patient's ledger are refused elsewhere (fail closed).
    """
    current = ClinicProtocol.objects.filter(clinic=clinic, is_current=True).first()
    if current is not None:
        ClinicProtocol.objects.filter(pk=current.pk).update(is_current=False)
    return ClinicProtocol.objects.create(
        clinic=clinic,
        version=current.version + 1 if current is not None else 1,
        changes=current.changes if current is not None else {},
        require_review_note_for_revision=current is not None
        and current.require_review_note_for_revision,
        patient_returns=PatientReturns.AUTHORISED_COLLECTOR,
        reason="Registered with the DEA as an authorised collector.",
        written_by=User.objects.filter(clinic=clinic).first()
        or UserFactory(clinic=clinic, clinic_admin=True),
    )
