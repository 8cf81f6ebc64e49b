"""The post-dose check-in: how the patient is after the dose, with its safety findings."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from ketacare.api.access import actor, audit_read, readable_patient, visible, visible_patient
from ketacare.api.idempotency import IDEMPOTENCY_KEY, Idempotent, once
from ketacare.api.schemas import ERRORS, WRITE_ERRORS, id_in_path
from ketacare.api.sessions.common import FindingOut, session_of
from ketacare.treatment import services
from ketacare.treatment.models import PostDoseCheckIn
from ketacare.treatment.specs.sessions import CheckInSpec

router = Router(tags=["sessions"])


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


@router.post(
    "/{patient_id}/sessions/{session_id}/check-in",
    response={201: CheckInOut, **WRITE_ERRORS},
    summary="Record the post-dose check-in",
    operation_id="ketacare_api_sessions_record_check_in",
)
def record_check_in(
    request: HttpRequest,
    payload: CheckInSpec,
    patient_id: int = id_in_path("patient"),
    session_id: int = id_in_path("session"),
    idempotency_key: str | None = IDEMPOTENCY_KEY,
) -> Status[CheckInOut]:
    """How the patient is after the dose; its safety findings are stored with it."""
    user = actor(request)
    session = session_of(request, visible_patient(request, patient_id), session_id)
    return once(
        Idempotent(request, user, idempotency_key, _recorded),
        lambda: services.record_check_in(user, session, payload),
    )


def _recorded(check_in: PostDoseCheckIn) -> Status[CheckInOut]:
    return Status(201, CheckInOut.model_validate(check_in))


@router.get(
    "/{patient_id}/sessions/{session_id}/check-in",
    response={200: CheckInOut, **ERRORS},
    summary="The session's check-in",
    operation_id="ketacare_api_sessions_get_check_in",
)
def get_check_in(
    request: HttpRequest,
    patient_id: int = id_in_path("patient"),
    session_id: int = id_in_path("session"),
) -> CheckInOut:
    session = session_of(
        request, readable_patient(request, patient_id, "read_sessions"), session_id
    )
    check_in = visible(request, PostDoseCheckIn.objects, session=session)
    audit_read(request, check_in)
    return CheckInOut.model_validate(check_in)
