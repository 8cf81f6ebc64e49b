"""The start of the at-home session, on the patient's phone: the sitter, then the checklist.

The sitter confirms being there (their own sign-in, or a code texted to their phone and
typed here), then the patient answers the pre-dose checklist. Every page is the
signed-in patient's own (404 for anyone else, staff included). Views parse, call a
treatment service and render; what a finding means comes from the services, and
`words` only puts it in the patient's words.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from ketacare.clinical.safety import clock_time
from ketacare.kernel import clock
from ketacare.patients.models import Patient
from ketacare.treatment import queries, sessions, sitting
from ketacare.treatment.access import TREATING
from ketacare.treatment.gate import zone_of
from ketacare.treatment.models import CodePurpose, DosingSession, SessionStatus, SitterPresence
from ketacare.treatment.plans import active_plan
from ketacare.web.portal import pages
from ketacare.web.portal.codes import chosen_sitter, sitter_rows
from ketacare.web.portal.forms import ChecklistForm, PresenceCodeForm, SitterCodeForm
from ketacare.web.portal.words import crisis_line, held
from ketacare.web.refusals import REFUSALS, show_refusal


def _checklist_page(  # noqa: PLR0913 - the page's forms, each bound when it was the one sent
    request: HttpRequest,
    patient: Patient,
    *,
    form: ChecklistForm | None = None,
    failed: DosingSession | None = None,
    code_form: Form | None = None,
    status: int = 200,
) -> HttpResponse:
    now = clock.now()
    plan = active_plan(patient)
    presence = queries.counted_presence(patient, now)
    context = {
        "patient": patient,
        "plan": plan,
        "form": form or ChecklistForm(initial=_initial(presence)),
        "presence": presence,
        "presence_at": presence and clock_time(presence.confirmed_at, zone_of(patient), now),
        "sitter_rows": []
        if presence
        else sitter_rows(patient, CodePurpose.PRESENCE, bound=code_form),
        "sitter_refused": _refused_elsewhere(code_form),
        "failed": failed,
        "held": failed and held(failed.gate_findings),
        "crisis_line": crisis_line(),
        "limits": pages.bp_limits(patient, plan),
        "treating": plan is not None and patient.phase_enum in TREATING,
    }
    return render(request, "web/portal/session_start.html", context, status=status)


def _initial(presence: SitterPresence | None) -> dict[str, Any]:
    return {} if presence is None else {"sitter_present": "yes"}


def _refused_elsewhere(form: Form | None) -> tuple[str, ...]:
    """A code form refused before a sitter could be chosen (not one of the patient's)."""
    if form is None or chosen_sitter(form) is not None:
        return ()
    return tuple(str(e) for errors in form.errors.values() for e in errors)


@login_required
@require_http_methods(["GET", "POST"])
def session_start(request: HttpRequest) -> HttpResponse:
    user, patient = pages.me(request)
    form = ChecklistForm(pages.posted(request))
    if request.method == "GET":
        return _checklist_page(request, patient)
    if not form.is_valid():
        return _checklist_page(request, patient, form=form, status=400)
    try:
        started = sessions.start_session(user, patient, form.spec())
    except REFUSALS as exc:
        status = show_refusal(form, exc, form.service_fields)
        return _checklist_page(request, patient, form=form, status=status)
    if started.status != SessionStatus.GATE_FAILED:
        return redirect("portal-session", session_id=started.pk)
    return _checklist_page(request, patient, form=form, failed=started)


def _back_to_checklist() -> HttpResponse:
    return redirect(reverse("portal-session-start") + "#sitter")


@login_required
@require_POST
def sitter_code(request: HttpRequest) -> HttpResponse:
    """Text a code to one of the patient's sitters, to type on this device."""
    user, patient = pages.me(request)
    form = SitterCodeForm(request.POST, sitters=queries.eligible_sitters(patient))
    status = 400
    if form.is_valid():
        sitter = form.cleaned_data["sitter"]
        try:
            sitting.send_sitter_code(user, patient, sitter)
        except REFUSALS as exc:
            status = show_refusal(form, exc, form.service_fields)
        else:
            messages.success(
                request,
                f"We texted a code to {sitter.name}'s phone. Ask them to read it out to you, "
                "and type it below.",
            )
            return _back_to_checklist()
    return _checklist_page(request, patient, code_form=form, status=status)


@login_required
@require_POST
def sitter_code_confirm(request: HttpRequest) -> HttpResponse:
    """The code the sitter reads out: the sitter is confirmed with the patient."""
    user, patient = pages.me(request)
    form = PresenceCodeForm(request.POST, sitters=queries.eligible_sitters(patient))
    status = 400
    if form.is_valid():
        sitter = form.cleaned_data["sitter"]
        try:
            sitting.confirm_presence_with_code(
                user, patient, sitter, code=form.cleaned_data["code"]
            )
        except REFUSALS as exc:
            status = show_refusal(form, exc, form.service_fields)
        else:
            messages.success(request, f"Thank you. {sitter.name} is confirmed with you.")
            return _back_to_checklist()
    return _checklist_page(request, patient, code_form=form, status=status)
