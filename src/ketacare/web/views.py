"""Views are thin: parse the request, call a service or a scoped query, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ketacare.accounts.models import User
from ketacare.accounts.roles import PHASE_ROLES, RECORD_EDITOR_ROLES, STAFF_ROLES, Role
from ketacare.audit.log import Event, record
from ketacare.audit.models import AuditAction
from ketacare.patients import services
from ketacare.patients.models import Patient, Sitter
from ketacare.patients.phases import PhaseTransitionError, ReasonRequired, allowed_next
from ketacare.web.forms import PatientFilterForm, PatientForm, PhaseMoveForm
from ketacare.web.public import views as public_views
from ketacare.web.refusals import show_refusal

PAGE_SIZE = 50


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # noqa: S101 - login_required ran first
    return request.user


def _require_staff(user: User) -> None:
    if not (user.is_superuser or user.is_clinic_staff):
        raise PermissionDenied("This page is for clinic staff.")


def _visible_patient(user: User, patient_id: int) -> Patient:
    # 404, not 403, for another clinic's patient: never confirm that a record exists.
    return get_object_or_404(Patient.objects.visible_to(user), pk=patient_id)


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def _landing(user: User) -> str | None:
    """The URL name a signed-in user starts at; None for an account without a role."""
    staff = user.roles & STAFF_ROLES
    if staff:
        # Pharmacists start at their queue; everyone else of the clinic at the panel.
        return "care-pharmacy" if staff == {Role.PHARMACIST} else "ws-panel"
    if user.is_superuser:
        return "patient-list"
    if user.has_role(Role.PATIENT):
        return "portal-today"
    if user.has_role(Role.SITTER):
        return "sitter-home"
    return None


def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return public_views.landing(request)
    landing = _landing(_user(request))
    if landing is None:
        return render(request, "web/no_role.html", status=403)
    return redirect(landing)


@login_required
@require_GET
def patient_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    _require_staff(user)
    form = PatientFilterForm(request.GET)
    patients = Patient.objects.visible_to(user).select_related("clinic")
    if form.is_valid():
        if form.cleaned_data["phase"]:
            patients = patients.filter(phase=form.cleaned_data["phase"])
        if form.cleaned_data["q"]:
            patients = patients.filter(Q(legal_name__icontains=form.cleaned_data["q"]))
    else:
        patients = patients.none()
    page = Paginator(patients, PAGE_SIZE).get_page(request.GET.get("page"))
    record(
        Event(
            AuditAction.LIST,
            "patients.Patient",
            clinic_id=user.clinic_id,
            detail={"ids": [p.pk for p in page.object_list]},
        )
    )
    return render(
        request,
        "web/patient_list.html",
        {"form": form, "page": page, "can_register": user.has_role(*RECORD_EDITOR_ROLES)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def patient_new(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not (user.clinic and user.has_role(*RECORD_EDITOR_ROLES)):
        raise PermissionDenied("Only coordinators, clinicians and admins register patients.")
    form = PatientForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            patient = services.register_patient(user, user.clinic, form.cleaned_data)
        except ValidationError as exc:
            status = show_refusal(form, exc)
        else:
            messages.success(request, f"{patient.legal_name} registered (phase: screening).")
            return redirect("patient-detail", patient_id=patient.pk)
    context = {"form": form, "title": "Register a patient"}
    return render(request, "web/patient_form.html", context, status=status)


@login_required
@require_GET
def patient_detail(request: HttpRequest, patient_id: int) -> HttpResponse:
    user = _user(request)
    _require_staff(user)
    patient = _visible_patient(user, patient_id)
    record(Event.about(AuditAction.READ, patient))
    return render(request, "web/patient_detail.html", _detail_context(user, patient))


def _detail_context(
    user: User, patient: Patient, move_form: PhaseMoveForm | None = None
) -> dict[str, Any]:
    allowed = allowed_next(patient.phase_enum, patient.paused_from_enum)
    return {
        "patient": patient,
        "sitters": Sitter.objects.visible_to(user).filter(patients=patient),
        "consents": patient.consents.select_related("document", "signed_by"),
        "history": patient.phase_changes.select_related("actor"),
        "move_form": move_form or PhaseMoveForm(allowed=allowed),
        "can_move": bool(allowed) and user.has_role(*PHASE_ROLES),
        "is_final": not allowed,
        "can_edit": user.has_role(*RECORD_EDITOR_ROLES),
    }


@login_required
@require_http_methods(["GET", "POST"])
def patient_edit(request: HttpRequest, patient_id: int) -> HttpResponse:
    user = _user(request)
    _require_staff(user)
    patient = _visible_patient(user, patient_id)
    if not (user.is_superuser or user.has_role(*RECORD_EDITOR_ROLES)):
        raise PermissionDenied("Your role may read patient records, not edit them.")
    # Named before validation, which writes the typed (maybe rejected) values into `patient`.
    title = f"Edit {patient.legal_name}"
    form = PatientForm(request.POST or None, instance=patient)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.update_patient(user, patient, form.cleaned_data)
        except ValidationError as exc:
            status = show_refusal(form, exc)
        else:
            messages.success(request, "Record saved.")
            return redirect("patient-detail", patient_id=patient.pk)
    elif request.method == "GET":
        record(Event.about(AuditAction.READ, patient, detail={"via": "edit form"}))
    return render(request, "web/patient_form.html", {"form": form, "title": title}, status=status)


@login_required
@require_POST
def patient_move(request: HttpRequest, patient_id: int) -> HttpResponse:
    user = _user(request)
    _require_staff(user)
    patient = _visible_patient(user, patient_id)
    form = PhaseMoveForm(
        request.POST, allowed=allowed_next(patient.phase_enum, patient.paused_from_enum)
    )
    if form.is_valid():
        try:
            moved = services.move_patient(
                user, patient, form.target_phase, form.cleaned_data["reason"]
            )
        except ReasonRequired as exc:
            form.add_error("reason", str(exc))
        except PhaseTransitionError as exc:
            form.add_error("target", str(exc))
        else:
            messages.success(request, f"Moved to {moved.phase_enum.label}.")
            return redirect("patient-detail", patient_id=patient.pk)
    context = _detail_context(user, patient, form)
    return render(request, "web/patient_detail.html", context, status=400)


@login_required
@require_GET
def my_record(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    patient = get_object_or_404(Patient.objects.visible_to(user), user=user)
    record(Event.about(AuditAction.READ, patient, detail={"via": "patient portal"}))
    sitters = Sitter.objects.visible_to(user).filter(patients=patient)
    return render(request, "web/my_record.html", {"patient": patient, "sitters": sitters})


@login_required
@require_GET
def sitting_for(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not user.has_role(Role.SITTER):
        raise PermissionDenied("This page is for sitters.")
    patients = Patient.objects.visible_to(user).filter(sitters__user=user).select_related("clinic")
    record(
        Event(
            AuditAction.LIST,
            "patients.Patient",
            detail={"via": "sitter", "ids": [p.pk for p in patients]},
        )
    )
    return render(request, "web/sitting_for.html", {"patients": patients})
