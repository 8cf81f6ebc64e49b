"""The sitter's pages: the people they sit for, presence, the check-in, emergency numbers.

A sitter sees only the patients they sit for (404 for anyone else, and for anyone who
is not a sitter), and only where the session stands: never alert content, check-in
answers or questionnaire answers.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from ketacare.accounts.models import User
from ketacare.audit.log import Event, record
from ketacare.audit.models import AuditAction
from ketacare.errors import DomainError
from ketacare.patients.models import Patient
from ketacare.treatment import queries, sitting
from ketacare.treatment.access import TREATING
from ketacare.treatment.plans import active_plan
from ketacare.web.common import current_user
from ketacare.web.portal import pages


def _sat_for(user: User) -> QuerySet[Patient]:
    if not user.is_sitter:
        raise Http404("This page is for sitters.")
    return (
        Patient.objects.visible_to(user)
        .filter(sitters__user=user)
        .select_related("clinic")
        .distinct()
    )


def _status(patient: Patient) -> dict[str, Any]:
    """Where the patient's day stands, as the sitter may see it."""
    now = timezone.now()
    plan = active_plan(patient)
    session = queries.todays_session(patient, now)
    return {
        "patient": patient,
        "next_session": plan and queries.next_scheduled_session(patient, plan, now),
        "presence": queries.sitter_presence_today(patient, now),
        "session": session,
        "deadline": session and pages.deadline(session, now),
        "can_confirm": patient.phase_enum in TREATING,
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
    patient = get_object_or_404(_sat_for(user), pk=patient_id)
    record(Event.about(AuditAction.READ, patient, detail={"via": "sitter session"}))
    return render(request, "web/portal/sitter_session.html", _status(patient))


@login_required
@require_POST
def confirm(request: HttpRequest, patient_id: int) -> HttpResponse:
    user = current_user(request)
    patient = get_object_or_404(_sat_for(user), pk=patient_id)
    try:
        presence = sitting.confirm_sitter_presence(user, patient)
    except (DomainError, PermissionDenied) as exc:
        context = _status(patient) | {"error": str(exc)}
        return render(request, "web/portal/sitter_session.html", context, status=409)
    # The time as the patient's clock shows it: the sitter is with them.
    at = presence.confirmed_at.astimezone(ZoneInfo(str(patient.timezone)))
    messages.success(request, f"Thank you. You confirmed being with them at {at:%H:%M}.")
    return redirect("sitter-session", patient_id=patient.pk)
