"""The intake's pages: start, the overview, a step (saved as a draft), the review, sent."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from ketacare.accounts.models import User
from ketacare.audit.log import Event, record
from ketacare.audit.models import AuditAction
from ketacare.clinical import safety
from ketacare.intake import services
from ketacare.intake.models import Intake, IntakeStatus
from ketacare.intake.specs import draft
from ketacare.kernel.errors import DomainError
from ketacare.patients import services as patient_services
from ketacare.patients.models import Patient
from ketacare.patients.phases import Phase
from ketacare.web.common import current_user, own_patient, sitter_hours_for
from ketacare.web.portal.intake.checks import (
    by_path,
    put_errors,
    step_states,
    step_url,
    submission_errors,
    summary_line,
)
from ketacare.web.portal.intake.sections import RowFormSet
from ketacare.web.portal.intake.steps import Step, StepState, build, merged, step_json, steps_for
from ketacare.web.refusals import refusal_status

# Where the submission was refused: the pages show its errors next to their fields.
TRIED_KEY = "intake_submit_tried"


def _draft(patient: Patient) -> Intake | None:
    found: Intake | None = Intake.objects.filter(patient=patient, status=IntakeStatus.DRAFT).first()
    return found


def _crisis(data: Mapping[str, Any]) -> bool:
    """Whether the baseline answers so far show suicidality (clinical.safety)."""
    given = data.get("questionnaires")
    return isinstance(given, Mapping) and safety.suicidality_so_far(given) is not None


@dataclass
class _StepPage:
    """A step as its page shows it: the forms (with their errors), and the status."""

    step: Step
    built: list[forms.Form] = field(default_factory=list)
    formset: RowFormSet | None = None
    left: list[str] = field(default_factory=list)  # errors that name no field of the page
    summary: list[tuple[str, str, str]] = field(default_factory=list)  # a refused submission
    status: int = 200


def _save_step(
    request: HttpRequest, intake: Intake, step: Step, steps: list[Step], sitter_hours: str
) -> HttpResponse | _StepPage:
    user = current_user(request)
    built, formset = build(step, intake.data, request.POST, sitter_hours=sitter_hours)
    valid = formset.is_valid() if formset is not None else built[0].is_valid()
    if not valid:
        return _StepPage(step, built, formset, status=400)
    value = step_json(step, built, formset)
    rows: list[int] = []
    if formset is not None:
        value, rows = value
    try:
        services.save_intake_draft(user, intake, draft(merged(intake.data, step, value)))
    except ValidationError as error:
        left = put_errors(step, built, by_path(error), rows)
        return _StepPage(step, built, formset, left, status=400)
    except DomainError as refusal:  # submitted meanwhile, or the phase moved on
        return _StepPage(step, built, formset, [refusal.message], status=refusal_status(refusal))
    if request.POST.get("action") == "add":
        return redirect(step_url(step.key))
    if request.POST.get("action") == "later":
        return redirect(reverse("portal-intake"))
    after = steps[[s.key for s in steps].index(step.key) + 1]
    return redirect(step_url(after.key))


def _review(
    request: HttpRequest, user: User, intake: Intake, patient: Patient, step: Step
) -> HttpResponse | _StepPage:
    """The review page; submitted (POST), or the summary of why it was refused."""
    if request.method != "POST":
        return _StepPage(step)
    outcome = _submit(request, user, intake, patient)
    if isinstance(outcome, HttpResponse):
        return outcome
    summary, status = outcome
    return _StepPage(step, summary=summary, status=status)


def _filled_step(
    request: HttpRequest, intake: Intake, patient: Patient, step: Step, sitter_hours: str
) -> _StepPage:
    """A step filled from the draft; after a refused submission, with its errors."""
    built, formset = build(step, intake.data, None, sitter_hours=sitter_hours)
    left: list[str] = []
    if request.session.get(TRIED_KEY) == intake.pk:
        errors = submission_errors(intake, patient)
        left = put_errors(step, built, errors, list(range(len(built))))
    return _StepPage(step, built, formset, left)


def _submit(
    request: HttpRequest, user: User, intake: Intake, patient: Patient
) -> HttpResponse | tuple[list[tuple[str, str, str]], int]:
    """Submit; on refusal the errors as (step title, message, link), and the status."""
    try:
        services.submit_intake(user, intake)
    except ValidationError as error:
        request.session[TRIED_KEY] = intake.pk
        titles = {s.key: s.title for s in steps_for(patient)}
        sitter_hours = sitter_hours_for(patient.clinic_id)
        lines = [
            summary_line(titles, path, message, sitter_hours=sitter_hours)
            for path, messages in by_path(error).items()
            for message in messages
        ]
        return lines, refusal_status(error)
    except DomainError as refusal:
        link = reverse("portal-consent") if refusal.field == "consent" else step_url("review")
        title = "Consent" if refusal.field == "consent" else "Your intake"
        return [(title, refusal.message, link)], refusal_status(refusal)
    request.session.pop(TRIED_KEY, None)
    return redirect("portal-intake-submitted")


def _start_page(request: HttpRequest, user: User, patient: Patient) -> HttpResponse:
    """No draft: start one (POST), or say where the intake is."""
    can_start = patient.phase_enum in (Phase.SCREENING, Phase.INTAKE)
    if request.method == "POST" and can_start and "step" not in request.POST:
        services.start_intake(user, patient)
        return redirect(step_url("demographics"))
    if patient.intakes.filter(status=IntakeStatus.SUBMITTED).exists() and not can_start:
        return redirect("portal-intake-submitted")
    context = {"patient": patient, "can_start": can_start}
    return render(request, "web/portal/forms/intake_start.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def intake(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    patient = own_patient(user)
    draft = _draft(patient)
    if draft is None:
        return _start_page(request, user, patient)
    steps = steps_for(patient)
    by_key = {s.key: s for s in steps}
    step = by_key.get(request.GET.get("step") or request.POST.get("step") or "")
    if step is None:
        return _overview(request, draft, patient, steps)
    record(Event.about(AuditAction.READ, draft, detail={"via": "portal intake", "step": step.key}))
    page: HttpResponse | _StepPage
    if step.key == "review":
        page = _review(request, user, draft, patient, step)
    elif request.method == "POST":
        page = _save_step(request, draft, step, steps, sitter_hours_for(patient.clinic_id))
    else:
        page = _filled_step(request, draft, patient, step, sitter_hours_for(patient.clinic_id))
    if isinstance(page, HttpResponse):
        return page
    return _step_page(request, patient, draft, steps, page)


def _step_page(
    request: HttpRequest, patient: Patient, draft: Intake, steps: list[Step], page: _StepPage
) -> HttpResponse:
    context = {
        "patient": patient,
        "intake": draft,
        "has_errors": bool(page.left) or any(form.errors for form in page.built),
        "steps": step_states(patient, draft, steps),
        "step": page.step,
        "forms": page.built,
        "formset": page.formset,
        "left": page.left,
        "summary": page.summary,
        "crisis": _crisis(draft.data),
        "consent": patient_services.current_consent_document(patient.clinic_id),
        "consent_signed": patient_services.has_current_consent(patient),
    }
    template = "intake_review.html" if page.step.key == "review" else "intake_step.html"
    return render(request, f"web/portal/forms/{template}", context, status=page.status)


def _overview(
    request: HttpRequest, draft: Intake, patient: Patient, steps: list[Step]
) -> HttpResponse:
    record(Event.about(AuditAction.READ, draft, detail={"via": "portal intake"}))
    states = step_states(patient, draft, steps)
    next_step = next(
        (s for s, state in states if state != StepState.SAVED and s.key != "review"), steps[-1]
    )
    context = {
        "patient": patient,
        "intake": draft,
        "steps": states,
        "next_step": next_step,
        "crisis": _crisis(draft.data),
    }
    return render(request, "web/portal/forms/intake_overview.html", context)


@login_required
@require_GET
def submitted(request: HttpRequest) -> HttpResponse:
    patient = own_patient(current_user(request))
    return render(request, "web/portal/forms/intake_submitted.html", {"patient": patient})
