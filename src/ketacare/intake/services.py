"""Intake and eligibility review use cases. One function, one transaction, one audit entry.

Who does what:
- start, save, submit: the patient themself, or a coordinator of their clinic for them;
- review (approve or decline): a clinician or prescriber of their clinic.

Two rules of this app, for the phase machine and the patient record:
- The patient's own start and submission. `patients.services` moves phases only for
  PHASE_ROLES, which exclude patients. When the patient starts (screening -> intake) or
  submits (intake -> under_review) their own intake, `_patients_own_move` applies the
  same phase rules (`phases.check_transition`, consent included) under the same row
  lock and writes the same PhaseChange and audit entry. Staff go through
  `patients.services.begin_intake` / `submit_for_review`.
- Demographics. `patients.services.update_patient` is for record editors only, so the
  intake keeps the date of birth and weight as answered, and the reviewing clinician's
  review applies them to the patient record (`update_patient`, whichever the decision).
  Eligibility is computed from the intake's answers, so it never waits for the record.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction

from ketacare.accounts.roles import PHASE_ROLES, Role
from ketacare.assessments.services import submit_questionnaire
from ketacare.audit.log import Event, record
from ketacare.audit.models import AuditAction
from ketacare.clinical.eligibility import (
    EligibilityAssessment,
    InvalidIntake,
    Severity,
    assess_eligibility,
)
from ketacare.intake.errors import (
    AlreadyReviewed,
    ConsentRequired,
    IneligibleCannotBeApproved,
    IntakeNotOpen,
    IntakeNotSubmitted,
    IntakeSuperseded,
)
from ketacare.intake.facts import to_facts
from ketacare.intake.models import EligibilityReview, Intake, IntakeStatus, ReviewDecision
from ketacare.intake.schemas import (
    Demographics,
    IntakeData,
    baseline_questionnaires,
    check_draft,
    check_submission,
)
from ketacare.kernel import clock
from ketacare.kernel.errors import NotAllowed, NotFound, WrongPhase
from ketacare.patients import services as patients
from ketacare.patients.models import Patient
from ketacare.patients.phases import Phase

if TYPE_CHECKING:
    import datetime as dt

    from ketacare.accounts.models import User

# Staff who fill in an intake on the patient's behalf (the patient fills in their own).
INTAKE_ROLES = frozenset({Role.COORDINATOR})
# Staff who decide on eligibility.
REVIEW_ROLES = frozenset({Role.CLINICIAN, Role.PRESCRIBER})
# The demographics of an intake that the review copies to the patient record.
DEMOGRAPHIC_FIELDS = ("date_of_birth", "weight_kg")


# --- checks --------------------------------------------------------------------------


def _own(actor: User, patient: Patient) -> bool:
    return patient.user_id is not None and actor.pk == patient.user_id


def _require_visible(actor: User, patient: Patient) -> None:
    if not Patient.objects.visible_to(actor).filter(pk=patient.pk).exists():
        raise NotFound("No such patient in your clinic.")


def _require_intake_actor(actor: User, patient: Patient) -> None:
    """Role, then clinic (404), then: the patient themself or a coordinator of theirs."""
    if not (actor.is_superuser or actor.roles & (INTAKE_ROLES | {Role.PATIENT})):
        raise NotAllowed("Only the patient, or a care coordinator for them, may fill in intake.")
    _require_visible(actor, patient)
    staff = actor.is_superuser or (
        actor.clinic_id == patient.clinic_id and bool(actor.roles & INTAKE_ROLES)
    )
    if not (staff or _own(actor, patient)):
        raise NotAllowed("Only the patient themself or a coordinator may fill in this intake.")


def _require_reviewer(actor: User, patient: Patient) -> None:
    if not (actor.is_superuser or actor.roles & REVIEW_ROLES):
        raise NotAllowed("Only a clinician or prescriber may review eligibility.")
    _require_visible(actor, patient)


def _require_phase(patient: Patient, *phases: Phase) -> None:
    if patient.phase_enum not in phases:
        allowed = " or ".join(p.words for p in phases)
        raise WrongPhase(
            f"The patient is in {patient.phase_enum.words}; this needs {allowed}.", field="patient"
        )


def _require_draft(intake: Intake) -> None:
    if intake.status != IntakeStatus.DRAFT:
        raise IntakeNotOpen("This intake was submitted; it can no longer be changed.")


def _moves_phases(actor: User) -> bool:
    return actor.is_superuser or bool(actor.roles & PHASE_ROLES)


def _patients_own_move(actor: User, patient: Patient, target: Phase, reason: str) -> None:
    """The patient's own start or submission, under the phase rules of `patients.services`.

    Call inside a transaction with `patient` locked. Only the two moves a patient makes
    themself reach here (screening -> intake, intake -> under_review).
    """
    record(patients.apply_phase_move(actor, patient, target, reason), actor=actor)


def _move(actor: User, patient: Patient, target: Phase) -> None:
    if _moves_phases(actor):
        move = patients.begin_intake if target is Phase.INTAKE else patients.submit_for_review
        move(actor, patient)
        patient.refresh_from_db()  # the caller goes on with this row: show it the new phase
    else:
        reason = "the patient's own " + (
            "start of intake" if target is Phase.INTAKE else "submission"
        )
        _patients_own_move(actor, patient, target, reason)


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
        return dict(last.data)
    demographics = {name: getattr(patient, name) for name in DEMOGRAPHIC_FIELDS}
    stored: dict[str, Any] = json.loads(
        json.dumps({"demographics": demographics}, cls=DjangoJSONEncoder)
    )
    return stored


def start_intake(actor: User, patient: Patient) -> Intake:
    """The patient's open intake; a new draft (screening moves to intake) if there is none."""
    _require_intake_actor(actor, patient)
    _require_phase(patient, Phase.SCREENING, Phase.INTAKE)
    with transaction.atomic():
        locked = Patient.objects.select_for_update().get(pk=patient.pk)
        _require_phase(locked, Phase.SCREENING, Phase.INTAKE)
        draft = Intake.objects.filter(patient=locked, status=IntakeStatus.DRAFT).first()
        if draft is not None:
            return draft  # nothing changes: no audit entry
        if locked.phase_enum is Phase.SCREENING:
            _move(actor, locked, Phase.INTAKE)
        intake = Intake.objects.create(patient=locked, data=_prefill(locked))
        record(Event.about(AuditAction.CREATE, intake), actor=actor)
    return intake


def _checked_json(data: object) -> dict[str, Any]:
    check_draft(data)
    try:
        # What the JSON column will hold (dates and decimals as text).
        stored: dict[str, Any] = json.loads(json.dumps(data, cls=DjangoJSONEncoder))
    except (TypeError, ValueError):
        raise ValidationError({"data": "The intake holds a value that is not JSON."}) from None
    return stored


def save_intake_draft(actor: User, intake: Intake, *, data: dict[str, Any]) -> Intake:
    """Replace the draft with `data`, which may be incomplete but not of the wrong type."""
    patient = intake.patient
    _require_intake_actor(actor, patient)
    _require_draft(intake)
    _require_phase(patient, Phase.INTAKE)
    stored = _checked_json(data)
    with transaction.atomic():
        locked = Intake.objects.select_for_update().select_related("patient").get(pk=intake.pk)
        _require_draft(locked)
        _require_phase(locked.patient, Phase.INTAKE)
        locked.data = stored
        locked.save(update_fields=["data", "updated_at"])
        record(
            Event.about(AuditAction.UPDATE, locked, detail={"sections": sorted(stored)}),
            actor=actor,
        )
    return locked


def _local_date(patient: Patient) -> dt.date:
    # Age is counted on the patient's own calendar day, not the server's (UTC) one.
    return clock.now().astimezone(ZoneInfo(patient.timezone)).date()


def eligibility_json(assessment: EligibilityAssessment, *, assessed_on: dt.date) -> dict[str, Any]:
    """The assessment as stored on the intake and shown to the reviewing clinician."""
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
    return answers, eligibility_json(assess_eligibility(facts), assessed_on=assessed_on)


def submit_intake(actor: User, intake: Intake) -> Intake:
    """Submit a complete intake; needs the current consent signed.

    Stores the baseline questionnaires and the eligibility assessment and moves the
    patient to under review; nothing is stored if anything is missing or wrong.
    """
    _require_intake_actor(actor, intake.patient)
    _require_draft(intake)
    _require_phase(intake.patient, Phase.INTAKE)
    with transaction.atomic():
        # The intake, then the patient: a draft saved meanwhile is either all in or waits.
        locked = Intake.objects.select_for_update().get(pk=intake.pk)
        _require_draft(locked)
        patient = Patient.objects.select_for_update().get(pk=locked.patient_id)
        _require_phase(patient, Phase.INTAKE)
        answers, eligibility = _assess(locked, patient)
        now = clock.now()
        for code, numbered, context in baseline_questionnaires(
            answers, sex_at_birth=patient.sex_at_birth
        ):
            submit_questionnaire(
                actor, patient, instrument=code, answers=numbered, context=context, recorded_at=now
            )
        _move(actor, patient, Phase.UNDER_REVIEW)
        locked.status = IntakeStatus.SUBMITTED
        locked.submitted_at = now
        locked.submitted_by = actor
        locked.eligibility = eligibility
        locked.save()
        record(
            Event.about(AuditAction.UPDATE, locked, detail={"status": IntakeStatus.SUBMITTED}),
            actor=actor,
        )
    return locked


# --- review --------------------------------------------------------------------------


def _findings(eligibility: dict[str, Any], severity: Severity) -> list[dict[str, Any]]:
    return [f for f in eligibility["findings"] if f["severity"] == severity.value]


def _check_decision(decision: str, justification: str, eligibility: dict[str, Any]) -> None:
    if decision not in ReviewDecision.values:
        raise ValidationError({"decision": "Choose approve or decline."})
    if decision == ReviewDecision.DECLINE:
        if not justification:
            raise ValidationError({"justification": "Give the reason for declining."})
        return
    exclusions = _findings(eligibility, Severity.EXCLUSION)
    if exclusions:
        named = "; ".join(f["message"] for f in exclusions)
        raise IneligibleCannotBeApproved(
            f"An absolute exclusion cannot be approved: {named}", field="decision"
        )
    cautions = _findings(eligibility, Severity.CAUTION)
    if cautions and not justification:
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


def _apply_demographics(actor: User, patient: Patient, intake: Intake) -> None:
    """Copy the intake's date of birth and weight to the record, if they differ."""
    given = Demographics.model_validate(intake.data["demographics"])
    fields = {
        name: getattr(given, name)
        for name in DEMOGRAPHIC_FIELDS
        if getattr(given, name) != getattr(patient, name)
    }
    if fields:
        patients.update_patient(actor, patient, fields)


def review_intake(
    actor: User, intake: Intake, *, decision: str, justification: str
) -> EligibilityReview:
    """Approve or decline a submitted intake, and copy its demographics to the record.

    Approval over cautions needs a written justification; an absolute exclusion cannot
    be approved; declining needs a reason.
    """
    _require_reviewer(actor, intake.patient)
    _require_reviewable(intake)
    _require_phase(intake.patient, Phase.UNDER_REVIEW)
    justification = justification.strip() if isinstance(justification, str) else ""
    with transaction.atomic():
        locked = Intake.objects.select_for_update().get(pk=intake.pk)
        _require_reviewable(locked)
        patient = Patient.objects.select_for_update().get(pk=locked.patient_id)
        _require_phase(patient, Phase.UNDER_REVIEW)
        eligibility: dict[str, Any] = locked.eligibility or {}
        _check_decision(decision, justification, eligibility)
        _apply_demographics(actor, patient, locked)
        if decision == ReviewDecision.APPROVE:
            patients.approve(actor, patient, justification)
        else:
            patients.decline(actor, patient, justification)
        review = EligibilityReview.objects.create(
            intake=locked,
            patient=patient,
            reviewer=actor,
            decision=decision,
            justification=justification,
            eligibility=eligibility,
        )
        record(Event.about(AuditAction.CREATE, review, detail={"decision": decision}), actor=actor)
    return review
