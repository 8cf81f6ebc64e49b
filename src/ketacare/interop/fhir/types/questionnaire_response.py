"""QuestionnaireResponse: a completed questionnaire, its items and answers.

Answers are codings: PHQ-9 and PHQ-2 items 1-9 with the LOINC answer codes of
CLINICAL.md A1 (LA6568-5 ... LA6571-9, for 0-3), every other item with the local answer
system (code = the value scored, display = the words the patient chose). An item not
asked (its gate answered no, CLINICAL.md A8) is left out. The item LOINC codes are on
the Questionnaire's items (R4's QuestionnaireResponse items carry no code).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from ketacare.assessments.models import QuestionnaireResponse
from ketacare.clinical import instruments
from ketacare.clinical.instruments import Item
from ketacare.interop.fhir.codes import ANSWER_SYSTEM, LOINC, PHQ_ANSWERS, PHQ_INSTRUMENTS
from ketacare.interop.fhir.registry import (
    Context,
    ResourceType,
    Search,
    date_filter,
    patient_filter,
    register,
    row_id,
)
from ketacare.interop.fhir.types.observation_common import instant, subject
from ketacare.interop.fhir.types.questionnaire import canonical
from ketacare.patients.models import Patient


def find(patients: QuerySet[Patient], search: Search) -> QuerySet[QuestionnaireResponse]:
    found = QuestionnaireResponse.objects.filter(patient__in=patients)
    found = found.filter(patient_filter(search), date_filter(search, "recorded_at"))
    return found.select_related("patient").order_by("recorded_at", "pk")


def lookup(patients: QuerySet[Patient], fhir_id: str) -> QuestionnaireResponse | None:
    pk = row_id(fhir_id)
    if pk is None:
        return None
    found = QuestionnaireResponse.objects.filter(patient__in=patients, pk=pk)
    return found.select_related("patient").first()


def render(response: QuestionnaireResponse, context: Context) -> dict[str, Any]:
    del context
    patient = response.patient
    by_patient = response.submitted_by_id == patient.user_id
    author = f"Patient/{patient.pk}" if by_patient else f"Practitioner/{response.submitted_by_id}"
    resource: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "id": str(response.pk),
        "questionnaire": canonical(response.instrument),
        "status": "completed",
        "subject": subject(patient),
        "authored": instant(response.recorded_at),
        "author": {"reference": author},
    }
    items = _items(response)
    if items:
        resource["item"] = items
    return resource


def _items(response: QuestionnaireResponse) -> list[dict[str, Any]]:
    definition = instruments.get(response.instrument)
    answers = {int(number): value for number, value in dict(response.answers).items()}
    items = []
    for item in definition.items:
        value = answers.get(item.number)
        gate_closed = item.asked_only_if is not None and not answers.get(item.asked_only_if)
        if value is None or gate_closed:
            continue
        answer = {"valueCoding": _answer(response.instrument, item, int(value))}
        items.append({"linkId": str(item.number), "text": item.text, "answer": [answer]})
    return items


def _answer(instrument: str, item: Item, value: int) -> dict[str, str]:
    label = next((c.label for c in item.choices if c.value == value), str(value))
    if instrument in PHQ_INSTRUMENTS and item.scored and 0 <= value < len(PHQ_ANSWERS):
        return {"system": LOINC, "code": PHQ_ANSWERS[value], "display": label}
    return {"system": ANSWER_SYSTEM, "code": str(value), "display": label}


register(
    ResourceType(
        name="QuestionnaireResponse",
        reads=("read_questionnaires",),
        search_params=frozenset({"patient", "date"}),
        find=find,
        render=render,
        fhir_id=lambda response: str(response.pk),
        lookup=lookup,
        patient_of=lambda response: response.patient,
        description="Completed questionnaires with every answer (date: when completed).",
    )
)
