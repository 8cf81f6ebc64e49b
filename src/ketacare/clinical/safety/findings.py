"""What a safety rule gives: a `Finding`, how pressing it is, and what it is about.

The causes the alerts app maps to its alerts, the interacting substances of CLINICAL.md
D, and the grades of an adverse event as reported.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    """How soon someone must act on a finding, least to most pressing."""

    INFO = "info"
    WARNING = "warning"
    URGENT = "urgent"
    EMERGENCY = "emergency"


class Cause(StrEnum):
    """What a finding is about; the alerts app maps each cause to one kind of alert."""

    SUICIDALITY = "suicidality"
    BP_GATE_FAILED = "bp_gate_failed"
    BP_RISE_AFTER_DOSE = "bp_rise_after_dose"
    MISSED_CHECK_IN = "missed_check_in"
    LATE_CHECK_IN = "late_check_in"
    ADVERSE_EVENT = "adverse_event"
    HIGH_DISSOCIATION = "high_dissociation"
    WORSENING = "worsening"
    RELAPSE = "relapse"
    # Routine monitoring on treatment (CLINICAL.md G10, A10).
    BLADDER_SYMPTOMS = "bladder_symptoms"
    MISUSE_SCREEN = "misuse_screen"
    DOSE_OUTSIDE_PLAN = "dose_outside_plan"
    # Pre-dose gate items other than blood pressure.
    HEART_RATE_GATE_FAILED = "heart_rate_gate_failed"
    SITTER_ABSENT = "sitter_absent"
    NOT_FASTED = "not_fasted"
    DRIVING_PLANNED = "driving_planned"
    INTERACTING_SUBSTANCE = "interacting_substance"
    DOSE_TOO_SOON = "dose_too_soon"
    TOO_MANY_SESSIONS = "too_many_sessions"
    DOSE_TODAY_ALREADY = "dose_today_already"
    CHECKLIST_EXPIRED = "checklist_expired"
    BP_HARD_STOP_TODAY = "bp_hard_stop_today"
    BP_REMEASURE_TOO_SOON = "bp_remeasure_too_soon"
    BP_TRIES_USED = "bp_tries_used"
    SUICIDALITY_HOLD = "suicidality_hold"
    # After the dose (clinical.postdose).
    HYPERTENSIVE_CRISIS = "hypertensive_crisis"
    POST_DOSE_BP_MISSED = "post_dose_bp_missed"
    SITTER_NOT_RELEASED = "sitter_not_released"
    DOSE_AGAINST_GATE = "dose_against_gate"


class Substance(StrEnum):
    """Substances taken the day of a dose that interact with ketamine (CLINICAL.md D).

    D names benzodiazepines "or other CNS depressants" (alcohol, opioids, gabapentinoids,
    Z-drugs, sedating antihistamines and cannabis are such), stimulants and MAOIs (which
    raise blood pressure).
    """

    ALCOHOL = "alcohol"
    BENZODIAZEPINES = "benzodiazepines"
    STIMULANTS = "stimulants"
    OPIOIDS = "opioids"
    GABAPENTINOIDS = "gabapentinoids"
    Z_DRUGS = "z_drugs"
    SEDATING_ANTIHISTAMINES = "sedating_antihistamines"
    CANNABIS = "cannabis"
    MAOIS = "maois"


class AdverseEventSeverity(StrEnum):
    """The grade of an adverse event as the patient, sitter or clinician reports it."""

    MILD = "mild"
    MODERATE = "moderate"
    SEVERE = "severe"
    LIFE_THREATENING = "life_threatening"


@dataclass(frozen=True)
class Finding:
    """One safety concern: how pressing, about what, in words, and where the rule comes from."""

    severity: Severity
    cause: Cause
    message: str  # for the care team, naming the values and the limit
    source: str  # e.g. "CLINICAL.md D"
    next_step: str = ""  # for the patient, on pre-dose gate findings; empty elsewhere
