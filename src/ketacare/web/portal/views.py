"""The patient's pages: today, something wrong, sessions, medication, consent.

Every page is the signed-in patient's own (own_patient: 404 for anyone else, staff
included); every read of health data is audited. Views parse, call the treatment
services, and render; the session itself is `ketacare.web.portal.session`.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods

from ketacare.assessments.queries import due_questionnaires
from ketacare.audit.log import Event, record
from ketacare.audit.models import AuditAction
from ketacare.clinical import instruments
from ketacare.kernel import clock, specs
from ketacare.kernel.errors import DomainError
from ketacare.patients import services as patient_services
from ketacare.patients.models import Patient, Sitter
from ketacare.patients.phases import Phase
from ketacare.patients.specs import SignatureSpec
from ketacare.treatment import adverse_events, queries
from ketacare.treatment.access import TREATING
from ketacare.treatment.ledger import ledger_balance
from ketacare.treatment.models import (
    AdverseEvent,
    DosingSession,
    LedgerEvent,
    TreatmentPlan,
)
from ketacare.treatment.plans import active_plan
from ketacare.web.portal import pages
from ketacare.web.portal.forms import AdverseEventForm, ConsentForm
from ketacare.web.portal.window import window
from ketacare.web.refusals import show_refusal

INTAKE_PHASES = frozenset({Phase.SCREENING, Phase.INTAKE})
RECENT_LEDGER_EVENTS = 10


@login_required
@require_GET
def today(request: HttpRequest) -> HttpResponse:
    unlinked = pages.not_linked(request)
    if unlinked is not None:
        return unlinked
    user, patient = pages.me(request)
    now = clock.now()
    plan = active_plan(patient)
    open_session = queries.open_session(patient, now)
    pages.audit_read(patient, "portal today")
    context = {
        "patient": patient,
        "sitters": Sitter.objects.visible_to(user).filter(patients=patient),
        "plan": plan,
        "next_session": plan and queries.next_scheduled_session(patient, plan, now),
        "open_session": open_session,
        "window": open_session and window(open_session, now),
        "presence": queries.counted_presence(patient, now),
        "questionnaires": _due(patient, now),
        "intake_link": (
            pages.link("portal-intake") if patient.phase_enum in INTAKE_PHASES else None
        ),
        "intake_due": patient.phase_enum in INTAKE_PHASES,
        "consent_due": _consent_due(patient),
        "can_start": _can_start(patient, plan, open_session)
        and queries.dosed_today(patient, now) is None,  # CLINICAL.md G1: one dose a day
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


# --- Something went wrong --------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def adverse_event(request: HttpRequest, session_id: int | None = None) -> HttpResponse:
    user, patient = pages.me(request)
    session = None if session_id is None else pages.own_session(user, patient, session_id)
    form = AdverseEventForm(pages.posted(request))
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            event = adverse_events.report_adverse_event(user, patient, form.spec(session))
        except (ValidationError, DomainError) as exc:
            status = show_refusal(form, exc, form.service_fields)
        else:
            return redirect("portal-adverse-event-done", event_id=event.pk)
    elif request.method == "POST":
        status = 400
    context = {"patient": patient, "session": session, "form": form}
    return render(request, "web/portal/adverse_event.html", context, status=status)


@login_required
@require_GET
def adverse_event_done(request: HttpRequest, event_id: int) -> HttpResponse:
    user, patient = pages.me(request)
    event = get_object_or_404(
        AdverseEvent.objects.visible_to(user).filter(patient=patient), pk=event_id
    )
    pages.audit_read(event, "portal adverse event report")
    context = {"patient": patient, "event": event, "severity": event.finding.get("severity")}
    return render(request, "web/portal/adverse_event_done.html", context)


# --- My sessions, my medication, consent --------------------------------------------------


@login_required
@require_GET
def my_sessions(request: HttpRequest) -> HttpResponse:
    user, patient = pages.me(request)
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
    user, patient = pages.me(request)
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
    user, patient = pages.me(request)
    document = patient_services.current_consent_document(patient.clinic_id)
    signed = patient_services.has_current_consent(patient)
    form = ConsentForm(pages.posted(request))
    status = 200
    if request.method == "POST" and document is not None and not signed and form.is_valid():
        try:
            name = form.cleaned_data["signature_name"]
            spec = specs.read(SignatureSpec, {"signature_name": name})
            patient_services.sign_consent(user, patient, document, spec)
        except ValidationError as exc:
            status = show_refusal(form, exc, form.service_fields)
        else:
            messages.success(request, "Thank you. You have signed the consent.")
            return redirect(_safe_next(request) or "portal-today")
    elif request.method == "POST":
        status = 400
    pages.audit_read(patient, "portal consent")
    context = {"patient": patient, "document": document, "signed": signed, "form": form}
    return render(request, "web/portal/consent.html", context, status=status)
