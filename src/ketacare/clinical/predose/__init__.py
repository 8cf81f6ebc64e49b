"""The pre-dose gate: may this patient take a dose now, at home, and if not, why not.

Pure functions: the caller passes what the patient and sitter confirmed, the plan's
limits and the patient's recent history (doses, readings, suicidality signals). The
gate runs when the checklist is answered and again when the dose is recorded, with
`now` the moment of each: a checklist that passed an hour ago may not pass now.

Every failed item is listed, each with a message for the care team and a next step in
the patient's words (times on the patient's own clock, never a zone name).

By topic: `facts` (what the gate reads and gives), `suicidality` (A1, A8, G3),
`blood_pressure` (D, G2, and the clinic's heart-rate limits), `checklist` (sitter,
fasting, driving, substances: C, D), `timing` (spacing, C and G1; the checklist's age,
G2) and `gate` (`check_pre_dose`, `dose_against_gate`).
"""

from __future__ import annotations

from ketacare.clinical.predose.blood_pressure import BloodPressureDay, blood_pressure_day
from ketacare.clinical.predose.checklist import SUBSTANCE_RISK, SUBSTANCE_WORDS
from ketacare.clinical.predose.facts import (
    EarlierReading,
    GateResult,
    PreDoseFacts,
    SitterConfirmation,
    SuicidalitySignal,
)
from ketacare.clinical.predose.gate import check_pre_dose, dose_against_gate
from ketacare.clinical.predose.suicidality import checklist_cssrs
from ketacare.clinical.predose.timing import ROLLING_WINDOW

__all__ = [
    "ROLLING_WINDOW",
    "SUBSTANCE_RISK",
    "SUBSTANCE_WORDS",
    "BloodPressureDay",
    "EarlierReading",
    "GateResult",
    "PreDoseFacts",
    "SitterConfirmation",
    "SuicidalitySignal",
    "blood_pressure_day",
    "check_pre_dose",
    "checklist_cssrs",
    "dose_against_gate",
]
