"""The patient's pages: today, the session flow, sessions, medication, consent.

Every page is the signed-in patient's own (own_patient: 404 for anyone else, staff
included); every read of health data is audited. Views parse, call the treatment
services, and render; the gate, the dose and the check-in rules live in the services.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ketacare.accounts.models import User
from ketacare.assessments.services import due_questionnaires
from ketacare.audit.log import Event, record
from ketacare.audit.models import AuditAction
from ketacare.clinical import instruments, safety
from ketacare.errors import DomainError
from ketacare.patients import services as patient_services
from ketacare.patients.models import Patient
from ketacare.patients.phases import Phase
from ketacare.treatment import adverse_events, queries, sessions, window
from ketacare.treatment.access import TREATING
from ketacare.treatment.ledger import ledger_balance
from ketacare.treatment.models import (
    AdverseEvent,
    DosingSession,
    LedgerEvent,
    SessionStatus,
    TreatmentPlan,
)
from ketacare.treatment.plans import active_plan
from ketacare.web.common import current_user, own_patient
from ketacare.web.portal import pages
from ketacare.web.portal.forms import AdverseEventForm, CheckInForm, ChecklistForm, ConsentForm

# What the patient reads after a check-in finding: the care team has the details.
CHECK_IN_WORDS = {
    safety.Cause.BP_RISE_AFTER_DOSE.value: (
        "Your blood pressure went up more than expected after the dose. Your care team "
        "has been told. Sit or lie down and rest, stay with your sitter, and measure again "
        "in a while. If you feel very unwell, call the emergency number below."
    ),
    safety.Cause.HIGH_DISSOCIATION.value: (
        "You felt very detached or unreal this time. That can happen and usually passes. "
        "Your care team has been told and may talk with you about the next dose. Stay "
        "with your sitter and rest until it has passed."
    ),
    safety.Cause.LATE_CHECK_IN.value: (
        "Your check-in came after the time asked. That is fine: it is saved, and your care "
        "team can see it."
    ),
}
INTAKE_PHASES = frozenset({Phase.SCREENING, Phase.INTAKE})
RECENT_LEDGER_EVENTS = 10


def _audit_read(obj: Any, via: str) -> None:
    record(Event.about(AuditAction.READ, obj, detail={"via": via}))


def _posted(request: HttpRequest) -> Any:
    # An empty POST is still a submission to validate, not an unbound form.
    return request.POST if request.method == "POST" else None


def _me(request: HttpRequest) -> tuple[User, Patient]:
    user = current_user(request)
    return user, own_patient(user)


@login_required
@require_GET
def today(request: HttpRequest) -> HttpResponse:
    patient = _me(request)[1]
    now = timezone.now()
    plan = active_plan(patient)
    open_session = queries.open_session(patient, now)
    _audit_read(patient, "portal today")
    context = {
        "patient": patient,
        "plan": plan,
        "next_session": plan and queries.next_scheduled_session(patient, plan, now),
        "open_session": open_session,
        "deadline": open_session and pages.deadline(open_session, now),
        "presence": queries.sitter_presence_today(patient, now),
        "questionnaires": _due(patient, now),
        "intake_link": (
            pages.link("portal-intake") if patient.phase_enum in INTAKE_PHASES else None
        ),
        "intake_due": patient.phase_enum in INTAKE_PHASES,
        "consent_due": _consent_due(patient),
        "can_start": _can_start(patient, plan, open_session),
    }
    return render(request, "web/portal/today.html", context)


def _due(patient: Patient, now: Any) -> list[dict[str, Any]]:
    return [
        {
            "title": instruments.get(item.instrument).title,
            "due_at": item.due_at,
            "overdue": item.overdue,
            "reason": item.reason,
            "url": pages.link("portal-questionnaire", instrument=item.instrument),
        }
        for item in due_questionnaires(patient, at=now)
    ]


def _consent_due(patient: Patient) -> bool:
    if patient.phase_enum in {Phase.DECLINED, Phase.DISCHARGED}:
        return False
    document = patient_services.current_consent_document(patient.clinic_id)
    return document is not None and not patient_services.has_current_consent(patient)


def _can_start(
    patient: Patient, plan: TreatmentPlan | None, open_session: DosingSession | None
) -> bool:
    return plan is not None and patient.phase_enum in TREATING and open_session is None


# --- The session flow -----------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def session_start(request: HttpRequest) -> HttpResponse:
    user, patient = _me(request)
    now = timezone.now()
    plan = active_plan(patient)
    presence = queries.sitter_presence_today(patient, now)
    form = ChecklistForm(_posted(request), initial=_checklist_initial(presence))
    failed: DosingSession | None = None
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            started = sessions.start_session(user, patient, **form.service_arguments())
        except (ValidationError, DomainError, PermissionDenied) as exc:
            status = form.refused(exc)
        else:
            if started.status != SessionStatus.GATE_FAILED:
                return redirect("portal-session", session_id=started.pk)
            failed = started
    elif request.method == "POST":
        status = 400
    context = {
        "patient": patient,
        "plan": plan,
        "form": form,
        "presence": presence,
        "failed": failed,
        "limits": pages.bp_limits(plan),
        "treating": plan is not None and patient.phase_enum in TREATING,
    }
    return render(request, "web/portal/session_start.html", context, status=status)


def _checklist_initial(presence: Any) -> dict[str, Any]:
    if presence is None:
        return {}
    return {"sitter_present": "yes", "sitter_name": presence.sitter.name}


def _session_context(patient: Patient, session: DosingSession) -> dict[str, Any]:
    now = timezone.now()
    check_in = getattr(session, "check_in", None)
    causes = [f["cause"] for f in check_in.findings] if check_in is not None else []
    return {
        "patient": patient,
        "session": session,
        "deadline": pages.deadline(session, now),
        "check_in": check_in,
        "check_in_words": [CHECK_IN_WORDS[c] for c in causes if c in CHECK_IN_WORDS],
        "side_effects_told": bool(check_in and check_in.side_effects),
    }


def _session_view(request: HttpRequest, session_id: int, template: str, via: str) -> HttpResponse:
    user, patient = _me(request)
    session = pages.own_session(user, patient, session_id)
    _audit_read(session, via)
    return render(request, template, _session_context(patient, session))


@login_required
@require_GET
def session_page(request: HttpRequest, session_id: int) -> HttpResponse:
    return _session_view(request, session_id, "web/portal/session.html", "portal session")


@login_required
@require_GET
def session_status(request: HttpRequest, session_id: int) -> HttpResponse:
    """The status fragment the session page refreshes (htmx, every minute)."""
    return _session_view(
        request, session_id, "web/portal/_session_status.html", "portal session status"
    )


@login_required
@require_POST
def dose_taken(request: HttpRequest, session_id: int) -> HttpResponse:
    user, patient = _me(request)
    session = pages.own_session(user, patient, session_id)
    try:
        # The patient confirms the plan's dose; a different dose is an adverse event report.
        sessions.record_dose_taken(user, session, dose_mg=session.plan.dose_mg)
    except (DomainError, ValidationError) as exc:
        context = _session_context(patient, session) | {"error": _words(exc)}
        return render(request, "web/portal/session.html", context, status=409)
    messages.success(request, "Your dose is recorded. Rest now, with your sitter near you.")
    return redirect("portal-session", session_id=session.pk)


def _words(exc: DomainError | ValidationError) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return exc.message


@login_required
@require_http_methods(["GET", "POST"])
def check_in(request: HttpRequest, session_id: int) -> HttpResponse:
    user, patient = _me(request)
    session = pages.own_session(user, patient, session_id)
    if session.status != SessionStatus.DOSED:
        return redirect("portal-session", session_id=session.pk)
    form = CheckInForm(_posted(request))
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            window.record_check_in(user, session, **form.service_arguments())
        except (ValidationError, DomainError) as exc:
            status = form.refused(exc)
        else:
            messages.success(request, "Thank you. Your check-in is saved.")
            return redirect("portal-session", session_id=session.pk)
    elif request.method == "POST":
        status = 400
    else:
        _audit_read(session, "portal check-in form")
    context = {
        "patient": patient,
        "session": session,
        "form": form,
        "deadline": pages.deadline(session, timezone.now()),
    }
    return render(request, "web/portal/check_in.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def adverse_event(request: HttpRequest, session_id: int | None = None) -> HttpResponse:
    user, patient = _me(request)
    session = None if session_id is None else pages.own_session(user, patient, session_id)
    form = AdverseEventForm(_posted(request))
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            event = adverse_events.report_adverse_event(
                user, patient, session=session, **form.service_arguments()
            )
        except (ValidationError, DomainError) as exc:
            status = form.refused(exc)
        else:
            return redirect("portal-adverse-event-done", event_id=event.pk)
    elif request.method == "POST":
        status = 400
    context = {"patient": patient, "session": session, "form": form}
    return render(request, "web/portal/adverse_event.html", context, status=status)


@login_required
@require_GET
def adverse_event_done(request: HttpRequest, event_id: int) -> HttpResponse:
    user, patient = _me(request)
    event = get_object_or_404(
        AdverseEvent.objects.visible_to(user).filter(patient=patient), pk=event_id
    )
    _audit_read(event, "portal adverse event report")
    context = {"patient": patient, "event": event, "severity": event.finding.get("severity")}
    return render(request, "web/portal/adverse_event_done.html", context)


# --- My sessions, my medication, consent --------------------------------------------------


@login_required
@require_GET
def my_sessions(request: HttpRequest) -> HttpResponse:
    user, patient = _me(request)
    rows = list(pages.sessions_of(user, patient).select_related("check_in"))
    record(
        Event(
            AuditAction.LIST,
            "treatment.DosingSession",
            patient_id=patient.pk,
            clinic_id=patient.clinic_id,
            detail={"via": "portal sessions", "ids": [r.pk for r in rows]},
        )
    )
    return render(request, "web/portal/sessions.html", {"patient": patient, "sessions": rows})


@login_required
@require_GET
def medication(request: HttpRequest) -> HttpResponse:
    user, patient = _me(request)
    plan = active_plan(patient)
    balance = ledger_balance(patient)
    events = list(
        LedgerEvent.objects.visible_to(user).filter(patient=patient)[:RECENT_LEDGER_EVENTS]
    )
    record(
        Event(
            AuditAction.READ,
            "treatment.LedgerAccount",
            patient_id=patient.pk,
            clinic_id=patient.clinic_id,
            detail={"via": "portal medication", "balance": str(balance)},
        )
    )
    per_dose = plan.ledger_units(float(plan.dose_mg)) if plan is not None else None
    context = {
        "patient": patient,
        "plan": plan,
        # In the product's own word ("6 troches"); without a plan, the bare number.
        "balance": pages.units(plan, balance) if plan is not None else f"{balance.normalize():f}",
        "units": pages.dose_units(plan) if plan is not None else None,
        "doses_left": int(balance // per_dose) if per_dose else None,
        "events": [(event, pages.ledger_amount(plan, event)) for event in events],
    }
    return render(request, "web/portal/medication.html", context)


def _safe_next(request: HttpRequest) -> str | None:
    """Where to go after signing (the intake's review step), if it is a page of this site."""
    target = request.GET.get("next") or request.POST.get("next") or ""
    allowed = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if target and allowed else None


@login_required
@require_http_methods(["GET", "POST"])
def consent(request: HttpRequest) -> HttpResponse:
    user, patient = _me(request)
    document = patient_services.current_consent_document(patient.clinic_id)
    signed = patient_services.has_current_consent(patient)
    form = ConsentForm(_posted(request))
    status = 200
    if request.method == "POST" and document is not None and not signed and form.is_valid():
        try:
            patient_services.sign_consent(
                user, patient, document, form.cleaned_data["signature_name"]
            )
        except ValidationError as exc:
            form.put_errors(exc)
            status = 400
        else:
            messages.success(request, "Thank you. You have signed the consent.")
            return redirect(_safe_next(request) or "portal-today")
    elif request.method == "POST":
        status = 400
    context = {"patient": patient, "document": document, "signed": signed, "form": form}
    return render(request, "web/portal/consent.html", context, status=status)
