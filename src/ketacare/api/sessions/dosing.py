"""The session itself: the pre-dose checklist through the safety gate, and the dose."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from ketacare.api.access import actor, audit_list, audit_read, readable_patient, visible_patient
from ketacare.api.errors import ErrorOut
from ketacare.api.idempotency import IDEMPOTENCY_KEY, Idempotent, once
from ketacare.api.schemas import ERRORS, id_in_path
from ketacare.api.sessions.common import FindingOut, session_of
from ketacare.clinical import safety
from ketacare.treatment import services
from ketacare.treatment.errors import GateFailed
from ketacare.treatment.models import DosingSession, SessionStatus
from ketacare.treatment.sessions import finding_json
from ketacare.treatment.specs.sessions import ChecklistSpec, DoseSpec

router = Router(tags=["sessions"])


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
    "/{patient_id}/sessions",
    response={200: list[SessionOut], **ERRORS},
    summary="Sessions",
    operation_id="ketacare_api_sessions_list_sessions",
)
def list_sessions(
    request: HttpRequest, patient_id: int = id_in_path("patient")
) -> list[SessionOut]:
    patient = readable_patient(request, patient_id, "read_sessions")
    rows = list(
        DosingSession.objects.visible_to(actor(request))
        .filter(patient=patient)
        .order_by("-started_at", "-pk")
    )
    audit_list(request, "treatment.DosingSession", [r.pk for r in rows], patient_id=patient.pk)
    return [SessionOut.model_validate(r) for r in rows]


@router.post(
    "/{patient_id}/sessions",
    response={201: SessionOut, 400: ErrorOut, 409: GateFailedOut | ErrorOut, **ERRORS},
    summary="Start a session (pre-dose checklist)",
    operation_id="ketacare_api_sessions_start_session",
)
def start_session(
    request: HttpRequest,
    payload: ChecklistSpec,
    patient_id: int = id_in_path("patient"),
    idempotency_key: str | None = IDEMPOTENCY_KEY,
) -> Status[SessionOut | GateFailedOut]:
    """Run the pre-dose checklist through the safety gate.

    Passed: 201 with the session (status `ready`). Failed: the session is stored with
    its findings and the answer is 409 `pre_dose_gate_failed` with the findings.
    """
    user = actor(request)
    patient = visible_patient(request, patient_id)
    return once(
        Idempotent(request, user, idempotency_key, _started),
        lambda: services.start_session(user, patient, payload),
    )


def _dosed(session: DosingSession) -> Status[SessionOut | GateFailedOut]:
    return Status(200, SessionOut.model_validate(session))


def _started(session: DosingSession) -> Status[SessionOut | GateFailedOut]:
    if session.status == SessionStatus.GATE_FAILED:
        return Status(409, _gate_failed(session))
    return Status(201, SessionOut.model_validate(session))


@router.get(
    "/{patient_id}/sessions/{session_id}",
    response={200: SessionOut, **ERRORS},
    summary="One session",
    operation_id="ketacare_api_sessions_get_session",
)
def get_session(
    request: HttpRequest,
    patient_id: int = id_in_path("patient"),
    session_id: int = id_in_path("session"),
) -> SessionOut:
    session = session_of(
        request, readable_patient(request, patient_id, "read_sessions"), session_id
    )
    audit_read(request, session)
    return SessionOut.model_validate(session)


@router.post(
    "/{patient_id}/sessions/{session_id}/dose",
    response={200: SessionOut, 400: ErrorOut, 409: GateFailedOut | ErrorOut, **ERRORS},
    summary="Record the dose taken",
    operation_id="ketacare_api_sessions_record_dose",
)
def record_dose(
    request: HttpRequest,
    payload: DoseSpec,
    patient_id: int = id_in_path("patient"),
    session_id: int = id_in_path("session"),
    idempotency_key: str | None = IDEMPOTENCY_KEY,
) -> Status[SessionOut | GateFailedOut]:
    """The dose: the gate runs again now; the window starts and the ledger goes down.

    Refused (409, nothing stored): the gate holds the dose now (`pre_dose_gate_failed`
    with its findings: a checklist too old, a dose or a suicidality signal since, ...),
    a dose already recorded, an outdated checklist, a changed plan. `already_taken`: the
    patient took the dose although the gate held it: recorded as taken against the gate,
    and the care team is paged. A dose that is not the plan's is recorded as taken (not
    as planned) and pages the care team.
    """
    user = actor(request)
    session = session_of(request, visible_patient(request, patient_id), session_id)
    try:
        return once(
            Idempotent(request, user, idempotency_key, _dosed),
            lambda: services.record_dose_taken(user, session, payload),
        )
    except GateFailed as refusal:
        session.refresh_from_db()
        return Status(409, _gate_failed(session, refusal.findings, refusal.message))
