"""The treatment phases: the first dose starts induction; the prescriber does the rest.

The prescriber's moves (induction -> maintenance, pause and resume, discharge) go
through `patients.services`, so the phase machine, its guards (a reason to pause or
discharge) and the history are the patients app's. The first dose is different: the
patient (or their sitter) records it, and patients may not move phases
(accounts.roles.PHASE_ROLES), so `start_induction_on_first_dose` makes that one move
itself, as part of the dose's transaction, through the same phase table
(`patients.phases.check_transition`) and with the same history row and audit entry
that `patients.services.move_patient` writes. Its actor is whoever recorded the dose.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ketacare.audit.log import Event
from ketacare.patients import services as patient_services
from ketacare.patients.models import Patient
from ketacare.patients.phases import Phase
from ketacare.treatment.access import PRESCRIBERS, require

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


def start_maintenance(actor: User, patient: Patient) -> Patient:
    """Induction -> maintenance (prescriber)."""
    require(actor, patient, PRESCRIBERS, "move a patient to maintenance")
    return patient_services.start_maintenance(actor, patient)


def pause_treatment(actor: User, patient: Patient, *, reason: str) -> Patient:
    """Induction | maintenance -> paused, with a reason (prescriber)."""
    require(actor, patient, PRESCRIBERS, "pause a patient's treatment")
    return patient_services.pause(actor, patient, reason)


def resume_treatment(actor: User, patient: Patient) -> Patient:
    """Paused -> the phase it was paused from (prescriber)."""
    require(actor, patient, PRESCRIBERS, "resume a patient's treatment")
    return patient_services.resume(actor, patient)


def discharge_patient(actor: User, patient: Patient, *, reason: str) -> Patient:
    """Discharge with a reason (prescriber); the ledger stays open for returns and counts."""
    require(actor, patient, PRESCRIBERS, "discharge a patient")
    return patient_services.discharge(actor, patient, reason)
