"""Dispensing and the ledger (pharmacist), and the pharmacy queue.

The prescriptions page is prescribing.py. Which prescriptions may be dispensed, and
every refusal, are the services' (treatment.dispensing): these views read the forms,
call the use case and show its answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import F, Max
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from ketacare.accounts.models import User
from ketacare.alerts.models import Alert
from ketacare.audit.log import Event, record
from ketacare.audit.models import AuditAction
from ketacare.clinical.staging import FillHolds
from ketacare.kernel import policy, specs
from ketacare.kernel.errors import DomainError
from ketacare.patients.access import require
from ketacare.patients.models import Patient
from ketacare.treatment import services
from ketacare.treatment.access import TREATING
from ketacare.treatment.dispensing import fill_after, not_fillable_because, patient_today
from ketacare.treatment.models import (
    Dispense,
    DiversionFinding,
    LedgerAccount,
    LedgerEvent,
    LedgerEventKind,
    Prescription,
    PrescriptionState,
)
from ketacare.treatment.reviews import dispensing_held_because
from ketacare.treatment.specs.dispensing import (
    DispenseCorrectionSpec,
    DispenseSpec,
    VoidDispenseSpec,
)
from ketacare.treatment.specs.ledger import LedgerEventSpec
from ketacare.treatment.staging import holds_for
from ketacare.web.refusals import show_refusal
from ketacare.web.workspace.common import (
    current_user,
    plain,
    staff_page,
    staff_patient,
)
from ketacare.web.workspace.forms import DispenseFixForm, DispenseForm, LedgerEventForm
from ketacare.web.workspace.lot_choices import lot_choices, stock_url
from ketacare.web.workspace.prescribing import prescriptions_of
from ketacare.web.workspace.presenters import amount, unit_word

LEDGER_WHO = "Only pharmacists, prescribers, clinicians and coordinators see the ledger."
# The ledger form shares the page with the dispense form: its own field names and ids.
COUNT_PREFIX = "count"
FIX_PREFIX = "fix"
QUEUE_WHO = "The pharmacy queue is for pharmacists and prescribers."
# Who sees the ledger: who may count the patient's stock.
# Who may witness a destruction: who may handle the substance (the service checks again).
WITNESS_ROLES = policy.rule("record_destroyed_units").staff


# --- Dispensing and the ledger -----------------------------------------------------------------


def _spec_of(spec: type[specs.S], data: Mapping[str, Any]) -> specs.S:
    """A form's cleaned data as `spec`: its fields (the others, a choice of row, are the page's)."""
    return specs.read(spec, {name: data[name] for name in spec.model_fields if name in data})


def _rx_choice(rx: Prescription, today: date) -> str:
    """The choice, short, the next fill first: "Rx 12 · 50 mg troches · fill 1 of 2 · 8 troches".

    A fill dispensed in parts says which part comes next and what is left of it; one that
    cannot be dispensed today says why (dispensing it is refused with the full reason).
    """
    why = not_fillable_because(rx, today)
    fill = fill_after(rx, rx.dispenses.all())
    if fill is None or why is not None:
        return f"Rx {rx.pk} · {rx.product} · not dispensable: {why}"
    part = "" if fill.part == 1 else f", part {fill.part}"
    return (
        f"Rx {rx.pk} · {rx.product} · fill {fill.number} of {rx.fills_allowed}{part} · "
        f"{amount(rx, fill.units_left)}"
    )


def _offered(rows: list[Prescription]) -> list[Prescription]:
    """Never a voided prescription, nor one awaiting its co-sign."""
    return [rx for rx in rows if rx.state == PrescriptionState.ACTIVE]


def _not_offered(rows: list[Prescription]) -> list[str]:
    """The prescriptions not offered for dispensing, and why ("Rx 12: voided")."""
    return [
        f"Rx {rx.pk}: {rx.state.label.lower()}"
        for rx in rows
        if rx.state != PrescriptionState.ACTIVE
    ]


def _rx_choices(rows: list[Prescription], patient: Patient) -> list[tuple[int, str]]:
    today = patient_today(patient)
    return [(rx.pk, _rx_choice(rx, today)) for rx in rows]


def _dispenses(user: User, patient: Patient) -> list[Dispense]:
    rows = (
        Dispense.objects.visible_to(user)
        .filter(patient=patient)
        .select_related("prescription", "dispensed_by", "voided_by")
    )
    return cast("list[Dispense]", list(rows))


def _fixable(user: User, rows: list[Dispense]) -> list[tuple[int, str]]:
    """The user's own dispenses not voided: what they may void or correct."""
    return [
        (d.pk, _dispense_choice(d))
        for d in rows
        if d.dispensed_by_id == user.pk and not d.is_voided
    ]


def _dispense_choice(d: Dispense) -> str:
    return (
        f"Dispense {d.pk} · Rx {d.prescription_id} fill {d.fill_number} part {d.part} · "
        f"{amount(d.prescription, d.quantity)} · lot {d.lot_number}"
    )


def _witnesses(user: User, patient: Patient) -> list[tuple[int, str]]:
    """Staff of the clinic who may witness (the service checks the role again)."""
    staff = (
        User.objects.filter(
            clinic_id=patient.clinic_id, is_active=True, role_grants__role__in=WITNESS_ROLES
        )
        .exclude(pk=user.pk)
        .distinct()
        .order_by("username")
    )
    return [(u.pk, u.display_name) for u in staff]


def _findings(user: User, patient: Patient) -> list[dict[str, Any]]:
    findings = list(
        DiversionFinding.objects.visible_to(user)
        .filter(patient=patient)
        .select_related("recorded_by", "prescription")
    )
    alerts = {
        a.detail.get("diversion_finding_id"): a
        for a in Alert.objects.filter(patient=patient, detail__has_key="diversion_finding_id")
    }
    return [{"finding": f, "alert": alerts.get(f.pk)} for f in findings]


def _dispense_page(  # noqa: PLR0913 - the page and each of its three forms
    request: HttpRequest,
    patient: Patient,
    *,
    dispense_form: DispenseForm | None = None,
    ledger_form: LedgerEventForm | None = None,
    fix_form: DispenseFixForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = current_user(request)
    rows = prescriptions_of(user, patient)
    offered = _offered(rows)
    dispenses = _dispenses(user, patient)
    account = LedgerAccount.objects.filter(patient=patient).first()
    balance = services.ledger_balance(patient)
    context = {
        "patient": patient,
        "prescriptions": offered,
        "not_offered": _not_offered(rows),
        "dispenses": dispenses,
        "balance": balance,
        "unit": _ledger_unit(rows, account, balance),
        "events": LedgerEvent.objects.visible_to(user)
        .filter(patient=patient)
        .select_related("actor", "witness")
        .order_by("-at", "-pk"),
        "findings": _findings(user, patient),
        "dispense_form": dispense_form
        or DispenseForm(
            prescriptions=_rx_choices(offered, patient),
            lots=lot_choices(patient, offered),
            initial=_dispense_initial(offered, patient),
        ),
        "ledger_form": ledger_form
        or LedgerEventForm(prefix=COUNT_PREFIX, witnesses=_witnesses(user, patient)),
        "fix_form": fix_form or _fix_form(user, patient, dispenses),
        "stock_url": stock_url(),
        "can_dispense": policy.may(user, "dispense"),
        "review_held": dispensing_held_because(patient),
        "can_fix": policy.may(user, "void_dispense") and bool(_fixable(user, dispenses)),
        "can_count": policy.may(user, "record_pill_count"),
    }
    return render(request, "web/workspace/dispense.html", context, status=status)


def _fix_form(
    user: User, patient: Patient, rows: list[Dispense], data: Any = None
) -> DispenseFixForm:
    """The user's dispenses to void or correct, and the lots of their products."""
    fixable = _fixable(user, rows)
    ids = {pk for pk, _ in fixable}
    products = [d.prescription for d in rows if d.pk in ids]
    lots = lot_choices(patient, products)
    return DispenseFixForm(data, prefix=FIX_PREFIX, dispenses=fixable, lots=lots)


def _ledger_unit(rows: list[Prescription], account: LedgerAccount | None, balance: Any) -> str:
    """The ledger's unit in the product's words: the newest prescription's ("troches")."""
    if rows:
        return unit_word(rows[0], balance)
    return str(account.get_unit_display()) if account else "units"


def _dispense_initial(rows: list[Prescription], patient: Patient) -> dict[str, Any]:
    """The first prescription that may be dispensed today, and what its fill has left."""
    today = patient_today(patient)
    for rx in rows:
        fill = fill_after(rx, rx.dispenses.all())
        if fill is not None and not_fillable_because(rx, today) is None:
            return {"prescription": rx.pk, "quantity": fill.units_left}
    return {}


def _dispense(request: HttpRequest, user: User, patient: Patient) -> HttpResponse:
    require(user, patient, "dispense")
    rows = _offered(prescriptions_of(user, patient))
    form = DispenseForm(
        request.POST, prescriptions=_rx_choices(rows, patient), lots=lot_choices(patient, rows)
    )
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        rx = next(r for r in rows if r.pk == data["prescription"])
        try:
            filled = services.dispense(user, rx, _spec_of(DispenseSpec, data))
        except (ValidationError, DomainError) as error:
            status = show_refusal(form, error)
        else:
            balance = plain(services.ledger_balance(patient))
            part = "" if filled.part == 1 else f" (part {filled.part})"
            messages.success(
                request,
                f"Fill {filled.fill_number}{part} dispensed: {amount(rx, filled.quantity)}, lot "
                f"{filled.lot_number}. Balance now {amount(rx, balance)}.",
            )
            return redirect("ws-dispense", patient_id=patient.pk)
    return _dispense_page(request, patient, dispense_form=form, status=status)


def _fix(request: HttpRequest, user: User, patient: Patient) -> HttpResponse:
    """Void one of the user's dispenses, or correct it (void it and dispense what was given)."""
    require(user, patient, "void_dispense")
    rows = _dispenses(user, patient)
    form = _fix_form(user, patient, rows, request.POST)
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        original = next(d for d in rows if d.pk == data["dispense"])
        try:
            if form.corrects:
                spec = _spec_of(DispenseCorrectionSpec, data)
                new = services.correct_dispense(user, original, spec)
                done = f"Dispense {original.pk} corrected: dispense {new.pk} replaces it."
            else:
                services.void_dispense(user, original, _spec_of(VoidDispenseSpec, data))
                done = f"Dispense {original.pk} voided: its units left the ledger."
        except (ValidationError, DomainError) as error:
            status = show_refusal(form, error)
        else:
            balance = plain(services.ledger_balance(patient))
            messages.success(
                request, f"{done} Balance now {amount(original.prescription, balance)}."
            )
            return redirect("ws-dispense", patient_id=patient.pk)
    return _dispense_page(request, patient, fix_form=form, status=status)


def _ledger_event(request: HttpRequest, user: User, patient: Patient) -> HttpResponse:
    # The service checks the role for each kind (a coordinator counts, but destroys nothing):
    # its refusal is a 403.
    form = LedgerEventForm(request.POST, prefix=COUNT_PREFIX, witnesses=_witnesses(user, patient))
    status = 400
    if form.is_valid():
        data = form.cleaned_data | {"witness_id": form.cleaned_data["witness"]}
        try:
            event = services.record_ledger_event(user, patient, _spec_of(LedgerEventSpec, data))
        except (ValidationError, DomainError) as error:
            status = show_refusal(form, error, {"witness_id": "witness"})
        else:
            messages.success(request, _recorded(event))
            return redirect("ws-dispense", patient_id=patient.pk)
    return _dispense_page(request, patient, ledger_form=form, status=status)


def _recorded(event: LedgerEvent) -> str:
    balance = plain(event.balance_after)
    if event.kind == LedgerEventKind.COUNTED and event.counted is not None:
        counted = plain(event.counted)
        if counted != balance:
            return (
                f"Count recorded: {counted} counted, {balance} expected. "
                "The difference is recorded as a diversion finding and an alert is raised."
            )
        return f"Count recorded: {counted}, as expected."
    return f"{event.get_kind_display()} recorded. Balance now {balance}."


@login_required
@require_http_methods(["GET", "POST"])
def dispense(request: HttpRequest, patient_id: int) -> HttpResponse:
    user = current_user(request)
    patient = staff_patient(user, patient_id, "read_ledger", what=LEDGER_WHO)
    if request.method == "GET":
        record(Event.about(AuditAction.READ, patient, detail={"via": "care dispensing ledger"}))
        return _dispense_page(request, patient)
    action = request.POST.get("action")
    if action == "ledger":
        return _ledger_event(request, user, patient)
    if action == "fix":
        return _fix(request, user, patient)
    return _dispense(request, user, patient)


# --- The clinic's pharmacy queue ---------------------------------------------------------------


def _queue_item(rx: Prescription, holds: FillHolds) -> dict[str, Any]:
    fill = fill_after(rx, rx.dispenses.all())
    fills_left = rx.fills_allowed - fill.number + 1 if fill is not None else 0
    return {
        "rx": rx,
        "fills_left": fills_left,
        "per_fill": amount(rx, rx.quantity),
        "holds": list(holds.reasons.values()),
        "requested": rx.last_request is not None  # type: ignore[attr-defined]
        and (rx.last_fill is None or rx.last_request > rx.last_fill),  # type: ignore[attr-defined]
    }


@login_required
@require_GET
def pharmacy(request: HttpRequest) -> HttpResponse:
    """Prescriptions that may be dispensed for treated patients, refill requests first.

    Those awaiting a second prescriber's co-sign are listed apart, with no dispensing.
    """
    user = current_user(request)
    staff_page(user, "see_pharmacy_queue", what=QUEUE_WHO)
    rows = cast(
        "list[Prescription]",
        list(
            Prescription.objects.visible_to(user)
            .filter(
                voided_at__isnull=True,
                dispensed_quantity__lt=F("quantity") * (F("refills") + 1),
                patient__phase__in=[p.value for p in TREATING],
            )
            .annotate(
                last_request=Max("refill_requests__requested_at"),
                last_fill=Max("dispenses__dispensed_at"),
            )
            .select_related("patient")
            .prefetch_related("dispenses")
            .order_by("patient__legal_name", "-written_at")
        ),
    )
    fillable = [rx for rx in rows if not_fillable_because(rx, patient_today(rx.patient)) is None]
    holds = holds_for(fillable)  # staged dispensing: a fixed number of queries
    queue = [_queue_item(rx, holds[rx.pk]) for rx in fillable]
    queue.sort(key=lambda item: not item["requested"])
    awaiting = [rx for rx in rows if rx.state == PrescriptionState.AWAITING_COSIGN]
    record(
        Event(
            AuditAction.LIST,
            "treatment.Prescription",
            clinic_id=user.clinic_id,
            detail={"via": "care pharmacy queue", "ids": [rx.pk for rx in rows]},
        )
    )
    context = {"queue": queue, "awaiting": awaiting}
    context["can_release"] = policy.may(user, "release_held_fill")
    return render(request, "web/workspace/pharmacy.html", context)
