"""The stock page (lots on hand by product, receipts awaiting a second person) and a lot's page."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from ketacare.accounts.models import User
from ketacare.audit.log import Event, record
from ketacare.audit.models import AuditAction
from ketacare.kernel import policy, specs
from ketacare.pharmacy import outgoing
from ketacare.pharmacy.models import StockMovement
from ketacare.pharmacy.queries import stock as queries
from ketacare.pharmacy.queries.stock import LotLine
from ketacare.pharmacy.specs.outgoing import SupplierReturnSpec, TransferSpec
from ketacare.web.refusals import REFUSALS, show_refusal
from ketacare.web.workspace.common import current_user, plain, staff_page
from ketacare.web.workspace.stock.forms import SupplierReturnForm, TransferForm

STOCK_WHO = "The clinic's stock is for its pharmacists, prescribers and administrators."
TRANSFER_PREFIX, RETURN_PREFIX = "transfer", "return"


@login_required
@require_GET
def stock(request: HttpRequest) -> HttpResponse:
    """Stock on hand by product and lot, and the receipts awaiting a second person."""
    user = current_user(request)
    staff_page(user, "read_stock", what=STOCK_WHO)
    products = queries.stock_by_product(user)
    pending = queries.receipts(user, pending=True)
    record(
        Event(
            AuditAction.LIST,
            "pharmacy.Lot",
            clinic_id=user.clinic_id,
            detail={
                "via": "workspace stock",
                "ids": [ln.lot.pk for p in products for ln in p.lots],
            },
        )
    )
    context = {
        "products": products,
        "pending": pending,
        "can_receive": policy.may(user, "receive_stock"),
        "can_count": policy.may(user, "reconcile_stock"),
        "can_verify": policy.may(user, "verify_receipt"),
        "can_reject": policy.may(user, "reject_receipt"),
    }
    return render(request, "web/workspace/stock/stock.html", context)


def _lot_page(  # noqa: PLR0913 - the page and each of its two forms
    request: HttpRequest,
    user: User,
    line: LotLine,
    *,
    transfer: TransferForm | None = None,
    giving_back: SupplierReturnForm | None = None,
    status: int = 200,
) -> HttpResponse:
    lot = line.lot
    context: dict[str, Any] = {
        "line": line,
        "lot": lot,
        "book": queries.lot_book(user, lot),
        "can_transfer": policy.may(user, "transfer_stock"),
        "can_return": policy.may(user, "return_stock_to_supplier"),
        "can_destroy": policy.may(user, "destroy_stock"),
        "can_report_loss": policy.may(user, "report_stock_lost"),
        "can_see_recipients": policy.may(user, "read_recalls"),
        "transfer_form": transfer or TransferForm(prefix=TRANSFER_PREFIX),
        "return_form": giving_back
        or SupplierReturnForm(prefix=RETURN_PREFIX, initial={"supplier": lot.supplier}),
    }
    return render(request, "web/workspace/stock/lot.html", context, status=status)


def _done(request: HttpRequest, movement: StockMovement) -> HttpResponse:
    lot = movement.lot
    messages.success(
        request,
        f"{movement.get_kind_display()}: {plain(-movement.quantity)} {lot.unit_word} of lot "
        f"{lot.lot_number}. {plain(movement.on_hand_after)} {lot.unit_word} left on hand.",
    )
    return redirect("ws-stock-lot", lot_id=lot.pk)


def _transfer(request: HttpRequest, user: User, line: LotLine) -> HttpResponse:
    form = TransferForm(request.POST, prefix=TRANSFER_PREFIX)
    status = 400
    if form.is_valid():
        try:
            spec = specs.read(TransferSpec, form.cleaned_data)
            movement = outgoing.transfer_stock(user, line.lot, spec)
        except REFUSALS as error:
            status = show_refusal(form, error)
        else:
            return _done(request, movement)
    return _lot_page(request, user, line, transfer=form, status=status)


def _give_back(request: HttpRequest, user: User, line: LotLine) -> HttpResponse:
    form = SupplierReturnForm(request.POST, prefix=RETURN_PREFIX)
    status = 400
    if form.is_valid():
        try:
            spec = specs.read(SupplierReturnSpec, form.cleaned_data)
            movement = outgoing.return_to_supplier(user, line.lot, spec)
        except REFUSALS as error:
            status = show_refusal(form, error)
        else:
            return _done(request, movement)
    return _lot_page(request, user, line, giving_back=form, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def lot(request: HttpRequest, lot_id: int) -> HttpResponse:
    """A lot: its details and its book; a pharmacist transfers or returns units from here."""
    user = current_user(request)
    staff_page(user, "read_stock", what=STOCK_WHO)
    line = queries.lot_line(user, lot_id)
    if request.method == "GET":
        record(Event.about(AuditAction.READ, line.lot, detail={"via": "workspace stock lot"}))
        return _lot_page(request, user, line)
    if request.POST.get("action") == "return":
        return _give_back(request, user, line)
    return _transfer(request, user, line)
