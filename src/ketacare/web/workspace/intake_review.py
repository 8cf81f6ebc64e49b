"""The eligibility review: intakes awaiting a decision, one intake's answers and findings."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from ketacare.accounts.models import User
from ketacare.assessments.models import QuestionnaireResponse
from ketacare.audit.log import Event, record
from ketacare.audit.models import AuditAction
from ketacare.intake import services
from ketacare.intake.models import EligibilityReview, Intake, IntakeStatus
from ketacare.intake.specs import ReviewSpec
from ketacare.kernel.errors import DomainError
from ketacare.kernel.specs import read
from ketacare.patients.models import Patient
from ketacare.patients.phases import Phase
from ketacare.web.common import sitter_hours_for
from ketacare.web.refusals import show_refusal
from ketacare.web.workspace.common import (
    current_user,
    staff_page,
    staff_patient,
)
from ketacare.web.workspace.forms import ReviewForm
from ketacare.web.workspace.presenters import (
    findings_by_severity,
    intake_sections,
    intake_weight_kg,
    words,
)

WHO = "Only clinicians and prescribers review eligibility."


@login_required
@require_GET
def reviews(request: HttpRequest) -> HttpResponse:
    """The clinic's submitted intakes that wait for a decision, oldest first."""
    user = current_user(request)
    staff_page(user, "see_intake_reviews", what=WHO)
    waiting = cast(
        "list[Intake]",
        list(
            Intake.objects.visible_to(user)
            .filter(
                status=IntakeStatus.SUBMITTED,
                review__isnull=True,
                patient__phase=Phase.UNDER_REVIEW.value,
            )
            .select_related("patient")
            .order_by("submitted_at", "pk")
        ),
    )
    record(
        Event(
            AuditAction.LIST,
            "intake.Intake",
            clinic_id=user.clinic_id,
            detail={"via": "care reviews", "ids": [i.pk for i in waiting]},
        )
    )
    return render(request, "web/workspace/reviews.html", {"intakes": waiting})


def _latest_submitted(user: User, patient: Patient) -> Intake | None:
    found: Intake | None = (
        Intake.objects.visible_to(user)
        .filter(patient=patient, status=IntakeStatus.SUBMITTED)
        .order_by("-submitted_at", "-pk")
        .first()
    )
    return found


def _baseline(patient: Patient, intake: Intake) -> list[QuestionnaireResponse]:
    """The questionnaires scored by the submission (at the moment it was submitted)."""
    rows = list(
        QuestionnaireResponse.objects.filter(
            patient=patient, recorded_at=intake.submitted_at or intake.created_at
        ).order_by("instrument")
    )
    for row in rows:
        row.band_words = words(row.band)  # type: ignore[attr-defined]
    return rows


def _context(patient: Patient, intake: Intake | None, form: ReviewForm) -> dict[str, Any]:
    context: dict[str, Any] = {"patient": patient, "intake": intake, "form": form}
    if intake is None:
        return context
    eligibility: dict[str, Any] = intake.eligibility or {}
    review = EligibilityReview.objects.filter(intake=intake).select_related("reviewer").first()
    context |= {
        "sections": intake_sections(
            intake.data,
            sex_at_birth=patient.sex_at_birth,
            sitter_hours=sitter_hours_for(patient.clinic_id),
        ),
        "eligibility": eligibility,
        "findings": findings_by_severity(eligibility),
        "review": review,
        # Before the decision, the header shows the intake's weight beside the record's.
        "intake_weight_kg": None if review else intake_weight_kg(intake.data),
        # Submission scores the baseline questionnaires at the moment it is submitted.
        "baseline": _baseline(patient, intake),
        "can_review": patient.phase_enum is Phase.UNDER_REVIEW,
    }
    return context


@login_required
@require_http_methods(["GET", "POST"])
def intake_review(request: HttpRequest, patient_id: int) -> HttpResponse:
    user = current_user(request)
    patient = staff_patient(user, patient_id, "see_intake_reviews", what=WHO)
    intake = _latest_submitted(user, patient)
    form = ReviewForm(request.POST or None)
    status = 400 if request.method == "POST" else 200
    if request.method == "POST" and intake is None and form.is_valid():
        form.add_error(None, "This patient has no submitted intake to review.")
    if request.method == "POST" and intake is not None and form.is_valid():
        try:
            review = services.review_intake(user, intake, read(ReviewSpec, form.cleaned_data))
        except (ValidationError, DomainError) as error:
            status = show_refusal(form, error)
        else:
            patient.refresh_from_db()
            verb = review.get_decision_display().lower() + "d"
            messages.success(
                request, f"Intake {verb}: {patient.legal_name} is now {patient.phase_enum.words}."
            )
            return redirect("ws-intake-review", patient_id=patient.pk)
    if request.method == "GET":
        record(
            Event.about(AuditAction.READ, intake or patient, detail={"via": "care intake review"})
        )
    return render(
        request, "web/workspace/intake_review.html", _context(patient, intake, form), status=status
    )
