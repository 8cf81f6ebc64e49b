"""The post-dose check-in: how the patient is after the dose, with its safety findings."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema, Status
from pydantic import Discriminator, Field, StringConstraints, Tag

from ketacare.api.access import actor, audit_read, visible, visible_patient
from ketacare.api.idempotency import IDEMPOTENCY_KEY, idempotent
from ketacare.api.schemas import ERRORS, NO_NUL, WRITE_ERRORS, ShortText, id_in_path
from ketacare.api.sessions.common import FindingOut, Mmhg, session_of
from ketacare.treatment import services
from ketacare.treatment.models import Feeling, PostDoseCheckIn, SideEffect

router = Router(tags=["sessions"])

LongText = Annotated[str, StringConstraints(pattern=NO_NUL, max_length=4000)]


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


@router.post(
    "/{patient_id}/sessions/{session_id}/check-in",
    response={201: CheckInOut, **WRITE_ERRORS},
    summary="Record the post-dose check-in",
    operation_id="ketacare_api_sessions_record_check_in",
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
    session = session_of(request, visible_patient(request, patient_id), session_id)

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
    operation_id="ketacare_api_sessions_get_check_in",
)
def get_check_in(
    request: HttpRequest,
    patient_id: int = id_in_path("patient"),
    session_id: int = id_in_path("session"),
) -> CheckInOut:
    session = session_of(request, visible_patient(request, patient_id), session_id)
    check_in = visible(request, PostDoseCheckIn.objects, session=session)
    audit_read(request, check_in)
    return CheckInOut.model_validate(check_in)
