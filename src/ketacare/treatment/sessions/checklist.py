"""The pre-dose checklist: the patient's and sitter's answers through the gate."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from django.db import transaction

from ketacare.assessments.models import QuestionnaireResponse
from ketacare.assessments.services import store_response
from ketacare.audit.log import Event, record_many
from ketacare.audit.models import AuditAction
from ketacare.clinical import instruments, predose, safety
from ketacare.clinical.vitals import HeartRate
from ketacare.kernel import clock
from ketacare.patients.models import Patient
from ketacare.treatment import alerting
from ketacare.treatment.access import TREATING, require_phase
from ketacare.treatment.errors import NoActivePlan
from ketacare.treatment.gate import Checklist, gate_facts, latest_presence
from ketacare.treatment.models import DosingSession, SessionStatus, SubstanceToday, TreatmentPlan
from ketacare.treatment.parsing import Errors, as_bool, as_choices
from ketacare.treatment.plans import plan_safety_rules
from ketacare.treatment.sessions.common import (
    blood_pressure,
    doses_taken,
    finding_json,
    read,
    require_session_actor,
)

if TYPE_CHECKING:
    from ketacare.accounts.models import User


def _heart_rate(bpm: object, errors: Errors) -> HeartRate | None:
    if bpm is None:
        return None
    if type(bpm) is not int:
        errors.add("heart_rate_bpm", "Give the heart rate as a whole number of beats a minute.")
        return None
    try:
        return HeartRate(bpm)
    except ValueError as exc:
        errors.add("heart_rate_bpm", str(exc))
        return None


def _cssrs(raw: object, errors: Errors) -> instruments.Score | None:
    """The checklist's C-SSRS screen: {item: 0 or 1} or the seven answers in order."""
    given: object = raw
    if isinstance(raw, Mapping):
        try:
            given = {int(k): v for k, v in raw.items()}
        except (TypeError, ValueError):
            errors.add("cssrs_answers", "Number the C-SSRS answers by question (1-7).")
            return None
    elif not isinstance(raw, Sequence) or isinstance(raw, str):
        errors.add("cssrs_answers", "Answer the questions about thoughts of suicide.")
        return None
    try:
        return instruments.score("cssrs_screen", given)  # type: ignore[arg-type]
    except instruments.InvalidAnswers as exc:
        errors.add("cssrs_answers", str(exc))
        return None


def _current_plan(patient: Patient) -> TreatmentPlan:
    plan = TreatmentPlan.objects.filter(patient_id=patient.pk, is_current=True).first()
    if plan is None:
        raise NoActivePlan("The patient has no treatment plan: no dose can be taken.")
    return plan


def _read_checklist(  # noqa: PLR0913 - the checklist's answers, item by item
    *,
    sitter_present: object,
    fasted: object,
    no_driving_until_tomorrow: object,
    cssrs_answers: object,
    systolic_mmhg: object,
    diastolic_mmhg: object,
    substances_today: object,
    heart_rate_bpm: object,
) -> tuple[Checklist, instruments.Score]:
    """The answers as a Checklist (its time is set under the lock) and the C-SSRS screen.

    Every bad answer is refused at once (ValidationError naming each).
    """
    errors = Errors()
    present = as_bool(sitter_present, "sitter_present", errors)
    fasting = as_bool(fasted, "fasted", errors)
    no_driving = as_bool(no_driving_until_tomorrow, "no_driving_until_tomorrow", errors)
    substances = as_choices(substances_today, SubstanceToday, "substances_today", errors) or []
    pressure = blood_pressure(systolic_mmhg, diastolic_mmhg, errors)
    pulse = _heart_rate(heart_rate_bpm, errors)
    screen = _cssrs(cssrs_answers, errors)
    errors.raise_if_any()
    checklist = Checklist(
        blood_pressure=read(pressure),
        heart_rate=pulse,
        measured_at=clock.now(),
        sitter_present=read(present),
        fasted=read(fasting),
        no_driving_until_tomorrow=read(no_driving),
        substances_today=frozenset(safety.Substance(s) for s in substances),
        cssrs=screen,
    )
    return checklist, read(screen)


def start_session(  # noqa: PLR0913 - the pre-dose checklist, item by item
    actor: User,
    patient: Patient,
    *,
    sitter_present: bool,
    fasted: bool,
    no_driving_until_tomorrow: bool,
    cssrs_answers: Sequence[int] | Mapping[int, int] | Mapping[str, int],
    systolic_mmhg: int,
    diastolic_mmhg: int,
    substances_today: Iterable[str] = (),
    heart_rate_bpm: int | None = None,
) -> DosingSession:
    """Run the pre-dose checklist through the gate and store the session either way.

    Returns the session: "ready" when the gate passed, "gate_failed" with its findings
    (cause, severity, message, next_step, source) when it did not. The checklist asks
    the C-SSRS screen since the last contact (CLINICAL.md G3): stored as a questionnaire
    response, with its alerts. The sitter is the one who last confirmed being with the
    patient (from their own sign-in, or with a code texted to their phone).
    """
    require_session_actor(actor, patient, "start a dosing session")
    answered, screen = _read_checklist(
        sitter_present=sitter_present,
        fasted=fasted,
        no_driving_until_tomorrow=no_driving_until_tomorrow,
        cssrs_answers=cssrs_answers,
        systolic_mmhg=systolic_mmhg,
        diastolic_mmhg=diastolic_mmhg,
        substances_today=substances_today,
        heart_rate_bpm=heart_rate_bpm,
    )
    with transaction.atomic():
        # The patient's lock: two sessions at once see each other's doses.
        locked = Patient.objects.select_for_update(no_key=True).get(pk=patient.pk)
        require_phase(locked, TREATING, "start a dosing session")
        plan = _current_plan(locked)
        now = clock.now()
        checklist = dataclasses.replace(answered, measured_at=now)
        response, new_response = _screen_response(actor, locked, screen, now)
        session, gate = _gated_session(actor, locked, plan, checklist, response)
        alerting.gate_failed(locked, session, gate)
        events = [Event.about(AuditAction.CREATE, session, detail={"status": session.status})]
        if new_response:
            events.append(
                Event.about(AuditAction.CREATE, response, detail={"instrument": "cssrs_screen"})
            )
        record_many(events, actor=actor)
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
