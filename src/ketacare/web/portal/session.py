"""The at-home session as the patient goes through it, on their phone.

After the checklist (`checklist`): the dose, the blood pressure after it, the release
check-in and the end of the window by the sitter. Every page is the signed-in patient's
own (404 for anyone else, staff included). Views parse, call a treatment service and
render; what a finding means comes from the services, and `words` and `window` only put
it in the patient's words.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ketacare.accounts.models import User
from ketacare.kernel import clock, specs
from ketacare.kernel.errors import DomainError
from ketacare.patients.models import Patient
from ketacare.treatment import queries, sessions, sitting
from ketacare.treatment import window as observation
from ketacare.treatment.errors import GateFailed
from ketacare.treatment.models import CodePurpose, DosingSession, SessionStatus
from ketacare.treatment.specs.sessions import DoseSpec, ReadingSpec, ReleaseSpec
from ketacare.web.portal import pages
from ketacare.web.portal.codes import sitter_rows
from ketacare.web.portal.forms import (
    CheckInForm,
    DoseForm,
    ReadingForm,
    ReleaseCodeForm,
    SitterCodeForm,
)
from ketacare.web.portal.window import window
from ketacare.web.portal.words import Held, crisis_line, held
from ketacare.web.refusals import REFUSALS, refusal_status, show_refusal


def _session_context(patient: Patient, session: DosingSession, **extra: Any) -> dict[str, Any]:
    now = clock.now()
    plan = session.plan
    context: dict[str, Any] = {
        "patient": patient,
        "session": session,
        "window": window(session, now),
        "deadline": pages.deadline(session, now),
        "dose_units": pages.dose_units(plan),
        "held": session.status == SessionStatus.GATE_FAILED and held(session.gate_findings),
        "report_taken": _may_report_taken(patient, session, now),
        "dose_form": DoseForm(plan=plan),
        "reading_form": ReadingForm(),
        "release_rows": [],
        "crisis_line": crisis_line(),
    }
    if session.status == SessionStatus.CHECKED_IN:
        context["release_rows"] = sitter_rows(
            patient, CodePurpose.RELEASE, session=session, bound=extra.pop("release_form", None)
        )
    return context | extra


def _may_report_taken(patient: Patient, session: DosingSession, now: Any) -> bool:
    """A held checklist may still say "I have already taken it": the latest of the day's."""
    if session.status != SessionStatus.GATE_FAILED or queries.dosed_today(patient, now):
        return False
    latest = queries.todays_session(patient, now)
    return latest is not None and latest.pk == session.pk


def _session_page(
    request: HttpRequest, patient: Patient, session: DosingSession, status: int = 200, **extra: Any
) -> HttpResponse:
    context = _session_context(patient, session, **extra)
    return render(request, "web/portal/session.html", context, status=status)


def _own(request: HttpRequest, session_id: int) -> tuple[User, Patient, DosingSession]:
    user, patient = pages.me(request)
    return user, patient, pages.own_session(user, patient, session_id)


@login_required
@require_GET
def session_page(request: HttpRequest, session_id: int) -> HttpResponse:
    _, patient, session = _own(request, session_id)
    pages.audit_read(session, "portal session")
    return _session_page(request, patient, session)


@login_required
@require_GET
def session_status(request: HttpRequest, session_id: int) -> HttpResponse:
    """The status fragment the session page refreshes (htmx, every minute)."""
    _, patient, session = _own(request, session_id)
    pages.audit_read(session, "portal session status")
    context = _session_context(patient, session)
    return render(request, "web/portal/_session_status.html", context)


def _back_to_session(session: DosingSession, anchor: str = "") -> HttpResponse:
    url = reverse("portal-session", kwargs={"session_id": session.pk})
    return redirect(url + (f"#{anchor}" if anchor else ""))


@login_required
@require_POST
def dose_taken(request: HttpRequest, session_id: int) -> HttpResponse:
    """The dose, taken now: the plan's, or the amount the patient says they took."""
    user, patient, session = _own(request, session_id)
    form = DoseForm(request.POST, plan=session.plan)
    if not form.is_valid():
        return _session_page(request, patient, session, 400, dose_form=form)
    try:
        taken = {"dose_mg": form.dose_mg(), "already_taken": form.cleaned_data["already_taken"]}
        sessions.record_dose_taken(user, session, specs.read(DoseSpec, taken))
    except GateFailed as exc:
        refused: Held = held(exc.findings)
        return _session_page(
            request, patient, session, 409, refused=refused, units=form.cleaned_data["units"]
        )
    except ValidationError as exc:
        status = show_refusal(form, exc, form.service_fields)  # the amount: on its field
        return _session_page(request, patient, session, status, dose_form=form)
    except (DomainError, PermissionDenied) as exc:
        return _session_page(request, patient, session, refusal_status(exc), error=str(exc))
    messages.success(request, "Your dose is recorded. Rest now, with your sitter near you.")
    return _back_to_session(session)


@login_required
@require_POST
def reading(request: HttpRequest, session_id: int) -> HttpResponse:
    """A blood pressure after the dose: the one at about 40 minutes, or a re-measure."""
    user, patient, session = _own(request, session_id)
    form = ReadingForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            observation.record_post_dose_reading(
                user, session, specs.read(ReadingSpec, form.cleaned_data)
            )
        except REFUSALS as exc:
            status = show_refusal(form, exc, form.service_fields)
        else:
            messages.success(request, "Your blood pressure is saved.")
            return _back_to_session(session, "blood-pressure")
    return _session_page(request, patient, session, status, reading_form=form)


@login_required
@require_http_methods(["GET", "POST"])
def check_in(request: HttpRequest, session_id: int) -> HttpResponse:
    """The release check-in: open once the observation after the dose has ended."""
    user, patient, session = _own(request, session_id)
    if session.status != SessionStatus.DOSED:
        return _back_to_session(session)
    form = CheckInForm(pages.posted(request))
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            observation.record_check_in(user, session, form.spec())
        except REFUSALS as exc:
            status = show_refusal(form, exc, form.service_fields)
        else:
            messages.success(request, "Thank you. Your check-in is saved.")
            return _back_to_session(session)
    elif request.method == "POST":
        status = 400
    else:
        pages.audit_read(session, "portal check-in form")
    now = clock.now()
    context = {
        "patient": patient,
        "session": session,
        "form": form,
        "window": window(session, now),
        "deadline": pages.deadline(session, now),
    }
    return render(request, "web/portal/check_in.html", context, status=status)


# --- The end of the window, by a sitter without a sign-in, on the patient's device -------


@login_required
@require_POST
def release_code(request: HttpRequest, session_id: int) -> HttpResponse:
    """Text a release code to the sitter, who types it on this device."""
    user, patient, session = _own(request, session_id)
    form = SitterCodeForm(request.POST, sitters=queries.eligible_sitters(patient))
    status = 400
    if form.is_valid():
        sitter = form.cleaned_data["sitter"]
        try:
            sitting.send_sitter_code(
                user, patient, sitter, purpose=CodePurpose.RELEASE, session=session
            )
        except REFUSALS as exc:
            status = show_refusal(form, exc, form.service_fields)
        else:
            messages.success(
                request,
                f"We texted a code to {sitter.name}'s phone. {sitter.name} types it below "
                "and answers the question.",
            )
            return _back_to_session(session, "release")
    return _session_page(request, patient, session, status, release_form=form)


@login_required
@require_POST
def release(request: HttpRequest, session_id: int) -> HttpResponse:
    """The sitter, on the patient's device, with their code: the window ends (or pages)."""
    user, patient, session = _own(request, session_id)
    form = ReleaseCodeForm(request.POST, sitters=queries.eligible_sitters(patient))
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        try:
            attested = specs.read(ReleaseSpec, {"stable": data["stable"], "code": data["code"]})
            observation.release_session(user, session, attested, sitter=data["sitter"])
        except REFUSALS as exc:
            status = show_refusal(form, exc, form.service_fields)
        else:
            messages.success(request, "Thank you. Your sitter's answer is saved.")
            return _back_to_session(session)
    return _session_page(request, patient, session, status, release_form=form)
