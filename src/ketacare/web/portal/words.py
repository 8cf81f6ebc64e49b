"""What the patient and the sitter read about a session's findings: plain words, no jargon.

The services store each finding with a message for the care team and, for the patient,
a next step (`clinical.predose`, `clinical.postdose`). The pages show the next step, with
a short reason in everyday words from this module; never the care team's message, a
field name or a time zone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from ketacare.clinical import predose
from ketacare.clinical.safety import Cause, Finding
from ketacare.treatment.sessions import finding_from_json

# Why the checklist held the dose, in the patient's words; the finding's own next step
# says what to do.
GATE_REASONS: Mapping[Cause, str] = {
    Cause.SUICIDALITY_HOLD: "What you told us about thoughts of death or suicide",
    Cause.BP_GATE_FAILED: "Your blood pressure is too high right now",
    Cause.BP_HARD_STOP_TODAY: "Your blood pressure was too high earlier today",
    Cause.BP_REMEASURE_TOO_SOON: "It is too soon to measure your blood pressure again",
    Cause.BP_TRIES_USED: "Your blood pressure has been too high too many times today",
    Cause.HEART_RATE_GATE_FAILED: "Your heart rate",
    Cause.SITTER_ABSENT: "Your sitter has not confirmed being with you",
    Cause.NOT_FASTED: "You have not fasted",
    Cause.DRIVING_PLANNED: "You may need to drive before tomorrow",
    Cause.INTERACTING_SUBSTANCE: "Something you have taken today does not mix with your dose",
    Cause.DOSE_TOO_SOON: "It is too soon after your last dose",
    Cause.TOO_MANY_SESSIONS: "You have had all the doses your plan allows this week",
    Cause.DOSE_TODAY_ALREADY: "You have already taken a dose today",
    Cause.CHECKLIST_EXPIRED: "Your checklist is too old",
}
OTHER_REASON = "Something on your checklist"

# What the patient reads after a check-in finding: the care team has the details.
CHECK_IN_WORDS: Mapping[Cause, str] = {
    Cause.BP_RISE_AFTER_DOSE: (
        "Your blood pressure went up more than expected after the dose. Your care team "
        "has been told. Sit or lie down and rest, stay with your sitter, and measure again "
        "in a while. If you feel very unwell, call the emergency number below."
    ),
    Cause.HIGH_DISSOCIATION: (
        "You felt very detached or unreal this time. That can happen and usually passes. "
        "Your care team has been told and may talk with you about the next dose. Stay "
        "with your sitter and rest until it has passed."
    ),
    Cause.LATE_CHECK_IN: (
        "Your check-in came after the time asked. That is fine: it is saved, and your care "
        "team can see it."
    ),
}


@dataclass(frozen=True)
class Reason:
    why: str
    what_to_do: str


@dataclass(frozen=True)
class Held:
    """Why the dose may not be taken, in the patient's words.

    `crisis_first`: the gate held the dose over suicidality, so the page shows crisis
    help before anything else.
    """

    crisis_first: bool
    reasons: tuple[Reason, ...]


def held(findings: Iterable[Finding | Mapping[str, Any]]) -> Held:
    """The gate's findings (as raised, or as stored with the session) for the patient."""
    read = tuple(f if isinstance(f, Finding) else finding_from_json(f) for f in findings)
    gate = predose.GateResult(allowed=False, findings=read)
    reasons: list[Reason] = []
    for finding in read:
        reason = Reason(GATE_REASONS.get(finding.cause, OTHER_REASON), finding.next_step)
        if reason not in reasons:  # one line for two substances with the same next step
            reasons.append(reason)
    return Held(crisis_first=gate.suicidality_hold, reasons=tuple(reasons))


def crisis_line() -> str:
    """The national crisis line the operator set (e.g. "988"), or "" for a general word."""
    return str(settings.KETACARE_CRISIS_LINE)
