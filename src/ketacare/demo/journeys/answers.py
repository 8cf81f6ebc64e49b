"""The demo patients' answers: questionnaire scores and the intake form.

Every made-up answer comes from the journey's random generator, in a fixed order, so
the same seed gives the same answers.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ketacare.demo.journeys.templates import Template, Variant
from ketacare.patients.models import Indication, Patient

DISSOCIATION = 0.41  # CLINICAL.md D: dissociation 41% (label): a CADSS-6 of 3-12
HIGH_DISSOCIATION = 0.02  # a CADSS-6 in the severe band (a safety finding): rare
ANTIDEPRESSANTS = (
    ("sertraline", "150 mg"),
    ("escitalopram", "20 mg"),
    ("venlafaxine", "225 mg"),
    ("duloxetine", "60 mg"),
    ("bupropion", "300 mg"),
    ("mirtazapine", "45 mg"),
)


@dataclass(frozen=True)
class Baseline:
    """Where the patient starts (CLINICAL.md A1, A3, A4): scores and blood pressure."""

    phq9: int
    gad7: int
    pcl5: int
    bp: tuple[int, int]


def spread(total: int, items: int, top: int, rng: random.Random) -> list[int]:
    """`items` answers of 0-`top` adding up to `total`, spread over the items at random."""
    answers = [0] * items
    for _ in range(min(total, items * top)):
        answers[rng.choice([i for i, a in enumerate(answers) if a < top])] += 1
    return answers


def phq9_answers(total: int, item9: int, rng: random.Random) -> list[int]:
    """Nine scored items, then item 10 (how difficult life is: recorded, not scored)."""
    return [*spread(total - item9, 8, 3, rng), item9, min(3, total // 7)]


def cadss6_answers(rng: random.Random, sensitivity: float) -> list[int]:
    if rng.random() < HIGH_DISSOCIATION:
        return spread(rng.randint(17, 20), 6, 4, rng)
    if rng.random() < DISSOCIATION * sensitivity:
        return spread(rng.randint(3, 12), 6, 4, rng)
    return spread(rng.randint(0, 2), 6, 4, rng)


def clamp(value: int, low: int, high: int) -> int:
    return max(low, min(high, value))


# --- The intake form ----------------------------------------------------------------------


def intake_answers(
    record: Patient, template: Template, rng: random.Random, baseline: Baseline
) -> dict[str, Any]:
    """The whole intake form, as the patient (or the coordinator) fills it in."""
    variant = template.variant
    weight = Decimal(record.weight_kg) + (Decimal("1.6") if variant is Variant.NEW_WEIGHT else 0)
    systolic, diastolic = (136, 86) if variant is Variant.CONTROLLED_HYPERTENSION else baseline.bp
    return {
        "demographics": {
            "date_of_birth": record.date_of_birth.isoformat(),
            "weight_kg": str(weight),
        },
        "medical_history": {
            "pregnant": False,
            "breastfeeding": False,
            "hypertension": "controlled" if variant is Variant.CONTROLLED_HYPERTENSION else "none",
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
            "psychotic_disorder": variant is Variant.PSYCHOTIC_DISORDER,
            "current_mania": False,
            "bipolar_disorder": False,
            "ketamine_use_disorder": "none",
            "other_substance_use_disorder": "none",
        },
        "trials": _trials(record.indication, rng),
        "current_medications": _medications(record.indication, variant),
        "questionnaires": _baseline_questionnaires(record.indication, template, rng, baseline),
        "home_vitals": {
            "systolic_mmhg": systolic,
            "diastolic_mmhg": diastolic,
            "heart_rate_bpm": rng.randint(60, 86),
        },
        "home": {"sitter_available": True, "secure_storage": True, "agrees_not_to_drive": True},
    }


def _trials(indication: str, rng: random.Random) -> list[dict[str, Any]]:
    """TRD: 2-3 failed adequate trials this episode (CLINICAL.md D); others one."""
    count = rng.randint(2, 3) if indication == Indication.TRD else 1
    drugs = rng.sample(ANTIDEPRESSANTS, count)
    if indication == Indication.PTSD:
        drugs = [("sertraline", "200 mg")]
    return [
        {
            "drug": drug,
            "dose": dose,
            "adequate_dose": True,
            "duration_weeks": rng.randint(8, 14),
            "outcome": "failed",
            "in_current_episode": True,
        }
        for drug, dose in drugs
    ]


def _medications(indication: str, variant: Variant) -> list[dict[str, Any]]:
    current = [{"name": "bupropion", "dose": "150 mg daily", "classes": []}]
    if indication == Indication.PTSD:
        current = [{"name": "prazosin", "dose": "2 mg at night", "classes": []}]
    if variant is Variant.BENZODIAZEPINE:
        current.append(
            {"name": "lorazepam", "dose": "0.5 mg as needed", "classes": ["benzodiazepine"]}
        )
    return current


def _baseline_questionnaires(
    indication: str, t: Template, rng: random.Random, baseline: Baseline
) -> dict[str, Any]:
    answers: dict[str, Any] = {
        "phq9": phq9_answers(baseline.phq9, int(t.suicidal_thoughts), rng),
        "gad7": spread(baseline.gad7, 7, 3, rng),
        "cssrs_screen": [int(t.suicidal_thoughts), 0, 0, 0, 0, 0, 0],
        "auditc": rng.choice([[0, 0, 0], [1, 0, 0], [1, 1, 0]]),  # below both cut-offs
        "dast10": [0, 0, 1, 0, 0, 0, 0, 0, 0, 0],  # no drug use (item 3 is reversed)
    }
    if indication == Indication.PTSD:
        answers["pcl5"] = spread(baseline.pcl5, 20, 4, rng)
    return answers
