"""What both faces read about questionnaires: what is due, the outcomes, the latest scores.

Each takes a patient the caller has already fetched through
`Patient.objects.visible_to(user)`; none checks access again. Scores come only from
`ketacare.clinical.instruments`, outcomes only from `ketacare.clinical.outcomes`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db.models import Max, OuterRef, Subquery

from ketacare.assessments.models import QuestionnaireResponse, clinic_schedule
from ketacare.assessments.schedules import DueItem, ScheduleFacts, schedule_items
from ketacare.clinical import instruments, outcomes
from ketacare.patients.models import Patient, PhaseChange
from ketacare.patients.phases import Phase

__all__ = [
    "DueItem",
    "checked_instrument",
    "due_questionnaires",
    "first_dose_taken_at",
    "latest_scores",
    "outcome_summary",
    "questionnaire_schedule",
]


def checked_instrument(instrument: object) -> str:
    if not isinstance(instrument, str) or instrument not in instruments.CODES:
        raise ValidationError(
            {"instrument": f"Unknown instrument; known ones are {', '.join(instruments.CODES)}."}
        )
    return instrument


# --- The schedule --------------------------------------------------------------------


def _checked_at(at: datetime) -> datetime:
    if not isinstance(at, datetime) or at.utcoffset() is None:
        raise ValueError(f"at must be an aware datetime, not {at!r}.")
    return at


def _schedule_facts(patient: Patient, at: datetime, after_flag: frozenset[str]) -> ScheduleFacts:
    responses = QuestionnaireResponse.objects.filter(patient=patient, recorded_at__lte=at)
    last_at = dict(
        responses.values("instrument")
        .annotate(last=Max("recorded_at"))
        .values_list("instrument", "last")
        .order_by()
    )
    flagged: list[tuple[str, datetime]] = []
    if after_flag:
        lasts = [last_at.get(code) for code in after_flag]
        since = None if None in lasts else min(t for t in lasts if t is not None)
        candidates = responses if since is None else responses.filter(recorded_at__gt=since)
        flagged = [
            (code, when)
            for code, when, flags in candidates.values_list("instrument", "recorded_at", "flags")
            if instruments.SUICIDALITY in flags
        ]
    intake_started_at = (
        PhaseChange.objects.filter(patient=patient, to_phase=Phase.INTAKE, at__lte=at)
        .order_by("at")
        .values_list("at", flat=True)
        .first()
    )
    return ScheduleFacts(
        phase=patient.phase_enum,
        indication=patient.indication,
        zone=ZoneInfo(patient.timezone),
        phase_started_at=patient.phase_since,
        intake_started_at=intake_started_at,
        last_at=last_at,
        suicidality_flags=tuple(flagged),
    )


def questionnaire_schedule(patient: Patient, *, at: datetime) -> list[DueItem]:
    """Every questionnaire scheduled for the patient with its next due time (past or future).

    Responses after `at` are ignored; the phase is the patient's current one.
    """
    at = _checked_at(at)
    schedule = clinic_schedule(patient.clinic_id)
    after_flag = frozenset(r.instrument for r in schedule.rules if r.after_suicidality_flag)
    return schedule_items(schedule, _schedule_facts(patient, at, after_flag), at=at)


def due_questionnaires(patient: Patient, *, at: datetime) -> list[DueItem]:
    """The questionnaires due at `at` (due time reached), earliest first; `overdue` past grace."""
    return [item for item in questionnaire_schedule(patient, at=at) if item.due_at <= at]


# --- Outcomes and the latest scores ---------------------------------------------------


def first_dose_taken_at(patient: Patient) -> datetime | None:
    """When the patient took their first dose (treatment writes it on the patient)."""
    first: datetime | None = (
        Patient.objects.filter(pk=patient.pk).values_list("first_dose_at", flat=True).first()
    )
    return first


def outcome_summary(
    patient: Patient,
    instrument: str,
    *,
    first_dose_at: datetime | Literal["auto"] | None = "auto",
    rules: outcomes.OutcomeRules = outcomes.DEFAULT_RULES,
) -> outcomes.Trajectory | None:
    """The patient's course on `instrument` (baseline, changes, response, remission).

    None when the patient has no response on it. `first_dose_at="auto"` reads the first
    dose from the treatment records (none there: every score is before treatment).
    """
    code = checked_instrument(instrument)
    observations = [
        outcomes.Observation(at=at, total=total)
        for at, total in QuestionnaireResponse.objects.filter(
            patient=patient, instrument=code
        ).values_list("recorded_at", "total")
    ]
    if not observations:
        return None
    dose_at = first_dose_taken_at(patient) if isinstance(first_dose_at, str) else first_dose_at
    return outcomes.trajectory(code, observations, first_dose_at=dose_at, rules=rules)


def latest_scores(patient: Patient) -> dict[str, QuestionnaireResponse]:
    """The patient's latest response on each instrument they have answered (one query)."""
    latest = (
        QuestionnaireResponse.objects.filter(patient=patient, instrument=OuterRef("instrument"))
        .order_by("-recorded_at", "-pk")
        .values("pk")[:1]
    )
    rows = QuestionnaireResponse.objects.filter(patient=patient, pk=Subquery(latest))
    return {row.instrument: row for row in rows.order_by("instrument")}
