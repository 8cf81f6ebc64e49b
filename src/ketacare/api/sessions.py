"""At-home sessions: the pre-dose checklist and gate, the dose, the check-in, adverse events.

The patient's own POSTs (start, dose, check-in, adverse event) take an `Idempotency-Key`:
a phone retrying over a bad connection never records a dose twice.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema, Status
from pydantic import AwareDatetime, Discriminator, Field, StringConstraints, Tag

from ketacare.api.access import actor, audit_list, audit_read, visible, visible_patient
from ketacare.api.errors import ErrorOut
from ketacare.api.idempotency import IDEMPOTENCY_KEY, idempotent
from ketacare.api.schemas import ERRORS, MAX_ID, NO_NUL, WRITE_ERRORS, ShortText, id_in_path
from ketacare.clinical import instruments, predose, safety
from ketacare.patients.models import Patient
from ketacare.treatment import services
from ketacare.treatment.errors import GateFailed
from ketacare.treatment.models import (
    AdverseEvent,
    AdverseEventOutcome,
    DosingSession,
    Feeling,
    PostDoseCheckIn,
    SessionStatus,
    Severity,
    SideEffect,
    SubstanceToday,
)
from ketacare.treatment.sessions import finding_json

router = Router(tags=["sessions"])

Mmhg = Annotated[int, Field(ge=0, le=1000)]
LongText = Annotated[str, StringConstraints(pattern=NO_NUL, max_length=4000)]


class FindingOut(Schema):
    cause: str = Field(description="What was found, as a code.")
    severity: str = Field(description="How pressing.")
    message: str = Field(description="What it means, in words.")
    next_step: str = Field(description="What to do now.")
    source: str = Field(description="The rule's source (CLINICAL.md section).")


class SessionOut(Schema):
    id: int = Field(description="The session's id.")
    patient_id: int = Field(description="Whose.")
    plan_id: int = Field(description="The plan version in force at the checklist.")
    status: SessionStatus = Field(description="gate_failed, ready, dosed, checked_in or released.")
    sitter_present: bool = Field(description="The patient says a sitter is present.")
    sitter_id: int | None = Field(description="The sitter whose confirmation the gate used.")
    sitter_name: str = Field(description="That sitter's name.")
    fasted: bool = Field(description="Fasted as asked.")
    no_driving_until_tomorrow: bool = Field(description="Will not drive until tomorrow.")
    substances_today: list[str] = Field(description="Alcohol, benzodiazepines, stimulants today.")
    systolic_mmhg: int = Field(description="Pre-dose systolic blood pressure.")
    diastolic_mmhg: int = Field(description="Pre-dose diastolic blood pressure.")
    heart_rate_bpm: int | None = Field(description="Pre-dose heart rate.")
    gate_findings: list[FindingOut] = Field(description="Why the gate held or warned.")
    started_by_id: int = Field(description="Who ran the checklist.")
    started_at: dt.datetime = Field(description="When.")
    dose_mg: float | None = Field(description="The dose taken, mg (what the patient reported).")
    planned_dose_mg: float | None = Field(description="The plan's dose at the time, mg.")
    as_planned: bool = Field(description="The dose taken was the plan's.")
    against_gate: bool = Field(description="Taken although the gate held it at dose time.")
    dose_findings: list[FindingOut] = Field(description="What the dose was found to be.")
    taken_at: dt.datetime | None = Field(description="When the dose was taken.")
    bp_due_at: dt.datetime | None = Field(description="Blood pressure after the dose due.")
    remeasure_due_at: dt.datetime | None = Field(description="A re-measure is due by then.")
    observation_ends_at: dt.datetime | None = Field(description="The check-in opens then.")
    check_in_due_at: dt.datetime | None = Field(description="The check-in is due by then.")
    dose_recorded_at: dt.datetime | None = Field(description="When the dose was recorded.")
    released_at: dt.datetime | None = Field(description="When the sitter ended the window.")
    release_stable: bool | None = Field(description="The sitter found the patient stable.")


class GateFailedOut(ErrorOut):
    findings: list[FindingOut] = Field(description="Why no dose may be taken now.")
    session: SessionOut = Field(description="The session, stored with its failed checklist.")


class CssrsIn(Schema):
    """The C-SSRS screen, since the last contact with the clinic (asked every checklist)."""

    wish_to_be_dead: bool = Field(description="Wished to be dead or not to wake up.")
    suicidal_thoughts: bool = Field(description="Any thoughts of killing oneself.")
    thoughts_with_method: bool = Field(default=False, description="Thought how (only if yes).")
    intent: bool = Field(default=False, description="Some intention to act (only if yes).")
    plan_with_intent: bool = Field(default=False, description="A plan, meant (only if yes).")
    behaviour: bool = Field(description="Did or prepared anything to end one's life.")


class ChecklistIn(Schema):
    sitter_present: bool = Field(description="A sitter is with the patient.")
    cssrs: CssrsIn = Field(description="The C-SSRS screen since the last contact.")
    fasted: bool = Field(description="Nothing to eat for the hours the clinic asks.")
    no_driving_until_tomorrow: bool = Field(description="Will not drive until tomorrow.")
    substances_today: list[SubstanceToday] = Field(
        default_factory=list, max_length=10, description="Taken today: any of these."
    )
    systolic_mmhg: Mmhg = Field(description="Blood pressure now, systolic.")
    diastolic_mmhg: Mmhg = Field(description="Blood pressure now, diastolic.")
    heart_rate_bpm: Annotated[int, Field(ge=0, le=1000)] | None = Field(
        default=None, description="Heart rate now."
    )


class DoseIn(Schema):
    dose_mg: float = Field(
        gt=0, le=10_000, allow_inf_nan=False, description="The dose taken (the plan's, or not)."
    )
    taken_at: AwareDatetime | None = Field(default=None, description="When; default now.")
    already_taken: bool = Field(
        default=False,
        description="The dose was taken although the gate held it: record it and page.",
    )


class BloodPressureIn(Schema):
    systolic_mmhg: Mmhg = Field(description="Systolic.")
    diastolic_mmhg: Mmhg = Field(description="Diastolic.")


CadssValue = Annotated[int, Field(ge=-1000, le=1000)]


def _answers_shape(value: object) -> str:
    return "dict[item,value]" if isinstance(value, dict) else "list[value]"


Cadss6Answers = Annotated[
    Annotated[list[CadssValue], Field(max_length=20), Tag("list[value]")]
    | Annotated[
        dict[Annotated[str, StringConstraints(pattern=r"^[0-9]{1,2}$")], CadssValue],
        Field(max_length=20),
        Tag("dict[item,value]"),
    ],
    Discriminator(_answers_shape),
]


class CheckInIn(Schema):
    feeling: Feeling = Field(description="How the patient feels.")
    blood_pressure: BloodPressureIn = Field(description="Blood pressure now (required).")
    cadss6_answers: Cadss6Answers | None = Field(
        default=None, description="CADSS-6: six answers in order, or by item number."
    )
    side_effects: list[SideEffect] = Field(
        default_factory=list, max_length=10, description="Side effects felt."
    )
    side_effect_other: ShortText = Field(default="", description="The other side effect.")
    notes: LongText = Field(default="", description="Anything else.")


class CheckInOut(Schema):
    id: int = Field(description="The check-in's id.")
    session_id: int = Field(description="The session.")
    patient_id: int = Field(description="Whose.")
    feeling: str = Field(description="How the patient felt.")
    notes: str = Field(description="Notes.")
    systolic_mmhg: int | None = Field(description="Blood pressure after, systolic.")
    diastolic_mmhg: int | None = Field(description="Blood pressure after, diastolic.")
    cadss6_answers: dict[str, int] | None = Field(description="CADSS-6 answers by item.")
    cadss6_total: int | None = Field(description="CADSS-6 total.")
    cadss6_band: str = Field(description="CADSS-6 band.")
    side_effects: list[str] = Field(description="Side effects.")
    side_effect_other: str = Field(description="The other side effect.")
    late: bool = Field(description="After the check-in deadline.")
    findings: list[FindingOut] = Field(description="Safety findings (for the alerts).")
    recorded_by_id: int = Field(description="Who recorded it.")
    checked_in_at: dt.datetime = Field(description="When.")


class AdverseEventIn(Schema):
    description: Annotated[
        str, StringConstraints(pattern=NO_NUL, min_length=1, max_length=4000)
    ] = Field(description="What happened.")
    severity: Severity = Field(description="mild, moderate, severe, life_threatening.")
    serious: bool = Field(description="Serious (ICH E2A): life-threatening or fatal always is.")
    outcome: AdverseEventOutcome = Field(description="How it ended (FHIR outcome).")
    session_id: int | None = Field(
        default=None, ge=1, le=MAX_ID, description="The session it followed."
    )
    onset_at: AwareDatetime | None = Field(default=None, description="When it began.")


class AdverseEventOut(Schema):
    id: int = Field(description="The event's id.")
    patient_id: int = Field(description="Whose.")
    session_id: int | None = Field(description="The session it followed.")
    description: str = Field(description="What happened.")
    severity: str = Field(description="How severe.")
    serious: bool = Field(description="Serious.")
    outcome: str = Field(description="Outcome.")
    onset_at: dt.datetime | None = Field(description="When it began.")
    finding: FindingOut = Field(description="How pressing (clinical.safety).")
    reported_by_id: int = Field(description="Who reported it.")
    reported_at: dt.datetime = Field(description="When.")


def _session(request: HttpRequest, patient: Patient, session_id: int) -> DosingSession:
    found: DosingSession = visible(request, DosingSession.objects, pk=session_id, patient=patient)
    return found


def _gate_failed(
    session: DosingSession,
    findings: tuple[safety.Finding, ...] | None = None,
    message: str | None = None,
) -> GateFailedOut:
    """The 409 of a gate that holds the dose: at the checklist (its stored findings) or now."""
    found = (
        [FindingOut.model_validate(f) for f in session.gate_findings]
        if findings is None
        else [FindingOut.model_validate(finding_json(f)) for f in findings]
    )
    reasons = " ".join(f.message for f in found)
    return GateFailedOut(
        code="pre_dose_gate_failed",
        message=message or f"The pre-dose checklist failed: {reasons}".strip(),
        findings=found,
        session=SessionOut.model_validate(session),
    )


@router.get(
    "/{patient_id}/sessions", response={200: list[SessionOut], **ERRORS}, summary="Sessions"
)
def list_sessions(
    request: HttpRequest, patient_id: int = id_in_path("patient")
) -> list[SessionOut]:
    patient = visible_patient(request, patient_id)
    rows = list(
        DosingSession.objects.visible_to(actor(request))
        .filter(patient=patient)
        .order_by("-started_at", "-pk")
    )
    audit_list(request, "treatment.DosingSession", [r.pk for r in rows], patient_id=patient.pk)
    return [SessionOut.model_validate(r) for r in rows]


@router.post(
    "/{patient_id}/sessions",
    response={201: SessionOut, 409: GateFailedOut | ErrorOut, **ERRORS},
    summary="Start a session (pre-dose checklist)",
)
def start_session(
    request: HttpRequest,
    payload: ChecklistIn,
    patient_id: int = id_in_path("patient"),
    idempotency_key: str | None = IDEMPOTENCY_KEY,
) -> Status[SessionOut | GateFailedOut] | HttpResponse:
    """Run the pre-dose checklist through the safety gate.

    Passed: 201 with the session (status `ready`). Failed: the session is stored with
    its findings and the answer is 409 `pre_dose_gate_failed` with the findings.
    """
    user = actor(request)
    patient = visible_patient(request, patient_id)

    def run() -> Status[SessionOut | GateFailedOut]:
        try:
            screen = predose.checklist_cssrs(**payload.cssrs.model_dump())
        except instruments.InvalidAnswers as exc:
            raise ValidationError({"cssrs": str(exc)}) from None
        session = services.start_session(
            user,
            patient,
            sitter_present=payload.sitter_present,
            cssrs_answers=dict(screen.answers),
            fasted=payload.fasted,
            no_driving_until_tomorrow=payload.no_driving_until_tomorrow,
            substances_today=[s.value for s in payload.substances_today],
            systolic_mmhg=payload.systolic_mmhg,
            diastolic_mmhg=payload.diastolic_mmhg,
            heart_rate_bpm=payload.heart_rate_bpm,
        )
        if session.status == SessionStatus.GATE_FAILED:
            return Status(409, _gate_failed(session))
        return Status(201, SessionOut.model_validate(session))

    return idempotent(request, user, idempotency_key, run)


@router.get(
    "/{patient_id}/sessions/{session_id}",
    response={200: SessionOut, **ERRORS},
    summary="One session",
)
def get_session(
    request: HttpRequest,
    patient_id: int = id_in_path("patient"),
    session_id: int = id_in_path("session"),
) -> SessionOut:
    session = _session(request, visible_patient(request, patient_id), session_id)
    audit_read(request, session)
    return SessionOut.model_validate(session)


@router.post(
    "/{patient_id}/sessions/{session_id}/dose",
    response={200: SessionOut, 409: GateFailedOut | ErrorOut, **ERRORS},
    summary="Record the dose taken",
)
def record_dose(
    request: HttpRequest,
    payload: DoseIn,
    patient_id: int = id_in_path("patient"),
    session_id: int = id_in_path("session"),
    idempotency_key: str | None = IDEMPOTENCY_KEY,
) -> Status[SessionOut | GateFailedOut] | HttpResponse:
    """The dose: the gate runs again now; the window starts and the ledger goes down.

    Refused (409, nothing stored): the gate holds the dose now (`pre_dose_gate_failed`
    with its findings: a checklist too old, a dose or a suicidality signal since, ...),
    a dose already recorded, an outdated checklist, a changed plan. `already_taken`: the
    patient took the dose although the gate held it: recorded as taken against the gate,
    and the care team is paged. A dose that is not the plan's is recorded as taken (not
    as planned) and pages the care team.
    """
    user = actor(request)
    session = _session(request, visible_patient(request, patient_id), session_id)

    def run() -> Status[SessionOut | GateFailedOut]:
        dosed = services.record_dose_taken(
            user,
            session,
            dose_mg=payload.dose_mg,
            taken_at=payload.taken_at,
            already_taken=payload.already_taken,
        )
        return Status(200, SessionOut.model_validate(dosed))

    try:
        return idempotent(request, user, idempotency_key, run)
    except GateFailed as refusal:
        session.refresh_from_db()
        return Status(409, _gate_failed(session, refusal.findings, refusal.message))


@router.post(
    "/{patient_id}/sessions/{session_id}/check-in",
    response={201: CheckInOut, **WRITE_ERRORS},
    summary="Record the post-dose check-in",
)
def record_check_in(
    request: HttpRequest,
    payload: CheckInIn,
    patient_id: int = id_in_path("patient"),
    session_id: int = id_in_path("session"),
    idempotency_key: str | None = IDEMPOTENCY_KEY,
) -> Status[CheckInOut] | HttpResponse:
    """How the patient is after the dose; its safety findings are stored with it."""
    user = actor(request)
    session = _session(request, visible_patient(request, patient_id), session_id)

    def run() -> Status[CheckInOut]:
        check_in = services.record_check_in(
            user,
            session,
            feeling=payload.feeling.value,
            blood_pressure=payload.blood_pressure.model_dump(),
            cadss6_answers=payload.cadss6_answers,
            side_effects=[e.value for e in payload.side_effects],
            side_effect_other=payload.side_effect_other,
            notes=payload.notes,
        )
        return Status(201, CheckInOut.model_validate(check_in))

    return idempotent(request, user, idempotency_key, run)


@router.get(
    "/{patient_id}/sessions/{session_id}/check-in",
    response={200: CheckInOut, **ERRORS},
    summary="The session's check-in",
)
def get_check_in(
    request: HttpRequest,
    patient_id: int = id_in_path("patient"),
    session_id: int = id_in_path("session"),
) -> CheckInOut:
    session = _session(request, visible_patient(request, patient_id), session_id)
    check_in = visible(request, PostDoseCheckIn.objects, session=session)
    audit_read(request, check_in)
    return CheckInOut.model_validate(check_in)


@router.get(
    "/{patient_id}/adverse-events",
    response={200: list[AdverseEventOut], **ERRORS},
    summary="Adverse events",
)
def list_adverse_events(
    request: HttpRequest, patient_id: int = id_in_path("patient")
) -> list[AdverseEventOut]:
    patient = visible_patient(request, patient_id)
    rows = list(AdverseEvent.objects.visible_to(actor(request)).filter(patient=patient))
    audit_list(request, "treatment.AdverseEvent", [r.pk for r in rows], patient_id=patient.pk)
    return [AdverseEventOut.model_validate(r) for r in rows]


@router.post(
    "/{patient_id}/adverse-events",
    response={201: AdverseEventOut, **WRITE_ERRORS},
    summary="Report an adverse event",
)
def report_adverse_event(
    request: HttpRequest,
    payload: AdverseEventIn,
    patient_id: int = id_in_path("patient"),
    idempotency_key: str | None = IDEMPOTENCY_KEY,
) -> Status[AdverseEventOut] | HttpResponse:
    """A side effect worth reporting (the patient, their sitter, or staff)."""
    user = actor(request)
    patient = visible_patient(request, patient_id)
    session = None
    if payload.session_id is not None:
        session = DosingSession.objects.filter(pk=payload.session_id, patient=patient).first()
        if session is None:
            raise ValidationError({"session_id": "No such session of this patient."})

    def run() -> Status[AdverseEventOut]:
        event = services.report_adverse_event(
            user,
            patient,
            description=payload.description,
            severity=payload.severity.value,
            serious=payload.serious,
            outcome=payload.outcome.value,
            session=session,
            onset_at=payload.onset_at,
        )
        return Status(201, AdverseEventOut.model_validate(event))

    return idempotent(request, user, idempotency_key, run)
