"""The treatment phases: the first dose starts induction; the prescriber does the rest.

The prescriber's moves (induction -> maintenance, pause and resume, discharge) are use
cases of their own, each a row of kernel.policy (prescriber only), applied through the
patients app's phase machine (`patients.services.apply_phase_move`: its guards, such as
a reason to pause or discharge, and its history row). The first dose is different: the
patient (or their sitter) records it, and patients may not move phases, so
`start_induction_on_first_dose` makes that one move as part of the dose's use case,
through the same phase machine. Its actor is whoever recorded the dose.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ketacare.audit.log import Event
from ketacare.kernel import usecase
from ketacare.kernel.usecase import use_case
from ketacare.patients import services as patient_services
from ketacare.patients.access import require
from ketacare.patients.models import Patient
from ketacare.patients.phases import Phase
from ketacare.treatment.specs.plans import MoveSpec

if TYPE_CHECKING:
    from ketacare.accounts.models import User
    from ketacare.treatment.models import DosingSession


def start_induction_on_first_dose(actor: User, locked: Patient, session: DosingSession) -> Event:
    """Approved -> induction for a patient whose row the caller holds locked.

    Returns the audit event for the caller to record with the dose's own entry.
    """
    return patient_services.apply_phase_move(
        actor, locked, Phase.INDUCTION, reason=f"first dose taken (session {session.pk})"
    )


def _move(actor: User, patient: Patient, name: str, target: Phase | None, reason: str) -> Patient:
    """The move `name` to `target` (None: back to the phase the patient was paused from)."""
    require(actor, patient, name)
    # Lock and re-read: two prescribers clicking at once must not both succeed.
    locked = Patient.objects.select_for_update(no_key=True).get(pk=patient.pk)
    to = target or locked.paused_from_enum or Phase.MAINTENANCE
    usecase.note(patient_services.apply_phase_move(actor, locked, to, reason))
    return locked


@use_case("start_maintenance")
def start_maintenance(actor: User, patient: Patient, spec: MoveSpec) -> Patient:
    """Induction -> maintenance (prescriber)."""
    return _move(actor, patient, "start_maintenance", Phase.MAINTENANCE, spec.reason)


@use_case("pause_treatment")
def pause_treatment(actor: User, patient: Patient, spec: MoveSpec) -> Patient:
    """Induction | maintenance -> paused, with a reason (prescriber)."""
    return _move(actor, patient, "pause_treatment", Phase.PAUSED, spec.reason)


@use_case("resume_treatment")
def resume_treatment(actor: User, patient: Patient, spec: MoveSpec) -> Patient:
    """Paused -> the phase it was paused from (prescriber)."""
    return _move(actor, patient, "resume_treatment", None, spec.reason)


@use_case("discharge_patient")
def discharge_patient(actor: User, patient: Patient, spec: MoveSpec) -> Patient:
    """Discharge with a reason (prescriber); the ledger stays open for returns and counts."""
    return _move(actor, patient, "discharge_patient", Phase.DISCHARGED, spec.reason)
