"""The pre-dose checklist: the patient's and sitter's answers through the gate."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from ketacare.assessments.models import QuestionnaireResponse
from ketacare.assessments.services import store_response
from ketacare.audit.log import Event
from ketacare.audit.models import AuditAction
from ketacare.clinical import instruments, predose, safety
from ketacare.kernel import clock, usecase
from ketacare.kernel.usecase import use_case
from ketacare.patients.models import Patient
from ketacare.treatment import alerting
from ketacare.treatment.access import TREATING, require_phase
from ketacare.treatment.errors import NoActivePlan
from ketacare.treatment.gate import Checklist, gate_facts, latest_presence
from ketacare.treatment.models import DosingSession, SessionStatus, TreatmentPlan
from ketacare.treatment.plans import plan_safety_rules
from ketacare.treatment.sessions.common import doses_taken, finding_json, require_session_actor
from ketacare.treatment.specs.sessions import ChecklistSpec

if TYPE_CHECKING:
    from ketacare.accounts.models import User


def _current_plan(patient: Patient) -> TreatmentPlan:
    plan = TreatmentPlan.objects.filter(patient_id=patient.pk, is_current=True).first()
    if plan is None:
        raise NoActivePlan("The patient has no treatment plan: no dose can be taken.")
    return plan


@use_case("start_session")
def start_session(actor: User, patient: Patient, spec: ChecklistSpec) -> DosingSession:
    """Run the pre-dose checklist through the gate and store the session either way.

    Returns the session: "ready" when the gate passed, "gate_failed" with its findings
    (cause, severity, message, next_step, source) when it did not. The checklist asks
    the C-SSRS screen since the last contact (CLINICAL.md G3): stored as a questionnaire
    response, with its alerts. The sitter is the one who last confirmed being with the
    patient (from their own sign-in, or with a code texted to their phone).
    """
    require_session_actor(actor, patient, "start_session")
    # The patient's lock: two sessions at once see each other's doses.
    locked = Patient.objects.select_for_update(no_key=True).get(pk=patient.pk)
    require_phase(locked, TREATING, "start a dosing session")
    plan = _current_plan(locked)
    now = clock.now()
    checklist = Checklist(
        blood_pressure=spec.blood_pressure,
        heart_rate=spec.heart_rate_bpm,
        measured_at=now,
        sitter_present=spec.sitter_present,
        fasted=spec.fasted,
        no_driving_until_tomorrow=spec.no_driving_until_tomorrow,
        substances_today=frozenset(safety.Substance(s) for s in spec.substances_today),
        cssrs=spec.cssrs,
    )
    response, new_response = _screen_response(actor, locked, spec.cssrs, now)
    session, gate = _gated_session(actor, locked, plan, checklist, response)
    alerting.gate_failed(locked, session, gate)
    usecase.note(Event.about(AuditAction.CREATE, session, detail={"status": session.status}))
    if new_response:
        usecase.note(
            Event.about(AuditAction.CREATE, response, detail={"instrument": "cssrs_screen"})
        )
    return session


def _gated_session(
    actor: User,
    patient: Patient,
    plan: TreatmentPlan,
    checklist: Checklist,
    response: QuestionnaireResponse,
) -> tuple[DosingSession, predose.GateResult]:
    """The checklist through the gate, stored as a session either way (under the lock)."""
    now = checklist.measured_at
    presence = latest_presence(patient, now)
    facts = gate_facts(patient, plan, checklist, now=now, presence=presence)
    gate = predose.check_pre_dose(facts, plan_safety_rules(plan))
    session = DosingSession.objects.create(
        patient=patient,
        plan=plan,
        status=SessionStatus.READY if gate.allowed else SessionStatus.GATE_FAILED,
        sitter_present=checklist.sitter_present,
        sitter_name=presence.sitter.name if presence else "",
        sitter=presence.sitter if presence else None,
        sitter_presence=presence,
        cssrs_response=response,
        fasted=checklist.fasted,
        no_driving_until_tomorrow=checklist.no_driving_until_tomorrow,
        substances_today=sorted(s.value for s in checklist.substances_today),
        systolic_mmhg=checklist.blood_pressure.systolic_mmhg,
        diastolic_mmhg=checklist.blood_pressure.diastolic_mmhg,
        heart_rate_bpm=None if checklist.heart_rate is None else checklist.heart_rate.bpm,
        gate_findings=[finding_json(f) for f in gate.findings],
        doses_before=doses_taken(patient),
        started_by=actor,
        started_at=now,
    )
    return session, gate


def _screen_response(
    actor: User, locked: Patient, screen: instruments.Score, now: datetime
) -> tuple[QuestionnaireResponse, bool]:
    """The checklist's C-SSRS screen as a response, and whether it is new.

    A checklist answered again at the same instant (a double submit) has it already.
    """
    same = QuestionnaireResponse.objects.filter(
        patient=locked, instrument="cssrs_screen", recorded_at=now
    ).first()
    if same is not None:
        return same, False
    return store_response(actor, locked, screen, context={}, at=now), True
