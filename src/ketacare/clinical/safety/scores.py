"""Findings from questionnaire scores: suicidality, dissociation and worsening.

Suicidality on any questionnaire (CLINICAL.md A1, A5, A6, A8; G3 at home), a CADSS-6
total at or above the high-dissociation threshold (A7), and a score that rose from
baseline by at least the instrument's MCID (A11), and a response lost after it was
reached (G9: relapse).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from ketacare.clinical import instruments, outcomes
from ketacare.clinical.instruments import SUICIDALITY, Score
from ketacare.clinical.safety.findings import Cause, Finding, Severity
from ketacare.clinical.safety.inputs import InvalidSafetyInput
from ketacare.clinical.safety.rules import DEFAULT_RULES, SafetyRules


def check_suicidality(score: Score, rules: SafetyRules = DEFAULT_RULES) -> Finding | None:
    """A suicidality flag on any questionnaire: emergency for C-SSRS high risk, else urgent."""
    if not isinstance(score, Score):
        raise InvalidSafetyInput(f"score must be an instruments Score, not {score!r}.")
    instrument = instruments.get(score.instrument)
    if SUICIDALITY not in score.flags:
        if score.instrument == "cssrs_screen" and score.band == "low":
            return _low_cssrs(score, instrument.source, rules)
        return None
    if score.instrument == "cssrs_screen" and score.band in rules.emergency_cssrs_bands:
        severity, action = Severity.EMERGENCY, "needs immediate clinical contact"
    else:
        # CLINICAL.md A1: "same-day clinical follow-up", applied to every other flag.
        severity, action = Severity.URGENT, "needs same-day clinical follow-up"
    return Finding(
        severity=severity,
        cause=Cause.SUICIDALITY,
        message=f"{instrument.title} flags suicidality (total {score.total}, "
        f"{score.band.replace('_', ' ')}); {action}.",
        source=instrument.source,
    )


def suicidality_so_far(
    questionnaires: Mapping[str, object], rules: SafetyRules = DEFAULT_RULES
) -> Finding | None:
    """The most urgent suicidality among questionnaires still being filled in (a draft).

    `questionnaires` maps an instrument's code to its answers so far, in item order.
    An item not yet answered counts as 0, so a flag raised by the answers given stands at
    once (G3: at home no clinician is present); answers that cannot be scored yet (a
    C-SSRS follow-up answered before its gate, an AUDIT-C without a sex) raise nothing
    until they can.
    """
    found = [
        finding
        for code, answers in questionnaires.items()
        if code in instruments.CODES and isinstance(answers, Sequence)
        for finding in [_suicidality_of_draft(code, answers, rules)]
        if finding is not None
    ]
    return max(found, key=lambda f: list(Severity).index(f.severity), default=None)


def _suicidality_of_draft(
    code: str, answers: Sequence[object], rules: SafetyRules
) -> Finding | None:
    items = instruments.get(code).items
    padded = [*answers, *[0] * max(len(items) - len(answers), 0)]
    numbered = {
        item.number: answer if isinstance(answer, int) else 0
        for item, answer in zip(items, padded, strict=False)
        if item.scored
    }
    try:
        score = instruments.score(code, numbered)
    except instruments.InvalidAnswers:
        return None
    return check_suicidality(score, rules)


def _low_cssrs(score: Score, source: str, rules: SafetyRules) -> Finding:
    return Finding(
        severity=rules.low_cssrs_severity,
        cause=Cause.SUICIDALITY,
        message="C-SSRS screen: a wish to be dead or suicidal thoughts, without method, "
        "intent, plan or recent behaviour (low triage); at home with no clinician present "
        "it needs same-day clinical follow-up (CLINICAL.md G3), and dosing is held until "
        "a clinician clears it.",
        source=f"{source}, G3",
    )


def high_dissociation_threshold(rules: SafetyRules = DEFAULT_RULES) -> int:
    """The CADSS-6 total at or above which dissociation after a session is high."""
    if rules.high_dissociation_total is not None:
        return rules.high_dissociation_total
    bands = {band.label: band for band in instruments.get("cadss6").bands}
    return bands["severe"].low


def check_dissociation(cadss6_total: int, rules: SafetyRules = DEFAULT_RULES) -> Finding | None:
    """A CADSS-6 total after a session at or above the high-dissociation threshold (warning)."""
    maximum = instruments.get("cadss6").max_total  # CLINICAL.md A7: 0-24
    if type(cadss6_total) is not int or not 0 <= cadss6_total <= maximum:
        raise InvalidSafetyInput(
            f"cadss6_total must be a whole number 0-{maximum}, not {cadss6_total!r}."
        )
    threshold = high_dissociation_threshold(rules)
    if cadss6_total < threshold:
        return None
    return Finding(
        severity=Severity.WARNING,
        cause=Cause.HIGH_DISSOCIATION,
        message=f"CADSS-6 total {cadss6_total} of {maximum} is at or above the "
        f"high-dissociation threshold {threshold}.",
        source="CLINICAL.md A7",
    )


def check_worsening(
    code: str, *, baseline: int, current: int, rules: outcomes.OutcomeRules = outcomes.DEFAULT_RULES
) -> Finding | None:
    """A score that rose from baseline by at least the instrument's MCID (warning)."""
    result = outcomes.change(code, baseline=baseline, current=current, rules=rules)
    if not result.worsening:
        return None
    return Finding(
        severity=Severity.WARNING,
        cause=Cause.WORSENING,
        message=f"{instruments.get(code).title} rose from {baseline} at baseline to {current}, "
        f"up {result.delta} points, at or above the minimal clinically important difference "
        f"of {rules.mcid[code]} points.",
        source="CLINICAL.md A11",
    )


# The routine checks on treatment that ask for a clinician's review when positive: the
# cause, the message (with the score's total and band) and the source.
_MONITORING: Mapping[str, tuple[Cause, str, str]] = {
    "bladder": (
        Cause.BLADDER_SYMPTOMS,
        (
            "{total} of 4 bladder symptoms reported: a clinician reviews them "
            "(ketamine-associated cystitis)."
        ),
        "CLINICAL.md G10",
    ),
    "dast10": (
        Cause.MISUSE_SCREEN,
        (
            "DAST-10 {total} of 10 ({band} band) on treatment: a clinician reviews "
            "possible drug misuse."
        ),
        "CLINICAL.md A10",
    ),
}


def check_monitoring(score: Score) -> Finding | None:
    """A positive routine check on treatment: bladder symptoms (G10) or drug use (A10).

    Each asks for a clinician's review (warning): any bladder symptom (G10: clinic's
    choice), a DAST-10 of 3 or more (A10's moderate band, as at intake).
    """
    known = _MONITORING.get(score.instrument)
    if known is None or instruments.POSITIVE_SCREEN not in score.flags:
        return None
    cause, words, source = known
    return Finding(
        severity=Severity.WARNING,
        cause=cause,
        message=words.format(total=score.total, band=score.band),
        source=source,
    )


def check_relapse(track: outcomes.Trajectory, at: datetime) -> Finding | None:
    """The score at `at` lost a response reached earlier: a relapse (warning, G9)."""
    if track.relapsed_at is None or track.relapsed_at != at or track.baseline is None:
        return None
    lost = next(c for o, c in zip(track.follow_ups, track.changes, strict=True) if o.at == at)
    title = instruments.get(track.instrument).title
    return Finding(
        severity=Severity.WARNING,
        cause=Cause.RELAPSE,
        message=f"{title} is {lost.current}, no longer a response from {lost.baseline} at "
        "baseline: the response reached earlier in treatment has been lost.",
        source="CLINICAL.md G9",
    )


def is_suicidality_signal(instrument: str, band: str, flags: Iterable[str]) -> bool:
    """Whether a stored response holds dosing: any suicidality flag, or C-SSRS ideation.

    C-SSRS "low" (Q1/Q2) carries no flag in the instrument, but at home it is at least
    urgent and holds dosing until a clinician clears it (CLINICAL.md G3).
    """
    return SUICIDALITY in flags or (instrument == "cssrs_screen" and band != "none")
