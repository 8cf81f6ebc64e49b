"""The sitter's proof of presence, the window after the dose, and holds on dosing.

The sitter confirms being with the patient from their own sign-in (`sitter-presence`),
or the patient asks for a code texted to the sitter's phone (`sitter-codes`) and types
it (`sitter-presence/code`). After the dose: blood pressure readings, and the sitter's
release. Clinicians clear a hold on dosing (`dosing-clearances`). The rules are the
treatment services'; the code endpoints take no Idempotency-Key, so a wrong code's try
is always counted.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status
from pydantic import Field, StringConstraints

from ketacare.api.access import actor, audit_list, readable_patient, visible, visible_patient
from ketacare.api.schemas import ERRORS, MAX_ID, WRITE_ERRORS, id_in_path
from ketacare.api.sessions.common import FindingOut
from ketacare.kernel import clock
from ketacare.patients.models import Patient, Sitter
from ketacare.treatment import services
from ketacare.treatment.holds import active_holds
from ketacare.treatment.models import (
    CodePurpose,
    DosingClearance,
    DosingSession,
    PostDoseReading,
    SessionStatus,
)
from ketacare.treatment.specs.plans import ClearanceSpec
from ketacare.treatment.specs.sessions import ReadingSpec, ReleaseSpec

router = Router(tags=["observation"])

Code = Annotated[str, StringConstraints(pattern=r"^\s*[0-9]{6}\s*$")]


class PresenceOut(Schema):
    id: int = Field(description="The confirmation's id.")
    patient_id: int = Field(description="Whose sitter.")
    sitter_id: int = Field(description="Who confirmed being there.")
    method: str = Field(description="account (their own sign-in) or code (texted).")
    confirmed_at: dt.datetime = Field(description="When.")


class CodeIn(Schema):
    sitter_id: int = Field(ge=1, le=MAX_ID, description="The sitter to text.")
    purpose: CodePurpose = Field(
        default=CodePurpose.PRESENCE, description="presence, or release (end the window)."
    )
    session_id: int | None = Field(
        default=None, ge=1, le=MAX_ID, description="The session, for a release code."
    )


class CodeOut(Schema):
    sitter_id: int = Field(description="The sitter texted.")
    purpose: str = Field(description="What the code is for.")
    sent_at: dt.datetime = Field(description="When it was queued for sending.")
    expires_at: dt.datetime = Field(description="It works until then.")


class CodeConfirmIn(Schema):
    sitter_id: int = Field(ge=1, le=MAX_ID, description="The sitter the code was sent to.")
    code: Code = Field(description="The six digits the sitter read out.")


class ReadingOut(Schema):
    id: int = Field(description="The reading's id.")
    session_id: int = Field(description="The session.")
    systolic_mmhg: int = Field(description="Systolic.")
    diastolic_mmhg: int = Field(description="Diastolic.")
    high: bool = Field(description="Above the gate, a rise of 40/25 mmHg, or a crisis.")
    finding: FindingOut | None = Field(description="What it means and what to do now.")
    at_check_in: bool = Field(description="Taken with the release check-in.")
    recorded_at: dt.datetime = Field(description="When.")

    @staticmethod
    def resolve_finding(obj: PostDoseReading) -> dict[str, str] | None:
        return obj.finding or None


class ReleaseIn(ReleaseSpec):
    sitter_id: int | None = Field(
        default=None, ge=1, le=MAX_ID, description="With a code: the sitter it was sent to."
    )


class ReleaseOut(Schema):
    session_id: int = Field(description="The session.")
    status: SessionStatus = Field(description="released, or still open when not stable.")
    release_stable: bool | None = Field(description="What the sitter attested.")
    released_at: dt.datetime | None = Field(description="When.")

    @staticmethod
    def resolve_session_id(obj: DosingSession) -> int:
        return obj.pk


class ClearanceOut(Schema):
    id: int = Field(description="The clearance's id.")
    patient_id: int = Field(description="Whose.")
    hold: str = Field(description="The hold lifted.")
    note: str = Field(description="The clinician's note.")
    cleared_by_id: int = Field(description="Who.")
    cleared_at: dt.datetime = Field(description="When.")


class HoldOut(Schema):
    hold: str = Field(description="suicidality or blood_pressure.")
    since: dt.datetime = Field(description="Since when.")
    reasons: list[str] = Field(description="Why, for the care team.")


def _sitter(request: HttpRequest, patient: Patient, sitter_id: int) -> Sitter:
    found: Sitter = get_object_or_404(
        Sitter.objects.visible_to(actor(request)), pk=sitter_id, patients=patient
    )
    return found


def _session(request: HttpRequest, patient: Patient, session_id: int) -> DosingSession:
    found: DosingSession = visible(request, DosingSession.objects, pk=session_id, patient=patient)
    return found


@router.post(
    "/{patient_id}/sitter-presence",
    response={201: PresenceOut, **WRITE_ERRORS},
    summary="The sitter confirms being with the patient (own sign-in)",
)
def confirm_presence(
    request: HttpRequest, patient_id: int = id_in_path("patient")
) -> Status[PresenceOut]:
    presence = services.confirm_sitter_presence(
        actor(request), visible_patient(request, patient_id)
    )
    return Status(201, PresenceOut.model_validate(presence))


@router.post(
    "/{patient_id}/sitter-codes",
    response={202: CodeOut, **WRITE_ERRORS},
    summary="Text a one-time code to the sitter's phone",
)
def send_code(
    request: HttpRequest, payload: CodeIn, patient_id: int = id_in_path("patient")
) -> Status[CodeOut]:
    patient = visible_patient(request, patient_id)
    session = None
    if payload.session_id is not None:
        session = _session(request, patient, payload.session_id)
    row = services.send_sitter_code(
        actor(request),
        patient,
        _sitter(request, patient, payload.sitter_id),
        purpose=payload.purpose,
        session=session,
    )
    return Status(202, CodeOut.model_validate(row))


@router.post(
    "/{patient_id}/sitter-presence/code",
    response={201: PresenceOut, **WRITE_ERRORS},
    summary="Confirm the sitter with the code texted to them",
)
def confirm_presence_with_code(
    request: HttpRequest, payload: CodeConfirmIn, patient_id: int = id_in_path("patient")
) -> Status[PresenceOut]:
    patient = visible_patient(request, patient_id)
    presence = services.confirm_presence_with_code(
        actor(request), patient, _sitter(request, patient, payload.sitter_id), code=payload.code
    )
    return Status(201, PresenceOut.model_validate(presence))


@router.get(
    "/{patient_id}/sessions/{session_id}/readings",
    response={200: list[ReadingOut], **ERRORS},
    summary="Blood pressures after the dose",
)
def list_readings(
    request: HttpRequest,
    patient_id: int = id_in_path("patient"),
    session_id: int = id_in_path("session"),
) -> list[ReadingOut]:
    session = _session(request, readable_patient(request, patient_id, "read_sessions"), session_id)
    rows = list(PostDoseReading.objects.visible_to(actor(request)).filter(session=session))
    audit_list(request, "treatment.PostDoseReading", [r.pk for r in rows], patient_id=patient_id)
    return [ReadingOut.model_validate(r) for r in rows]


@router.post(
    "/{patient_id}/sessions/{session_id}/readings",
    response={201: ReadingOut, **WRITE_ERRORS},
    summary="Record a blood pressure after the dose",
)
def record_reading(
    request: HttpRequest,
    payload: ReadingSpec,
    patient_id: int = id_in_path("patient"),
    session_id: int = id_in_path("session"),
) -> Status[ReadingOut]:
    """At about 40 minutes, or a re-measure: a crisis pages at once (emergency)."""
    session = _session(request, visible_patient(request, patient_id), session_id)
    reading = services.record_post_dose_reading(actor(request), session, payload)
    return Status(201, ReadingOut.model_validate(reading))


@router.post(
    "/{patient_id}/sessions/{session_id}/release",
    response={200: ReleaseOut, **WRITE_ERRORS},
    summary="The sitter ends the observation window",
)
def release(
    request: HttpRequest,
    payload: ReleaseIn,
    patient_id: int = id_in_path("patient"),
    session_id: int = id_in_path("session"),
) -> Status[ReleaseOut]:
    """Stable: accepted once the patient has checked in. Not stable: pages the clinic."""
    patient = visible_patient(request, patient_id)
    session = _session(request, patient, session_id)
    sitter = None if payload.sitter_id is None else _sitter(request, patient, payload.sitter_id)
    released = services.release_session(actor(request), session, payload, sitter=sitter)
    return Status(200, ReleaseOut.model_validate(released))


@router.get(
    "/{patient_id}/holds", response={200: list[HoldOut], **ERRORS}, summary="Holds on dosing"
)
def list_holds(request: HttpRequest, patient_id: int = id_in_path("patient")) -> list[HoldOut]:
    patient = readable_patient(request, patient_id, "read_sessions")
    if not actor(request).is_clinic_staff:
        # What holds the dose is told to the patient by the gate, in their own words.
        return []
    holds = active_holds(patient, clock.now())
    return [HoldOut(hold=h.hold, since=h.since, reasons=list(h.reasons)) for h in holds]


@router.post(
    "/{patient_id}/dosing-clearances",
    response={201: ClearanceOut, **WRITE_ERRORS},
    summary="A clinician clears a hold on dosing",
)
def clear_hold(
    request: HttpRequest, payload: ClearanceSpec, patient_id: int = id_in_path("patient")
) -> Status[ClearanceOut]:
    clearance = services.clear_for_dosing(
        actor(request), visible_patient(request, patient_id), payload
    )
    return Status(201, ClearanceOut.model_validate(clearance))


@router.get(
    "/{patient_id}/dosing-clearances",
    response={200: list[ClearanceOut], **ERRORS},
    summary="Clearances of holds on dosing",
)
def list_clearances(
    request: HttpRequest, patient_id: int = id_in_path("patient")
) -> list[ClearanceOut]:
    patient = readable_patient(request, patient_id, "read_sessions")
    rows = list(DosingClearance.objects.visible_to(actor(request)).filter(patient=patient))
    audit_list(request, "treatment.DosingClearance", [r.pk for r in rows], patient_id=patient.pk)
    return [ClearanceOut.model_validate(r) for r in rows]
