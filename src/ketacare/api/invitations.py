"""Portal invitations of a patient and their sitters: invite, list, resend, revoke.

For the clinic's coordinators, clinicians and administrators (kernel.policy). Another
clinic's patient, sitter or invitation is a 404; the invitee accepts on the web page of
the link, never through the API.
"""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status
from pydantic import Field

from ketacare.api.access import actor, audit_list, visible_patient
from ketacare.api.schemas import ERRORS, WRITE_ERRORS, id_in_path
from ketacare.invitations import services
from ketacare.invitations.models import Invitation, InvitationChannel, InvitationStatus
from ketacare.invitations.specs import InviteSpec
from ketacare.kernel import clock
from ketacare.patients.access import require
from ketacare.patients.models import Patient, Sitter

router = Router(tags=["invitations"])


class InvitationOut(Schema):
    id: int = Field(description="The invitation's id.")
    patient_id: int = Field(description="The patient it was sent from (or for).")
    sitter_id: int | None = Field(description="The sitter it is for; empty: the patient.")
    user_id: int = Field(description="The account it gives a sign-in to.")
    channel: InvitationChannel = Field(description="email or sms.")
    status: InvitationStatus = Field(description="pending, accepted, expired or revoked.")
    created_at: dt.datetime = Field(description="When it was first sent.")
    last_sent_at: dt.datetime = Field(description="When the latest link was sent.")
    sent_count: int = Field(description="How many links were sent (only the latest works).")
    expires_at: dt.datetime = Field(description="When the latest link stops working.")
    accepted_at: dt.datetime | None = Field(description="When the password was set.")
    revoked_at: dt.datetime | None = Field(description="When staff revoked it.")

    @staticmethod
    def resolve_status(obj: Invitation) -> str:
        return obj.status_at(clock.now()).value


class InvitationList(Schema):
    items: list[InvitationOut] = Field(description="Newest first.")


def _patient(request: HttpRequest, patient_id: int, use_case: str) -> Patient:
    """The patient (404 when not visible), then the row's roles for them (403)."""
    patient = visible_patient(request, patient_id)
    require(actor(request), patient, use_case)
    return patient


def _invitation(request: HttpRequest, patient: Patient, invitation_id: int) -> Invitation:
    rows = Invitation.objects.visible_to(actor(request)).filter(patient=patient)
    found: Invitation = get_object_or_404(rows, pk=invitation_id)
    return found


def _out(invitation: Invitation) -> InvitationOut:
    return InvitationOut.model_validate(invitation)


@router.post(
    "/{patient_id}/invitations",
    response={201: InvitationOut, **WRITE_ERRORS},
    summary="Invite the patient to the portal",
)
def invite_patient(
    request: HttpRequest, payload: InviteSpec, patient_id: int = id_in_path("patient")
) -> Status[InvitationOut]:
    """Send the patient a link to set a password (409 `already_signed_up` if they have one)."""
    patient = visible_patient(request, patient_id)
    return Status(201, _out(services.invite_patient(actor(request), patient, payload)))


@router.post(
    "/{patient_id}/sitters/{sitter_id}/invitations",
    response={201: InvitationOut, **WRITE_ERRORS},
    summary="Invite a sitter to the portal",
)
def invite_sitter(
    request: HttpRequest,
    payload: InviteSpec,
    patient_id: int = id_in_path("patient"),
    sitter_id: int = id_in_path("sitter"),
) -> Status[InvitationOut]:
    """Send one of the patient's sitters a link to set a password."""
    patient = visible_patient(request, patient_id)
    sitters = Sitter.objects.visible_to(actor(request)).filter(patients=patient)
    sitter = get_object_or_404(sitters, pk=sitter_id)
    invitation = services.invite_sitter(actor(request), patient, sitter, payload)
    return Status(201, _out(invitation))


@router.get(
    "/{patient_id}/invitations",
    response={200: InvitationList, **ERRORS},
    summary="The patient's invitations",
)
def list_invitations(
    request: HttpRequest, patient_id: int = id_in_path("patient")
) -> InvitationList:
    """The invitations of the patient and their sitters, newest first."""
    patient = _patient(request, patient_id, "read_invitations")
    rows = list(Invitation.objects.visible_to(actor(request)).filter(patient=patient))
    audit_list(request, "invitations.Invitation", [r.pk for r in rows], patient_id=patient.pk)
    return InvitationList.model_validate({"items": rows})


@router.post(
    "/{patient_id}/invitations/{invitation_id}/resend",
    response={200: InvitationOut, **WRITE_ERRORS},
    summary="Resend an invitation",
)
def resend_invitation(
    request: HttpRequest,
    patient_id: int = id_in_path("patient"),
    invitation_id: int = id_in_path("invitation"),
) -> InvitationOut:
    """A new link, valid for the full time again; the previous link stops working."""
    patient = _patient(request, patient_id, "resend_invitation")
    invitation = _invitation(request, patient, invitation_id)
    return _out(services.resend_invitation(actor(request), invitation))


@router.post(
    "/{patient_id}/invitations/{invitation_id}/revoke",
    response={200: InvitationOut, **WRITE_ERRORS},
    summary="Revoke an invitation",
)
def revoke_invitation(
    request: HttpRequest,
    patient_id: int = id_in_path("patient"),
    invitation_id: int = id_in_path("invitation"),
) -> InvitationOut:
    """Its link stops working (409 if it was already accepted or revoked)."""
    patient = _patient(request, patient_id, "revoke_invitation")
    invitation = _invitation(request, patient, invitation_id)
    return _out(services.revoke_invitation(actor(request), invitation))
