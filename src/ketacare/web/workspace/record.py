"""The patient's record in the workspace: register a patient, edit the record, move the phase.

Staff only. Each page builds the patients app's spec from its form and calls the use
case (`patients.services`); the use case's refusal is shown on the form. A phase move
is made from the chart, and a refused one shows the chart again with the reason on the
move form.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from ketacare.accounts.models import User
from ketacare.audit.log import Event, record
from ketacare.audit.models import AuditAction
from ketacare.intake import leads
from ketacare.intake.models import ScreeningLead
from ketacare.kernel import policy
from ketacare.patients import services
from ketacare.patients.phases import PhaseTransitionError, ReasonRequired
from ketacare.web.common import visible_patient
from ketacare.web.refusals import REFUSALS, show_refusal
from ketacare.web.workspace.chart import refused_move
from ketacare.web.workspace.common import staff_user
from ketacare.web.workspace.record_forms import (
    PatientForm,
    PhaseMoveForm,
    RegistrationForm,
    moves_for,
)

FORM_TEMPLATE = "web/workspace/patient_form.html"


def _lead(request: HttpRequest, user: User) -> ScreeningLead | None:
    """The screening lead being converted (?lead=<id>), read audited; 404 if not theirs."""
    raw = request.GET.get("lead", "")
    if not raw:
        return None
    if not raw.isdigit():
        raise Http404("No such screening lead.")
    return leads.read_lead(user, int(raw))


@login_required
@require_http_methods(["GET", "POST"])
def register_view(request: HttpRequest) -> HttpResponse:
    """A new record; with ?lead=<id>, "Convert to patient".

    Prefilled from the lead; registering links the lead to the new patient
    (`intake.leads.register_lead`).
    """
    user = staff_user(request)
    if user.clinic is None or not policy.may(user, "register_patient"):
        raise PermissionDenied("Only coordinators, clinicians and admins register patients.")
    lead = _lead(request, user)
    if lead is not None and lead.patient_id is not None:
        messages.info(request, f"{lead.name} is a patient already.")
        return redirect("ws-chart", patient_id=lead.patient_id)
    initial = None if lead is None else leads.registration_initial(lead)
    form = RegistrationForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            if lead is None:
                patient = services.register_patient(user, user.clinic, form.spec())
            else:
                patient = leads.register_lead(user, lead.pk, form.spec())
        except REFUSALS as exc:
            status = show_refusal(form, exc)
        else:
            messages.success(request, f"{patient.legal_name} registered (phase: screening).")
            return redirect("ws-chart", patient_id=patient.pk)
    title = "Register a patient" if lead is None else f"Register {lead.name} as a patient"
    context = {"form": form, "title": title, "lead": lead}
    return render(request, FORM_TEMPLATE, context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def edit_view(request: HttpRequest, patient_id: int) -> HttpResponse:
    user = staff_user(request)
    patient = visible_patient(user, patient_id)
    if not policy.may(user, "update_patient"):
        raise PermissionDenied("Your role may read patient records, not edit them.")
    # Named before validation, which writes the typed (maybe rejected) values into `patient`.
    context = {"title": f"Edit {patient.legal_name}", "patient_id": patient.pk}
    form = PatientForm(request.POST or None, instance=patient)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.update_patient(user, patient, form.spec())
        except ValidationError as exc:
            status = show_refusal(form, exc)
        else:
            messages.success(request, "Record saved.")
            return redirect("ws-chart", patient_id=patient.pk)
    elif request.method == "GET":
        record(Event.about(AuditAction.READ, patient, detail={"via": "edit form"}))
    return render(request, FORM_TEMPLATE, {**context, "form": form}, status=status)


@login_required
@require_POST
def move_view(request: HttpRequest, patient_id: int) -> HttpResponse:
    user = staff_user(request)
    patient = visible_patient(user, patient_id)
    form = PhaseMoveForm(request.POST, allowed=moves_for(user, patient))
    status = 400
    if form.is_valid():
        try:
            moved = services.move_patient(user, patient, form.spec())
        except ReasonRequired as exc:
            form.add_error("reason", str(exc))
        except PhaseTransitionError as exc:
            form.add_error("target", str(exc))
        except REFUSALS as exc:
            status = show_refusal(form, exc)
        else:
            messages.success(request, f"Moved to {moved.phase_enum.label}.")
            return redirect("ws-chart", patient_id=patient.pk)
    return refused_move(request, user, patient, form, status)
