"""When a dose may be taken: the spacing of doses, and the checklist's age.

CLINICAL.md C and G1: never two doses on one calendar day on the patient's clock, at
least the plan's interval between doses, at most the plan's sessions in any rolling 7
days (counted in elapsed hours); G2: a passed checklist authorises a dose for a while.
"""

from __future__ import annotations

from datetime import timedelta

from ketacare.clinical.predose.facts import PreDoseFacts, _gate_finding
from ketacare.clinical.safety import (
    Cause,
    Finding,
    SafetyRules,
    duration,
    utc,
    when,
)

# CLINICAL.md C: "at most twice weekly" is counted over any rolling 7 days. A dose
# exactly 7 days before `now` has left the window.
ROLLING_WINDOW = timedelta(days=7)


# --- Spacing (CLINICAL.md C, G1) -------------------------------------------------------------


def _same_day_gate(facts: PreDoseFacts) -> Finding | None:
    """CLINICAL.md G1: never two doses on one calendar day on the patient's clock."""
    today = facts.now.astimezone(facts.zone).date()
    doses = (*facts.recent_doses_at, *([facts.last_dose_at] if facts.last_dose_at else []))
    taken = [at for at in doses if at.astimezone(facts.zone).date() == today]
    if not taken:
        return None
    first = min(taken, key=utc)
    return _gate_finding(
        Cause.DOSE_TODAY_ALREADY,
        f"A dose was taken today already ({when(first, facts.zone)}); never two doses on "
        "one calendar day.",
        f"You have already taken a dose today, at {facts.at(first)}. Do not take another "
        "one today.",
        "CLINICAL.md G1",
    )


def _interval_gate(facts: PreDoseFacts, rules: SafetyRules) -> Finding | None:
    if facts.last_dose_at is None:
        return None
    interval = max(facts.min_interval_between_doses, rules.min_interval_between_doses)
    now, last_dose_at = utc(facts.now), utc(facts.last_dose_at)
    next_allowed = last_dose_at + interval
    if now >= next_allowed:
        return None
    return _gate_finding(
        Cause.DOSE_TOO_SOON,
        f"The last dose was {duration(now - last_dose_at)} ago "
        f"({when(last_dose_at, facts.zone)}); at least {duration(interval)} must pass "
        "between doses.",
        f"Do not take the dose now: it is too soon after your last one. The next dose "
        f"can be from {facts.at(next_allowed)}.",
        "treatment plan (CLINICAL.md C, G1)",
    )


def _sessions_gate(facts: PreDoseFacts, rules: SafetyRules) -> Finding | None:
    maximum = facts.max_sessions_per_7_days
    if maximum is None:
        maximum = rules.default_max_sessions_per_7_days
    window_start = utc(facts.now) - ROLLING_WINDOW
    in_window = sorted(utc(at) for at in facts.recent_doses_at if utc(at) > window_start)
    if len(in_window) < maximum:
        return None
    # The dose becomes allowed once enough of the oldest doses leave the window.
    next_allowed = in_window[len(in_window) - maximum] + ROLLING_WINDOW
    return _gate_finding(
        Cause.TOO_MANY_SESSIONS,
        f"{len(in_window)} doses in the last 7 days; the plan allows at most {maximum} "
        "in any 7 days.",
        f"Do not take the dose now. The next dose can be from {facts.at(next_allowed)}, "
        "or call the clinic.",
        "treatment plan (CLINICAL.md C)",
    )


# --- The checklist's age (CLINICAL.md G2) ----------------------------------------------------


def _expiry_gate(facts: PreDoseFacts, rules: SafetyRules) -> Finding | None:
    age = utc(facts.now) - utc(facts.measured_at)
    if age <= rules.checklist_valid_for:
        return None
    return _gate_finding(
        Cause.CHECKLIST_EXPIRED,
        f"The checklist was answered {duration(age)} ago ({when(facts.measured_at, facts.zone)}); "
        f"it authorises a dose for {duration(rules.checklist_valid_for)}.",
        f"Your checklist from {facts.at(facts.measured_at)} is too old. Do the checklist "
        "again, with a new blood pressure reading, before you take the dose.",
        "CLINICAL.md G2",
    )
