"""Suicidality before a dose (CLINICAL.md A1, A8, G3): crisis help comes first.

Any unresolved suicidality alert, any flag since the last clinician review, and the
checklist's own C-SSRS screen hold the dose until a clinician records a clearance.
"""

from __future__ import annotations

from ketacare.clinical import instruments
from ketacare.clinical.instruments import Score
from ketacare.clinical.predose.facts import PreDoseFacts, _gate_finding
from ketacare.clinical.safety import (
    Cause,
    Finding,
    InvalidSafetyInput,
    SafetyRules,
    check_suicidality,
    when,
)

# --- Suicidality (CLINICAL.md A1, A8, G3) --------------------------------------------------


def _suicidality_gate(facts: PreDoseFacts, rules: SafetyRules) -> Finding | None:
    reasons = [f"{s.what} ({when(s.at, facts.zone)})" for s in facts.suicidality]
    screen = facts.cssrs
    if screen is not None and check_suicidality(screen, rules) is not None:
        reasons.insert(0, f"the checklist's C-SSRS screen today ({screen.band} triage)")
    if not reasons:
        return None
    return _gate_finding(
        Cause.SUICIDALITY_HOLD,
        "Dosing is held until a clinician records a clearance: " + "; ".join(reasons) + ".",
        "Please do not take a dose today. What you told us about thoughts of death or "
        "suicide means your clinician needs to talk with you first; they have been told. "
        "If you might act on these thoughts, or feel unsafe now, call the emergency "
        "number or the crisis line now.",
        "CLINICAL.md A1, A8, G3",
    )


def checklist_cssrs(  # noqa: PLR0913 - the screen's six questions
    *,
    wish_to_be_dead: bool,
    suicidal_thoughts: bool,
    behaviour: bool,
    thoughts_with_method: bool = False,
    intent: bool = False,
    plan_with_intent: bool = False,
) -> Score:
    """The C-SSRS screen as the checklist asks it: since the last contact (CLINICAL.md G3).

    Questions 3-5 are asked only after a yes to question 2 (A8). Behaviour since the last
    contact is recent by definition, so it is both "ever" and "within 3 months" (A8:
    high triage). Refuses (InvalidAnswers) a yes to 3-5 without a yes to 2.
    """
    answers = (
        wish_to_be_dead,
        suicidal_thoughts,
        thoughts_with_method,
        intent,
        plan_with_intent,
        behaviour,
        behaviour,
    )
    if not all(type(a) is bool for a in answers):
        raise InvalidSafetyInput("Every C-SSRS answer is a yes or a no.")
    return instruments.score("cssrs_screen", [int(a) for a in answers])
