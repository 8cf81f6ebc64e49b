"""Intake and eligibility review use cases: (actor, target, spec), one transaction each.

Who does what (kernel.policy, section intake):
- start, save, submit: the patient themself, or a coordinator of their clinic for them;
- rate (the Maudsley staging, the MADRS) and review (approve or decline): a clinician
  or prescriber of their clinic. The patient never gives a staff-rated score.

Two rules of this app, for the phase machine and the patient record:
- Phase moves. Starting (screening -> intake) and submitting (intake -> under_review)
  move the patient with `patients.services.apply_phase_move`, under the same row lock
  and phase rules (consent included) as the patients' own use cases; the staff who may
  fill in an intake are all allowed to move phases. A patient's own move is named in
  its reason ("the patient's own submission").
- Demographics. The intake keeps the date of birth and weight as answered, and the
  reviewing clinician's review applies them to the patient record
  (`patients.services.apply_fields`, whichever the decision). Eligibility is computed
  from the intake's answers, so it never waits for the record.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder

from ketacare.assessments.services import record_questionnaire
from ketacare.audit.log import Event
from ketacare.audit.models import AuditAction
from ketacare.clinical.eligibility import (
    MAUDSLEY_RANGES,
    EligibilityAssessment,
    InvalidIntake,
    MaudsleyDomains,
    Severity,
    assess_eligibility,
)
from ketacare.intake.answers import (
    Demographics,
    IntakeData,
    baseline_questionnaires,
    patient_answers,
)
from ketacare.intake.errors import (
    AlreadyReviewed,
    ConsentRequired,
    IneligibleCannotBeApproved,
    IntakeNotOpen,
    IntakeNotSubmitted,
    IntakeSuperseded,
)
from ketacare.intake.facts import medicines_json, to_facts
from ketacare.intake.models import EligibilityReview, Intake, IntakeStatus, ReviewDecision
from ketacare.intake.ratings import MADRS, StaffRatingSpec
from ketacare.intake.specs import IntakeDraft, ReviewSpec, check_submission, submitted_answers
from ketacare.kernel import clock, usecase
from ketacare.kernel.errors import WrongPhase
from ketacare.kernel.usecase import use_case
from ketacare.patients import services as patients
from ketacare.patients.access import is_own_record, require
from ketacare.patients.models import Patient
from ketacare.patients.phases import Phase

if TYPE_CHECKING:
    from ketacare.accounts.models import User

# The demographics of an intake that the review copies to the patient record.
DEMOGRAPHIC_FIELDS = ("date_of_birth", "weight_kg")


# --- checks --------------------------------------------------------------------------


def _require_phase(patient: Patient, *phases: Phase) -> None:
    if patient.phase_enum not in phases:
        allowed = " or ".join(p.words for p in phases)
        raise WrongPhase(
            f"The patient is in {patient.phase_enum.words}; this needs {allowed}.", field="patient"
        )


def _require_draft(intake: Intake) -> None:
    if intake.status != IntakeStatus.DRAFT:
        raise IntakeNotOpen("This intake was submitted; it can no longer be changed.")


def _move(actor: User, locked: Patient, target: Phase) -> None:
    """Move the locked patient; a patient's own move says so in its reason."""
    reason = ""
    if is_own_record(actor, locked):
        reason = "the patient's own " + (
            "start of intake" if target is Phase.INTAKE else "submission"
        )
    usecase.note(patients.apply_phase_move(actor, locked, target, reason))


# --- intake --------------------------------------------------------------------------


def _prefill(patient: Patient) -> dict[str, Any]:
    """The first answers of a new draft.

    The last submission when the patient was returned for more information; otherwise
    the demographics of the record.
    """
    last = (
        Intake.objects.filter(patient=patient, status=IntakeStatus.SUBMITTED)
        .order_by("-submitted_at", "-pk")
        .first()
    )
    if last is not None:
        return dict(patient_answers(last.data))
    demographics = {name: getattr(patient, name) for name in DEMOGRAPHIC_FIELDS}
    stored: dict[str, Any] = json.loads(
        json.dumps({"demographics": demographics}, cls=DjangoJSONEncoder)
    )
    return stored


@use_case("start_intake", audited=False)
def start_intake(actor: User, patient: Patient) -> Intake:
    """The patient's open intake; a new draft (screening moves to intake) if there is none."""
    require(actor, patient, "start_intake")
    locked = Patient.objects.select_for_update(no_key=True).get(pk=patient.pk)
    _require_phase(locked, Phase.SCREENING, Phase.INTAKE)
    draft = Intake.objects.filter(patient=locked, status=IntakeStatus.DRAFT).first()
    if draft is not None:
        return draft  # nothing changes: no audit entry
    if locked.phase_enum is Phase.SCREENING:
        _move(actor, locked, Phase.INTAKE)
    intake = Intake.objects.create(patient=locked, data=_prefill(locked))
    usecase.note(Event.about(AuditAction.CREATE, intake))
    return intake


@use_case("save_intake_draft")
def save_intake_draft(actor: User, intake: Intake, spec: IntakeDraft) -> Intake:
    """Replace the draft with the spec's answers (which may be incomplete)."""
    require(actor, intake.patient, "save_intake_draft")
    # The patient, then the intake: one lock order for every use case (kernel.usecase).
    patient = Patient.objects.select_for_update(no_key=True).get(pk=intake.patient_id)
    locked = Intake.objects.select_for_update(no_key=True).get(pk=intake.pk)
    locked.patient = patient
    _require_draft(locked)
    _require_phase(locked.patient, Phase.INTAKE)
    locked.data = spec.answers
    locked.save(update_fields=["data", "updated_at"])
    usecase.note(Event.about(AuditAction.UPDATE, locked, detail={"sections": sorted(spec.answers)}))
    return locked


def _local_date(patient: Patient) -> dt.date:
    # Age is counted on the patient's own calendar day, not the server's (UTC) one.
    return clock.now().astimezone(ZoneInfo(patient.timezone)).date()


def eligibility_json(
    assessment: EligibilityAssessment, *, assessed_on: dt.date, answers: IntakeData
) -> dict[str, Any]:
    """The assessment as stored on the intake and shown to the reviewing clinician.

    With each current medicine as recognised (`facts.medicines_json`); assessments
    stored before that have no `medicines` nor `unrecognised_medicines`.
    """
    maudsley = assessment.maudsley
    return {
        "decision": assessment.decision.value,
        "assessed_on": assessed_on.isoformat(),
        "findings": [
            {
                "code": f.code.value,
                "severity": f.severity.value,
                "message": f.message,
                "source": f.source,
            }
            for f in assessment.findings
        ],
        "trd": assessment.trd,
        "failed_adequate_trials": assessment.failed_adequate_trials,
        "trial_reviews": [
            {
                "drug": r.trial.drug,
                "counts": r.counts,
                "shortfalls": [s.value for s in r.shortfalls],
                "explanation": r.explanation,
            }
            for r in assessment.trial_reviews
        ],
        "maudsley": None
        if maudsley is None
        else {
            "total": maudsley.total,
            "band": maudsley.band.value,
            "duration": maudsley.domains.duration,
            "severity": maudsley.domains.severity,
            "treatment_failures": maudsley.domains.treatment_failures,
        },
        **medicines_json(answers),
    }


def _assess(intake: Intake, patient: Patient) -> tuple[IntakeData, dict[str, Any]]:
    """The checked answers and the eligibility assessment (as stored) of a submission."""
    answers = check_submission(
        intake.data, indication=patient.indication, sex_at_birth=patient.sex_at_birth
    )
    if not patients.has_current_consent(patient):
        raise ConsentRequired(
            "Sign the current version of the treatment consent before submitting.",
            field="consent",
        )
    assessed_on = _local_date(patient)
    try:
        facts = to_facts(answers, assessed_on=assessed_on, sex_at_birth=patient.sex_at_birth)
    except InvalidIntake as error:  # e.g. born "today" on the server, tomorrow for the patient
        raise ValidationError({"demographics.date_of_birth": str(error)}) from None
    assessment = assess_eligibility(facts)
    return answers, eligibility_json(assessment, assessed_on=assessed_on, answers=answers)


@use_case("submit_intake")
def submit_intake(actor: User, intake: Intake) -> Intake:
    """Submit a complete intake; needs the current consent signed.

    Stores the baseline questionnaires and the eligibility assessment and moves the
    patient to under review; nothing is stored if anything is missing or wrong.
    """
    require(actor, intake.patient, "submit_intake")
    # The patient, then the intake (one lock order for every use case, kernel.usecase):
    # a draft saved meanwhile is either all in or waits.
    patient = Patient.objects.select_for_update(no_key=True).get(pk=intake.patient_id)
    locked = Intake.objects.select_for_update(no_key=True).get(pk=intake.pk)
    _require_draft(locked)
    _require_phase(patient, Phase.INTAKE)
    answers, eligibility = _assess(locked, patient)
    now = clock.now()
    for code, numbered, context in baseline_questionnaires(
        answers, sex_at_birth=patient.sex_at_birth
    ):
        record_questionnaire(actor, patient, code, numbered, context=context, at=now)
    _move(actor, patient, Phase.UNDER_REVIEW)
    locked.status = IntakeStatus.SUBMITTED
    locked.submitted_at = now
    locked.submitted_by = actor
    locked.eligibility = eligibility
    locked.save()
    usecase.note(Event.about(AuditAction.UPDATE, locked, detail={"status": IntakeStatus.SUBMITTED}))
    return locked


# --- review --------------------------------------------------------------------------


def _findings(eligibility: dict[str, Any], severity: Severity) -> list[dict[str, Any]]:
    return [f for f in eligibility["findings"] if f["severity"] == severity.value]


def _check_decision(spec: ReviewSpec, eligibility: dict[str, Any]) -> None:
    """What the assessment allows: no approval over an exclusion, cautions justified."""
    if spec.decision == ReviewDecision.DECLINE:
        return  # the spec holds its reason
    exclusions = _findings(eligibility, Severity.EXCLUSION)
    if exclusions:
        named = "; ".join(f["message"] for f in exclusions)
        raise IneligibleCannotBeApproved(
            f"An absolute exclusion cannot be approved: {named}", field="decision"
        )
    cautions = _findings(eligibility, Severity.CAUTION)
    if cautions and not spec.justification:
        named = ", ".join(f["code"] for f in cautions)
        raise ValidationError(
            {"justification": f"Approving over these cautions needs a justification: {named}."}
        )


def _require_reviewable(intake: Intake) -> None:
    if intake.status != IntakeStatus.SUBMITTED:
        raise IntakeNotSubmitted("This intake is a draft; it has not been submitted.")
    if EligibilityReview.objects.filter(intake=intake).exists():
        raise AlreadyReviewed("This intake has already been reviewed.")
    if Intake.objects.filter(patient_id=intake.patient_id, pk__gt=intake.pk).exists():
        raise IntakeSuperseded("The patient has a newer intake; review that one.")


def _apply_demographics(patient: Patient, intake: Intake) -> None:
    """Copy the intake's date of birth and weight to the record, if they differ."""
    given = Demographics.model_validate(intake.data["demographics"])
    fields = {
        name: getattr(given, name)
        for name in DEMOGRAPHIC_FIELDS
        if getattr(given, name) != getattr(patient, name)
    }
    if fields:
        usecase.note(patients.apply_fields(patient, fields))


@use_case("review_intake")
def review_intake(actor: User, intake: Intake, spec: ReviewSpec) -> EligibilityReview:
    """Approve or decline a submitted intake, and copy its demographics to the record.

    Approval over cautions needs a written justification; an absolute exclusion cannot
    be approved; declining needs a reason (the spec's).
    """
    require(actor, intake.patient, "review_intake")
    patient = Patient.objects.select_for_update(no_key=True).get(pk=intake.patient_id)
    locked = Intake.objects.select_for_update(no_key=True).get(pk=intake.pk)
    _require_reviewable(locked)
    _require_phase(patient, Phase.UNDER_REVIEW)
    eligibility: dict[str, Any] = locked.eligibility or {}
    _check_decision(spec, eligibility)
    _apply_demographics(patient, locked)
    target = Phase.APPROVED if spec.decision == ReviewDecision.APPROVE else Phase.DECLINED
    usecase.note(patients.apply_phase_move(actor, patient, target, spec.justification))
    review = EligibilityReview.objects.create(
        intake=locked,
        patient=patient,
        reviewer=actor,
        decision=spec.decision,
        justification=spec.justification,
        eligibility=eligibility,
    )
    usecase.note(Event.about(AuditAction.CREATE, review, detail={"decision": spec.decision.value}))
    return review


# --- the staff's ratings -------------------------------------------------------------


def _reassessed(intake: Intake, patient: Patient, maudsley: dict[str, Any] | None) -> Any:
    """The stored assessment again, its Maudsley stage the staff's rating (`maudsley`).

    The patient's answers on the day of the submission's assessment (older ones stored
    no day: the submission's): only what the rating changes may change.
    """
    stored = (intake.eligibility or {}).get("assessed_on")
    submitted = intake.submitted_at or clock.now()
    assessed_on = (
        dt.date.fromisoformat(stored)
        if stored
        else submitted.astimezone(ZoneInfo(patient.timezone)).date()
    )
    domains = (
        None if maudsley is None else MaudsleyDomains(**{k: maudsley[k] for k in MAUDSLEY_RANGES})
    )
    answers = submitted_answers(intake.data)
    facts = to_facts(
        answers, assessed_on=assessed_on, sex_at_birth=patient.sex_at_birth, maudsley=domains
    )
    return eligibility_json(assess_eligibility(facts), assessed_on=assessed_on, answers=answers)


def _rating(spec: StaffRatingSpec, actor: User, patient: Patient, at: dt.datetime) -> Any:
    """The parts of `spec` as the intake keeps them; a MADRS is recorded as a response."""
    stamp = {"rated_by": actor.pk, "rated_at": at.isoformat()}
    rated: dict[str, Any] = {}
    if spec.maudsley is not None:
        rated["maudsley"] = {**spec.maudsley.model_dump(), **stamp}
    if spec.madrs is not None:
        response = record_questionnaire(
            actor, patient, MADRS, spec.madrs_answers(), context={}, at=at
        )
        rated["madrs"] = {
            "response_id": response.pk,
            "total": response.total,
            "band": response.band,
            **stamp,
        }
    return rated


@use_case("rate_intake")
def rate_intake(actor: User, intake: Intake, spec: StaffRatingSpec) -> Intake:
    """Rate a submitted intake before its review: the Maudsley domains, the MADRS, or both.

    The Maudsley rating replaces an earlier one and the stored assessment is recomputed
    with it (the reviewer sees the staff's stage, never a patient's); a MADRS is recorded
    as a new response (`assessments.services.record_questionnaire`, with its alerts).
    """
    require(actor, intake.patient, "rate_intake")
    patient = Patient.objects.select_for_update(no_key=True).get(pk=intake.patient_id)
    locked = Intake.objects.select_for_update(no_key=True).get(pk=intake.pk)
    _require_reviewable(locked)
    _require_phase(patient, Phase.UNDER_REVIEW)
    before = dict(locked.staff_ratings or {})
    rated = _rating(spec, actor, patient, clock.now())
    ratings = {**before, **rated}
    locked.eligibility = _reassessed(locked, patient, ratings.get("maudsley"))
    locked.staff_ratings = ratings
    locked.save(update_fields=["eligibility", "staff_ratings", "updated_at"])
    detail = {
        "rated": sorted(rated),
        "maudsley_replaced": "maudsley" in rated and "maudsley" in before,
    }
    usecase.note(Event.about(AuditAction.UPDATE, locked, detail=detail))
    return locked
