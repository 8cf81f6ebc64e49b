"""Questionnaire: one per instrument of `ketacare.clinical.instruments`, not patient data.

Id: the instrument code with '-' for '_' (FHIR ids have no '_'): `phq9`, `cssrs-screen`.
Canonical URL: codes.QUESTIONNAIRE_BASE + "/" + id. Items carry their LOINC code where
CLINICAL.md A gives one (the instrument's), the panel code is the Questionnaire's code.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from ketacare.clinical import instruments
from ketacare.clinical.instruments import Instrument, Item
from ketacare.interop.fhir.codes import ANSWER_SYSTEM, LOINC, QUESTIONNAIRE_BASE
from ketacare.interop.fhir.registry import Context, ResourceType, Search, no_patient, register
from ketacare.patients.models import Patient


def questionnaire_id(instrument: str) -> str:
    return instrument.replace("_", "-")


def canonical(instrument: str) -> str:
    return f"{QUESTIONNAIRE_BASE}/{questionnaire_id(instrument)}"


def find(patients: QuerySet[Patient], search: Search) -> list[Instrument]:
    del patients, search
    return [instruments.get(code) for code in instruments.CODES]


def lookup(patients: QuerySet[Patient], fhir_id: str) -> Instrument | None:
    del patients
    code = fhir_id.replace("-", "_")
    return instruments.get(code) if code in instruments.CODES else None


def render(instrument: Instrument, context: Context) -> dict[str, Any]:
    del context
    resource: dict[str, Any] = {
        "resourceType": "Questionnaire",
        "id": questionnaire_id(instrument.code),
        "url": canonical(instrument.code),
        "name": instrument.code.upper().replace("_", ""),
        "title": instrument.title,
        "status": "active",
        "subjectType": ["Patient"],
        "description": f"Recall period: {instrument.recall_period}. Source: {instrument.source}.",
        "item": [_item(item) for item in instrument.items],
    }
    if instrument.loinc_panel:
        resource["code"] = [{"system": LOINC, "code": instrument.loinc_panel}]
    return resource


def _item(item: Item) -> dict[str, Any]:
    question: dict[str, Any] = {
        "linkId": str(item.number),
        "text": item.text,
        "type": "choice",
        "required": item.asked_only_if is None,
        "answerOption": [
            {"valueCoding": {"system": ANSWER_SYSTEM, "code": str(c.value), "display": c.label}}
            for c in item.choices
        ],
    }
    if item.loinc:
        question["code"] = [{"system": LOINC, "code": item.loinc}]
    if item.asked_only_if is not None:
        yes = {"system": ANSWER_SYSTEM, "code": "1"}
        gate = {"question": str(item.asked_only_if), "operator": "=", "answerCoding": yes}
        question["enableWhen"] = [gate]
    return question


register(
    ResourceType(
        name="Questionnaire",
        search_params=frozenset(),
        find=find,
        render=render,
        fhir_id=lambda instrument: questionnaire_id(instrument.code),
        lookup=lookup,
        patient_of=no_patient,
        description="The questionnaires patients answer (one per instrument).",
        compartment=False,
    )
)
