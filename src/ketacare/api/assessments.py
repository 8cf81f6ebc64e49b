"""Questionnaires: submit one (idempotent), read responses, what is due, outcomes."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import AwareDatetime, Discriminator, Field, StringConstraints, Tag

from ketacare.api.access import (
    actor,
    audit_list,
    audit_read,
    readable_patient,
    visible,
    visible_patient,
)
from ketacare.api.idempotency import IDEMPOTENCY_KEY, Idempotent, once
from ketacare.api.schemas import ERRORS, MAX_ID, NO_NUL, WRITE_ERRORS, id_in_path
from ketacare.assessments import queries, services
from ketacare.assessments.models import QuestionnaireResponse
from ketacare.assessments.specs import QuestionnaireSpec
from ketacare.clinical import outcomes
from ketacare.kernel import clock

router = Router(tags=["questionnaires"])

# The instruments of ketacare.clinical.instruments.CODES (a test keeps the two equal).
InstrumentCode = Literal[
    "phq9", "phq2", "gad7", "pcl5", "qids_sr16", "madrs", "cadss6", "cssrs_screen", "auditc",
    "dast10", "bladder",
]  # fmt: skip
ItemNumber = Annotated[str, StringConstraints(pattern=r"^[0-9]{1,3}$")]
AnswerValue = Annotated[int, Field(ge=-1000, le=1000)]  # the instrument checks its own range


def _answers_shape(value: object) -> str:
    return "dict[item,value]" if isinstance(value, dict) else "list[value]"


# One shape or the other, chosen by what was sent, so errors speak of that shape only.
Answers = Annotated[
    Annotated[list[AnswerValue], Field(max_length=100), Tag("list[value]")]
    | Annotated[dict[ItemNumber, AnswerValue], Field(max_length=100), Tag("dict[item,value]")],
    Discriminator(_answers_shape),
]
ContextValue = Annotated[str, StringConstraints(pattern=NO_NUL, max_length=32)]


class QuestionnaireIn(Schema):
    instrument: InstrumentCode = Field(description="Which questionnaire.")
    answers: Answers = Field(description='Item values in item order, or {"item number": value}.')
    context: dict[
        Annotated[str, StringConstraints(max_length=32, pattern=NO_NUL)], ContextValue
    ] = Field(
        default_factory=dict, description='What scoring needs beyond answers: AUDIT-C {"sex"}.'
    )
    recorded_at: AwareDatetime | None = Field(
        default=None, description="When it was completed (with offset); default: now."
    )


class QuestionnaireOut(Schema):
    id: int = Field(description="The response's id.")
    patient_id: int = Field(description="Whose.")
    instrument: str = Field(description="Which questionnaire.")
    answers: dict[str, int] = Field(description='{"item number": value} as answered.')
    total: int = Field(description="Total score.")
    band: str = Field(description="Severity band of the total.")
    subscales: dict[str, int] = Field(description="Subscale scores, where the instrument has them.")
    flags: list[str] = Field(description="Flags raised, e.g. `suicidality`.")
    recorded_at: dt.datetime = Field(description="When it was completed (UTC).")
    patient_timezone: str = Field(description="The patient's zone then, to display recorded_at.")
    submitted_by_id: int = Field(description="Who submitted (the patient or staff for them).")
    created_at: dt.datetime = Field(description="When it was stored.")


class CrisisOut(Schema):
    emergency_number: str = Field(description="The local emergency number: call it first.")
    on_call_phone: str = Field(description="The clinic's on-call line.")


class QuestionnaireSubmittedOut(QuestionnaireOut):
    crisis: CrisisOut | None = Field(
        description="Set when the answers show suicidality (any instrument's suicidality "
        "flag, or a C-SSRS screen at low risk): show these numbers to the patient at once, "
        "before anything else. The care team is alerted in the same transaction. Null "
        "otherwise."
    )


class QuestionnairePage(Schema):
    count: int = Field(description="How many match.")
    items: list[QuestionnaireOut] = Field(description="This page, latest first.")


class QuestionnaireFilter(Schema):
    instrument: InstrumentCode | None = Field(default=None, description="Only this questionnaire.")
    limit: int = Field(default=50, ge=1, le=200, description="Page size.")
    offset: int = Field(default=0, ge=0, le=MAX_ID, description="How many to skip.")


class DueItemOut(Schema):
    instrument: str = Field(description="Which questionnaire is due.")
    due_at: dt.datetime = Field(description="When it became due (UTC).")
    overdue: bool = Field(description="Past its grace period.")
    reason: str = Field(description="Why it is due, in words.")


class ObservationOut(Schema):
    at: dt.datetime = Field(description="When the score was recorded.")
    total: int = Field(description="The total score.")


class ChangeOut(Schema):
    baseline: int = Field(description="Baseline total.")
    current: int = Field(description="This total.")
    delta: int = Field(description="current - baseline (negative is improvement).")
    percent: float | None = Field(description="delta as % of baseline; null if baseline is 0.")
    response: bool | None = Field(
        description="A response; null where not defined or the baseline is not significant."
    )
    remission: bool | None = Field(
        description="In remission; null where not defined or the baseline is not significant."
    )
    clinically_meaningful: bool | None = Field(description="Improvement >= MCID.")
    worsening: bool | None = Field(
        description="Increase >= MCID; null (unknown) where the instrument has no MCID."
    )
    baseline_significant: bool = Field(
        description="The baseline is clinically significant, so response and remission apply."
    )


class OutcomeOut(Schema):
    instrument: str = Field(description="The questionnaire.")
    first_dose_at: dt.datetime | None = Field(description="The first dose, if taken.")
    baseline: ObservationOut | None = Field(description="The last score before the first dose.")
    follow_ups: list[ObservationOut] = Field(description="Scores from the first dose on.")
    changes: list[ChangeOut] = Field(description="Each follow-up against the baseline.")
    latest: ChangeOut | None = Field(description="The latest change; null if none.")
    first_response_at: dt.datetime | None = Field(description="First response, if any.")
    time_to_response_days: float | None = Field(description="Days from first dose to response.")
    sustained_response: bool | None = Field(description="Responding since the first response.")
    first_remission_at: dt.datetime | None = Field(description="First remission, if any.")
    ever_worsened: bool | None = Field(
        description="Worsened at any score on treatment; null (unknown) without an MCID."
    )
    baseline_stale: bool | None = Field(
        description="The baseline was taken too long before the first dose to rely on."
    )
    relapsed_at: dt.datetime | None = Field(description="When a response was lost, if it was.")


def _change(change: outcomes.Change) -> ChangeOut:
    return ChangeOut(
        baseline=change.baseline,
        current=change.current,
        delta=change.delta,
        percent=change.percent,
        response=change.response,
        remission=change.remission,
        clinically_meaningful=change.clinically_meaningful,
        worsening=change.worsening,
        baseline_significant=change.baseline_significant,
    )


def _observation(obs: outcomes.Observation) -> ObservationOut:
    return ObservationOut(at=obs.at, total=obs.total)


def outcome_out(trajectory: outcomes.Trajectory) -> OutcomeOut:
    ttr = trajectory.time_to_response
    return OutcomeOut(
        instrument=trajectory.instrument,
        first_dose_at=trajectory.first_dose_at,
        baseline=_observation(trajectory.baseline) if trajectory.baseline else None,
        follow_ups=[_observation(o) for o in trajectory.follow_ups],
        changes=[_change(c) for c in trajectory.changes],
        latest=_change(trajectory.latest) if trajectory.latest else None,
        first_response_at=trajectory.first_response_at,
        time_to_response_days=ttr.total_seconds() / 86400 if ttr is not None else None,
        sustained_response=trajectory.sustained_response,
        first_remission_at=trajectory.first_remission_at,
        ever_worsened=trajectory.ever_worsened,
        baseline_stale=trajectory.baseline_stale,
        relapsed_at=trajectory.relapsed_at,
    )


@router.post(
    "/{patient_id}/questionnaires",
    response={201: QuestionnaireSubmittedOut, **WRITE_ERRORS},
    summary="Submit a questionnaire",
)
def submit_questionnaire(
    request: HttpRequest,
    payload: QuestionnaireIn,
    patient_id: int = id_in_path("patient"),
    idempotency_key: str | None = IDEMPOTENCY_KEY,
) -> Status[QuestionnaireSubmittedOut]:
    """Score and store a completed questionnaire (the patient, or staff on their behalf).

    When the answers show suicidality, `crisis` holds the emergency number and the
    clinic's on-call line for the app to show at once; the care team's alert is raised
    with the response.
    """
    user = actor(request)
    patient = visible_patient(request, patient_id)
    spec = QuestionnaireSpec.model_validate(payload.model_dump())
    return once(
        Idempotent(request, user, idempotency_key, _submitted),
        lambda: services.submit_questionnaire(user, patient, spec),
    )


def _submitted(response: QuestionnaireResponse) -> Status[QuestionnaireSubmittedOut]:
    crisis = services.crisis_resources(response)
    out = QuestionnaireOut.model_validate(response).model_dump()
    return Status(
        201,
        QuestionnaireSubmittedOut(
            **out,
            crisis=None
            if crisis is None
            else CrisisOut(
                emergency_number=crisis.emergency_number, on_call_phone=crisis.on_call_phone
            ),
        ),
    )


@router.get(
    "/{patient_id}/questionnaires",
    response={200: QuestionnairePage, **ERRORS},
    summary="Questionnaire responses",
)
def list_questionnaires(
    request: HttpRequest,
    filters: Query[QuestionnaireFilter],
    patient_id: int = id_in_path("patient"),
) -> QuestionnairePage:
    patient = readable_patient(request, patient_id, "read_questionnaires")
    rows = QuestionnaireResponse.objects.visible_to(actor(request)).filter(patient=patient)
    if filters.instrument is not None:
        rows = rows.filter(instrument=filters.instrument)
    rows = rows.order_by("-recorded_at", "-pk")
    page = list(rows[filters.offset : filters.offset + filters.limit])
    audit_list(
        request, "assessments.QuestionnaireResponse", [r.pk for r in page], patient_id=patient.pk
    )
    return QuestionnairePage(
        count=rows.count(), items=[QuestionnaireOut.model_validate(r) for r in page]
    )


@router.get(
    "/{patient_id}/questionnaires/due",
    response={200: list[DueItemOut], **ERRORS},
    summary="Questionnaires due now",
)
def due_questionnaires(
    request: HttpRequest, patient_id: int = id_in_path("patient")
) -> list[DueItemOut]:
    """What the patient should fill in now, earliest first (`overdue` past the grace period)."""
    patient = readable_patient(request, patient_id, "read_questionnaires")
    due = queries.due_questionnaires(patient, at=clock.now())
    audit_read(request, patient, what="questionnaires due")
    return [
        DueItemOut(instrument=d.instrument, due_at=d.due_at, overdue=d.overdue, reason=d.reason)
        for d in due
    ]


@router.get(
    "/{patient_id}/questionnaires/{response_id}",
    response={200: QuestionnaireOut, **ERRORS},
    summary="One questionnaire response",
)
def get_questionnaire(
    request: HttpRequest,
    patient_id: int = id_in_path("patient"),
    response_id: int = id_in_path("response"),
) -> QuestionnaireOut:
    patient = readable_patient(request, patient_id, "read_questionnaires")
    response = visible(request, QuestionnaireResponse.objects, pk=response_id, patient=patient)
    audit_read(request, response)
    return QuestionnaireOut.model_validate(response)


@router.get(
    "/{patient_id}/outcomes/{instrument}",
    response={200: OutcomeOut, **ERRORS},
    summary="Outcome on one questionnaire",
)
def outcome(
    request: HttpRequest, instrument: InstrumentCode, patient_id: int = id_in_path("patient")
) -> OutcomeOut:
    """Baseline, change, response and remission on `instrument` (404 if never answered)."""
    patient = readable_patient(request, patient_id, "read_questionnaires")
    trajectory = queries.outcome_summary(patient, instrument)
    if trajectory is None:
        raise QuestionnaireResponse.DoesNotExist
    audit_read(request, patient, outcome=instrument)
    return outcome_out(trajectory)
