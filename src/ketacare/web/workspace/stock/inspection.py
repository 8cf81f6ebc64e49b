"""The records an inspector asks for, as pages and PDFs; and the printable prescription.

Each record is gathered by ketacare.reports.inspection for the signed-in person's clinic
(policy row "read_inspection_records": 403 otherwise, 404 for another clinic's record);
each view of one leaves one audit entry. `?format=pdf` answers the same record as a PDF
(503 naming the system packages when WeasyPrint cannot load Pango).
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.contrib.auth.decorators import login_required
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from ketacare.accounts.models import User
from ketacare.audit.log import Event, record
from ketacare.audit.models import AuditAction
from ketacare.kernel import clock
from ketacare.pharmacy.models import MovementKind, StockDiscrepancy, StockMovement
from ketacare.reports.inspection import destructions, dispensing_log, inventory, loss
from ketacare.reports.inspection.common import USE_CASE, audit_read, units
from ketacare.reports.inspection.inventory import BusinessHours, InventoryKind
from ketacare.reports.inspection.render import Printable, document_pdf
from ketacare.reports.pdf import PdfUnavailableError
from ketacare.reports.prescription_form import PrescriptionForm, prescription_form
from ketacare.web.workspace.common import query_string, staff_page, staff_patient, staff_user

WHO = "Only pharmacists, prescribers and the clinic's administrators see the inspector's records."
RX_WHO = "Only clinicians, prescribers and pharmacists see prescriptions."
DEFAULT_DAYS = 30  # the ranges open on the last 30 days
LOSSES_LISTED = 50
INVENTORY_DEFAULTS = {"kind": InventoryKind.BIENNIAL, "business_hours": BusinessHours.CLOSE}
DATE = forms.DateInput({"type": "date"})
# The two range forms share the index page: their own element ids.
DESTRUCTION_IDS, DISPENSING_IDS = "destruction-%s", "dispensing-%s"


class InventoryForm(forms.Form):
    kind = forms.ChoiceField(choices=InventoryKind.choices, initial=InventoryKind.BIENNIAL)
    business_hours = forms.ChoiceField(
        label="Taken at", choices=BusinessHours.choices, initial=BusinessHours.CLOSE
    )
    as_of = forms.DateField(
        label="Inventory date",
        required=False,
        widget=DATE,
        help_text="Empty: now. A past date shows the stock of that day, at its opening or close.",
    )


class RangeForm(forms.Form):
    first = forms.DateField(label="From", widget=DATE)
    last = forms.DateField(label="To", widget=DATE)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("first") and data.get("last") and data["first"] > data["last"]:
            self.add_error("last", "The end of the range comes on or after its start.")
        return data


def _zone(user: User) -> ZoneInfo:
    return ZoneInfo(user.clinic.timezone if user.clinic is not None else "UTC")


def _today(user: User) -> dt.date:
    return clock.now().astimezone(_zone(user)).date()


def _range_data(request: HttpRequest, user: User) -> dict[str, Any]:
    today = _today(user)
    default = {"first": today - dt.timedelta(days=DEFAULT_DAYS), "last": today}
    return default | request.GET.dict()


def _moment(user: User, day: dt.date | None, hours: str) -> dt.datetime | None:
    """The opening (start) or close (end) of `day` on the clinic's clock; None: now."""
    if day is None:
        return None
    at = dt.time.min if hours == BusinessHours.OPENING else dt.time.max
    return dt.datetime.combine(day, at, tzinfo=_zone(user))


def _pdf(rec: Printable) -> HttpResponse:
    try:
        pdf = document_pdf(rec)
    except PdfUnavailableError as exc:
        return HttpResponse(str(exc), status=503, content_type="text/plain; charset=utf-8")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{rec.filename}"'
    return response


def _answer(request: HttpRequest, rec: Printable, back: tuple[str, str]) -> HttpResponse:
    """The record's page, or its PDF for `?format=pdf`."""
    if request.GET.get("format") == "pdf":
        return _pdf(rec)
    pdf_url = f"{request.path}?{query_string(request, drop=('format',), format='pdf')}"
    context = {"rec": rec, "body": rec.template, "pdf_url": pdf_url, "back": back}
    return render(request, "web/workspace/inspection/record.html", context)


def _losses(user: User) -> list[dict[str, Any]]:
    """The clinic's latest losses of stock, each to draft its report from."""
    zone = _zone(user)
    if user.clinic_id is None:
        return []
    rows = (
        StockMovement.objects.visible_to(user)
        .filter(clinic_id=user.clinic_id, kind=MovementKind.LOST_OR_STOLEN)
        .select_related("lot")
        .order_by("-at", "-pk")[:LOSSES_LISTED]
    )
    return [
        {
            "pk": m.pk,
            "at": f"{m.at.astimezone(zone):%Y-%m-%d %H:%M}",
            "lot": m.lot.lot_number,
            "quantity": units(m.lot, -m.quantity),
            "note": m.note,
        }
        for m in rows
    ]


def _missing(user: User) -> list[StockDiscrepancy]:
    """The clinic's latest counts that found fewer units than the book: possible losses."""
    if user.clinic_id is None:
        return []
    rows = (
        StockDiscrepancy.objects.visible_to(user)
        .filter(clinic_id=user.clinic_id, counted__lt=F("expected"))
        .select_related("lot")
        .order_by("-found_at", "-pk")[:LOSSES_LISTED]
    )
    return list(rows)


def _index(request: HttpRequest, user: User, **forms_: forms.Form) -> dict[str, Any]:
    losses = _losses(user)
    range_data = _range_data(request, user)
    return {
        "inventory_form": forms_.get("inventory_form") or InventoryForm(),
        "destruction_form": forms_.get("destruction_form")
        or RangeForm(initial=range_data, auto_id=DESTRUCTION_IDS),
        "dispensing_form": forms_.get("dispensing_form")
        or RangeForm(initial=range_data, auto_id=DISPENSING_IDS),
        "losses": losses,
        "missing": _missing(user),
        "zone": _zone(user),
    }


def _refused(request: HttpRequest, user: User, **forms_: forms.Form) -> HttpResponse:
    context = _index(request, user, **forms_)
    return render(request, "web/workspace/inspection/index.html", context, status=400)


def _inspector(request: HttpRequest) -> User:
    user = staff_user(request)
    staff_page(user, USE_CASE, what=WHO)
    return user


def _back() -> tuple[str, str]:
    return reverse("ws-inspection"), "the inspector's records"


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    user = _inspector(request)
    return render(request, "web/workspace/inspection/index.html", _index(request, user))


@login_required
@require_GET
def inventory_view(request: HttpRequest) -> HttpResponse:
    user = _inspector(request)
    form = InventoryForm(INVENTORY_DEFAULTS | request.GET.dict())
    if not form.is_valid():
        return _refused(request, user, inventory_form=form)
    data = form.cleaned_data
    rec = inventory.gather(
        user,
        kind=InventoryKind(data["kind"]),
        business_hours=BusinessHours(data["business_hours"]),
        moment=_moment(user, data["as_of"], data["business_hours"]),
    )
    audit_read(user, rec.registrant, rec.what, rec.audit_detail)
    return _answer(request, rec, _back())


@login_required
@require_GET
def destructions_view(request: HttpRequest) -> HttpResponse:
    user = _inspector(request)
    if "destruction" in request.GET and request.GET["destruction"].isdigit():
        rec = destructions.gather_one(user, int(request.GET["destruction"]))
    else:
        form = RangeForm(_range_data(request, user), auto_id=DESTRUCTION_IDS)
        if not form.is_valid():
            return _refused(request, user, destruction_form=form)
        rec = destructions.gather(user, **form.cleaned_data)
    audit_read(user, rec.registrant, rec.what, rec.audit_detail)
    return _answer(request, rec, _back())


@login_required
@require_GET
def loss_view(request: HttpRequest, movement_id: int) -> HttpResponse:
    user = _inspector(request)
    rec = loss.gather(user, movement_id)
    audit_read(user, rec.registrant, rec.what, rec.audit_detail)
    return _answer(request, rec, _back())


@login_required
@require_GET
def discrepancy_loss_view(request: HttpRequest, discrepancy_id: int) -> HttpResponse:
    """The draft for units found missing at a count (a stock discrepancy)."""
    user = _inspector(request)
    rec = loss.gather_discrepancy(user, discrepancy_id)
    audit_read(user, rec.registrant, rec.what, rec.audit_detail)
    return _answer(request, rec, _back())


@login_required
@require_GET
def dispensing_view(request: HttpRequest) -> HttpResponse:
    user = _inspector(request)
    form = RangeForm(_range_data(request, user), auto_id=DISPENSING_IDS)
    if not form.is_valid():
        return _refused(request, user, dispensing_form=form)
    rec = dispensing_log.gather(user, **form.cleaned_data)
    audit_read(user, rec.registrant, rec.what, rec.audit_detail)
    return _answer(request, rec, _back())


@login_required
@require_GET
def prescription_print(request: HttpRequest, patient_id: int, prescription_id: int) -> HttpResponse:
    """The printable prescription (read_prescriptions); the read is on the patient's record."""
    user = staff_user(request)
    patient = staff_patient(user, patient_id, "read_prescriptions", what=RX_WHO)
    rec: PrescriptionForm = prescription_form(user, patient, prescription_id)
    record(
        Event.about(
            AuditAction.READ,
            patient,
            detail={"via": "printable prescription", "prescription_id": rec.number},
        ),
        actor=user,
    )
    back = reverse("ws-prescriptions", kwargs={"patient_id": patient.pk}), "the prescriptions"
    return _answer(request, rec, back)
