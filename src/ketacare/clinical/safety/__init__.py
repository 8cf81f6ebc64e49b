"""Safety rules: facts about a patient, a dose or a score in, findings out.

Pure functions, no clock of their own (the caller passes `now`). Every number comes
from CLINICAL.md (sections C and D, and the instrument sections for scores); where
CLINICAL.md has none, the rule is a clinic setting that is off (None) by default.
A clinic overrides any of them with `dataclasses.replace(DEFAULT_RULES, field=value)`.

The pre-dose gate blocks the dose on every failed item, the blood-pressure delay gate
included: CLINICAL.md D says "consider delaying if > 140/90", and at home there is no
clinician in the room to do the considering, so the gate delays and the patient calls
the clinic. A clinic that wants only the hard stop sets `bp_delay_gate=None`.

By topic: `findings` (what a rule gives), `rules` (`SafetyRules`), `scores`
(suicidality, dissociation, worsening), `doses` (the check-in, adverse events, a dose
not as planned), `inputs` (the checks on every input) and `clock` (UTC instants, and
times and spans in words). The gate itself is `ketacare.clinical.predose`.
"""

from __future__ import annotations

from ketacare.clinical.safety.clock import clock_time, duration, utc, when
from ketacare.clinical.safety.doses import (
    check_adverse_event,
    check_dose_against_plan,
    check_in_status,
)
from ketacare.clinical.safety.findings import (
    AdverseEventSeverity,
    Cause,
    Finding,
    Severity,
    Substance,
)
from ketacare.clinical.safety.inputs import (
    InvalidSafetyInput,
    require_aware,
    require_not_after_now,
    require_span,
)
from ketacare.clinical.safety.rules import DEFAULT_RULES, BloodPressureLimit, SafetyRules
from ketacare.clinical.safety.scores import (
    check_dissociation,
    check_monitoring,
    check_relapse,
    check_suicidality,
    check_worsening,
    high_dissociation_threshold,
    is_suicidality_signal,
    suicidality_so_far,
)

__all__ = [
    "DEFAULT_RULES",
    "AdverseEventSeverity",
    "BloodPressureLimit",
    "Cause",
    "Finding",
    "InvalidSafetyInput",
    "SafetyRules",
    "Severity",
    "Substance",
    "check_adverse_event",
    "check_dissociation",
    "check_dose_against_plan",
    "check_in_status",
    "check_monitoring",
    "check_relapse",
    "check_suicidality",
    "check_worsening",
    "clock_time",
    "duration",
    "high_dissociation_threshold",
    "is_suicidality_signal",
    "require_aware",
    "require_not_after_now",
    "require_span",
    "suicidality_so_far",
    "utc",
    "when",
]
