"""Portal access, from the patient's chart: invite the patient and their sitters, resend, revoke.

Staff whose role may invite (kernel.policy's `read_invitations` and the use cases' rows);
another clinic's patient, sitter or invitation is a 404. Each button posts one action to
this page, which calls the use case and shows the page again with what happened.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from ketacare.accounts.models import User
from ketacare.audit.log import Event, record
from ketacare.audit.models import AuditAction
from ketacare.invitations import services
from ketacare.invitations.models import Invitation, InvitationChannel, InvitationStatus
from ketacare.invitations.specs import InviteSpec
from ketacare.kernel import clock
from ketacare.kernel.errors import DomainError
from ketacare.patients.models import Patient, Sitter
from ketacare.web.workspace.common import staff_patient, staff_user

WHAT = "Only coordinators, clinicians and administrators invite people to the portal."
ACTIONS = ("invite_patient", "invite_sitter", "resend", "revoke")


class ActionForm(forms.Form):
    action = forms.ChoiceField(choices=[(a, a) for a in ACTIONS])
    channel = forms.ChoiceField(choices=InvitationChannel.choices, required=False)
    sitter = forms.IntegerField(min_value=1, required=False)
    invitation = forms.IntegerField(min_value=1, required=False)


@dataclass(frozen=True)
class Person:
    """The patient or one sitter, and how they may be invited."""

    label: str
    sitter_id: int | None
    signed_up: bool
    waiting: bool
    email: str
    phone: str


def _person(label: str, record: Patient | Sitter, sitter_id: int | None, waiting: bool) -> Person:
    user: User | None = record.user
    signed_up = user is not None and user.has_usable_password()
    return Person(label, sitter_id, signed_up, waiting, record.email, record.phone)


def _people(patient: Patient, sitters: list[Sitter], rows: list[Invitation]) -> list[Person]:
    now = clock.now()
    waiting = {r.sitter_id for r in rows if r.status_at(now) == InvitationStatus.PENDING}
    people = [_person(f"{patient.legal_name} (patient)", patient, None, None in waiting)]
    people += [_person(f"{s.name} (sitter)", s, s.pk, s.pk in waiting) for s in sitters]
    return people


def _page(request: HttpRequest, user: User, patient: Patient, status: int = 200) -> HttpResponse:
    rows = list(
        Invitation.objects.visible_to(user)
        .filter(patient=patient)
        .select_related("sitter", "patient", "created_by")
    )
    sitters = list(Sitter.objects.visible_to(user).filter(patients=patient))
    now = clock.now()
    context = {
        "patient": patient,
        "people": _people(patient, sitters, rows),
        "invitations": [(row, row.status_at(now)) for row in rows],
        "days": services.invitation_days(),
    }
    record(Event.about(AuditAction.READ, patient, detail={"via": "portal access page"}))
    return render(request, "web/workspace/invitations.html", context, status=status)


def _act(user: User, patient: Patient, data: dict[str, Any]) -> str:
    """Run the action; what to tell the staff member."""
    action = data["action"]
    if action in ("resend", "revoke"):
        row = get_object_or_404(
            Invitation.objects.visible_to(user).filter(patient=patient), pk=data["invitation"]
        )
        if action == "resend":
            services.resend_invitation(user, row)
            return f"A new link was sent to {row.invitee_label}; the old one no longer works."
        services.revoke_invitation(user, row)
        return f"The invitation of {row.invitee_label} was revoked."
    spec = InviteSpec(channel=data["channel"] or InvitationChannel.SMS)
    if action == "invite_sitter":
        sitter = get_object_or_404(
            Sitter.objects.visible_to(user).filter(patients=patient), pk=data["sitter"]
        )
        row = services.invite_sitter(user, patient, sitter, spec)
    else:
        row = services.invite_patient(user, patient, spec)
    return f"Invitation sent to {row.invitee_label} by {row.get_channel_display().lower()}."


@login_required
@require_http_methods(["GET", "POST"])
def invitations_view(request: HttpRequest, patient_id: int) -> HttpResponse:
    user = staff_user(request)
    patient = staff_patient(user, patient_id, "read_invitations", what=WHAT)
    if request.method == "GET":
        return _page(request, user, patient)
    form = ActionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "That button did not send what it should: reload the page.")
        return _page(request, user, patient, status=400)
    try:
        done = _act(user, patient, form.cleaned_data)
    except (DomainError, ValidationError) as exc:
        words = exc.message if isinstance(exc, DomainError) else " ".join(exc.messages)
        messages.error(request, words)
        return _page(request, user, patient, status=409)
    messages.success(request, done)
    return redirect("ws-invitations", patient_id=patient.pk)
