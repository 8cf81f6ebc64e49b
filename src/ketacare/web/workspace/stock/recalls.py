"""Recalls: find a lot by its number, see who received it, recall it, record the calls.

Who may see the list and recall or call is kernel.policy's (`read_recalls`, `recall_lot`,
`complete_recall_task`); who received a lot is treatment.recall_lookup's read, and every
refusal is the services' (pharmacy.recalls): these views read the forms, call them and
show their answers.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ketacare.accounts.models import User
from ketacare.kernel import policy, specs
from ketacare.kernel.errors import DomainError, NotFound
from ketacare.pharmacy import recalls
from ketacare.pharmacy.queries.recalls import lot_of, recall_task_of, recalled_lots
from ketacare.pharmacy.specs.recalls import REFERENCE_MAX_LENGTH, RecallOutcomeSpec, RecallSpec
from ketacare.treatment.recall_lookup import who_received
from ketacare.web.refusals import REFUSALS, show_refusal
from ketacare.web.workspace.common import current_user, staff_page

RECALLS_WHO = (
    "Recalls are for the people who call patients: coordinators, clinicians, prescribers "
    "and pharmacists."
)
CALL_WHO = "Only coordinators, clinicians, prescribers and pharmacists record a recall call."
VIA = "workspace recall lookup"


class RecallForm(forms.Form):
    """Recall this lot: why, and the recall's number."""

    reason = forms.CharField(
        label="Why the lot is recalled",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="The recall notice's words.",
    )
    reference = forms.CharField(
        label="Recall number",
        max_length=REFERENCE_MAX_LENGTH,
        help_text="The manufacturer's or the FDA's recall number.",
    )


@login_required
@require_GET
def recalls_page(request: HttpRequest) -> HttpResponse:
    """A lot number to look up, and the clinic's recalled lots with their open calls."""
    user = current_user(request)
    staff_page(user, "read_recalls", what=RECALLS_WHO)
    number = request.GET.get("lot", "").strip()
    not_found = ""
    if number:
        try:
            lot = lot_of(user, lot_number=number)
        except NotFound:
            not_found = (
                f"No lot “{number}” is in your clinic's stock: check the number on the label."
            )
        else:
            return redirect("ws-recall-lot", lot_id=lot.pk)
    context = {"lots": recalled_lots(user), "number": number, "not_found": not_found}
    return render(request, "web/workspace/recalls/list.html", context)


def _lot_page(
    request: HttpRequest,
    user: User,
    lot_id: int,
    *,
    form: RecallForm | None = None,
    status: int = 200,
) -> HttpResponse:
    found = who_received(user, lot_id=lot_id, via=VIA)
    may_recall = policy.may(user, "recall_lot") and not found.lot.is_recalled
    context = {
        "found": found,
        "lot": found.lot,
        "recall_form": form or (RecallForm() if may_recall else None),
        "can_call": policy.may(user, "complete_recall_task"),
    }
    return render(request, "web/workspace/recalls/lot.html", context, status=status)


def _recall(request: HttpRequest, user: User, lot_id: int) -> HttpResponse:
    lot = lot_of(user, lot_id=lot_id)
    form = RecallForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            spec = specs.read(RecallSpec, form.cleaned_data)
            recalls.recall_lot(user, lot, spec)
        except REFUSALS as error:
            status = show_refusal(form, error)
        else:
            tasks = lot.recall_tasks.count()
            messages.success(
                request,
                f"Lot {lot.lot_number} recalled: nothing more is dispensed from it. "
                f"{tasks} patient{'' if tasks == 1 else 's'} to call.",
            )
            return redirect("ws-recall-lot", lot_id=lot.pk)
    return _lot_page(request, user, lot_id, form=form, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def recall_lot_page(request: HttpRequest, lot_id: int) -> HttpResponse:
    """Who received the lot, with their balances and contacts; recall it; its calls."""
    user = current_user(request)
    staff_page(user, "read_recalls", what=RECALLS_WHO)
    if request.method == "POST":
        return _recall(request, user, lot_id)
    return _lot_page(request, user, lot_id)


@login_required
@require_POST
def recall_task_done(request: HttpRequest, task_id: int) -> HttpResponse:
    """Record the call to a recall task's patient: what they were told, hold, will do."""
    user = current_user(request)
    staff_page(user, "complete_recall_task", what=CALL_WHO)
    task = recall_task_of(user, task_id)
    name = task.patient.legal_name
    try:
        spec = specs.read(RecallOutcomeSpec, {"outcome": request.POST.get("outcome", "")})
        recalls.complete_recall_task(user, task, spec)
    except ValidationError as error:
        messages.error(request, f"The call to {name} was not recorded: {' '.join(error.messages)}")
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, f"The call to {name} about lot {task.lot.lot_number} is recorded."
        )
    return redirect("ws-recall-lot", lot_id=task.lot_id)
