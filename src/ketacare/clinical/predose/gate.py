"""The pre-dose gate: may this patient take a dose now, at home, and if not, why not.

Every item is checked and every failed one listed (`check_pre_dose`); a dose the patient
reports taking although the gate held it is recorded and pages (`dose_against_gate`).
"""

from __future__ import annotations

from ketacare.clinical.predose.blood_pressure import (
    _blood_pressure_gate,
    _blood_pressure_history,
    _heart_rate_gate,
)
from ketacare.clinical.predose.checklist import (
    _driving_gate,
    _fasting_gate,
    _sitter_gate,
    _substance_gate,
)
from ketacare.clinical.predose.facts import GateResult, PreDoseFacts
from ketacare.clinical.predose.suicidality import _suicidality_gate
from ketacare.clinical.predose.timing import (
    _expiry_gate,
    _interval_gate,
    _same_day_gate,
    _sessions_gate,
)
from ketacare.clinical.safety import (
    DEFAULT_RULES,
    Cause,
    Finding,
    InvalidSafetyInput,
    SafetyRules,
    Severity,
)


def check_pre_dose(facts: PreDoseFacts, rules: SafetyRules = DEFAULT_RULES) -> GateResult:
    """The pre-dose gate: allowed only if every item passes; lists every failed item.

    Suicidality comes first (the patient sees crisis help before anything else).
    """
    findings = [
        finding
        for finding in (
            _suicidality_gate(facts, rules),
            _blood_pressure_gate(facts.blood_pressure, rules),
            *_blood_pressure_history(facts, rules),
            _heart_rate_gate(facts.heart_rate, rules),
            _sitter_gate(facts, rules),
            _fasting_gate(facts, rules),
            _driving_gate(facts),
            *_substance_gate(facts.substances_today),
            _same_day_gate(facts),
            _interval_gate(facts, rules),
            _sessions_gate(facts, rules),
            _expiry_gate(facts, rules),
        )
        if finding is not None
    ]
    return GateResult(allowed=not findings, findings=tuple(findings))


# A dose taken although the gate held it: what held it decides how pressing it is.
_EMERGENCY_HOLDS = frozenset({Cause.SUICIDALITY_HOLD, Cause.BP_HARD_STOP_TODAY})


def dose_against_gate(held: GateResult) -> Finding:
    """A dose the patient reports taking although the gate held it at dose time.

    What was taken is a fact and is recorded; the care team is paged: urgently, or as an
    emergency when a suicidality hold or a blood-pressure hard stop held it (clinic's
    choice: the two holds only a clinician lifts).
    """
    if held.allowed:
        raise InvalidSafetyInput("dose_against_gate needs a gate that held the dose.")
    causes = {f.cause for f in held.findings}
    hard_stop = any(
        f.cause == Cause.BP_GATE_FAILED and f.severity is Severity.URGENT for f in held.findings
    )
    emergency = bool(causes & _EMERGENCY_HOLDS) or hard_stop
    return Finding(
        severity=Severity.EMERGENCY if emergency else Severity.URGENT,
        cause=Cause.DOSE_AGAINST_GATE,
        message="A dose was taken although the checklist no longer allowed it: "
        + " ".join(f.message for f in held.findings),
        source="CLINICAL.md D, G1, G2",
        next_step="Stay with your sitter and do not take anything else. Your care team has "
        "been told and will call you. If you feel very unwell, call the emergency number.",
    )
