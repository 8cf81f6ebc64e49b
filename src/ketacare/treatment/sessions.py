"""At-home dosing sessions: the pre-dose gate, the dose, the check-in, adverse events.

The patient records their session (the sitter attests with their own sign-in, or is
named on the checklist); clinic staff may record on the patient's behalf. The gate is
`clinical.safety.check_pre_dose` with the plan's limits: a failed gate stores the
session as gate_failed with every reason, and no dose can be recorded on it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from ketacare.audit.log import Event, record, record_many
from ketacare.audit.models import AuditAction
from ketacare.clinical import instruments, postdose, predose, safety
from ketacare.clinical.vitals import BloodPressure, HeartRate
from ketacare.patients.models import Patient
from ketacare.patients.phases import Phase
from ketacare.treatment import alerting, ledger
from ketacare.treatment.access import (
    REPORTERS,
    SESSION_STAFF,
    TREATING,
    require,
    require_phase,
    sitter_of,
)
from ketacare.treatment.errors import (
    AlreadyRecorded,
    DoseNotAsPlanned,
    GateFailed,
    GateOutdated,
    NoActivePlan,
    NotDosed,
    PlanChanged,
)
from ketacare.treatment.models import (
    AdverseEvent,
    AdverseEventOutcome,
    DosingSession,
    Feeling,
    LedgerEventKind,
    PostDoseCheckIn,
    SessionStatus,
    Severity,
    SideEffect,
    SitterPresence,
    SubstanceToday,
    TreatmentPlan,
)
from ketacare.treatment.parsing import (
    Errors,
    as_aware,
    as_bool,
    as_choice,
    as_choices,
    as_float,
    as_text,
)
from ketacare.treatment.phase_moves import start_induction_on_first_dose
from ketacare.treatment.plans import plan_caps, plan_safety_rules

if TYPE_CHECKING:
    from ketacare.accounts.models import User


def finding_json(finding: safety.Finding) -> dict[str, str]:
    return {
        "cause": finding.cause.value,
        "severity": finding.severity.value,
        "message": finding.message,
        "next_step": finding.next_step,
        "source": finding.source,
    }


def _require_session_actor(actor: User, patient: Patient, what: str) -> None:
    require(actor, patient, SESSION_STAFF, what, own=True, sitter=True)


def _blood_pressure(systolic: object, diastolic: object, errors: Errors) -> BloodPressure | None:
    if type(systolic) is not int or type(diastolic) is not int:
        errors.add("blood_pressure", "Give systolic and diastolic as whole numbers of mmHg.")
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


def _current_plan(patient: Patient) -> TreatmentPlan:
    plan = TreatmentPlan.objects.filter(patient_id=patient.pk, is_current=True).first()
    if plan is None:
        raise NoActivePlan("The patient has no treatment plan: no dose can be taken.")
    return plan


def _doses_taken(patient: Patient) -> int:
    return DosingSession.objects.filter(patient_id=patient.pk, taken_at__isnull=False).count()


def _dose_times(patient: Patient, now: datetime) -> list[datetime]:
    taken = DosingSession.objects.filter(patient_id=patient.pk, taken_at__lte=now)
    return [at for at in taken.order_by("taken_at").values_list("taken_at", flat=True) if at]


def start_session(  # noqa: PLR0913 - the pre-dose checklist, item by item
    actor: User,
    patient: Patient,
    *,
    sitter_present: bool,
    sitter_name: str,
    fasted: bool,
    no_driving_until_tomorrow: bool,
    substances_today: Iterable[str] = (),
    systolic_mmhg: int,
    diastolic_mmhg: int,
    heart_rate_bpm: int | None = None,
) -> DosingSession:
    """Run the pre-dose checklist through the gate and store the session either way.

    Returns the session: status "ready" when the gate passed, "gate_failed" with the
    findings (cause, severity, message, next_step, source) when it did not; the caller
    shows the reasons. substances_today: any of alcohol, benzodiazepines, stimulants.
    """
    _require_session_actor(actor, patient, "start a dosing session")
    errors = Errors()
    answers = {
        name: as_bool(value, name, errors)
        for name, value in (
            ("sitter_present", sitter_present),
            ("fasted", fasted),
            ("no_driving_until_tomorrow", no_driving_until_tomorrow),
        )
    }
    name = as_text(sitter_name, "sitter_name", errors, max_length=200)
    substances = as_choices(substances_today, SubstanceToday, "substances_today", errors)
    pressure = _blood_pressure(systolic_mmhg, diastolic_mmhg, errors)
    pulse = _heart_rate(heart_rate_bpm, errors)
    errors.raise_if_any()
    assert pressure is not None  # noqa: S101 - refused above
    assert substances is not None  # noqa: S101 - refused above
    with transaction.atomic():
        # The patient's lock: two sessions at once see each other's doses.
        locked = Patient.objects.select_for_update(no_key=True).get(pk=patient.pk)
        require_phase(locked, TREATING, "start a dosing session")
        plan = _current_plan(locked)
        now = timezone.now()
        doses = _dose_times(locked, now)
        caps = plan_caps(plan)
        presence = sitter_presence_today(locked, now)
        facts = predose.PreDoseFacts(
            blood_pressure=pressure,
            heart_rate=pulse,
            measured_at=now,
            now=now,
            zone=ZoneInfo(str(locked.timezone)),
            sitter_present=bool(answers["sitter_present"]),
            sitter=None
            if presence is None
            else predose.SitterConfirmation(
                name=presence.sitter.name,
                confirmed_at=presence.confirmed_at,
                registered_for_patient=True,
                adult=presence.sitter.adult_confirmed,
                is_the_patient=presence.sitter.user_id == locked.user_id,
            ),
            fasted=bool(answers["fasted"]),
            no_driving_until_tomorrow=bool(answers["no_driving_until_tomorrow"]),
            substances_today=frozenset(safety.Substance(s) for s in substances),
            last_dose_at=doses[-1] if doses else None,
            recent_doses_at=tuple(at for at in doses if at > now - predose.ROLLING_WINDOW),
            min_interval_between_doses=caps.min_interval or timedelta(0),
            max_sessions_per_7_days=caps.max_sessions_per_7_days,
        )
        gate = predose.check_pre_dose(facts, plan_safety_rules(plan))
        session = DosingSession.objects.create(
            patient=locked,
            plan=plan,
            status=SessionStatus.READY if gate.allowed else SessionStatus.GATE_FAILED,
            sitter_present=facts.sitter_present,
            sitter_name=name,
            sitter=sitter_of(actor, locked),
            fasted=facts.fasted,
            no_driving_until_tomorrow=facts.no_driving_until_tomorrow,
            substances_today=[s.value for s in substances],
            systolic_mmhg=pressure.systolic_mmhg,
            diastolic_mmhg=pressure.diastolic_mmhg,
            heart_rate_bpm=None if pulse is None else pulse.bpm,
            gate_findings=[finding_json(f) for f in gate.findings],
            doses_before=_doses_taken(locked),
            started_by=actor,
            started_at=now,
        )
        alerting.gate_failed(locked, session, gate)
        record(
            Event.about(AuditAction.CREATE, session, detail={"status": session.status}),
            actor=actor,
        )
    return session


def record_dose_taken(
    actor: User,
    session: DosingSession,
    *,
    dose_mg: float | Decimal,
    taken_at: datetime | None = None,
) -> DosingSession:
    """Record the plan's dose taken: the ledger is decremented, the check-in falls due.

    Refused (nothing stored): a failed gate (GateFailed), a dose already recorded
    (AlreadyRecorded), a dose recorded on another session since this checklist
    (GateOutdated), a revised plan (PlanChanged), a dose that is not the plan's
    (DoseNotAsPlanned), too few units in the ledger (Overdraw). The patient's first
    dose moves them from approved to induction.

    A dose not as planned is refused and nothing of it is stored, yet the care team
    must know: its dose_outside_plan alert is raised after the refusal, in a
    transaction of its own (see `alert_refused_dose`).
    """
    patient = session.patient
    _require_session_actor(actor, patient, "record a dose")
    errors = Errors()
    amount = as_float(dose_mg, "dose_mg", errors, unit="mg")
    now = timezone.now()
    when = now if taken_at is None else as_aware(taken_at, "taken_at", errors)
    if when is not None and not session.started_at <= when <= now:
        errors.add("taken_at", "The dose is taken after the checklist and not in the future.")
    errors.raise_if_any()
    assert amount is not None  # noqa: S101 - refused above
    assert when is not None  # noqa: S101 - refused above
    try:
        return _record_dose(actor, session, amount, when, now)
    except DoseNotAsPlanned as refusal:
        alert_refused_dose(actor, session, refusal)
        raise


def alert_refused_dose(actor: User, session: DosingSession, refusal: DoseNotAsPlanned) -> None:
    """Raise the dose_outside_plan alert of a refused dose, after the refusal.

    The refusal rolled back the dose's transaction (nothing partial is stored), so the
    alert has a transaction of its own. A caller that runs record_dose_taken inside its
    own transaction (the API's idempotency) has that rolled back too, and calls this
    again once it has: the alert is idempotent, so it is raised once.
    """
    if refusal.finding is None:
        return
    with transaction.atomic():
        alerting.dose_outside_plan(actor, session, refusal.finding, refused_at=timezone.now())


def _record_dose(
    actor: User, session: DosingSession, amount: float, when: datetime, now: datetime
) -> DosingSession:
    patient = session.patient
    with transaction.atomic():
        locked = Patient.objects.select_for_update(no_key=True).get(pk=patient.pk)
        current = DosingSession.objects.select_for_update(no_key=True).get(pk=session.pk)
        _check_dose_allowed(current, locked)
        plan = current.plan
        rules = plan_safety_rules(plan)
        off_plan = safety.check_dose_against_plan(
            taken_mg=amount, planned_mg=float(plan.dose_mg), rules=rules
        )
        if off_plan is not None:
            raise DoseNotAsPlanned(
                f"{off_plan.message} Take the plan's dose: {plan.take}.",
                field="dose_mg",
                finding=off_plan,
            )
        event = ledger.post(
            ledger.locked_account(locked),
            kind=LedgerEventKind.TAKEN,
            change=-plan.ledger_units(float(plan.dose_mg)),
            actor=actor,
            note=f"Session {current.pk}.",
        )
        current.status = SessionStatus.DOSED
        current.dose_mg, current.taken_at = plan.dose_mg, when
        current.check_in_due_at = when + timedelta(minutes=plan.check_in_deadline_min)
        current.ledger_event, current.dose_recorded_by, current.dose_recorded_at = event, actor, now
        current.save()
        events = [Event.about(AuditAction.UPDATE, current, detail={"status": current.status})]
        if locked.phase == Phase.APPROVED:
            events.append(start_induction_on_first_dose(actor, locked, current))
        record_many(events, actor=actor)
    return current


def _check_dose_allowed(session: DosingSession, patient: Patient) -> None:
    if session.status == SessionStatus.GATE_FAILED:
        reasons = " ".join(f["message"] for f in session.gate_findings)
        raise GateFailed(f"The pre-dose checklist failed: {reasons}")
    if session.status != SessionStatus.READY:
        raise AlreadyRecorded("The dose of this session is recorded already.")
    require_phase(patient, TREATING, "take a dose")
    plan = TreatmentPlan.objects.filter(patient_id=patient.pk, is_current=True).first()
    if plan is None or plan.pk != session.plan_id:
        raise PlanChanged("The plan changed after this checklist: start a new session.")
    if _doses_taken(patient) != session.doses_before:
        raise GateOutdated(
            "A dose was recorded after this checklist: start a new session, so the "
            "checklist sees it."
        )


def _answers(raw: object, errors: Errors) -> dict[str, int] | None:
    """CADSS-6 answers scored by clinical.instruments; stored as {"1": value, ...}."""
    if raw is None:
        return None
    given: Sequence[int] | Mapping[int, int]
    if isinstance(raw, Mapping):
        try:
            given = {int(k): v for k, v in raw.items()}
        except (TypeError, ValueError):
            errors.add("cadss6_answers", "Number the answers by item (1-6).")
            return None
    elif isinstance(raw, Sequence) and not isinstance(raw, str):
        given = list(raw)
    else:
        errors.add("cadss6_answers", "Give the six CADSS-6 answers.")
        return None
    try:
        score = instruments.score("cadss6", given)
    except instruments.InvalidAnswers as exc:
        errors.add("cadss6_answers", str(exc))
        return None
    return {str(item): value for item, value in score.answers.items()}


def _check_in_pressure(raw: object, errors: Errors) -> BloodPressure | None:
    """(systolic, diastolic), or {"systolic_mmhg": ..., "diastolic_mmhg": ...}, or None."""
    if raw is None:
        return None
    if isinstance(raw, Mapping):
        return _blood_pressure(raw.get("systolic_mmhg"), raw.get("diastolic_mmhg"), errors)
    if isinstance(raw, Sequence) and len(raw) == 2:  # noqa: PLR2004 - systolic, diastolic
        return _blood_pressure(raw[0], raw[1], errors)
    errors.add("blood_pressure", "Give the blood pressure as systolic and diastolic mmHg.")
    return None


def record_check_in(  # noqa: PLR0913 - the check-in's questions
    actor: User,
    session: DosingSession,
    *,
    feeling: str,
    blood_pressure: Sequence[int] | Mapping[str, int] | None = None,
    cadss6_answers: Sequence[int] | Mapping[Any, int] | None = None,
    side_effects: Iterable[str] = (),
    side_effect_other: str = "",
    notes: str = "",
) -> PostDoseCheckIn:
    """The post-dose check-in: how the patient feels, blood pressure, CADSS-6, side effects.

    Its safety findings (late check-in, blood-pressure rise from the pre-dose reading,
    high dissociation; clinical.safety) are stored with it for the alerts.
    """
    patient = session.patient
    _require_session_actor(actor, patient, "record a check-in")
    errors = Errors()
    mood = as_choice(feeling, Feeling, "feeling", errors)
    after = _check_in_pressure(blood_pressure, errors)
    answers = _answers(cadss6_answers, errors)
    effects = as_choices(side_effects, SideEffect, "side_effects", errors) or []
    other = as_text(side_effect_other, "side_effect_other", errors, max_length=200)
    if SideEffect.OTHER in effects and not other:
        errors.add("side_effect_other", "Describe the other side effect.")
    elif other and SideEffect.OTHER not in effects:
        errors.add("side_effect_other", "Tick 'other' to describe another side effect.")
    text = as_text(notes, "notes", errors, max_length=4000)
    errors.raise_if_any()
    assert mood is not None  # noqa: S101 - refused above
    with transaction.atomic():
        current = DosingSession.objects.select_for_update(no_key=True).get(pk=session.pk)
        if current.status in (SessionStatus.READY, SessionStatus.GATE_FAILED):
            raise NotDosed("No dose is recorded in this session yet: record the dose first.")
        if current.status == SessionStatus.CHECKED_IN:
            raise AlreadyRecorded("This session's check-in is recorded already.")
        now = timezone.now()
        findings, total, band = _check_in_findings(current, now, after, answers)
        check_in = PostDoseCheckIn.objects.create(
            session=current,
            patient_id=current.patient_id,
            feeling=mood,
            notes=text,
            systolic_mmhg=None if after is None else after.systolic_mmhg,
            diastolic_mmhg=None if after is None else after.diastolic_mmhg,
            cadss6_answers=answers,
            cadss6_total=total,
            cadss6_band=band,
            side_effects=[e.value for e in effects],
            side_effect_other=other,
            late=any(f.cause == safety.Cause.LATE_CHECK_IN for f in findings),
            findings=[finding_json(f) for f in findings],
            recorded_by=actor,
            checked_in_at=now,
        )
        current.status = SessionStatus.CHECKED_IN
        current.save(update_fields=["status"])
        alerting.check_in_received(check_in)
        alerting.check_in_findings(patient, check_in, findings)
        alerting.check_in_side_effects(patient, check_in)
        record(Event.about(AuditAction.CREATE, check_in), actor=actor)
    return check_in


def _check_in_findings(
    session: DosingSession,
    now: datetime,
    after: BloodPressure | None,
    answers: dict[str, int] | None,
) -> tuple[list[safety.Finding], int | None, str]:
    rules = plan_safety_rules(session.plan)
    assert session.taken_at is not None  # noqa: S101 - a dosed session has its dose time
    findings = [
        safety.check_in_status(session.taken_at, now, now, rules=rules),
        None
        if after is None
        else postdose.check_post_dose_reading(
            BloodPressure(session.systolic_mmhg, session.diastolic_mmhg),
            after,
            earlier_high=False,
            rules=rules,
        ),
    ]
    total, band = None, ""
    if answers is not None:
        score = instruments.score("cadss6", {int(k): v for k, v in answers.items()})
        total, band = score.total, score.band
        findings.append(safety.check_dissociation(total, rules))
    return [f for f in findings if f is not None], total, band


def report_adverse_event(  # noqa: PLR0913 - the event's fields
    actor: User,
    patient: Patient,
    *,
    description: str,
    severity: str,
    serious: bool,
    outcome: str,
    session: DosingSession | None = None,
    onset_at: datetime | None = None,
) -> AdverseEvent:
    """An adverse event, graded by clinical.safety (how pressing, for the alerts)."""
    require(actor, patient, REPORTERS, "report adverse events", own=True, sitter=True)
    errors = Errors()
    text = as_text(
        description, "description", errors, max_length=4000, required="Describe what happened."
    )
    grade = as_choice(severity, Severity, "severity", errors)
    is_serious = as_bool(serious, "serious", errors)
    result = as_choice(outcome, AdverseEventOutcome, "outcome", errors)
    if session is not None and session.patient_id != patient.pk:
        errors.add("session", "This session belongs to another patient.")
    onset = None if onset_at is None else as_aware(onset_at, "onset_at", errors)
    if onset is not None and onset > timezone.now():
        errors.add("onset_at", "The onset is not in the future.")
    # ICH E2A: an event that is life-threatening or results in death is serious.
    if is_serious is False and (
        grade == Severity.LIFE_THREATENING or result == AdverseEventOutcome.FATAL
    ):
        errors.add("serious", "A life-threatening or fatal event is serious (ICH E2A).")
    errors.raise_if_any()
    assert grade is not None  # noqa: S101 - refused above
    assert is_serious is not None  # noqa: S101 - refused above
    assert result is not None  # noqa: S101 - refused above
    finding = safety.check_adverse_event(
        safety.AdverseEventSeverity(grade), serious=is_serious, description=text
    )
    with transaction.atomic():
        event = AdverseEvent.objects.create(
            patient=patient,
            session=session,
            description=text,
            severity=grade,
            serious=is_serious,
            outcome=result,
            onset_at=onset,
            finding=finding_json(finding),
            reported_by=actor,
            reported_at=timezone.now(),
        )
        alerting.adverse_event(patient, event, finding)
        record(Event.about(AuditAction.CREATE, event), actor=actor)
    return event


# --- The patient's day: the next scheduled session, the sitter's presence ---------------


@dataclass(frozen=True)
class ScheduledSession:
    """One session of the plan's schedule (clinical.dosing lays them out at plan time)."""

    number: int
    at: datetime  # aware
    phase: str
    dose_mg: float | None  # None: the plan's dose (at-home schedules)
    note: str


def _local_day_start(patient: Patient, now: datetime) -> datetime:
    # The patient's day, in their own zone: a session at 23:30 local is still "today"
    # for them although it is tomorrow in UTC.
    local = now.astimezone(ZoneInfo(str(patient.timezone)))
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def next_scheduled_session(
    patient: Patient, plan: TreatmentPlan, now: datetime
) -> ScheduledSession | None:
    """The next session of the plan's schedule: today's until a dose is taken today.

    None when the schedule has no session left (or the plan has no schedule list).
    """
    day_start = _local_day_start(patient, now)
    dosed_today = DosingSession.objects.filter(
        patient_id=patient.pk, taken_at__gte=day_start, taken_at__lte=now
    ).exists()
    from_when = day_start + timedelta(days=1) if dosed_today else day_start
    for raw in plan.schedule.get("sessions", []):
        at = datetime.fromisoformat(raw["at"])
        if at >= from_when:
            return ScheduledSession(
                number=int(raw["number"]),
                at=at,
                phase=str(raw.get("phase", "")),
                dose_mg=None if raw.get("dose_mg") is None else float(raw["dose_mg"]),
                note=str(raw.get("note", "")),
            )
    return None


def sitter_presence_today(patient: Patient, now: datetime) -> SitterPresence | None:
    """The latest confirmation by one of the patient's sitters on the patient's day."""
    return (
        SitterPresence.objects.filter(
            patient_id=patient.pk,
            confirmed_at__gte=_local_day_start(patient, now),
            confirmed_at__lte=now,
        )
        .select_related("sitter")
        .first()
    )


def confirm_sitter_presence(actor: User, patient: Patient) -> SitterPresence:
    """The sitter, signed in as themself, confirms being with the patient today.

    Only one of the patient's own sitters may (anyone else: NotAllowed; a patient they
    cannot see: 404), while the patient is being treated. A second confirmation the same
    day returns the first: the checklist shows when the sitter first arrived.
    """
    require(actor, patient, frozenset(), "confirm being with the patient", sitter=True)
    sitter = sitter_of(actor, patient)
    assert sitter is not None  # noqa: S101 - require() refused anyone else
    require_phase(patient, TREATING, "confirm a sitter's presence")
    with transaction.atomic():
        locked = Patient.objects.select_for_update(no_key=True).get(pk=patient.pk)
        now = timezone.now()
        found = sitter_presence_today(locked, now)
        if found is not None and found.sitter_id == sitter.pk:
            return found
        presence = SitterPresence.objects.create(
            patient=locked, sitter=sitter, confirmed_by=actor, confirmed_at=now
        )
        record(Event.about(AuditAction.CREATE, presence), actor=actor)
    return presence


def open_session(patient: Patient, now: datetime) -> DosingSession | None:
    """The session the patient is in the middle of, or None.

    That is a dose awaiting its check-in, or else a checklist passed today with no dose.
    """
    dosed = (
        DosingSession.objects.filter(patient_id=patient.pk, status=SessionStatus.DOSED)
        .order_by("-taken_at", "-pk")
        .first()
    )
    if dosed is not None:
        return dosed
    return (
        DosingSession.objects.filter(
            patient_id=patient.pk,
            status=SessionStatus.READY,
            started_at__gte=_local_day_start(patient, now),
        )
        .order_by("-started_at", "-pk")
        .first()
    )


def todays_session(patient: Patient, now: datetime) -> DosingSession | None:
    """The session a sitter follows: the open one, else the latest started today."""
    return open_session(patient, now) or (
        DosingSession.objects.filter(
            patient_id=patient.pk, started_at__gte=_local_day_start(patient, now)
        )
        .order_by("-started_at", "-pk")
        .first()
    )
