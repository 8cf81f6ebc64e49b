"""Titration: a suggestion (never a change) from the post-session reports.

Step up, hold or step down one formulation step, with the reasons, for the prescriber:
high dissociation (CLINICAL.md A7), adverse events, a blood-pressure rise (D, G6) and
vomiting weigh first, then the PHQ-9 response (A11) at the minimum effective dose (C),
within the session cap and one revision's largest increase (G5).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from fractions import Fraction
from typing import Literal

from ketacare.clinical import instruments, outcomes, postdose, safety
from ketacare.clinical.dosing.inputs import (
    InvalidDosingInput,
    _exact,
    _require_amount,
    _require_aware,
    _require_bool,
    _require_member,
    _text,
)
from ketacare.clinical.dosing.limits import revision_limit
from ketacare.clinical.dosing.plans import DosePlan
from ketacare.clinical.dosing.rules import DEFAULT_RULES, DosingRules, TitrationAction
from ketacare.clinical.safety import AdverseEventSeverity
from ketacare.clinical.vitals import BloodPressure


@dataclass(frozen=True)
class SessionReport:
    """What was reported after one session: the dose, CADSS-6, side effects, blood pressure."""

    at: datetime
    dose_mg: float
    cadss6_total: int | None = None  # None: not asked
    adverse_event: AdverseEventSeverity | None = None  # the worst grade reported; None: none
    serious_adverse_event: bool = False
    vomited: bool = False
    bp_before: BloodPressure | None = None  # before the dose and ~40 min after (CLINICAL.md D)
    bp_after: BloodPressure | None = None

    def __post_init__(self) -> None:
        _require_aware("at", self.at)
        _require_amount("dose_mg", self.dose_mg, "mg")
        maximum = instruments.get("cadss6").max_total  # CLINICAL.md A7: 0-24
        if self.cadss6_total is not None and (
            type(self.cadss6_total) is not int or not 0 <= self.cadss6_total <= maximum
        ):
            raise InvalidDosingInput(
                f"cadss6_total must be a whole number 0-{maximum} or None, "
                f"not {self.cadss6_total!r}."
            )
        if self.adverse_event is not None:
            _require_member("adverse_event", self.adverse_event, AdverseEventSeverity)
        _require_bool("serious_adverse_event", self.serious_adverse_event)
        _require_bool("vomited", self.vomited)
        readings = (self.bp_before, self.bp_after)
        if any(r is not None and not isinstance(r, BloodPressure) for r in readings):
            raise InvalidDosingInput(
                f"bp_before and bp_after must be BloodPressure, not {readings!r}."
            )
        if (self.bp_before is None) != (self.bp_after is None):
            raise InvalidDosingInput(
                "bp_before and bp_after go together: give both readings or neither."
            )


@dataclass(frozen=True)
class Suggestion:
    """A titration suggestion for the prescriber, with its reasons; it never changes the plan."""

    action: TitrationAction
    current_dose_mg: float
    suggested_dose_mg: float
    take: str  # what the patient would take at the suggested dose
    reasons: tuple[str, ...]
    for_prescriber: Literal[True] = True
    source: str = (
        "CLINICAL.md C: dose titrated from post-session reports; the minimum effective dose"
    )


def _session_problems(
    session: SessionReport, rules: DosingRules
) -> list[tuple[TitrationAction, str]]:
    on = f"after the session of {session.at.date().isoformat()} ({_text(session.dose_mg)} mg)"
    problems = []
    threshold = safety.high_dissociation_threshold(rules.safety_rules)
    if session.cadss6_total is not None and session.cadss6_total >= threshold:
        problems.append(
            (
                TitrationAction.STEP_DOWN,
                (
                    f"CADSS-6 {session.cadss6_total} {on} is at or above the "
                    f"high-dissociation threshold {threshold} (CLINICAL.md A7)."
                ),
            )
        )
    grade = session.adverse_event
    if grade in (AdverseEventSeverity.SEVERE, AdverseEventSeverity.LIFE_THREATENING) or (
        session.serious_adverse_event
    ):
        event = "A serious adverse event" if session.serious_adverse_event else "An adverse event"
        problems.append(
            (
                TitrationAction.STEP_DOWN,
                f"{event} ({grade.replace('_', '-') if grade else 'grade not given'}) {on}.",
            )
        )
    elif grade is AdverseEventSeverity.MODERATE:
        problems.append((rules.on_moderate_adverse_event, f"A moderate adverse event {on}."))
    if session.bp_before is not None and session.bp_after is not None:
        finding = postdose.check_post_dose_reading(
            session.bp_before, session.bp_after, earlier_high=False, rules=rules.safety_rules
        )
        # A rise of 40/25 mmHg, the hard stop or a crisis (CLINICAL.md D, G6); a reading
        # only above the pre-dose gate asks for a re-measure, not a lower dose.
        if finding is not None and finding.severity in _URGENT:
            problems.append((rules.on_blood_pressure_rise, f"{finding.message.rstrip('.')} {on}."))
    if session.vomited:
        problems.append((rules.on_vomiting, f"Vomiting {on}: part of the dose may have been lost."))
    return problems


_URGENT = frozenset({safety.Severity.URGENT, safety.Severity.EMERGENCY})


def _response(
    baseline: int | None, current: int | None, rules: DosingRules
) -> tuple[bool | None, str]:
    if baseline is None or current is None:
        missing = "a baseline PHQ-9" if baseline is None else "a PHQ-9 since the first dose"
        return None, f"No response can be judged without {missing}."
    change = outcomes.change("phq9", baseline=baseline, current=current, rules=rules.outcome_rules)
    if not change.baseline_significant:
        return None, (
            f"PHQ-9 {baseline} at baseline is below a clinically significant score, so a "
            "response does not apply (CLINICAL.md G9): judge the dose on how the sessions go."
        )
    if change.response is None:
        return None, "The outcome rules define no PHQ-9 response, so none can be judged."
    percent = "" if change.percent is None else f" ({change.percent:+g}%)"
    words = f"PHQ-9 {baseline} at baseline, {current} now{percent}"
    needed = f"{rules.outcome_rules.response_reduction_percent:g}%"
    if change.response:
        return True, (
            f"{words}: a response (a fall of at least {needed}, CLINICAL.md A11); stay at the "
            "minimum effective dose (CLINICAL.md C)."
        )
    return (
        False,
        f"{words}: no response yet (a response is a fall of at least {needed}, CLINICAL.md A11).",
    )


def _suggest(
    plan: DosePlan, action: TitrationAction, dose_mg: Fraction, reasons: list[str]
) -> Suggestion:
    return Suggestion(
        action=action,
        current_dose_mg=plan.dose_mg,
        suggested_dose_mg=float(dose_mg),
        take=plan.formulation.take(float(dose_mg)),
        reasons=(
            *reasons,
            "A suggestion for the prescriber: the plan changes only if they change it.",
        ),
    )


def _step_down(plan: DosePlan, reasons: list[str]) -> Suggestion:
    target = max(_exact(plan.dose_mg) - plan.formulation._unit(), Fraction(0))
    lowest = plan.caps.min_mg_per_session
    if lowest is not None and target < _exact(lowest):
        reasons.append(
            f"One step down from {_text(plan.dose_mg)} mg is below the lowest session dose of "
            f"{_text(lowest)} mg ({plan.caps.source}): no dose until the prescriber reviews."
        )
        target = Fraction(0)
    elif target == 0:
        reasons.append(
            f"One step down from {_text(plan.dose_mg)} mg is no dose: the prescriber decides "
            "whether to pause or stop."
        )
    else:
        reasons.append(f"One step down: {_text(plan.dose_mg)} mg to {_text(target)} mg.")
    return _suggest(plan, TitrationAction.STEP_DOWN, target, reasons)


def suggest_titration(
    plan: DosePlan,
    recent_sessions: Iterable[SessionReport],
    *,
    phq9_baseline: int | None,
    phq9_current: int | None,
    rules: DosingRules = DEFAULT_RULES,
) -> Suggestion:
    """Step up, hold or step down one formulation step, with the reasons, for the prescriber.

    Reads the last `rules.sessions_before_step_up` sessions (sessions at a dose above the
    current one are skipped: the dose has already come down from them). Any CADSS-6 at or
    above the high-dissociation threshold, or a severe, life-threatening or serious
    adverse event, steps down; a blood-pressure rise (postdose.check_post_dose_reading),
    vomiting or a moderate adverse event hold or step down as the rules say. Otherwise a
    PHQ-9 response holds (the minimum effective dose, CLINICAL.md C), and so does a
    response that cannot be judged yet. Only tolerated sessions at the current dose,
    enough of them, and no response yet step up, and never above the session cap ("at
    the cap" holds instead) nor by more than one plan revision may raise the dose
    (`revision_limit`, CLINICAL.md G5: a step that large holds instead). Never below zero.
    """
    if not isinstance(plan, DosePlan):
        raise InvalidDosingInput(f"plan must be a DosePlan, not {plan!r}.")
    sessions = sorted(recent_sessions, key=_utc_of)
    needed = rules.sessions_before_step_up
    current = _exact(plan.dose_mg)
    reviewed = [s for s in sessions[-needed:] if _exact(s.dose_mg) <= current]
    problems = [p for s in reviewed for p in _session_problems(s, rules)]
    if any(action is TitrationAction.STEP_DOWN for action, _ in problems):
        return _step_down(plan, [reason for _, reason in problems])
    if problems:
        return _suggest(plan, TitrationAction.HOLD, current, [reason for _, reason in problems])
    responded, response_reason = _response(phq9_baseline, phq9_current, rules)
    if responded is not False:
        return _suggest(plan, TitrationAction.HOLD, current, [response_reason])
    return _without_response(plan, reviewed, response_reason, rules)


def _without_response(
    plan: DosePlan, reviewed: list[SessionReport], response_reason: str, rules: DosingRules
) -> Suggestion:
    """Tolerated sessions and no response yet: a step up once enough were at the dose."""
    needed = rules.sessions_before_step_up
    current = _exact(plan.dose_mg)
    at_dose = [s for s in reviewed if _exact(s.dose_mg) == current]
    if len(at_dose) < needed:
        return _suggest(
            plan,
            TitrationAction.HOLD,
            current,
            [
                response_reason,
                (
                    f"{len(at_dose)} of the last sessions at {_text(current)} mg; {needed} "
                    "tolerated sessions at the dose come before a step up (ketacare default)."
                ),
            ],
        )
    tolerated = f"The last {needed} sessions at {_text(current)} mg were tolerated."
    return _step_up(plan, [tolerated, response_reason], rules)


def _step_up(plan: DosePlan, reasons: list[str], rules: DosingRules) -> Suggestion:
    """One step up, unless it would pass the session cap or one revision's largest increase."""
    current = _exact(plan.dose_mg)
    target = current + plan.formulation._unit()
    ceiling = plan.caps._session_ceiling(plan.weight_kg)
    limit = revision_limit(plan.dose_mg, plan.caps, plan.weight_kg, rules)
    if ceiling is not None and target > ceiling:
        reasons.append(
            f"At the cap: one step up, {_text(target)} mg, would be above the session "
            f"cap of {_text(ceiling)} mg at {_text(plan.weight_kg)} kg ({plan.caps.source})."
        )
    elif target > _exact(limit.most_mg):
        reasons.append(
            f"One step up, {_text(target)} mg, is more than one revision allows. "
            f"{limit.why} ({limit.source}); a product with smaller steps would allow a step up."
        )
    else:
        reasons.append(f"One step up: {_text(current)} mg to {_text(target)} mg.")
        return _suggest(plan, TitrationAction.STEP_UP, target, reasons)
    return _suggest(plan, TitrationAction.HOLD, current, reasons)


def _utc_of(session: object) -> datetime:
    if not isinstance(session, SessionReport):
        raise InvalidDosingInput(
            f"recent_sessions must hold SessionReport entries, not {session!r}."
        )
    return session.at.astimezone(UTC)
