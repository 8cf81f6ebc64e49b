"""The observation window after a dose: readings, the release check-in, the sitter's release.

CLINICAL.md D and G4: blood pressure again at about 40 minutes, observation for at least
2 hours, then the release check-in (it needs a blood pressure), then the sitter ends the
window by attesting that the patient is alert and stable, or that they cannot, which
pages the on-call clinician. The rules are `clinical.postdose`'s; the times were set on
the session when the dose was recorded (`sessions.record_dose_taken`).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from ketacare.audit.log import Event
from ketacare.audit.models import AuditAction
from ketacare.clinical import instruments, postdose, safety
from ketacare.clinical.vitals import BloodPressure
from ketacare.kernel import clock, usecase
from ketacare.kernel.usecase import use_case
from ketacare.patients.access import sitter_of
from ketacare.patients.models import Sitter
from ketacare.treatment import alerting
from ketacare.treatment.errors import AlreadyRecorded, NotDosed, NotYet, WrongSitter
from ketacare.treatment.gate import zone_of
from ketacare.treatment.models import (
    DOSED_STATUSES,
    CodePurpose,
    DosingSession,
    PostDoseCheckIn,
    PostDoseReading,
    SessionStatus,
)
from ketacare.treatment.plans import plan_safety_rules
from ketacare.treatment.sessions import finding_json, read, require_session_actor
from ketacare.treatment.sitting import require_eligible, spend_code
from ketacare.treatment.specs.sessions import CheckInSpec, ReadingSpec, ReleaseSpec

if TYPE_CHECKING:
    from ketacare.accounts.models import User

# The window is open while the dose is recorded and the sitter has not ended it.
OPEN = (SessionStatus.DOSED, SessionStatus.CHECKED_IN)


def _locked_open(session: DosingSession, what: str) -> DosingSession:
    current = (
        DosingSession.objects.select_for_update(no_key=True)
        .select_related("plan", "patient")
        .get(pk=session.pk)
    )
    if current.status not in DOSED_STATUSES:
        raise NotDosed(f"No dose is recorded in this session yet: record the dose before {what}.")
    if current.status not in OPEN:
        raise AlreadyRecorded("The sitter has ended this session's observation already.")
    return current


# --- Blood pressure after the dose (CLINICAL.md D, G6) -----------------------------------------


@use_case("record_post_dose_reading")
def record_post_dose_reading(
    actor: User, session: DosingSession, spec: ReadingSpec
) -> PostDoseReading:
    """A blood pressure after the dose: the ~40-minute one, or a re-measure.

    A crisis (G6) is an emergency; a reading above the gate asks for another in 15
    minutes (the session's `remeasure_due_at`) and pages when it stays high.
    """
    require_session_actor(actor, session.patient, "record_post_dose_reading")
    current = _locked_open(session, "a blood pressure after it")
    reading = _store_reading(actor, current, spec.blood_pressure, at_check_in=False)
    usecase.note(Event.about(AuditAction.CREATE, reading))
    return reading


def _store_reading(
    actor: User, session: DosingSession, pressure: BloodPressure, *, at_check_in: bool
) -> PostDoseReading:
    rules = plan_safety_rules(session.plan)
    now = clock.now()
    last = session.post_dose_readings.order_by("-recorded_at", "-pk").first()
    finding = postdose.check_post_dose_reading(
        BloodPressure(session.systolic_mmhg, session.diastolic_mmhg),
        pressure,
        earlier_high=last is not None and last.high,
        rules=rules,
    )
    reading = PostDoseReading.objects.create(
        session=session,
        patient_id=session.patient_id,
        systolic_mmhg=pressure.systolic_mmhg,
        diastolic_mmhg=pressure.diastolic_mmhg,
        high=finding is not None,
        finding=finding_json(finding) if finding is not None else {},
        at_check_in=at_check_in,
        recorded_by=actor,
        recorded_at=now,
    )
    session.remeasure_due_at = None if finding is None else now + rules.post_dose_remeasure_after
    session.save(update_fields=["remeasure_due_at"])
    alerting.reading_arrived(session)
    if finding is not None:
        sitters = [session.sitter] if session.sitter is not None else []
        alerting.session_finding(session, finding, sitters=sitters, reading_id=reading.pk)
    return reading


# --- The release check-in (CLINICAL.md D, G6, G7) ------------------------------------------


@use_case("record_check_in")
def record_check_in(actor: User, session: DosingSession, spec: CheckInSpec) -> PostDoseCheckIn:
    """The release check-in: how the patient is, a blood pressure, CADSS-6, side effects.

    Accepted only once the observation has ended (CLINICAL.md D: at least 2 h; NotYet
    before, saying when); the blood pressure is required. How the patient is, is graded
    (clinical.postdose.check_in_report: "very unwell" and marked sedation are urgent,
    chest pain, trouble breathing, fainting or a seizure an emergency) and the alerts
    follow; the findings are stored with the check-in.
    """
    patient = session.patient
    require_session_actor(actor, patient, "record_check_in")
    current = _locked_dosed(session)
    now = clock.now()
    _require_observation_ended(current, now)
    reading = _store_reading(actor, current, spec.blood_pressure, at_check_in=True)
    check_in, findings, report = _store_check_in(actor, current, spec, reading, now)
    current.status = SessionStatus.CHECKED_IN
    current.save(update_fields=["status"])
    alerting.check_in_received(check_in)
    alerting.check_in_findings(patient, check_in, findings)
    if report is not None:
        alerting.check_in_report(patient, check_in, report)
    usecase.note(Event.about(AuditAction.CREATE, check_in))
    return check_in


def _locked_dosed(session: DosingSession) -> DosingSession:
    """The session, locked: dosed and not checked in yet (NotDosed, AlreadyRecorded)."""
    current = DosingSession.objects.select_for_update(no_key=True).get(pk=session.pk)
    if current.status in (SessionStatus.READY, SessionStatus.GATE_FAILED):
        raise NotDosed("No dose is recorded in this session yet: record the dose first.")
    if current.status != SessionStatus.DOSED:
        raise AlreadyRecorded("This session's check-in is recorded already.")
    return current


def _store_check_in(
    actor: User, session: DosingSession, told: CheckInSpec, reading: PostDoseReading, now: datetime
) -> tuple[PostDoseCheckIn, list[safety.Finding], safety.Finding | None]:
    """The check-in, graded and stored; its findings and the report on how the patient is."""
    report = postdose.check_in_report(
        postdose.Feeling(told.feeling),
        [postdose.Symptom(e) for e in told.side_effects],
        raised_bp=reading.high,
        other=told.side_effect_other,
    )
    findings, total, band = _check_in_findings(session, now, told.cadss6_answers)
    check_in = PostDoseCheckIn.objects.create(
        session=session,
        patient_id=session.patient_id,
        feeling=told.feeling.value,
        notes=told.notes,
        systolic_mmhg=reading.systolic_mmhg,
        diastolic_mmhg=reading.diastolic_mmhg,
        cadss6_answers=told.cadss6_answers,
        cadss6_total=total,
        cadss6_band=band,
        side_effects=[e.value for e in told.side_effects],
        side_effect_other=told.side_effect_other,
        late=any(f.cause == safety.Cause.LATE_CHECK_IN for f in findings),
        findings=[finding_json(f) for f in (*findings, *([report] if report is not None else []))]
        + ([reading.finding] if reading.finding else []),
        recorded_by=actor,
        checked_in_at=now,
    )
    return check_in, findings, report


def _require_observation_ended(session: DosingSession, now: datetime) -> None:
    rules = plan_safety_rules(session.plan)
    ends = session.observation_ends_at
    if ends is None:  # a dose recorded before the window had its times
        ends = read(session.taken_at) + rules.observation_minimum
    if now >= ends:
        return
    at = safety.clock_time(ends, zone_of(session.patient), now)
    raise NotYet(
        f"The check-in opens at {at}, {safety.duration(rules.observation_minimum)} after your "
        "dose. Stay with your sitter until then. If something is wrong now, call the clinic, "
        "or the emergency number if it is serious.",
    )


def _check_in_findings(
    session: DosingSession, now: datetime, answers: dict[str, int] | None
) -> tuple[list[safety.Finding], int | None, str]:
    rules = plan_safety_rules(session.plan)
    taken_at = read(session.taken_at)
    due = read(session.check_in_due_at)
    findings = [safety.check_in_status(taken_at, now, now, deadline=due - taken_at, rules=rules)]
    total, band = None, ""
    if answers is not None:
        score = instruments.score("cadss6", {int(k): v for k, v in answers.items()})
        total, band = score.total, score.band
        findings.append(safety.check_dissociation(total, rules))
    return [f for f in findings if f is not None], total, band


# --- The sitter ends the window ------------------------------------------------------------


@use_case("release_session")
def release_session(
    actor: User, session: DosingSession, spec: ReleaseSpec, *, sitter: Sitter | None = None
) -> DosingSession:
    """The sitter ends the observation: the patient is alert and stable, or they cannot say.

    The sitter attests from their own sign-in, or (without one) on the patient's device
    with the code texted to their phone (`sitter`, and the spec's `code`). "Stable" is
    accepted once the patient has checked in; "cannot confirm" at any time after the
    dose, and it pages the on-call clinician at once (urgent). A wrong code is refused
    and its try still counts.
    """
    current = _locked_open(session, "the sitter ends the observation")
    attesting = _attesting_sitter(actor, current, sitter, spec.code)
    _release(actor, current, attesting, stable=spec.stable, note=spec.note)
    return current


def _release(
    actor: User, session: DosingSession, sitter: Sitter, *, stable: bool, note: str
) -> None:
    if stable and session.status != SessionStatus.CHECKED_IN:
        raise NotYet(
            "The patient checks in first, once the observation has ended; then you "
            "confirm that they are alert and stable."
        )
    session.released_at, session.released_by = clock.now(), actor
    session.released_by_sitter = sitter
    session.release_stable, session.release_note = stable, note
    finding = postdose.check_release(stable=stable, sitter_name=sitter.name)
    if finding is None:
        session.status = SessionStatus.RELEASED
    session.save()
    if finding is not None:
        alerting.session_finding(session, finding, sitter_id=sitter.pk)
    usecase.note(
        Event.about(
            AuditAction.UPDATE,
            session,
            detail={"release": "stable" if stable else "not stable", "sitter": sitter.pk},
        )
    )


def _attesting_sitter(
    actor: User, session: DosingSession, sitter: Sitter | None, code: str | None
) -> Sitter:
    """The sitter who attests: the actor's own sitter record, or the one the code names.

    A wrong code is refused (WrongSitter), its try counted after the refusal.
    """
    patient = session.patient
    if code is None:
        own = sitter_of(actor, patient)
        if own is None:
            raise WrongSitter(
                "Only the patient's sitter ends the observation, from their own sign-in or "
                "with the code texted to their phone."
            )
        return require_eligible(own, patient)
    require_session_actor(actor, patient, "release_session")
    if sitter is None:
        raise WrongSitter("Choose the sitter the code was sent to.")
    require_eligible(sitter, patient)
    spend_code(patient, sitter, CodePurpose.RELEASE, code, session=session)
    return sitter
