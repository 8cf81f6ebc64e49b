"""Prescriptions (prescriber), dispensing and the ledger (pharmacist), the pharmacy queue."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import F, Max
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from ketacare.accounts.models import User
from ketacare.accounts.roles import Role
from ketacare.alerts.models import Alert
from ketacare.audit.log import Event, record
from ketacare.audit.models import AuditAction
from ketacare.errors import DomainError
from ketacare.patients.models import Patient
from ketacare.treatment import services
from ketacare.treatment.access import (
    COUNTERS,
    HANDLERS,
    PHARMACISTS,
    PRESCRIBERS,
    TREATING,
    require,
)
from ketacare.treatment.models import (
    DiversionFinding,
    LedgerAccount,
    LedgerEvent,
    LedgerEventKind,
    Prescription,
)
from ketacare.web.care.common import (
    current_user,
    plain,
    show_domain_error,
    show_service_errors,
    staff_patient,
)
from ketacare.web.care.forms import DispenseForm, LedgerEventForm, PrescriptionForm
from ketacare.web.care.presenters import amount, unit_word
from ketacare.web.common import require_role, require_staff

RX_VIEWERS = (Role.CLINICIAN, Role.PRESCRIBER, Role.PHARMACIST)
RX_WHO = "Only clinicians, prescribers and pharmacists see prescriptions."
LEDGER_WHO = "Only pharmacists, prescribers, clinicians and coordinators see the ledger."
# The ledger form shares the page with the dispense form: its own field names and ids.
COUNT_PREFIX = "count"
QUEUE_WHO = "The pharmacy queue is for pharmacists and prescribers."


def _prescriptions(user: User, patient: Patient) -> list[Prescription]:
    rows = Prescription.objects.visible_to(user).filter(patient=patient).select_related("plan")
    return cast("list[Prescription]", list(rows.select_related("written_by")))


def _rx_rows(rows: list[Prescription]) -> list[dict[str, Any]]:
    """Each prescription with its quantities in the product's own unit ("8 troches")."""
    return [
        {
            "rx": rx,
            "per_fill": amount(rx, rx.quantity),
            "dispensed": amount(rx, rx.dispensed_quantity),
        }
        for rx in rows
    ]


# --- Prescriptions ---------------------------------------------------------------------------


def _rx_page(
    request: HttpRequest, patient: Patient, form: PrescriptionForm, status: int = 200
) -> HttpResponse:
    user = current_user(request)
    plan = services.active_plan(patient)
    if plan is not None:
        form.count_in(f"Counted in {unit_word(plan)}: one session is {plan.take}.")
    context = {
        "patient": patient,
        "plan": plan,
        "prescriptions": _rx_rows(_prescriptions(user, patient)),
        "form": form,
        "can_write": user.has_role(*PRESCRIBERS),
    }
    return render(request, "web/care/prescriptions.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def prescriptions(request: HttpRequest, patient_id: int) -> HttpResponse:
    user = current_user(request)
    patient = staff_patient(user, patient_id, *RX_VIEWERS, what=RX_WHO)
    if request.method == "GET":
        record(Event.about(AuditAction.READ, patient, detail={"via": "care prescriptions"}))
        return _rx_page(request, patient, PrescriptionForm())
    require(user, patient, PRESCRIBERS, "write prescriptions")
    form = PrescriptionForm(request.POST)
    plan = services.active_plan(patient)
    if form.is_valid() and plan is None:
        form.add_error(None, "The patient has no treatment plan: write the plan first.")
    if not form.is_valid() or plan is None:
        return _rx_page(request, patient, form, status=400)
    data = form.cleaned_data
    try:
        written = services.write_prescription(
            user,
            patient,
            plan=plan,
            quantity=data["quantity"],
            refills=data["refills"],
            directions=data["directions"],
            earliest_refill_on=data["earliest_refill_on"],
        )
    except ValidationError as error:
        show_service_errors(form, error, {"plan": "directions"})
    except DomainError as error:
        show_domain_error(form, error)
    else:
        messages.success(
            request,
            f"Prescription written: {amount(written, written.quantity)} a fill "
            f"({written.product}), {_refills(written.refills)}.",
        )
        return redirect("care-prescriptions", patient_id=patient.pk)
    return _rx_page(request, patient, form, status=400)


def _refills(count: int) -> str:
    return "no refills" if count == 0 else f"{count} refill{'' if count == 1 else 's'}"


# --- Dispensing and the ledger -----------------------------------------------------------------


def _rx_choice(rx: Prescription) -> str:
    """The choice, short, the next fill first: "Rx 12 · 50 mg troches · fill 1 of 2 · 8 troches"."""
    if rx.fills_dispensed >= rx.fills_allowed:
        fills = f"no fill left ({rx.fills_dispensed} of {rx.fills_allowed} dispensed)"
    else:
        fills = f"fill {rx.fills_dispensed + 1} of {rx.fills_allowed}"
    return f"Rx {rx.pk} · {rx.product} · {fills} · {amount(rx, rx.quantity)}"


def _rx_choices(rows: list[Prescription]) -> list[tuple[int, str]]:
    return [(rx.pk, _rx_choice(rx)) for rx in rows]


def _witnesses(user: User, patient: Patient) -> list[tuple[int, str]]:
    """Staff of the clinic who may witness (the service checks the role again)."""
    staff = (
        User.objects.filter(
            clinic_id=patient.clinic_id, is_active=True, role_grants__role__in=HANDLERS
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


def _dispense_page(
    request: HttpRequest,
    patient: Patient,
    *,
    dispense_form: DispenseForm | None = None,
    ledger_form: LedgerEventForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = current_user(request)
    rows = _prescriptions(user, patient)
    account = LedgerAccount.objects.filter(patient=patient).first()
    balance = services.ledger_balance(patient)
    context = {
        "patient": patient,
        "prescriptions": rows,
        "balance": balance,
        "unit": _ledger_unit(rows, account, balance),
        "events": LedgerEvent.objects.visible_to(user)
        .filter(patient=patient)
        .select_related("actor", "witness")
        .order_by("-at", "-pk"),
        "findings": _findings(user, patient),
        "dispense_form": dispense_form
        or DispenseForm(prescriptions=_rx_choices(rows), initial=_dispense_initial(rows)),
        "ledger_form": ledger_form
        or LedgerEventForm(prefix=COUNT_PREFIX, witnesses=_witnesses(user, patient)),
        "can_dispense": user.has_role(*PHARMACISTS),
        "can_count": bool(user.roles & COUNTERS),
    }
    return render(request, "web/care/dispense.html", context, status=status)


def _ledger_unit(rows: list[Prescription], account: LedgerAccount | None, balance: Any) -> str:
    """The ledger's unit in the product's words: the newest prescription's ("troches")."""
    if rows:
        return unit_word(rows[0], balance)
    return str(account.get_unit_display()) if account else "units"


def _dispense_initial(rows: list[Prescription]) -> dict[str, Any]:
    open_rx = [rx for rx in rows if rx.fills_dispensed < rx.fills_allowed]
    return {"prescription": open_rx[0].pk, "quantity": open_rx[0].quantity} if open_rx else {}


def _dispense(request: HttpRequest, user: User, patient: Patient) -> HttpResponse:
    require(user, patient, PHARMACISTS, "dispense")
    rows = _prescriptions(user, patient)
    form = DispenseForm(request.POST, prescriptions=_rx_choices(rows))
    if form.is_valid():
        data = form.cleaned_data
        rx = next(r for r in rows if r.pk == data["prescription"])
        try:
            filled = services.dispense(
                user,
                rx,
                quantity=data["quantity"],
                lot_number=data["lot_number"],
                expires_on=data["expires_on"],
                early_reason=data["early_reason"],
            )
        except ValidationError as error:
            show_service_errors(form, error)
        except DomainError as error:
            show_domain_error(form, error)
        else:
            balance = plain(services.ledger_balance(patient))
            messages.success(
                request,
                f"Fill {filled.fill_number} dispensed: {amount(rx, filled.quantity)}, lot "
                f"{filled.lot_number}. Balance now {amount(rx, balance)}.",
            )
            return redirect("care-dispense", patient_id=patient.pk)
    return _dispense_page(request, patient, dispense_form=form, status=400)


def _ledger_event(request: HttpRequest, user: User, patient: Patient) -> HttpResponse:
    # The service checks the role for each kind (a coordinator counts, but destroys nothing):
    # its refusal is a 403.
    form = LedgerEventForm(request.POST, prefix=COUNT_PREFIX, witnesses=_witnesses(user, patient))
    if form.is_valid():
        data = form.cleaned_data
        witness = User.objects.filter(pk=data["witness"]).first() if data["witness"] else None
        try:
            event = services.record_ledger_event(
                user,
                patient,
                kind=data["kind"],
                quantity=data["quantity"],
                witness=witness,
                note=data["note"],
            )
        except ValidationError as error:
            show_service_errors(form, error)
        except DomainError as error:
            show_domain_error(form, error)
        else:
            messages.success(request, _recorded(event))
            return redirect("care-dispense", patient_id=patient.pk)
    return _dispense_page(request, patient, ledger_form=form, status=400)


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
    patient = staff_patient(user, patient_id, *COUNTERS, what=LEDGER_WHO)
    if request.method == "GET":
        record(Event.about(AuditAction.READ, patient, detail={"via": "care dispensing ledger"}))
        return _dispense_page(request, patient)
    if request.POST.get("action") == "ledger":
        return _ledger_event(request, user, patient)
    return _dispense(request, user, patient)


# --- The clinic's pharmacy queue ---------------------------------------------------------------


@login_required
@require_GET
def pharmacy(request: HttpRequest) -> HttpResponse:
    """Prescriptions with fills left for treated patients, refill requests first."""
    user = current_user(request)
    require_staff(user)
    require_role(user, *PHARMACISTS, *PRESCRIBERS, what=QUEUE_WHO)
    rows = cast(
        "list[Prescription]",
        list(
            Prescription.objects.visible_to(user)
            .filter(
                fills_dispensed__lt=F("refills") + 1,
                patient__phase__in=[p.value for p in TREATING],
            )
            .annotate(
                last_request=Max("refill_requests__requested_at"),
                last_fill=Max("dispenses__dispensed_at"),
            )
            .select_related("patient")
            .order_by("patient__legal_name", "-written_at")
        ),
    )
    queue = [
        {
            "rx": rx,
            "fills_left": rx.fills_allowed - rx.fills_dispensed,
            "per_fill": amount(rx, rx.quantity),
            "requested": rx.last_request is not None  # type: ignore[attr-defined]
            and (rx.last_fill is None or rx.last_request > rx.last_fill),  # type: ignore[attr-defined]
        }
        for rx in rows
    ]
    queue.sort(key=lambda item: not item["requested"])
    record(
        Event(
            AuditAction.LIST,
            "treatment.Prescription",
            clinic_id=user.clinic_id,
            detail={"via": "care pharmacy queue", "ids": [rx.pk for rx in rows]},
        )
    )
    return render(request, "web/care/pharmacy.html", {"queue": queue})
