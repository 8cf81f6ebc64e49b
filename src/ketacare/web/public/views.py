"""The public site: the program explained, the self-screen, and the clinic's leads.

Anonymous visitors: the landing page, the self-screen and its result, the contact form.
Nothing about a visitor is stored unless they leave their details with consent.
Clinic staff: the screening leads of their clinic (every read audited).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ketacare.accounts.models import Clinic
from ketacare.clinical import selfscreen
from ketacare.clinical.rules import DEFAULT, ClinicRules
from ketacare.intake import leads
from ketacare.intake.errors import LeadConverted
from ketacare.intake.models import ContactTime, LeadStatus, ScreeningLead
from ketacare.intake.specs import LeadNoteSpec, LeadSpec, LeadStatusSpec
from ketacare.kernel import policy, specs
from ketacare.patients.protocol import clinic_rules
from ketacare.web.common import current_user, hours, require_staff
from ketacare.web.public.forms import (
    ANSWERS_MAX_AGE,
    LeadForm,
    LeadNoteForm,
    SelfScreenForm,
    UnreadableAnswers,
    read_signed_answers,
    sign_answers,
)
from ketacare.web.refusals import show_refusal

LEADS_PAGE_SIZE = 50


def _rules(clinic: Clinic | None) -> ClinicRules:
    # The public clinic's protocol; with no clinic named, the published defaults.
    return clinic_rules(clinic.pk) if clinic is not None else DEFAULT


def _public_context(clinic: Clinic | None) -> dict[str, Any]:
    """What every public page shows: the crisis numbers and the program's time rules."""
    rules = _rules(clinic).safety
    return {
        "clinic": clinic,
        # An optional national crisis line (e.g. "988" in the US), set by the operator.
        "crisis_line": settings.KETACARE_CRISIS_LINE,
        # CLINICAL.md D: the sitter stays >= 2 h; the check-in opens when the
        # observation (2 h by default) ends, and is due soon after.
        "sitter_hours": hours(rules.sitter_stay),
        "observation_hours": hours(rules.observation_minimum),
        "check_in_hours": hours(rules.check_in_deadline),
    }


def landing(request: HttpRequest) -> HttpResponse:
    return render(request, "web/public/landing.html", _public_context(leads.public_clinic()))


@require_http_methods(["GET", "POST"])
def screen(request: HttpRequest) -> HttpResponse:
    clinic = leads.public_clinic()
    # An empty POST is still a submission: every question is missing.
    form = SelfScreenForm(
        request.POST if request.method == "POST" else None,
        minimum_trial_weeks=_rules(clinic).eligibility.minimum_trial_weeks,
    )
    if request.method == "POST" and form.is_valid():
        answers = form.to_answers()
        return _result(request, clinic, selfscreen.assess(answers), sign_answers(answers))
    return render(request, "web/public/screen.html", {**_public_context(clinic), "form": form})


def _result(
    request: HttpRequest,
    clinic: Clinic | None,
    result: selfscreen.SelfScreenResult,
    signed_answers: str,
    lead_form: LeadForm | None = None,
) -> HttpResponse:
    if clinic is not None and lead_form is None:
        lead_form = LeadForm(
            initial={"answers": signed_answers, "preferred_contact_time": ContactTime.ANY},
            consent_text=leads.consent_text(clinic),
        )
    context = {**_public_context(clinic), "result": result, "lead_form": lead_form}
    return render(request, "web/public/result.html", context)


@require_POST
def screen_contact(request: HttpRequest) -> HttpResponse:
    clinic = leads.public_clinic()
    if clinic is None:
        messages.error(request, "This clinic does not take contact details online.")
        return redirect("public-screen")
    try:
        answers = read_signed_answers(request.POST.get("answers", ""))
    except UnreadableAnswers:
        messages.error(
            request,
            "Your answers could not be read (the page keeps them for "
            f"{hours(ANSWERS_MAX_AGE)} hours only). Please answer the questions again.",
        )
        return redirect("public-screen")
    result = selfscreen.assess(answers)
    form = LeadForm(request.POST, consent_text=leads.consent_text(clinic))
    status = 200  # the form's own errors: the page as it was, with them
    if form.is_valid():
        try:
            spec = specs.read(LeadSpec, {**form.cleaned_data, "answers": answers})
            leads.create_lead(request.user, clinic, spec)
        except ValidationError as exc:
            status = show_refusal(form, exc)
        else:
            return redirect("public-screen-thanks")
    page = _result(request, clinic, result, form.data.get("answers", ""), form)
    page.status_code = status
    return page


@require_GET
def screen_thanks(request: HttpRequest) -> HttpResponse:
    return render(request, "web/public/thanks.html", _public_context(leads.public_clinic()))


# --- the clinic's screening leads (staff) --------------------------------------------


@login_required
@require_GET
def lead_list(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    require_staff(user)
    raw_status = request.GET.get("status", "")
    status = LeadStatus(raw_status) if raw_status in LeadStatus.values else None
    page = Paginator(leads.leads_for(user, status), LEADS_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    leads.record_list_read(user, list(page.object_list))
    return render(
        request,
        "web/public/lead_list.html",
        {"page": page, "status": status, "statuses": LeadStatus.choices},
    )


# The statuses staff set by hand: "converted" comes with registering the lead.
HAND_STATUSES = [(v, label) for v, label in LeadStatus.choices if v != LeadStatus.CONVERTED]


@login_required
@require_http_methods(["GET", "POST"])
def lead_detail(request: HttpRequest, lead_id: int) -> HttpResponse:
    user = current_user(request)
    require_staff(user)
    if request.method == "POST":
        try:
            spec = specs.read(LeadStatusSpec, {"status": request.POST.get("status", "")})
            lead = leads.set_lead_status(user, lead_id, spec)
        except ValidationError:
            messages.error(request, "Choose one of the statuses, then update.")
        except LeadConverted as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"Marked {lead.get_status_display().lower()}.")
            return redirect("public-lead", lead_id=lead_id)
    return _lead_page(request, leads.read_lead(user, lead_id), LeadNoteForm())


def _lead_page(
    request: HttpRequest, lead: ScreeningLead, note_form: LeadNoteForm, status: int = 200
) -> HttpResponse:
    user = current_user(request)
    context = {
        "lead": lead,
        "statuses": HAND_STATUSES,
        "notes": leads.notes_of(lead),
        "note_form": note_form,
        "may_note": policy.may(user, "add_lead_note"),
        "may_convert": lead.patient_id is None and policy.may(user, "register_lead"),
    }
    return render(request, "web/public/lead_detail.html", context, status=status)


@login_required
@require_POST
def lead_note(request: HttpRequest, lead_id: int) -> HttpResponse:
    """A note on the lead's follow-up; a refusal comes back on the lead's page."""
    user = current_user(request)
    require_staff(user)
    form = LeadNoteForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            leads.add_lead_note(user, lead_id, specs.read(LeadNoteSpec, form.cleaned_data))
        except ValidationError as exc:
            status = show_refusal(form, exc)
        else:
            messages.success(request, "Note added.")
            return redirect("public-lead", lead_id=lead_id)
    return _lead_page(request, leads.read_lead(user, lead_id), form, status)
