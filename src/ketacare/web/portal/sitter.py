"""The sitter's pages: the people they sit for, presence, the window after the dose.

A sitter sees only the patients they sit for (404 for anyone else, and for anyone who
is not a sitter), and only where the session stands: what is done, and when the rest is
due. Never a reading's values, alert content, check-in answers or questionnaire answers.
The sitter confirms being with the patient (every press is a new confirmation) and ends
the window after the check-in: the patient is alert and stable, or they cannot confirm
it (at any time after the dose), which pages the on-call clinician.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from ketacare.accounts.models import User
from ketacare.audit.log import Event, record
from ketacare.audit.models import AuditAction
from ketacare.clinical.safety import clock_time
from ketacare.kernel import clock, policy, specs
from ketacare.kernel.errors import DomainError
from ketacare.patients.access import denied_read
from ketacare.patients.models import Patient
from ketacare.treatment import queries, sitting
from ketacare.treatment import window as observation
from ketacare.treatment.access import TREATING
from ketacare.treatment.gate import zone_of
from ketacare.treatment.models import SessionStatus
from ketacare.treatment.sitter_view import sat_for, sitter_view
from ketacare.treatment.specs.sessions import ReleaseSpec
from ketacare.web.common import current_user
from ketacare.web.portal.forms import SitterReleaseForm
from ketacare.web.portal.window import window
from ketacare.web.refusals import refusal_status, show_refusal


def _sat_for(user: User) -> QuerySet[Patient]:
    if not policy.may(user, "list_sittings"):
        raise Http404("This page is for sitters.")
    return sat_for(user)


def _sat_patient(user: User, patient_id: int) -> Patient:
    """A patient the sitter sits for, or 404 (the denied read in the audit log)."""
    patient = _sat_for(user).filter(pk=patient_id).first()
    if patient is None:
        denied_read(user, patient_id, via="sitter")
        raise Http404("No Patient matches the given query.")
    return patient


def _status(patient: Patient, release_form: SitterReleaseForm | None = None) -> dict[str, Any]:
    """Where the patient's day stands, as the sitter may see it."""
    now = clock.now()
    view = sitter_view(patient, now)
    presence, session = view.presence, view.session
    return {
        "patient": patient,
        "next_session_at": view.next_session_at,
        "presence": presence,
        "presence_at": presence and clock_time(presence.confirmed_at, zone_of(patient), now),
        "session": session,
        "window": session and window(session, now),
        "can_confirm": patient.phase_enum in TREATING,
        "release_form": release_form or SitterReleaseForm(name=patient.legal_name),
    }


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    patients = list(_sat_for(user))
    record(
        Event(
            AuditAction.LIST,
            "patients.Patient",
            detail={"via": "sitter home", "ids": [p.pk for p in patients]},
        )
    )
    rows = [_status(p) for p in patients]
    return render(request, "web/portal/sitter_home.html", {"rows": rows})


@login_required
@require_GET
def patient_page(request: HttpRequest, patient_id: int) -> HttpResponse:
    user = current_user(request)
    patient = _sat_patient(user, patient_id)
    record(Event.about(AuditAction.READ, patient, detail={"via": "sitter session"}))
    return render(request, "web/portal/sitter_session.html", _status(patient))


@login_required
@require_POST
def confirm(request: HttpRequest, patient_id: int) -> HttpResponse:
    user = current_user(request)
    patient = _sat_patient(user, patient_id)
    try:
        presence = sitting.confirm_sitter_presence(user, patient)
    except (DomainError, PermissionDenied) as exc:
        context = _status(patient) | {"error": str(exc)}
        status = refusal_status(exc)
        return render(request, "web/portal/sitter_session.html", context, status=status)
    # The time as the patient's clock shows it: the sitter is with them.
    at = clock_time(presence.confirmed_at, zone_of(patient), presence.confirmed_at)
    messages.success(request, f"Thank you. You confirmed being with them at {at}.")
    return redirect("sitter-session", patient_id=patient.pk)


@login_required
@require_POST
def release(request: HttpRequest, patient_id: int) -> HttpResponse:
    """The sitter ends the window: alert and stable, or they cannot confirm it (pages)."""
    user = current_user(request)
    patient = _sat_patient(user, patient_id)
    form = SitterReleaseForm(request.POST, name=patient.legal_name)
    session = queries.open_session(patient, clock.now())
    status = 400
    if form.is_valid() and session is not None and session.status != SessionStatus.READY:
        stable = form.cleaned_data["stable"]
        try:
            attested = specs.read(
                ReleaseSpec, {"stable": stable, "note": form.cleaned_data["note"]}
            )
            observation.release_session(user, session, attested)
        except (DomainError, PermissionDenied, ValidationError) as exc:
            status = show_refusal(form, exc, form.service_fields)
        else:
            messages.success(request, _released_words(patient, stable=stable))
            return redirect("sitter-session", patient_id=patient.pk)
    elif form.is_valid():
        form.add_error(None, "There is no dose of today to end the observation of.")
        status = 409
    context = _status(patient, form)
    return render(request, "web/portal/sitter_session.html", context, status=status)


def _released_words(patient: Patient, *, stable: bool) -> str:
    if stable:
        return f"Thank you. The observation after {patient.legal_name}'s dose has ended."
    return (
        "Thank you for telling us. The clinic's on-call clinician is being paged now and will "
        "call you."
    )
