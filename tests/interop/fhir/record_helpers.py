"""What the medication, safety and document resource tests share: validation and a dose."""

from __future__ import annotations

from typing import Any

from django.test import Client
from fhir.resources.R4B import get_fhir_model_class

from ketacare.accounts.models import User
from ketacare.audit.models import AuditAction, AuditEntry
from ketacare.patients.models import Patient
from ketacare.treatment.models import DosingSession
from tests.factories import PatientFactory, SitterFactory
from tests.treatment.rx_helpers import dose_on_record


def valid(resource: dict[str, Any]) -> dict[str, Any]:
    """The resource, once the fhir.resources R4B model of its type has read it."""
    model = get_fhir_model_class(resource["resourceType"])
    model.model_validate(resource)
    return resource


def dosed(patient: Patient) -> DosingSession:
    """A dose of the patient's current plan, taken now."""
    return dose_on_record(patient)


def get(client: Client, user: User, path: str, **params: str) -> Any:
    """GET /fhir/<path> as `user` (a signed-in session): the response."""
    client.force_login(user)
    return client.get(f"/fhir/{path}", params)


def search(client: Client, user: User, type_name: str, **params: str) -> list[dict[str, Any]]:
    """The resources a search finds (each validated), after checking it answered 200."""
    response = get(client, user, type_name, **params)
    assert response.status_code == 200, response.content
    return [valid(entry["resource"]) for entry in response.json().get("entry", [])]


def ids(resources: list[dict[str, Any]]) -> list[str]:
    return [resource["id"] for resource in resources]


def reads_of(patient: Patient, user: User) -> int:
    """How many reads of the patient's record `user` has on the audit log."""
    entries = AuditEntry.objects.filter(
        actor_id=user.pk, patient_id=patient.pk, action=AuditAction.READ
    )
    return entries.count()


def hidden_from(client: Client, user: User, type_name: str, fhir_id: str, patient: Patient) -> bool:
    """`user` gets a 404 for the resource, finds nothing searching the patient, reads nothing."""
    read = get(client, user, f"{type_name}/{fhir_id}")
    found = search(client, user, type_name, patient=str(patient.pk))
    return read.status_code == 404 and not found and reads_of(patient, user) == 0


def others(outsider: User, patient: Patient) -> list[User]:
    """Who must see nothing of the patient over FHIR.

    Another clinic's clinician, another patient of the same clinic, and a sitter of this
    very patient (sitters read nothing over FHIR).
    """
    other_patient = PatientFactory(clinic=patient.clinic, with_account=True)
    sitter = SitterFactory(clinic=patient.clinic, patients=[patient])
    assert other_patient.user is not None
    assert sitter.user is not None
    return [outsider, other_patient.user, sitter.user]
