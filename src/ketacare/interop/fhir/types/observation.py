"""Observation: questionnaire totals and vital signs, one list in time order.

The rows come from several tables (observation_scores, observation_vitals); `find`
reads the matching rows of each and merges them by time, then id, so a page is a slice
of one stable order. Ids name the row they come from (observation_common).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from ketacare.interop.fhir.registry import Context, ResourceType, Search, register, row_id
from ketacare.interop.fhir.types import observation_scores, observation_vitals
from ketacare.interop.fhir.types.observation_common import OBSERVATION_ID, ObservationRow
from ketacare.patients.models import Patient


def find(patients: QuerySet[Patient], search: Search) -> list[ObservationRow]:
    found = observation_scores.rows(patients, search) + observation_vitals.rows(patients, search)
    return sorted(found, key=ObservationRow.sort_key)


def lookup(patients: QuerySet[Patient], fhir_id: str) -> ObservationRow | None:
    match = OBSERVATION_ID.fullmatch(fhir_id)
    if match is None:
        return None
    pk = row_id(match["row"])
    if pk is None:
        return None
    if (match["source"], match["what"]) == ("qr", "total"):
        return observation_scores.lookup(patients, pk)
    return observation_vitals.lookup(patients, match["source"], pk, match["what"])


def render(row: ObservationRow, context: Context) -> dict[str, Any]:
    return row.draw(context)


register(
    ResourceType(
        name="Observation",
        reads=("read_questionnaires", "read_sessions"),
        search_params=frozenset({"patient", "code", "date"}),
        find=find,
        render=render,
        fhir_id=lambda row: row.fhir_id,
        lookup=lookup,
        patient_of=lambda row: row.patient,
        description="Questionnaire totals (LOINC where it has a code) and vital signs "
        "(blood pressure, heart rate, body weight), by time.",
        profiles=(
            "http://hl7.org/fhir/StructureDefinition/vitalsigns",
            "http://hl7.org/fhir/StructureDefinition/bp",
            "http://hl7.org/fhir/StructureDefinition/heartrate",
            "http://hl7.org/fhir/StructureDefinition/bodyweight",
        ),
    )
)
