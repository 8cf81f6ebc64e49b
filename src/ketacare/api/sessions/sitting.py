"""Where a session stands, as a sitter may see it: the API's face of the sitter's page.

A sitter reads this and nothing else of a patient's record (kernel.policy
`read_sitting`): the session's times and status, the check-in's deadline and whether
it is done, and the numbers to call. The care team and the patient may read it too.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import Field

from ketacare.api.access import actor, audit_list, audit_read, readable_patient
from ketacare.api.schemas import ERRORS, id_in_path
from ketacare.kernel import clock, policy
from ketacare.treatment.models import SessionStatus
from ketacare.treatment.sitter_view import SitterView, sat_for, sitter_view

router = Router(tags=["sitting"])
patient_router = Router(tags=["sitting"])

Stage = Literal[
    "not_started", "checklist_not_passed", "ready_for_dose", "dosed", "checked_in", "ended"
]
_STAGES: dict[str, Stage] = {
    SessionStatus.GATE_FAILED: "checklist_not_passed",
    SessionStatus.READY: "ready_for_dose",
    SessionStatus.DOSED: "dosed",
    SessionStatus.CHECKED_IN: "checked_in",
    SessionStatus.RELEASED: "ended",
}


class SittingOut(Schema):
    patient_id: int = Field(description="The patient sat for.")
    name: str = Field(description="The patient's name.")
    next_session_at: dt.datetime | None = Field(description="The next planned session.")
    sitter_confirmed_at: dt.datetime | None = Field(
        description="When a sitter last confirmed being with the patient today."
    )
    session: Stage = Field(description="Where today's session stands.")
    dose_taken_at: dt.datetime | None = Field(description="When today's dose was taken.")
    blood_pressure_due_at: dt.datetime | None = Field(
        description="When the blood pressure after the dose is due."
    )
    blood_pressure_done: bool = Field(description="A blood pressure after the dose is recorded.")
    check_in_opens_at: dt.datetime | None = Field(description="When the check-in opens.")
    check_in_due_at: dt.datetime | None = Field(description="The check-in's deadline.")
    checked_in_at: dt.datetime | None = Field(description="When the patient checked in.")
    observation_ended_at: dt.datetime | None = Field(
        description="When the sitter ended the observation after the dose."
    )
    emergency_number: str = Field(description="The emergency number to call first.")
    on_call_phone: str = Field(description="The clinic's on-call line.")


def _out(view: SitterView) -> SittingOut:
    patient, session, check_in = view.patient, view.session, view.check_in
    times = {
        "dose_taken_at": "taken_at",
        "blood_pressure_due_at": "bp_due_at",
        "check_in_opens_at": "observation_ends_at",
        "check_in_due_at": "check_in_due_at",
        "observation_ended_at": "released_at",
    }
    return SittingOut(
        patient_id=patient.pk,
        name=patient.legal_name,
        next_session_at=view.next_session_at,
        sitter_confirmed_at=view.presence.confirmed_at if view.presence else None,
        session=_STAGES[session.status] if session else "not_started",
        blood_pressure_done=view.blood_pressure_done,
        checked_in_at=check_in.checked_in_at if check_in else None,
        emergency_number=patient.clinic.emergency_number,
        on_call_phone=patient.clinic.on_call_phone,
        **{out: getattr(session, field) if session else None for out, field in times.items()},
    )


@router.get("", response={200: list[SittingOut], **ERRORS}, summary="The people I sit for")
def my_sittings(request: HttpRequest) -> list[SittingOut]:
    """For a sitter: each patient they sit for, and where today's session stands."""
    user = actor(request)
    policy.require_role(user, policy.rule("list_sittings"))
    patients = list(sat_for(user))
    audit_list(request, "patients.Patient", [p.pk for p in patients])
    now = clock.now()
    return [_out(sitter_view(p, now)) for p in patients]


@patient_router.get(
    "/{patient_id}/sitting", response={200: SittingOut, **ERRORS}, summary="Where a session stands"
)
def patient_sitting(request: HttpRequest, patient_id: int = id_in_path("patient")) -> SittingOut:
    """What the patient's sitter sees: today's session, the check-in, the numbers to call."""
    patient = readable_patient(request, patient_id, "read_sitting")
    audit_read(request, patient, what="sitting")
    return _out(sitter_view(patient, clock.now()))
