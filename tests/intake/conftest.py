"""Fixtures of the intake tests: a signed consent, a complete intake, a frozen clock."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine

from ketacare.patients.models import ConsentDocument
from tests.factories import ConsentDocumentFactory, ConsentFactory

NOW = dt.datetime(2025, 3, 10, 15, 0, tzinfo=dt.UTC)

# An intake with every answer given: eligible (two failed adequate trials: TRD), no caution.
COMPLETE: dict[str, Any] = {
    "demographics": {"date_of_birth": "1985-06-15", "weight_kg": "72.5"},
    "medical_history": {
        "pregnant": False,
        "breastfeeding": False,
        "hypertension": "none",
        "aneurysmal_vascular_disease_or_avm": False,
        "intracerebral_haemorrhage_history": False,
        "ketamine_hypersensitivity": False,
        "unstable_cardiac_disease": False,
        "unstable_respiratory_disease": False,
        "severe_hepatic_disease": False,
        "raised_intraocular_pressure": False,
        "raised_intracranial_pressure": False,
    },
    "psychiatric_history": {
        "psychotic_disorder": False,
        "current_mania": False,
        "bipolar_disorder": False,
        "ketamine_use_disorder": "none",
        "other_substance_use_disorder": "none",
    },
    "trials": [
        {
            "drug": "sertraline",
            "dose": "150 mg",
            "adequate_dose": True,
            "duration_weeks": 8,
            "outcome": "failed",
            "in_current_episode": True,
        },
        {
            "drug": "venlafaxine",
            "dose": "225 mg",
            "adequate_dose": True,
            "duration_weeks": 10.5,
            "outcome": "failed",
            "in_current_episode": True,
        },
    ],
    "current_medications": [{"name": "bupropion", "dose": "150 mg daily", "classes": []}],
    "questionnaires": {
        "phq9": [2, 2, 2, 2, 2, 2, 2, 2, 0],
        "gad7": [1, 1, 1, 1, 1, 1, 1],
        "cssrs_screen": [0, 0, 0, 0, 0, 0, 0],
        "auditc": [1, 0, 0],
        "dast10": [0, 0, 1, 0, 0, 0, 0, 0, 0, 0],
    },
    "home_vitals": {"systolic_mmhg": 122, "diastolic_mmhg": 78, "heart_rate_bpm": 72},
    "home": {"sitter_available": True, "secure_storage": True, "agrees_not_to_drive": True},
}

PCL5 = [2] * 20


def complete(**changes: Any) -> dict[str, Any]:
    """A copy of COMPLETE; `changes` name what to replace: `medical_history__pregnant=True`."""
    data = copy.deepcopy(COMPLETE)
    for path, value in changes.items():
        *parents, leaf = path.split("__")
        target = data
        for part in parents:
            target = target[part]
        target[leaf] = value
    return data


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def consent_document(clinic) -> ConsentDocument:  # type: ignore[no-untyped-def]
    return ConsentDocumentFactory(clinic=clinic)


@pytest.fixture
def signed(patient, consent_document):  # type: ignore[no-untyped-def]
    """The patient has signed the current consent."""
    return ConsentFactory(patient=patient, document=consent_document)
