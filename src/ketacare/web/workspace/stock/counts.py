"""Counting the shelf, the stock discrepancies and their explanations, and a loss of a lot.

The rules are the services' (pharmacy.reconcile): these views read the forms, call the
use case and show its answer. A count lists every lot with stock on hand or a book; the
lots left blank are not counted. Its result shows what matched and what differs.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ketacare.accounts.models import User
from ketacare.audit.log import Event, record
from ketacare.audit.models import AuditAction
from ketacare.kernel import policy, specs
from ketacare.kernel.errors import NotFound
from ketacare.pharmacy import reconcile
from ketacare.pharmacy.models import Lot, Reconciliation
from ketacare.pharmacy.queries import reconcile as queries
from ketacare.pharmacy.queries.stock import lot_line
from ketacare.pharmacy.specs.reconcile import ExplanationSpec, LossSpec, ReconciliationSpec
from ketacare.web.refusals import REFUSALS, show_refusal
from ketacare.web.workspace.common import current_user, plain, staff_page
from ketacare.web.workspace.forms import CareForm

COUNT_WHO = "Only pharmacists and prescribers count the clinic's stock."
READ_WHO = "The clinic's stock is for its pharmacists, prescribers and administrators."
LOSS_WHO = "Only pharmacists and prescribers report clinic stock lost or stolen."
EXPLAIN_WHO = "Only pharmacists, prescribers and administrators explain a stock discrepancy."
TEXT = 4000


def _lot_field(lot: Lot) -> forms.DecimalField:
    return forms.DecimalField(
        label=f"Lot {lot.lot_number} ({lot.product}): {lot.unit_word} on the shelf",
        required=False,
        min_value=0,
        decimal_places=1,
        help_text="Halves of scored tablets allowed." if lot.scored else "Whole units.",
    )


class CountForm(CareForm):
    """One count field a lot (blank: not counted), and a note."""

    note = forms.CharField(
        label="Note (optional)",
        required=False,
        max_length=TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, lots: list[Lot], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lots = lots
        for lot in lots:
            self.fields[f"lot_{lot.pk}"] = _lot_field(lot)

    def lot_fields(self) -> list[forms.BoundField]:
        return [self[f"lot_{lot.pk}"] for lot in self.lots]

    def counts(self) -> dict[int, Any]:
        data = self.cleaned_data
        return {
            lot.pk: data[f"lot_{lot.pk}"]
            for lot in self.lots
            if data.get(f"lot_{lot.pk}") is not None
        }


class ExplainForm(CareForm):
    explanation = forms.CharField(
        label="What explains the difference",
        max_length=TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class LossForm(CareForm):
    quantity = forms.DecimalField(label="Units lost or stolen", min_value=0, decimal_places=1)
    what_happened = forms.CharField(
        label="What happened",
        max_length=TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Where, how it was found, what is known.",
    )
    discovered_at = forms.DateTimeField(
        label="When it was discovered (the clinic's time)",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text="Empty: now.",
    )
    police_notified = forms.BooleanField(label="The police were told", required=False)
    police_reference = forms.CharField(
        label="Police report reference", required=False, max_length=100
    )


def _count_page(
    request: HttpRequest, form: CountForm, *, done: Reconciliation | None = None, status: int = 200
) -> HttpResponse:
    counts = list(done.counts.select_related("lot", "discrepancy")) if done else []
    context = {
        "form": form,
        "done": done,
        "matches": [c for c in counts if not c.differs],
        "differs": [c for c in counts if c.differs],
    }
    return render(request, "web/workspace/stock_counts/count.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def count_view(request: HttpRequest) -> HttpResponse:
    """Count the shelf: every lot with stock or a book, one field each; then the result."""
    user = current_user(request)
    staff_page(user, "reconcile_stock", what=COUNT_WHO)
    lots = queries.countable_lots(user)
    if request.method == "GET":
        return _count_page(request, CountForm(lots))
    form = CountForm(lots, request.POST)
    status = 400
    if form.is_valid():
        fields = {f"counts.{lot.pk}": f"lot_{lot.pk}" for lot in lots}
        try:
            if not form.counts():
                raise ValidationError({"counts": "Count at least one lot."})
            spec = specs.read(
                ReconciliationSpec, {"counts": form.counts(), "note": form.cleaned_data["note"]}
            )
            if user.clinic is None:  # the installation's superuser counts no shelf
                raise NotFound
            done = reconcile.reconcile_stock(user, user.clinic, spec)
        except REFUSALS as error:
            status = show_refusal(form, error, fields)
        else:
            return _count_page(request, CountForm(queries.countable_lots(user)), done=done)
    return _count_page(request, form, status=status)


def _discrepancies_page(
    request: HttpRequest,
    user: User,
    forms_by_id: dict[int, ExplainForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    rows = list(queries.discrepancies(user))
    record(
        Event(
            AuditAction.LIST,
            "pharmacy.StockDiscrepancy",
            clinic_id=user.clinic_id,
            detail={"via": "workspace stock discrepancies", "ids": [r.pk for r in rows]},
        )
    )
    given = forms_by_id or {}
    context = {
        "open": [
            (r, given.get(r.pk) or ExplainForm(prefix=f"d{r.pk}"))
            for r in rows
            if r.explained_at is None
        ],
        "explained": [r for r in rows if r.explained_at is not None],
        "can_explain": policy.may(user, "explain_stock_discrepancy"),
        "can_count": policy.may(user, "reconcile_stock"),
        "can_report_loss": policy.may(user, "report_stock_lost"),
    }
    return render(request, "web/workspace/stock_counts/discrepancies.html", context, status=status)


@login_required
@require_GET
def discrepancies_view(request: HttpRequest) -> HttpResponse:
    """Open discrepancies (with a form to explain each) and those explained."""
    user = current_user(request)
    staff_page(user, "read_stock", what=READ_WHO)
    return _discrepancies_page(request, user)


@login_required
@require_POST
def explain_view(request: HttpRequest, discrepancy_id: int) -> HttpResponse:
    user = current_user(request)
    staff_page(user, "explain_stock_discrepancy", what=EXPLAIN_WHO)
    found = queries.discrepancy(user, discrepancy_id)
    if found is None:
        raise NotFound
    form = ExplainForm(request.POST, prefix=f"d{found.pk}")
    status = 400
    if form.is_valid():
        try:
            explained = reconcile.explain_stock_discrepancy(
                user, found, specs.read(ExplanationSpec, form.cleaned_data)
            )
        except REFUSALS as error:
            status = show_refusal(form, error)
        else:
            messages.success(
                request,
                f"Discrepancy of lot {explained.lot.lot_number} explained; its alert is resolved.",
            )
            return redirect("ws-stock-discrepancies")
    return _discrepancies_page(request, user, {found.pk: form}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def loss_view(request: HttpRequest, lot_id: int) -> HttpResponse:
    """Report units of a lot lost or stolen (21 CFR 1301.76(b): the DEA within one business day)."""
    user = current_user(request)
    staff_page(user, "report_stock_lost", what=LOSS_WHO)
    line = lot_line(user, lot_id)
    form = LossForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                movement = reconcile.report_stock_lost(
                    user, line.lot, specs.read(LossSpec, form.cleaned_data)
                )
            except REFUSALS as error:
                status = show_refusal(form, error)
            else:
                messages.success(
                    request,
                    f"Loss recorded: {plain(-movement.quantity)} {line.lot.unit_word} of lot "
                    f"{line.lot.lot_number}. {reconcile.DEA_LOSS_DUTY}",
                )
                return redirect("ws-stock-lot", lot_id=line.lot.pk)
    context = {"form": form, "lot": line.lot, "dea_duty": reconcile.DEA_LOSS_DUTY}
    return render(request, "web/workspace/stock_counts/loss.html", context, status=status)
