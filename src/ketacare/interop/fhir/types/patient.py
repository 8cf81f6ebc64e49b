"""Patient: the record's person (the example of a registered type; see registry).

Identifier: the clinic's record number (KC-000123) under a local system of the server.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from ketacare.interop.fhir.registry import (
    Context,
    ResourceType,
    Search,
    patient_filter,
    register,
    row_id,
)
from ketacare.patients.models import Patient, SexAtBirth

RECORD_NUMBER_SYSTEM = "urn:ketacare:record-number"
# FHIR administrative gender; sex at birth "intersex" has no code of its own there.
_GENDER = {
    SexAtBirth.FEMALE: "female",
    SexAtBirth.MALE: "male",
    SexAtBirth.INTERSEX: "other",
    SexAtBirth.UNKNOWN: "unknown",
}


def find(patients: QuerySet[Patient], search: Search) -> QuerySet[Patient]:
    return patients.filter(patient_filter(search, "pk")).order_by("pk")


def lookup(patients: QuerySet[Patient], fhir_id: str) -> Patient | None:
    pk = row_id(fhir_id)
    return None if pk is None else patients.filter(pk=pk).first()


def render(patient: Patient, context: Context) -> dict[str, Any]:
    del context
    resource: dict[str, Any] = {
        "resourceType": "Patient",
        "id": str(patient.pk),
        "identifier": [{"system": RECORD_NUMBER_SYSTEM, "value": patient.record_number}],
        "active": True,
        "name": [{"use": "official", "text": patient.legal_name}],
        "telecom": _telecom(patient),
        "gender": _GENDER.get(SexAtBirth(patient.sex_at_birth), "unknown"),
        "birthDate": patient.date_of_birth.isoformat(),
        "contact": [
            {
                "name": {"text": patient.emergency_contact_name},
                "telecom": [{"system": "phone", "value": patient.emergency_contact_phone}],
            }
        ],
        "managingOrganization": {"display": patient.clinic.name},
    }
    return resource


def _telecom(patient: Patient) -> list[dict[str, str]]:
    telecom = [{"system": "phone", "value": patient.phone}]
    if patient.email:
        telecom.append({"system": "email", "value": patient.email})
    return telecom


register(
    ResourceType(
        name="Patient",
        reads=("read_record",),
        search_params=frozenset({"patient"}),
        find=find,
        render=render,
        fhir_id=lambda patient: str(patient.pk),
        lookup=lookup,
        patient_of=lambda patient: patient,
        description="The clinic's patients (patient=<id> picks one).",
    )
)
