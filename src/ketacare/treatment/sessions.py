"""At-home dosing sessions: the pre-dose checklist and its gate, and the dose.

The gate (`clinical.predose.check_pre_dose`, with the plan's and the clinic's limits)
runs when the checklist is answered and again when the dose is recorded, each time on
the records as they are then (`treatment.gate`): a checklist that passed an hour ago, a
suicidality alert raised since, or a dose recorded on another session all hold the dose.

A failed checklist is stored with its reasons (every blood pressure is kept). A dose the
gate refuses at dose time is not recorded, unless the patient says they have already
taken it: then it is a fact, recorded as taken against the gate, and the care team is
paged. The same for a dose that is not the plan's: what was taken is stored, the
post-dose window starts as for any dose, and the ledger is decremented by it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar

from django.db import transaction

from ketacare.assessments.models import QuestionnaireResponse
from ketacare.assessments.services import store_response
from ketacare.audit.log import Event, record_many
from ketacare.audit.models import AuditAction
from ketacare.clinical import dosing, instruments, postdose, predose, safety
from ketacare.clinical.vitals import BloodPressure, HeartRate
from ketacare.kernel import clock
from ketacare.patients.models import Patient
from ketacare.patients.phases import Phase
from ketacare.treatment import alerting, ledger
from ketacare.treatment.access import SESSION_STAFF, TREATING, require, require_phase
from ketacare.treatment.errors import (
    AlreadyRecorded,
    GateFailed,
    GateOutdated,
    NoActivePlan,
    PlanChanged,
)
from ketacare.treatment.gate import Checklist, checklist_of, gate_facts, latest_presence
from ketacare.treatment.models import (
    DOSED_STATUSES,
    DiversionFinding,
    DiversionKind,
    DosingSession,
    LedgerEventKind,
    SessionStatus,
    SubstanceToday,
    TreatmentPlan,
)
from ketacare.treatment.parsing import Errors, as_aware, as_bool, as_choices, as_float
from ketacare.treatment.phase_moves import start_induction_on_first_dose
from ketacare.treatment.plans import plan_caps, plan_safety_rules

if TYPE_CHECKING:
    from ketacare.accounts.models import User
    from ketacare.treatment.models import LedgerEvent


_T = TypeVar("_T")


def finding_json(finding: safety.Finding) -> dict[str, str]:
    return {
        "cause": finding.cause.value,
        "severity": finding.severity.value,
        "message": finding.message,
        "next_step": finding.next_step,
        "source": finding.source,
    }


def finding_from_json(stored: Mapping[str, Any]) -> safety.Finding:
    """A finding as `finding_json` stored it, read back."""
    return safety.Finding(
        severity=safety.Severity(stored["severity"]),
        cause=safety.Cause(stored["cause"]),
        message=str(stored.get("message", "")),
        source=str(stored.get("source", "")),
        next_step=str(stored.get("next_step", "")),
    )


def require_session_actor(actor: User, patient: Patient, what: str) -> None:
    require(actor, patient, SESSION_STAFF, what, own=True, sitter=True)


def blood_pressure(systolic: object, diastolic: object, errors: Errors) -> BloodPressure | None:
    if type(systolic) is not int or type(diastolic) is not int:
        errors.add("blood_pressure", "Give both numbers of the blood pressure, as whole numbers.")
        return None
    try:
        return BloodPressure(systolic, diastolic)
    except ValueError as exc:
        errors.add("blood_pressure", str(exc))
        return None


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


def read(value: _T | None) -> _T:
    """A value its reader returned without error (after `Errors.raise_if_any`).

    A reader returns None only after noting an error, and raise_if_any refused those,
    so None here is a bug in this module, not bad input.
    """
    if value is None:
        raise AssertionError("a reader returned None without noting an error")
    return value


def _current_plan(patient: Patient) -> TreatmentPlan:
    plan = TreatmentPlan.objects.filter(patient_id=patient.pk, is_current=True).first()
    if plan is None:
        raise NoActivePlan("The patient has no treatment plan: no dose can be taken.")
    return plan


def _doses_taken(patient: Patient) -> int:
    return DosingSession.objects.filter(patient_id=patient.pk, status__in=DOSED_STATUSES).count()


# --- The checklist --------------------------------------------------------------------------


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
        presence = latest_presence(locked, now)
        facts = gate_facts(locked, plan, checklist, now=now, presence=presence)
        gate = predose.check_pre_dose(facts, plan_safety_rules(plan))
        session = DosingSession.objects.create(
            patient=locked,
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
            doses_before=_doses_taken(locked),
            started_by=actor,
            started_at=now,
        )
        alerting.gate_failed(locked, session, gate)
        events = [Event.about(AuditAction.CREATE, session, detail={"status": session.status})]
        if new_response:
            events.append(
                Event.about(AuditAction.CREATE, response, detail={"instrument": "cssrs_screen"})
            )
        record_many(events, actor=actor)
    return session


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


# --- The dose -------------------------------------------------------------------------------


def record_dose_taken(
    actor: User,
    session: DosingSession,
    *,
    dose_mg: float | Decimal,
    taken_at: datetime | None = None,
    already_taken: bool = False,
) -> DosingSession:
    """Record the dose: the gate runs again now, the window starts, the ledger goes down.

    Refused (nothing stored): the gate holds the dose now (GateFailed, with its findings;
    a checklist that failed, or one that no longer passes: too old, a dose or a
    suicidality signal since...), a dose already recorded (AlreadyRecorded), another dose
    since the checklist (GateOutdated), a revised plan (PlanChanged), a dose the product
    cannot make (a field error).

    `already_taken`: the patient reports a dose taken although the gate held it; it is
    recorded as taken against the gate and pages the care team (never refused). A dose
    that differs from the plan's is recorded as taken, not as planned, and pages. The
    patient's first dose moves them from approved to induction.
    """
    patient = session.patient
    require_session_actor(actor, patient, "record a dose")
    errors = Errors()
    amount = as_float(dose_mg, "dose_mg", errors, unit="mg")
    reported = as_bool(already_taken, "already_taken", errors)
    now = clock.now()
    when = now if taken_at is None else as_aware(taken_at, "taken_at", errors)
    if when is not None and not session.started_at <= when <= now:
        errors.add("taken_at", "The dose is taken after the checklist and not in the future.")
    if amount is not None:
        _check_deliverable(session.plan, amount, errors)
    errors.raise_if_any()
    with transaction.atomic():
        locked = Patient.objects.select_for_update(no_key=True).get(pk=patient.pk)
        current = DosingSession.objects.select_for_update(no_key=True).get(pk=session.pk)
        at = read(when)
        gate = _gate_at_dose(current, locked, at, forced=read(reported))
        _record(actor, current, locked, amount=read(amount), when=at, gate=gate)
    return current


def _check_deliverable(plan: TreatmentPlan, amount: float, errors: Errors) -> None:
    try:
        plan.formulation.steps(amount)
    except dosing.InvalidDosingInput:
        step = plan.formulation.step_mg
        errors.add(
            "dose_mg",
            f"{plan.formulation.name} comes in steps of {step:g} mg: give the dose taken in "
            f"steps of {step:g} mg (the plan's dose is {plan.dose_mg.normalize():f} mg).",
        )


def _gate_at_dose(
    session: DosingSession, patient: Patient, when: datetime, *, forced: bool
) -> predose.GateResult:
    """The gate again at the moment of the dose; refused unless the dose was taken already."""
    if session.status in DOSED_STATUSES:
        raise AlreadyRecorded("The dose of this session is recorded already.")
    require_phase(patient, TREATING, "take a dose")
    plan = TreatmentPlan.objects.filter(patient_id=patient.pk, is_current=True).first()
    if not forced and (plan is None or plan.pk != session.plan_id):
        raise PlanChanged("The plan changed after this checklist: start a new session.")
    if not forced and _doses_taken(patient) != session.doses_before:
        raise GateOutdated(
            "A dose was recorded after this checklist: start a new session, so the "
            "checklist sees it."
        )
    if session.status == SessionStatus.GATE_FAILED:
        # The checklist failed; a gate that would pass later does not undo its reasons.
        stored = tuple(finding_from_json(f) for f in session.gate_findings)
        if not forced:
            reasons = " ".join(f.message for f in stored)
            raise GateFailed(f"The pre-dose checklist failed: {reasons}", findings=stored)
        return predose.GateResult(allowed=False, findings=stored)
    facts = gate_facts(
        patient, session.plan, checklist_of(session), now=when, presence=session.sitter_presence
    )
    gate = predose.check_pre_dose(facts, plan_safety_rules(session.plan))
    if not gate.allowed and not forced:
        reasons = " ".join(f.message for f in gate.findings)
        raise GateFailed(
            f"The pre-dose checklist does not allow a dose now: {reasons}", findings=gate.findings
        )
    return gate


def _record(  # noqa: PLR0913 - the session, its patient, what was taken, when, and the gate
    actor: User,
    session: DosingSession,
    patient: Patient,
    *,
    amount: float,
    when: datetime,
    gate: predose.GateResult,
) -> None:
    plan = session.plan
    rules = plan_safety_rules(plan)
    ceiling = plan_caps(plan).session_ceiling_mg(float(plan.weight_kg))
    off_plan = safety.check_dose_against_plan(
        taken_mg=amount, planned_mg=float(plan.dose_mg), session_cap_mg=ceiling, rules=rules
    )
    against = None if gate.allowed else predose.dose_against_gate(gate)
    event, short = _take_from_ledger(actor, session, patient, plan.ledger_units(amount))
    window = postdose.post_dose_window(when, rules)
    session.status = SessionStatus.DOSED
    session.dose_mg = Decimal(repr(amount))
    session.planned_dose_mg = plan.dose_mg
    session.as_planned = off_plan is None
    session.against_gate = against is not None
    session.dose_findings = [finding_json(f) for f in (against, off_plan) if f is not None]
    session.taken_at = when
    session.bp_due_at = window.bp_due_at
    session.observation_ends_at = window.observation_ends_at
    session.check_in_due_at = window.check_in_due_at
    session.ledger_event = event
    session.dose_recorded_by, session.dose_recorded_at = actor, clock.now()
    session.save()
    if patient.first_dose_at is None:  # each session starts after the last dose
        patient.first_dose_at = when
        patient.save(update_fields=["first_dose_at", "updated_at"])
    for finding in (against, off_plan):
        if finding is not None:
            alerting.session_finding(session, finding, dose_mg=str(session.dose_mg))
    if short is not None:
        alerting.diversion_finding(patient, short)
    events = [Event.about(AuditAction.UPDATE, session, detail={"status": session.status})]
    if patient.phase == Phase.APPROVED:
        events.append(start_induction_on_first_dose(actor, patient, session))
    record_many(events, actor=actor)


def _take_from_ledger(
    actor: User, session: DosingSession, patient: Patient, units: Decimal
) -> tuple[LedgerEvent | None, DiversionFinding | None]:
    """The units taken come off the ledger; what the ledger did not hold is a finding.

    A dose is a fact: the patient has taken it, so it is recorded even when the ledger
    holds fewer units than it took. The ledger goes down by what it held, never below
    zero, and the difference is a diversion finding (the patient had medicine the
    ledger did not know of).
    """
    account = ledger.locked_account(patient)
    taken = min(units, account.balance)
    event = None
    if taken > 0:
        event = ledger.post(
            account,
            kind=LedgerEventKind.TAKEN,
            change=-taken,
            actor=actor,
            note=f"Session {session.pk}.",
        )
    if taken == units:
        return event, None
    finding = DiversionFinding.objects.create(
        patient_id=patient.pk,
        kind=DiversionKind.DOSE_BEYOND_LEDGER,
        expected=account.balance + taken,
        quantity=units - taken,
        ledger_event=event,
        recorded_by=actor,
        note=f"Session {session.pk}: a dose of {units:f} {account.unit} was reported taken; "
        f"the ledger held {taken:f}.",
    )
    return event, finding
