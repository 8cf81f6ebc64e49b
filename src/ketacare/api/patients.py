"""Patients: the scoped list and record, registration, consent and phase moves."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field, StringConstraints

from ketacare.api.access import actor, audit_list, audit_read, readable_patient, visible_patient
from ketacare.api.schemas import ERRORS, MAX_ID, NO_NUL, WRITE_ERRORS, id_in_path
from ketacare.kernel import policy
from ketacare.kernel.errors import NotAllowed
from ketacare.kernel.policy import require_role
from ketacare.patients import services
from ketacare.patients.models import ConsentDocument, Indication, Patient, SexAtBirth
from ketacare.patients.phases import Phase
from ketacare.patients.specs import PhaseMoveSpec, RegistrationSpec, SignatureSpec

router = Router(tags=["patients"])


class PatientOut(Schema):
    id: int = Field(description="The patient's id.")
    clinic_id: int = Field(description="The clinic that treats them.")
    legal_name: str = Field(description="Legal name.")
    date_of_birth: dt.date = Field(description="Date of birth.")
    sex_at_birth: SexAtBirth = Field(description="Sex at birth (for dosing and references).")
    weight_kg: float = Field(description="Body weight in kilograms.")
    timezone: str = Field(
        description="IANA time zone the patient lives in. API times are UTC (ISO 8601 with "
        "offset); show them to the patient in this zone."
    )
    phone: str = Field(description="Phone number.")
    email: str = Field(description="Email address (may be empty).")
    emergency_contact_name: str = Field(description="Who to call in an emergency.")
    emergency_contact_phone: str = Field(description="Their number.")
    indication: Indication = Field(description="What they are treated for.")
    address_line1: str = Field(description="Home address: street (printed on prescriptions).")
    address_line2: str = Field(description="Home address: second line (may be empty).")
    address_city: str = Field(description="Home address: city.")
    address_region: str = Field(description="Home address: state.")
    address_postal_code: str = Field(description="Home address: ZIP code.")
    phase: Phase = Field(description="Phase of treatment.")
    record_number: str = Field(description="The clinic's record number, shown beside the name.")
    phase_since: dt.datetime = Field(description="When the current phase began.")
    paused_from: Phase | None = Field(description="While paused: the phase to return to.")
    created_at: dt.datetime = Field(description="When the record was created.")

    @staticmethod
    def resolve_paused_from(obj: Patient) -> str | None:
        return obj.paused_from or None


class PatientPage(Schema):
    count: int = Field(description="How many patients match (all pages).")
    items: list[PatientOut] = Field(description="This page of them, by name.")


class PatientFilter(Schema):
    phase: Phase | None = Field(default=None, description="Only patients in this phase.")
    q: Annotated[str, StringConstraints(pattern=NO_NUL, max_length=100)] = Field(
        default="", description="Part of the legal name."
    )
    limit: int = Field(default=50, ge=1, le=200, description="Page size.")
    offset: int = Field(default=0, ge=0, le=MAX_ID, description="How many to skip.")


class ConsentDocumentOut(Schema):
    id: int = Field(description="The document's id (sign it with this).")
    version: int = Field(description="Version number of the clinic's consent text.")
    title: str = Field(description="Title.")
    body: str = Field(description="The full text the patient agrees to.")
    published_at: dt.datetime = Field(description="When this version took effect.")
    signed: bool = Field(description="Whether this patient has signed this version.")


class ConsentIn(SignatureSpec):
    """The signature, and the version of the consent it is on."""

    document_id: int = Field(ge=1, le=MAX_ID, description="The consent document signed.")


class ConsentOut(Schema):
    id: int = Field(description="The signature's id.")
    document_id: int = Field(description="The document signed.")
    signature_name: str = Field(description="The typed signature.")
    signed_by_id: int = Field(description="Who signed (the patient, or a coordinator for them).")
    signed_at: dt.datetime = Field(description="When.")


@router.get("", response={200: PatientPage, **ERRORS}, summary="List patients")
def list_patients(request: HttpRequest, filters: Query[PatientFilter]) -> PatientPage:
    """The patients the caller may see: their clinic's (staff), or themself (a patient)."""
    require_role(actor(request), policy.rule("read_record"))
    patients = Patient.objects.visible_to(actor(request))
    if filters.phase is not None:
        patients = patients.filter(phase=filters.phase.value)
    if filters.q.strip():
        patients = patients.filter(Q(legal_name__icontains=filters.q.strip()))
    page = list(patients[filters.offset : filters.offset + filters.limit])
    audit_list(request, "patients.Patient", [p.pk for p in page])
    return PatientPage(count=patients.count(), items=[PatientOut.model_validate(p) for p in page])


@router.post("", response={201: PatientOut, **WRITE_ERRORS}, summary="Register a patient")
def register_patient(request: HttpRequest, payload: RegistrationSpec) -> Status[PatientOut]:
    """Register a patient in the caller's clinic (coordinators, clinicians, admins).

    An adult only (422 on `date_of_birth`); a record like one the clinic holds (the same
    name and date of birth, or phone, or email) is a 409 `possible_duplicate` naming it,
    until the body says `"not_a_duplicate": true`.
    """
    user = actor(request)
    if user.clinic is None:
        raise NotAllowed("Only staff of a clinic register its patients.")
    patient = services.register_patient(user, user.clinic, payload)
    return Status(201, PatientOut.model_validate(patient))


@router.get("/{patient_id}", response={200: PatientOut, **ERRORS}, summary="One patient")
def get_patient(request: HttpRequest, patient_id: int = id_in_path("patient")) -> PatientOut:
    patient = readable_patient(request, patient_id, "read_record")
    audit_read(request, patient)
    return PatientOut.model_validate(patient)


@router.post(
    "/{patient_id}/phase", response={200: PatientOut, **WRITE_ERRORS}, summary="Move phase"
)
def move_phase(
    request: HttpRequest, payload: PhaseMoveSpec, patient_id: int = id_in_path("patient")
) -> PatientOut:
    """Move the patient to another phase; a move the rules forbid is a 409 `phase_transition`."""
    patient = visible_patient(request, patient_id)
    moved = services.move_patient(actor(request), patient, payload)
    return PatientOut.model_validate(moved)


def _consent_out(document: ConsentDocument, patient: Patient) -> ConsentDocumentOut:
    return ConsentDocumentOut(
        id=document.pk,
        version=document.version,
        title=document.title,
        body=document.body,
        published_at=document.published_at,
        signed=patient.consents.filter(document=document).exists(),
    )


@router.get(
    "/{patient_id}/consent",
    response={200: ConsentDocumentOut, **ERRORS},
    summary="The current consent text",
)
def current_consent(
    request: HttpRequest, patient_id: int = id_in_path("patient")
) -> ConsentDocumentOut:
    """The version of the treatment consent the patient must have signed (404 if none)."""
    patient = readable_patient(request, patient_id, "read_record")
    document = services.current_consent_document(patient.clinic_id)
    if document is None:
        raise ConsentDocument.DoesNotExist
    audit_read(request, patient, what="consent", document=document.pk)
    return _consent_out(document, patient)


@router.post(
    "/{patient_id}/consents", response={201: ConsentOut, **WRITE_ERRORS}, summary="Sign consent"
)
def sign_consent(
    request: HttpRequest, payload: ConsentIn, patient_id: int = id_in_path("patient")
) -> Status[ConsentOut]:
    """The patient signs a consent version (or a coordinator records it on their behalf)."""
    patient = visible_patient(request, patient_id)
    document = ConsentDocument.objects.filter(
        pk=payload.document_id, clinic_id=patient.clinic_id
    ).first()
    if document is None:
        raise ValidationError({"document_id": "No such consent document in this clinic."})
    spec = SignatureSpec(signature_name=payload.signature_name)
    consent = services.sign_consent(actor(request), patient, document, spec)
    return Status(201, ConsentOut.model_validate(consent))
