"""The eligibility review: intakes awaiting a decision, one intake's answers and findings.

On the intake's page, a clinician or prescriber rates what the patient never gives (the
Maudsley staging, the MADRS: `intake.services.rate_intake`), then decides.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ketacare.accounts.models import User
from ketacare.assessments.models import QuestionnaireResponse
from ketacare.audit.log import Event, record
from ketacare.audit.models import AuditAction
from ketacare.clinical import instruments
from ketacare.intake import services
from ketacare.intake.models import EligibilityReview, Intake, IntakeStatus
from ketacare.intake.ratings import MADRS, StaffRatingSpec
from ketacare.intake.specs import ReviewSpec
from ketacare.kernel import policy
from ketacare.kernel.errors import DomainError
from ketacare.kernel.specs import read
from ketacare.patients.models import Patient
from ketacare.patients.phases import Phase
from ketacare.web.common import sitter_hours_for
from ketacare.web.refusals import REFUSALS, show_refusal
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
    medicines_shown,
    words,
)
from ketacare.web.workspace.rating_form import FIELDS, StaffRatingForm

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


def _staff_ratings(intake: Intake) -> dict[str, Any]:
    """The staff's ratings as the page shows them: each with who rated it, and when."""
    stored: dict[str, Any] = intake.staff_ratings or {}
    raters = User.objects.in_bulk([part["rated_by"] for part in stored.values()])
    shown = {
        name: {
            **part,
            "rater": raters.get(part["rated_by"]),
            "at": dt.datetime.fromisoformat(part["rated_at"]),
        }
        for name, part in stored.items()
    }
    if "madrs" in shown:
        shown["madrs"]["band_words"] = words(shown["madrs"]["band"])
    return shown


def _context(
    user: User, patient: Patient, intake: Intake | None, form: ReviewForm, rating: StaffRatingForm
) -> dict[str, Any]:
    context: dict[str, Any] = {"patient": patient, "intake": intake, "form": form}
    if intake is None:
        return context
    eligibility: dict[str, Any] = intake.eligibility or {}
    review = EligibilityReview.objects.filter(intake=intake).select_related("reviewer").first()
    under_review = patient.phase_enum is Phase.UNDER_REVIEW
    context |= {
        "sections": intake_sections(
            intake.data,
            sex_at_birth=patient.sex_at_birth,
            sitter_hours=sitter_hours_for(patient.clinic_id),
        ),
        "eligibility": eligibility,
        "findings": findings_by_severity(eligibility),
        "medicines": medicines_shown(eligibility),
        "review": review,
        # Before the decision, the header shows the intake's weight beside the record's.
        "intake_weight_kg": None if review else intake_weight_kg(intake.data),
        # Submission scores the baseline questionnaires at the moment it is submitted.
        "baseline": _baseline(patient, intake),
        "can_review": under_review,
        "ratings": _staff_ratings(intake),
        "madrs": instruments.get(MADRS),
        "rating": rating,
        "can_rate": under_review and review is None and policy.may(user, "rate_intake"),
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
        request,
        "web/workspace/intake_review.html",
        _context(user, patient, intake, form, StaffRatingForm()),
        status=status,
    )


@login_required
@require_POST
def intake_rating(request: HttpRequest, patient_id: int) -> HttpResponse:
    """The staff ratings form: recorded, or the page again with what is wrong."""
    user = current_user(request)
    patient = staff_patient(user, patient_id, "see_intake_reviews", what=WHO)
    intake = _latest_submitted(user, patient)
    rating = StaffRatingForm(request.POST)
    status = 400
    if intake is None and rating.is_valid():
        rating.add_error(None, "This patient has no submitted intake to rate.")
    if intake is not None and rating.is_valid():
        try:
            services.rate_intake(user, intake, read(StaffRatingSpec, rating.spec_data()))
        except REFUSALS as error:
            status = show_refusal(rating, error, FIELDS)
        else:
            messages.success(request, f"Staff ratings recorded for {patient.legal_name}.")
            return redirect("ws-intake-review", patient_id=patient.pk)
    return render(
        request,
        "web/workspace/intake_review.html",
        _context(user, patient, intake, ReviewForm(), rating),
        status=status,
    )
