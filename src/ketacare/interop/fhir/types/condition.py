"""Condition: the indication each patient is treated for, one per patient.

Id `indication-<patient id>`. SNOMED CT codes of CLINICAL.md E: major depressive
disorder 370143000, PTSD 47505003; treatment-resistant depression is major depressive
disorder (370143000) with the text saying treatment-resistant.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from ketacare.interop.fhir import codes
from ketacare.interop.fhir.registry import (
    Context,
    ResourceType,
    Search,
    code_filter,
    patient_filter,
    register,
    row_id,
)
from ketacare.interop.fhir.types.observation_common import instant, subject
from ketacare.patients.models import Indication, Patient

# CLINICAL.md E.
SNOMED_OF = {
    Indication.MDD.value: (codes.MAJOR_DEPRESSIVE_DISORDER, "Major depressive disorder"),
    Indication.TRD.value: (codes.MAJOR_DEPRESSIVE_DISORDER, "Major depressive disorder"),
    Indication.PTSD.value: (codes.PTSD, "Post-traumatic stress disorder"),
}
PREFIX = "indication-"


def find(patients: QuerySet[Patient], search: Search) -> QuerySet[Patient]:
    snomed = {value: code for value, (code, _display) in SNOMED_OF.items()}
    found = patients.filter(patient_filter(search, "pk"))
    return found.filter(code_filter(search, codes.SNOMED, snomed, "indication")).order_by("pk")


def lookup(patients: QuerySet[Patient], fhir_id: str) -> Patient | None:
    pk = row_id(fhir_id, PREFIX)
    return None if pk is None else patients.filter(pk=pk).first()


def render(patient: Patient, context: Context) -> dict[str, Any]:
    del context
    code, display = SNOMED_OF[patient.indication]
    return {
        "resourceType": "Condition",
        "id": f"{PREFIX}{patient.pk}",
        "clinicalStatus": {
            "coding": [{"system": codes.CONDITION_CLINICAL, "code": "active"}],
        },
        "category": [
            {
                "coding": [
                    {
                        "system": codes.CONDITION_CATEGORY,
                        "code": "problem-list-item",
                        "display": "Problem List Item",
                    }
                ],
                "text": "Treated for",
            }
        ],
        "code": {
            "coding": [{"system": codes.SNOMED, "code": code, "display": display}],
            "text": Indication(patient.indication).label,
        },
        "subject": subject(patient),
        "recordedDate": instant(patient.created_at),
    }


register(
    ResourceType(
        name="Condition",
        reads=("read_record",),
        search_params=frozenset({"patient", "code"}),
        find=find,
        render=render,
        fhir_id=lambda patient: f"{PREFIX}{patient.pk}",
        lookup=lookup,
        patient_of=lambda patient: patient,
        description="What each patient is treated for (SNOMED CT).",
    )
)
