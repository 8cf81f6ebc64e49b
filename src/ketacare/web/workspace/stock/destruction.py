"""Destruction of the clinic's stock: the form for a lot, the records, a witness's confirmation.

Who may destroy, who may witness, and every refusal are the services'
(pharmacy.destruction); who sees which record is the queries' (pharmacy.queries.
destruction). These views read the form, call the use case and show its answer.
"""

from __future__ import annotations

from typing import Any, cast

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
from ketacare.kernel.errors import DomainError, NotFound
from ketacare.pharmacy.destruction import confirm_destruction, destroy_stock
from ketacare.pharmacy.models import Destruction, DestructionMethod, DestructionReason, Lot
from ketacare.pharmacy.queries import destruction as queries
from ketacare.pharmacy.queries import stock as stock_queries
from ketacare.pharmacy.specs.destruction import NOTE_LENGTH, DestructionSpec
from ketacare.web.common import require_staff
from ketacare.web.refusals import show_refusal
from ketacare.web.workspace.common import current_user, plain, staff_page

DESTROY_WHO = "Only a pharmacist records a destruction of the clinic's stock."
CONFIRM_WHO = "Only a pharmacist, prescriber or clinician named as its witness confirms it."
WITNESS_ROLES = policy.rule("witness_destruction").staff
# Two authorised employees witness a destruction (21 CFR 1304.21(e), 1317.95; DEA Form 41).
WITNESSES = 2


class DestructionForm(forms.Form):
    quantity = forms.DecimalField(
        label="Units destroyed", min_value=0, max_digits=9, decimal_places=1
    )
    method = forms.ChoiceField(label="Method", choices=DestructionMethod.choices)
    reason = forms.ChoiceField(label="Reason", choices=DestructionReason.choices)
    note = forms.CharField(
        label="Note",
        required=False,
        max_length=NOTE_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text='Required when the method or the reason is "other".',
    )
    first_witness_id = forms.TypedChoiceField(label="First witness", coerce=int)
    second_witness_id = forms.TypedChoiceField(label="Second witness", coerce=int)

    def __init__(self, *args: Any, witnesses: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("first_witness_id", "second_witness_id"):
            field = cast("forms.TypedChoiceField", self.fields[name])
            field.choices = [("", "Choose a witness"), *witnesses]


def eligible_witnesses(user: User, lot: Lot) -> list[tuple[int, str]]:
    """Other active staff of the lot's clinic who may witness (the service checks again)."""
    staff = (
        User.objects.filter(
            clinic_id=lot.clinic_id, is_active=True, role_grants__role__in=WITNESS_ROLES
        )
        .exclude(pk=user.pk)
        .distinct()
        .order_by("last_name", "first_name", "username")
    )
    return [(u.pk, u.display_name) for u in staff]


def _lot(user: User, lot_id: int) -> Lot:
    return stock_queries.visible_lot(user, lot_id)


def _row(d: Destruction, user: User) -> dict[str, Any]:
    """A destruction as the pages show it: its state, whose confirmation it awaits."""
    return {
        "d": d,
        "quantity": plain(d.quantity),
        "awaiting": queries.awaiting(d),
        "can_confirm": queries.awaits(user, d),
    }


@login_required
@require_http_methods(["GET", "POST"])
def destroy_view(request: HttpRequest, lot_id: int) -> HttpResponse:
    """Record units of a lot destroyed, naming the two witnesses."""
    user = current_user(request)
    staff_page(user, "destroy_stock", what=DESTROY_WHO)
    lot = _lot(user, lot_id)
    witnesses = eligible_witnesses(user, lot)
    if request.method == "GET":
        form = DestructionForm(witnesses=witnesses)
        return render(
            request, "web/workspace/destruction/destroy.html", _form(lot, form, witnesses)
        )
    form = DestructionForm(request.POST, witnesses=witnesses)
    status = 400
    if form.is_valid():
        try:
            done = destroy_stock(user, lot, specs.read(DestructionSpec, form.cleaned_data))
        except (ValidationError, DomainError) as error:
            status = show_refusal(form, error)
        else:
            messages.success(
                request,
                f"Destruction recorded: {plain(done.quantity)} {lot.unit_word} of lot "
                f"{lot.lot_number} left the book. It is complete when both witnesses have "
                "confirmed it from their own accounts.",
            )
            return redirect("ws-destruction", destruction_id=done.pk)
    return render(
        request,
        "web/workspace/destruction/destroy.html",
        _form(lot, form, witnesses),
        status=status,
    )


def _form(lot: Lot, form: DestructionForm, witnesses: list[tuple[int, str]]) -> dict[str, Any]:
    too_few = len(witnesses) < WITNESSES
    return {"lot": lot, "on_hand": plain(lot.on_hand), "form": form, "too_few": too_few}


@login_required
@require_GET
def destructions_view(request: HttpRequest) -> HttpResponse:
    """The clinic's destructions, newest first, each with its state."""
    user = current_user(request)
    require_staff(user)
    queries.require_reader(user)
    rows = list(queries.destructions(user))
    record(
        Event(
            AuditAction.LIST,
            Destruction._meta.label,
            clinic_id=user.clinic_id,
            detail={"via": "workspace destructions", "ids": [d.pk for d in rows]},
        )
    )
    context = {
        "rows": [_row(d, user) for d in rows],
        "mine": sum(1 for d in rows if queries.awaits(user, d)),
    }
    return render(request, "web/workspace/destruction/list.html", context)


def _readable(user: User, destruction_id: int) -> Destruction:
    require_staff(user)
    queries.require_reader(user)
    found = queries.destructions(user).filter(pk=destruction_id).first()
    if found is None:
        raise NotFound("No such destruction.")
    return found


@login_required
@require_GET
def destruction_view(request: HttpRequest, destruction_id: int) -> HttpResponse:
    """One destruction: what, how much, how, why, who destroyed it, who witnessed it when."""
    user = current_user(request)
    found = _readable(user, destruction_id)
    record(Event.about(AuditAction.READ, found, detail={"via": "workspace destruction"}))
    context = _row(found, user)
    return render(request, "web/workspace/destruction/detail.html", context)


@login_required
@require_POST
def confirm_view(request: HttpRequest, destruction_id: int) -> HttpResponse:
    """A witness confirms the destruction from their own account (anyone else: 403)."""
    user = current_user(request)
    staff_page(user, "witness_destruction", what=CONFIRM_WHO)
    found = Destruction.objects.visible_to(user).filter(pk=destruction_id).first()
    if found is None:
        raise NotFound("No such destruction.")
    try:
        done = confirm_destruction(user, found)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        rest = "it is complete." if done.is_complete else "it awaits the other witness."
        messages.success(request, f"You confirmed destruction {done.pk}: {rest}")
    return redirect("ws-destruction", destruction_id=found.pk)
