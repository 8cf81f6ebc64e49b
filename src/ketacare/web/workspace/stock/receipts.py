"""Recording a receipt of stock, and its verification or rejection by a second person."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from ketacare.kernel import specs
from ketacare.kernel.errors import DomainError
from ketacare.pharmacy import receipts
from ketacare.pharmacy.queries import stock as queries
from ketacare.pharmacy.specs.receipts import ReceiptSpec, RejectReceiptSpec, VerifyReceiptSpec
from ketacare.web.refusals import REFUSALS, Refusal, show_refusal
from ketacare.web.workspace.common import current_user, plain, staff_page
from ketacare.web.workspace.stock.forms import ReceiptForm, VerifyForm

RECEIVE_WHO = "Only pharmacists and prescribers record receipts of stock."
SECOND_WHO = "Only pharmacists and prescribers verify or reject receipts of stock."


@login_required
@require_http_methods(["GET", "POST"])
def receive(request: HttpRequest) -> HttpResponse:
    """The form of a delivery; recorded, it waits for a second person on the stock page."""
    user = current_user(request)
    staff_page(user, "receive_stock", what=RECEIVE_WHO)
    form = ReceiptForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid() and user.clinic is not None:
            try:
                receipt = receipts.receive_stock(
                    user, user.clinic, specs.read(ReceiptSpec, form.cleaned_data)
                )
            except REFUSALS as error:
                status = show_refusal(form, error)
            else:
                lot = receipt.lot
                messages.success(
                    request,
                    f"Receipt {receipt.pk} recorded: lot {lot.lot_number}, "
                    f"{plain(receipt.quantity)} {lot.unit_word}. Nothing is on hand until a second "
                    "person verifies it with their own count.",
                )
                return redirect("ws-stock")
    return render(request, "web/workspace/stock/receive.html", {"form": form}, status=status)


def _refused(request: HttpRequest, receipt_id: int, error: Refusal) -> None:
    """The refusal in words on the stock page (the receipt stays as it was)."""
    if isinstance(error, DomainError):
        words = error.message
    elif isinstance(error, ValidationError):
        words = " ".join(error.messages)
    else:
        words = str(error)
    messages.error(request, f"Receipt {receipt_id} unchanged: {words}")


@login_required
@require_POST
def verify(request: HttpRequest, receipt_id: int) -> HttpResponse:
    """A second person's own count: the same count puts the units on hand."""
    user = current_user(request)
    staff_page(user, "verify_receipt", what=SECOND_WHO)
    receipt = queries.receipt(user, receipt_id)
    form = VerifyForm(request.POST)
    if not form.is_valid():
        messages.error(
            request, f"Receipt {receipt.pk}: give the units you counted, in whole units."
        )
        return redirect("ws-stock")
    try:
        spec = specs.read(VerifyReceiptSpec, form.cleaned_data)
        verified = receipts.verify_receipt(user, receipt, spec)
    except REFUSALS as error:
        _refused(request, receipt.pk, error)
    else:
        lot = verified.lot
        messages.success(
            request,
            f"Receipt {verified.pk} verified: {plain(verified.quantity)} {lot.unit_word} of lot "
            f"{lot.lot_number} are on hand.",
        )
    return redirect("ws-stock")


@login_required
@require_POST
def reject(request: HttpRequest, receipt_id: int) -> HttpResponse:
    """A second person rejects the delivery with the reason: nothing goes on hand."""
    user = current_user(request)
    staff_page(user, "reject_receipt", what=SECOND_WHO)
    receipt = queries.receipt(user, receipt_id)
    try:
        spec = specs.read(RejectReceiptSpec, {"reason": request.POST.get("reason", "")})
        receipts.reject_receipt(user, receipt, spec)
    except REFUSALS as error:
        _refused(request, receipt.pk, error)
    else:
        messages.success(request, f"Receipt {receipt.pk} rejected: nothing went on hand.")
    return redirect("ws-stock")
