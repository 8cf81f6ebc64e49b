"""The eligibility decision: any exclusion rules out, any caution needs review.

A clinician must write a justification for each caution before approval; this package
only reports, and recording the justification is the intake workflow's job.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from ketacare.clinical.eligibility.facts import IntakeFacts, _check_instance
from ketacare.clinical.eligibility.findings import (
    Finding,
    Severity,
    _age_findings,
    _blood_pressure_findings,
    _history_findings,
    _home_findings,
    _maudsley_finding,
    _screen_findings,
    _trd_finding,
)
from ketacare.clinical.eligibility.rules import DEFAULT_RULES, EligibilityRules
from ketacare.clinical.eligibility.trd import (
    MaudsleyStage,
    TrialReview,
    assess_trd,
    stage_maudsley,
)


class Decision(StrEnum):
    """The outcome of an eligibility assessment."""

    ELIGIBLE = "eligible"
    NEEDS_REVIEW = "needs_review"  # a clinician must justify each caution before approval
    INELIGIBLE = "ineligible"


@dataclass(frozen=True)
class EligibilityAssessment:
    """The eligibility decision with its findings, TRD status and Maudsley stage."""

    decision: Decision
    findings: tuple[Finding, ...]  # exclusions first, then cautions, then information
    trial_reviews: tuple[TrialReview, ...]
    failed_adequate_trials: int
    trd: bool
    maudsley: MaudsleyStage | None

    def with_severity(self, severity: Severity) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity is severity)


_SEVERITY_ORDER = {Severity.EXCLUSION: 0, Severity.CAUTION: 1, Severity.INFO: 2}


def assess_eligibility(
    facts: IntakeFacts, rules: EligibilityRules = DEFAULT_RULES
) -> EligibilityAssessment:
    """Eligibility for the at-home program: any exclusion rules out, any caution needs review."""
    _check_instance("facts", facts, IntakeFacts)
    trd = assess_trd(facts.antidepressant_trials, rules)
    maudsley = None if facts.maudsley is None else stage_maudsley(facts.maudsley)
    findings = [
        *_age_findings(facts, rules),
        *_history_findings(facts),
        *_blood_pressure_findings(facts, rules),
        *_screen_findings(facts, rules),
        *_home_findings(facts),
        _trd_finding(trd, rules),
    ]
    if maudsley is not None:
        findings.append(_maudsley_finding(maudsley))
    findings.sort(key=lambda finding: _SEVERITY_ORDER[finding.severity])  # stable sort
    severities = {finding.severity for finding in findings}
    if Severity.EXCLUSION in severities:
        decision = Decision.INELIGIBLE
    elif Severity.CAUTION in severities:
        decision = Decision.NEEDS_REVIEW
    else:
        decision = Decision.ELIGIBLE
    return EligibilityAssessment(
        decision=decision,
        findings=tuple(findings),
        trial_reviews=trd.reviews,
        failed_adequate_trials=trd.failed_adequate_trials,
        trd=trd.trd,
        maudsley=maudsley,
    )
