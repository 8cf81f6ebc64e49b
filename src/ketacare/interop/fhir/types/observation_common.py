"""What every Observation shares: one row of the merged list, quantities, categories.

An Observation's id names the row it comes from: `<source>-<row id>-<what>`, e.g.
`qr-12-total` (QuestionnaireResponse 12's total), `session-5-bp` (the pre-dose blood
pressure of dosing session 5), `session-5-hr`, `reading-7-bp` (post-dose reading 7),
`checkin-3-bp` (the check-in's blood pressure), `plan-2-weight` (the weight treatment
plan version 2 was written for).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ketacare.interop.fhir.codes import LOINC, OBSERVATION_CATEGORY, UCUM
from ketacare.interop.fhir.registry import Context
from ketacare.patients.models import Patient

OBSERVATION_ID = re.compile(r"(?P<source>[a-z]+)-(?P<row>[1-9]\d{0,17})-(?P<what>[a-z]+)")


@dataclass(frozen=True)
class ObservationRow:
    """One Observation to emit: its id, when, whose, and how to draw it."""

    fhir_id: str
    at: dt.datetime
    patient: Patient
    draw: Callable[[Context], dict[str, Any]]

    def sort_key(self) -> tuple[dt.datetime, str]:
        return self.at, self.fhir_id


def category(code: str, display: str) -> list[dict[str, Any]]:
    coding = {"system": OBSERVATION_CATEGORY, "code": code, "display": display}
    return [{"coding": [coding], "text": display}]


def loinc(code: str, display: str) -> dict[str, Any]:
    return {"coding": [{"system": LOINC, "code": code, "display": display}], "text": display}


def quantity(value: float, unit: str, ucum: str) -> dict[str, Any]:
    return {"value": value, "unit": unit, "system": UCUM, "code": ucum}


def subject(patient: Patient) -> dict[str, str]:
    return {"reference": f"Patient/{patient.pk}", "display": patient.legal_name}


def instant(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).isoformat()
