"""Observations of questionnaire totals (category survey), one per QuestionnaireResponse.

Coded with the instrument's LOINC total code where CLINICAL.md A has one (PHQ-9
44261-6, PHQ-2 55758-7, GAD-7 70274-6, AUDIT-C 75626-2: `clinical.instruments`),
otherwise with the local instrument-total system and the instrument's code.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from ketacare.assessments.models import QuestionnaireResponse
from ketacare.clinical import instruments
from ketacare.interop.fhir.codes import INSTRUMENT_TOTAL_SYSTEM, LOINC
from ketacare.interop.fhir.registry import Context, Search, date_filter, patient_filter
from ketacare.interop.fhir.types.observation_common import (
    ObservationRow,
    category,
    instant,
    subject,
)
from ketacare.patients.models import Patient


def total_code(instrument: str) -> tuple[str, str]:
    """(system, code) of an instrument's total."""
    definition = instruments.get(instrument)
    if definition.loinc_total:
        return LOINC, definition.loinc_total
    return INSTRUMENT_TOTAL_SYSTEM, instrument


def rows(patients: QuerySet[Patient], search: Search) -> list[ObservationRow]:
    wanted = [code for code in instruments.CODES if search.wants_code(*total_code(code))]
    found = (
        QuestionnaireResponse.objects.filter(patient__in=patients, instrument__in=wanted)
        .filter(patient_filter(search), date_filter(search, "recorded_at"))
        .select_related("patient")
    )
    return [row(response) for response in found]


def lookup(patients: QuerySet[Patient], pk: int) -> ObservationRow | None:
    found = (
        QuestionnaireResponse.objects.filter(patient__in=patients, pk=pk)
        .select_related("patient")
        .first()
    )
    return None if found is None else row(found)


def row(response: QuestionnaireResponse) -> ObservationRow:
    return ObservationRow(
        f"qr-{response.pk}-total",
        response.recorded_at,
        response.patient,
        lambda context: render(response, context),
    )


def render(response: QuestionnaireResponse, context: Context) -> dict[str, Any]:
    del context
    definition = instruments.get(response.instrument)
    system, code = total_code(response.instrument)
    title = f"{definition.title}: total score"
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "id": f"qr-{response.pk}-total",
        "status": "final",
        "category": category("survey", "Survey"),
        "code": {"coding": [{"system": system, "code": code, "display": title}], "text": title},
        "subject": subject(response.patient),
        "effectiveDateTime": instant(response.recorded_at),
        "valueInteger": response.total,
        "referenceRange": [{"low": {"value": 0}, "high": {"value": definition.max_total}}],
        "derivedFrom": [{"reference": f"QuestionnaireResponse/{response.pk}"}],
    }
    if response.band:
        resource["interpretation"] = [{"text": response.band}]
    return resource
