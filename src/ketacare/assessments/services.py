"""Questionnaire use cases: submit a response (with its alerts), the schedule settings.

Scores come only from `ketacare.clinical.instruments`; what is due and the outcomes are
read by `ketacare.assessments.queries`, which both faces share.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError

from ketacare.alerts.services import AlertCause, AlertSeverity, raise_alert
from ketacare.assessments.models import (
    ClinicQuestionnaireSettings,
    QuestionnaireResponse,
)
from ketacare.assessments.queries import outcome_summary
from ketacare.assessments.schedules import (
    OPEN_PHASES,
)
from ketacare.assessments.specs import QuestionnaireSpec, ScheduleSpec
from ketacare.audit.log import Event
from ketacare.audit.models import AuditAction
from ketacare.clinical import instruments, safety
from ketacare.clinical.instruments import auditc
from ketacare.kernel import clock, policy, usecase
from ketacare.kernel.errors import NotAllowed, WrongPhase
from ketacare.kernel.usecase import use_case
from ketacare.patients.access import require
from ketacare.patients.models import Patient
from ketacare.patients.phases import Phase
from ketacare.patients.protocol import outcome_rules

if TYPE_CHECKING:
    from ketacare.accounts.models import Clinic, User

__all__ = [
    "CrisisResources",
    "configure_questionnaire_schedule",
    "crisis_resources",
    "record_questionnaire",
    "store_response",
    "stored_score",
    "submit_questionnaire",
]

# Instruments a clinician rates (the patient does not fill them in): kernel.policy's row
# "rate_questionnaire" says who may.
CLINICIAN_RATED = frozenset({"madrs"})
# Scoring context an instrument takes beyond its answers.
CONTEXT_KEYS: Mapping[str, frozenset[str]] = {"auditc": frozenset({"sex"})}


# --- Submitting a questionnaire ------------------------------------------------------


def _require_rater(actor: User, patient: Patient, instrument: str) -> None:
    """A clinician-rated instrument: only the roles of the "rate_questionnaire" row."""
    raters = policy.rule("rate_questionnaire").staff
    rater = actor.clinic_id == patient.clinic_id and bool({str(r) for r in actor.roles} & raters)
    if instrument in CLINICIAN_RATED and not rater:
        title = instruments.get(instrument).title
        raise NotAllowed(f"{title} is clinician-rated: only a clinician or prescriber submits it.")


def _checked_recorded_at(recorded_at: datetime | None) -> datetime:
    now = clock.now()
    if recorded_at is None:
        return now
    if not isinstance(recorded_at, datetime) or recorded_at.utcoffset() is None:
        raise ValidationError({"recorded_at": "Give a date and time with its time zone."})
    if recorded_at > now:
        raise ValidationError({"recorded_at": "A questionnaire cannot be completed in the future."})
    return recorded_at


def _auditc_sex(patient: Patient, given: object) -> str:
    """AUDIT-C's cut-off: the core's one policy, from the record and a stated sex."""
    try:
        return auditc.cutoff_sex(patient.sex_at_birth, given)
    except instruments.InvalidAnswers as err:
        raise ValidationError({"context.sex": str(err)}) from None


def _score_context(instrument: str, patient: Patient, context: Mapping[str, Any]) -> dict[str, Any]:
    if not isinstance(context, Mapping):
        raise ValidationError({"context": "Give an object, e.g. {}."})
    allowed = CONTEXT_KEYS.get(instrument, frozenset())
    unknown = sorted(str(k) for k in set(context) - allowed)
    if unknown:
        takes = ", ".join(sorted(allowed)) or "nothing"
        raise ValidationError(
            {"context": f"{instrument} takes {takes} as context, not {', '.join(unknown)}."}
        )
    if instrument == "auditc":
        return {"sex": _auditc_sex(patient, context.get("sex"))}
    return {}


def _item_keys(answers: object) -> object:
    """{"1": 2} as {1: 2}: JSON objects have text keys. Values are never converted."""
    if not isinstance(answers, Mapping):
        return answers
    keyed: dict[object, object] = {}
    for key, value in answers.items():
        item = int(key) if isinstance(key, str) and key.isdigit() and key == str(int(key)) else key
        if item in keyed:
            raise ValidationError({"answers": f"Item {item} is answered twice."})
        keyed[item] = value
    return keyed


def _scored(instrument: str, answers: object, context: dict[str, Any]) -> instruments.Score:
    keyed = _item_keys(answers)
    try:
        # Whatever the caller sent: normalise() checks its shape and names what is wrong.
        return instruments.score(instrument, keyed, **context)  # type: ignore[arg-type]
    except instruments.InvalidAnswers as err:
        raise ValidationError({"answers": str(err)}) from None


@use_case("submit_questionnaire")
def submit_questionnaire(
    actor: User, patient: Patient, spec: QuestionnaireSpec
) -> QuestionnaireResponse:
    """Score (once) and store one completed questionnaire; nothing is stored if anything is wrong.

    The patient submits their own; a clinician, prescriber or coordinator of their
    clinic may submit on their behalf (MADRS: clinician or prescriber only). Accepted
    in every phase but declined and discharged (WrongPhase).

    In the same transaction it raises the alerts of the response: suicidality (any
    instrument's flag, and C-SSRS "low" as a warning; clinical.safety.check_suicidality)
    and worsening from baseline (clinical.safety.check_worsening). The response carries
    its score, and with it whether to show the patient `crisis_resources` at once.
    """
    require(actor, patient, "submit_questionnaire")
    _require_rater(actor, patient, spec.instrument)
    at = _checked_recorded_at(spec.recorded_at)
    # Lock the patient: a phase change or a duplicate submission waits for us.
    locked = Patient.objects.select_for_update(no_key=True).get(pk=patient.pk)
    if locked.phase_enum not in OPEN_PHASES:
        raise WrongPhase(
            f"The patient is {locked.phase_enum.words}: no questionnaires are taken.",
            field="patient",
        )
    return record_questionnaire(
        actor, locked, spec.instrument, spec.answers, context=spec.context or {}, at=at
    )


def record_questionnaire(  # noqa: PLR0913 - a questionnaire given within another use case
    actor: User,
    locked: Patient,
    instrument: str,
    answers: object,
    *,
    context: Mapping[str, Any],
    at: datetime,
) -> QuestionnaireResponse:
    """Score, store and note one questionnaire inside the running use case.

    For use cases that give questionnaires as part of their own (the intake's baseline):
    the caller checked access and holds the patient's lock.
    """
    scoring_context = _score_context(instrument, locked, context)
    score = _scored(instrument, answers, scoring_context)
    if QuestionnaireResponse.objects.filter(
        patient=locked, instrument=instrument, recorded_at=at
    ).exists():
        raise ValidationError(
            {"recorded_at": f"A {instrument} response is already recorded at this time."}
        )
    response = store_response(actor, locked, score, context=scoring_context, at=at)
    own = actor.pk == locked.user_id
    usecase.note(
        Event.about(
            AuditAction.CREATE, response, detail={"instrument": instrument, "on_behalf": not own}
        )
    )
    return response


def store_response(
    actor: User,
    locked: Patient,
    score: instruments.Score,
    *,
    context: Mapping[str, Any],
    at: datetime,
) -> QuestionnaireResponse:
    """Store a scored response and raise its alerts, in the caller's transaction.

    For use cases that asked the questionnaire as part of their own (the pre-dose
    checklist asks the C-SSRS screen): the caller checked access, holds the patient's
    lock and writes the audit entry.
    """
    response = QuestionnaireResponse.objects.create(
        patient=locked,
        instrument=score.instrument,
        answers={str(item): value for item, value in sorted(score.answers.items())},
        total=score.total,
        band=score.band,
        subscales=dict(score.subscales),
        flags=sorted(score.flags),
        context=dict(context),
        recorded_at=at,
        patient_timezone=locked.timezone,
        submitted_by=actor,
    )
    # Before the response's audit entry: the alert rows are locked before the audit head.
    _raise_alerts(locked, response, score)
    return response


@dataclass(frozen=True)
class CrisisResources:
    """What a patient with a suicidal answer is shown at once: whom to call."""

    emergency_number: str
    on_call_phone: str


def stored_score(response: QuestionnaireResponse) -> instruments.Score:
    """The score as the service computed and stored it (never scored a second time)."""
    return instruments.Score(
        instrument=response.instrument,
        total=response.total,
        band=response.band,
        subscales=dict(response.subscales),
        flags=frozenset(response.flags),
        answers={int(item): value for item, value in response.answers.items()},
    )


def _suicidality(response: QuestionnaireResponse) -> safety.Finding | None:
    return safety.check_suicidality(stored_score(response))


def crisis_resources(response: QuestionnaireResponse) -> CrisisResources | None:
    """The clinic's emergency number and on-call line when the response shows suicidality.

    Shown for every suicidality finding of clinical.safety.check_suicidality (any
    instrument's flag, and C-SSRS "low"); None otherwise.
    """
    if _suicidality(response) is None:
        return None
    clinic = response.patient.clinic
    return CrisisResources(
        emergency_number=clinic.emergency_number, on_call_phone=clinic.on_call_phone
    )


def _raise_alerts(
    patient: Patient, response: QuestionnaireResponse, score: instruments.Score
) -> None:
    """Alerts of a new response (one open alert per patient and cause, or per instrument).

    suicidality: subject "patient:<id>", so a second flagged answer while the first
    alert is open raises no second alert (a higher severity upgrades it); worsening:
    "patient:<id>:<instrument>".
    """
    title = instruments.get(response.instrument).title
    detail = {"response_id": response.pk, "instrument": response.instrument}
    suicidality = safety.check_suicidality(score)
    if suicidality is not None:
        raise_alert(
            patient=patient,
            cause=AlertCause.SUICIDALITY,
            severity=AlertSeverity(suicidality.severity.value),
            subject=f"patient:{patient.pk}",
            title=f"Suicidality on {title}",
            message=suicidality.message,
            source=suicidality.source,
            detail=detail,
        )
    for cause, finding in [
        *_course_findings(patient, response),
        *_monitoring_findings(patient, score),
    ]:
        raise_alert(
            patient=patient,
            cause=cause,
            severity=AlertSeverity(finding.severity.value),
            subject=f"patient:{patient.pk}:{response.instrument}",
            title=f"{title} {_COURSE_TITLES[cause]}",
            message=finding.message,
            source=finding.source,
            detail=detail,
        )


_COURSE_TITLES = {
    AlertCause.WORSENING: "worse than baseline",
    AlertCause.RELAPSE: "response lost",
    AlertCause.BLADDER_SYMPTOMS: "positive",
    AlertCause.MISUSE_SCREEN: "positive",
}
# Routine monitoring alerts while the patient is on treatment; at intake a DAST-10 is
# the eligibility review's caution instead (intake.services).
_ON_TREATMENT = frozenset({Phase.INDUCTION, Phase.MAINTENANCE, Phase.PAUSED})


def _monitoring_findings(
    patient: Patient, score: instruments.Score
) -> list[tuple[AlertCause, safety.Finding]]:
    """A positive bladder or drug-use check on treatment (CLINICAL.md G10, A10)."""
    finding = safety.check_monitoring(score)
    if finding is None or patient.phase_enum not in _ON_TREATMENT:
        return []
    return [(AlertCause(finding.cause.value), finding)]


def _course_findings(
    patient: Patient, response: QuestionnaireResponse
) -> list[tuple[AlertCause, safety.Finding]]:
    """Worsening (a rise of the MCID) or a relapse at this score (CLINICAL.md A11, G9).

    Judged by the clinic's outcome rules, from the baseline before the first dose.
    """
    rules = outcome_rules(patient.clinic_id)
    track = outcome_summary(patient, response.instrument, rules=rules)
    if (
        track is None
        or track.baseline is None
        or track.first_dose_at is None
        or response.recorded_at < track.first_dose_at
    ):
        return []  # before treatment there is no baseline to worsen from
    found = [
        (AlertCause.WORSENING, safety.check_worsening(
            response.instrument, baseline=track.baseline.total, current=response.total,
            rules=rules,
        )),
        (AlertCause.RELAPSE, safety.check_relapse(track, response.recorded_at)),
    ]  # fmt: skip
    return [(cause, finding) for cause, finding in found if finding is not None]


# --- The schedule settings -----------------------------------------------------------


@use_case("configure_questionnaire_schedule")
def configure_questionnaire_schedule(
    actor: User, clinic: Clinic, spec: ScheduleSpec
) -> ClinicQuestionnaireSettings:
    """Set a clinic's changes to the default schedule (a clinic administrator's choice)."""
    if not (actor.is_superuser or actor.clinic_id == clinic.pk):
        raise NotAllowed("Only the clinic's administrators may change its questionnaire schedule.")
    settings_rows = ClinicQuestionnaireSettings.objects.select_for_update(no_key=True)
    found, created = settings_rows.get_or_create(
        clinic=clinic, defaults={"instruments": spec.instruments, "grace_hours": spec.grace_hours}
    )
    if not created:
        found.instruments = spec.instruments
        found.grace_hours = spec.grace_hours
        found.save(update_fields=["instruments", "grace_hours", "updated_at"])
    usecase.note(
        Event.about(
            AuditAction.CREATE if created else AuditAction.UPDATE,
            found,
            detail={"instruments": sorted(spec.instruments), "grace_hours": spec.grace_hours},
        )
    )
    return found
