"""The prescriptions page: write, correct, co-sign and void prescriptions (prescribers).

Every rule is the services' (treatment.prescriptions): these views read the form, call
the use case and show its refusal next to the field it names, with nothing stored.
"""

from __future__ import annotations

from datetime import date
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from ketacare.accounts.models import User
from ketacare.audit.log import Event, record
from ketacare.audit.models import AuditAction
from ketacare.kernel import policy
from ketacare.kernel.errors import DomainError
from ketacare.patients.access import require
from ketacare.patients.models import Patient
from ketacare.treatment import pdmp, services
from ketacare.treatment.dispensing import not_fillable_because, patient_today, units_in_words
from ketacare.treatment.models import Prescription, PrescriptionState, TreatmentPlan
from ketacare.web.refusals import show_refusal
from ketacare.web.workspace.common import (
    current_user,
    staff_patient,
)
from ketacare.web.workspace.forms import PdmpCheckForm, PrescriptionActionForm, PrescriptionForm
from ketacare.web.workspace.presenters import amount, unit_word

RX_WHO = "Only clinicians, prescribers and pharmacists see prescriptions."
# The co-sign and void forms of the list share the page with the write form.
ACTION_PREFIX = "rx"
PDMP_PREFIX = "pdmp"
STATE_BADGES = {
    PrescriptionState.ACTIVE: "ok",
    PrescriptionState.AWAITING_COSIGN: "caution",
    PrescriptionState.VOIDED: "stop",
}


def prescriptions_of(user: User, patient: Patient) -> list[Prescription]:
    rows = (
        Prescription.objects.visible_to(user)
        .filter(patient=patient)
        .select_related("plan", "patient", "written_by", "cosigned_by", "voided_by")
        .prefetch_related("dispenses")
    )
    return cast("list[Prescription]", list(rows))


def _row(user: User, rx: Prescription, today: date) -> dict[str, Any]:
    state = rx.state
    return {
        "rx": rx,
        "per_fill": amount(rx, rx.quantity),
        "dispensed": amount(rx, rx.dispensed_quantity),
        "state": state.label,
        "badge": STATE_BADGES[state],
        "not_fillable": not_fillable_because(rx, today)
        if state == PrescriptionState.ACTIVE
        else None,
        # The buttons each may use (the services check again).
        "can_cosign": state == PrescriptionState.AWAITING_COSIGN
        and policy.may(user, "cosign_prescription")
        and rx.written_by_id != user.pk,
        "can_void": state != PrescriptionState.VOIDED and rx.written_by_id == user.pk,
    }


def _replaceable(user: User, rows: list[Prescription]) -> list[tuple[int, str]]:
    """The user's own prescriptions that a correction may replace."""
    return [
        (rx.pk, f"Rx {rx.pk} · {amount(rx, rx.quantity)} a fill, {rx.refills} refills")
        for rx in rows
        if rx.written_by_id == user.pk and rx.state != PrescriptionState.VOIDED
    ]


def _need_words(patient: Patient, plan: TreatmentPlan) -> str:
    need = services.plan_need(patient, plan)
    words = (
        f"The plan still needs {units_in_words(plan, need.units_for_sessions)} for "
        f"{need.sessions_left} session{'' if need.sessions_left == 1 else 's'}"
    )
    if need.margin_sessions:
        words += f" and the clinic's margin of {need.margin_sessions}"
    if need.units_held:
        words += f"; the patient holds or can still fill {units_in_words(plan, need.units_held)}"
    return (
        f"{words}. A prescription of up to {units_in_words(plan, need.units_allowed)} in all "
        "(per fill x fills) needs no co-sign."
    )


def _page(
    request: HttpRequest,
    patient: Patient,
    *,
    posted: PrescriptionForm | PrescriptionActionForm | PdmpCheckForm | None = None,
    status: int = 200,
) -> HttpResponse:
    """The page; `posted` is the form the refused POST carried (shown with its errors)."""
    user = current_user(request)
    plan = services.active_plan(patient)
    rows = prescriptions_of(user, patient)
    form = (
        posted
        if isinstance(posted, PrescriptionForm)
        else PrescriptionForm(replaceable=_replaceable(user, rows))
    )
    action_form = posted if isinstance(posted, PrescriptionActionForm) else None
    pdmp_form = posted if isinstance(posted, PdmpCheckForm) else None
    if plan is not None:
        form.count_in(f"Counted in {unit_word(plan)}: one session is {plan.take}.")
    today = patient_today(patient)
    context = {
        "patient": patient,
        "plan": plan,
        "need": _need_words(patient, plan) if plan is not None else "",
        "prescriptions": [_row(user, rx, today) for rx in rows],
        "form": form,
        "action_form": action_form or PrescriptionActionForm(prefix=ACTION_PREFIX),
        "action_prefix": ACTION_PREFIX,
        "can_write": policy.may(user, "write_prescription"),
        "identity_missing": user.prescriber_identity_missing,
        "pdmp_form": pdmp_form or PdmpCheckForm(prefix=PDMP_PREFIX),
        "can_check_pdmp": policy.may(user, "record_pdmp_check"),
        "pdmp_check": pdmp.recent_check(patient),
        "pdmp_window_days": pdmp.window_days(patient),
    }
    return render(request, "web/workspace/prescriptions.html", context, status=status)


def _refills(count: int) -> str:
    return "no refills" if count == 0 else f"{count} refill{'' if count == 1 else 's'}"


def _written(request: HttpRequest, written: Prescription) -> None:
    what = "Prescription written" if written.corrects_id is None else "Prescription corrected"
    text = (
        f"{what}: {amount(written, written.quantity)} a fill ({written.product}), "
        f"{_refills(written.refills)}."
    )
    if written.corrects_id is not None:
        text += f" It replaces Rx {written.corrects_id}, now voided."
    if written.state == PrescriptionState.AWAITING_COSIGN:
        text += " It awaits a second prescriber's co-sign before anything is dispensed."
    messages.success(request, text)


def _write(request: HttpRequest, user: User, patient: Patient) -> HttpResponse:
    require(user, patient, "write_prescription")
    rows = prescriptions_of(user, patient)
    form = PrescriptionForm(request.POST, replaceable=_replaceable(user, rows))
    plan = services.active_plan(patient)
    if form.is_valid() and plan is None:
        form.add_error(None, "The patient has no treatment plan: write the plan first.")
    if not form.is_valid() or plan is None:
        return _page(request, patient, posted=form, status=400)
    data = form.cleaned_data
    corrected = next((rx for rx in rows if rx.pk == data["corrects"]), None)
    try:
        if corrected is not None:
            written = services.correct_prescription(user, corrected, form.correction_spec())
        else:
            written = services.write_prescription(user, patient, form.prescription_spec(plan.pk))
    except (ValidationError, DomainError) as error:
        status = show_refusal(form, error, {"plan_id": "directions"})
    else:
        _written(request, written)
        return redirect("ws-prescriptions", patient_id=patient.pk)
    return _page(request, patient, posted=form, status=status)


def _act(request: HttpRequest, user: User, patient: Patient, action: str) -> HttpResponse:
    """Co-sign or void one prescription of the list."""
    form = PrescriptionActionForm(request.POST, prefix=ACTION_PREFIX)
    rows = {rx.pk: rx for rx in prescriptions_of(user, patient)}
    if form.is_valid() and form.cleaned_data["prescription"] not in rows:
        form.add_error(None, "No such prescription of this patient.")
    if not form.is_valid():
        return _page(request, patient, posted=form, status=400)
    rx = rows[form.cleaned_data["prescription"]]
    try:
        if action == "cosign":
            services.cosign_prescription(user, rx)
            done = f"Rx {rx.pk} co-signed: it may now be dispensed."
        else:
            services.void_prescription(user, rx, form.void_spec())
            done = f"Rx {rx.pk} voided: nothing more is dispensed on it."
    except (ValidationError, DomainError) as error:
        status = show_refusal(form, error)
    else:
        messages.success(request, done)
        return redirect("ws-prescriptions", patient_id=patient.pk)
    return _page(request, patient, posted=form, status=status)


def _check_pdmp(request: HttpRequest, user: User, patient: Patient) -> HttpResponse:
    """Record that the state PDMP was checked for the patient just now."""
    form = PdmpCheckForm(request.POST, prefix=PDMP_PREFIX)
    if not form.is_valid():
        return _page(request, patient, posted=form, status=400)
    try:
        services.record_pdmp_check(user, patient, form.spec())
    except (ValidationError, DomainError) as error:
        status = show_refusal(form, error)
    else:
        messages.success(request, "State PDMP check recorded.")
        return redirect("ws-prescriptions", patient_id=patient.pk)
    return _page(request, patient, posted=form, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def prescriptions(request: HttpRequest, patient_id: int) -> HttpResponse:
    user = current_user(request)
    patient = staff_patient(user, patient_id, "read_prescriptions", what=RX_WHO)
    if request.method == "GET":
        record(Event.about(AuditAction.READ, patient, detail={"via": "care prescriptions"}))
        return _page(request, patient)
    action = request.POST.get("action", "write")
    if action in {"cosign", "void"}:
        return _act(request, user, patient, action)
    if action == "pdmp":
        return _check_pdmp(request, user, patient)
    return _write(request, user, patient)
