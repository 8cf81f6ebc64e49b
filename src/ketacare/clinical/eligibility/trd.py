"""Treatment resistance: failed adequate antidepressant trials, and the Maudsley stage.

CLINICAL.md D: TRD is failure of at least 2 adequate trials (adequate dose, commonly at
least 6 weeks) in the current episode; the Maudsley Staging Method (Fekadu 2018) totals
the clinician's three domain scores (3-15) into a band.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from ketacare.clinical.eligibility.facts import (
    AntidepressantTrial,
    InvalidIntake,
    MaudsleyDomains,
    TrialOutcome,
    _check_instance,
)
from ketacare.clinical.eligibility.rules import DEFAULT_RULES, EligibilityRules


class TrialShortfall(StrEnum):
    """Why an antidepressant trial does not count towards TRD (CLINICAL.md D)."""

    RESPONDED = "responded"
    NOT_TOLERATED = "not_tolerated"
    ONGOING = "ongoing"
    DOSE_NOT_ADEQUATE = "dose_not_adequate"
    TOO_SHORT = "too_short"
    NOT_CURRENT_EPISODE = "not_current_episode"


class MaudsleyBand(StrEnum):
    """Maudsley Staging Method bands (CLINICAL.md D, Fekadu 2018)."""

    MILD = "mild"
    MODERATE = "moderate"
    SEVERE = "severe"


# CLINICAL.md D: 3-6 mild, 7-10 moderate, 11-15 severe (upper bound of each band).
_MAUDSLEY_BANDS = ((6, MaudsleyBand.MILD), (10, MaudsleyBand.MODERATE), (15, MaudsleyBand.SEVERE))


@dataclass(frozen=True)
class MaudsleyStage:
    """A Maudsley Staging Method total (3-15) and its band."""

    domains: MaudsleyDomains
    total: int
    band: MaudsleyBand


def stage_maudsley(domains: MaudsleyDomains) -> MaudsleyStage:
    """The Maudsley total and band from the clinician's domain scores (CLINICAL.md D)."""
    if not isinstance(domains, MaudsleyDomains):
        raise InvalidIntake(f"maudsley must be MaudsleyDomains, not {domains!r}.")
    total = domains.duration + domains.severity + domains.treatment_failures
    band = next(band for high, band in _MAUDSLEY_BANDS if total <= high)
    return MaudsleyStage(domains=domains, total=total, band=band)


@dataclass(frozen=True)
class TrialReview:
    """Whether one antidepressant trial counts towards TRD, and why not if it does not."""

    trial: AntidepressantTrial
    shortfalls: tuple[TrialShortfall, ...]  # empty: a failed adequate trial
    explanation: str

    @property
    def counts(self) -> bool:
        return not self.shortfalls


@dataclass(frozen=True)
class TrdAssessment:
    """Treatment-resistant depression by the count of failed adequate trials (CLINICAL.md D)."""

    reviews: tuple[TrialReview, ...]
    failed_adequate_trials: int
    trd: bool


# --- TRD -----------------------------------------------------------------------------

# CLINICAL.md D: only a failed trial counts; a response, an intolerance stopped early or a
# trial still running is not a failure of an adequate trial.
_OUTCOME_SHORTFALL = {
    TrialOutcome.RESPONDED: (TrialShortfall.RESPONDED, "the patient responded"),
    TrialOutcome.NOT_TOLERATED: (TrialShortfall.NOT_TOLERATED, "it was not tolerated"),
    TrialOutcome.ONGOING: (TrialShortfall.ONGOING, "it is still ongoing"),
}


def review_trial(
    trial: AntidepressantTrial, rules: EligibilityRules = DEFAULT_RULES
) -> TrialReview:
    """Whether a trial is a failed trial of adequate dose and duration in this episode."""
    _check_instance("antidepressant trial", trial, AntidepressantTrial)
    weeks = f"{trial.duration_weeks:g}"
    minimum = f"{rules.minimum_trial_weeks:g}"
    reasons: list[tuple[TrialShortfall, str]] = []
    if trial.outcome in _OUTCOME_SHORTFALL:
        reasons.append(_OUTCOME_SHORTFALL[trial.outcome])
    if not trial.adequate_dose:
        reasons.append((TrialShortfall.DOSE_NOT_ADEQUATE, "the dose was not adequate"))
    # CLINICAL.md D: adequate duration, commonly >= 6 weeks.
    if trial.duration_weeks < rules.minimum_trial_weeks:
        reasons.append((TrialShortfall.TOO_SHORT, f"{weeks} weeks is shorter than {minimum} weeks"))
    if not trial.in_current_episode:
        reasons.append((TrialShortfall.NOT_CURRENT_EPISODE, "not in the current episode"))
    if reasons:
        explanation = f"{trial.drug}: does not count ({'; '.join(r for _, r in reasons)})."
    else:
        explanation = (
            f"{trial.drug}: counts: failed after {weeks} weeks at an adequate dose "
            "in the current episode."
        )
    return TrialReview(
        trial=trial, shortfalls=tuple(s for s, _ in reasons), explanation=explanation
    )


def assess_trd(
    trials: Sequence[AntidepressantTrial], rules: EligibilityRules = DEFAULT_RULES
) -> TrdAssessment:
    """Count failed adequate trials in the current episode; TRD at >= 2 (CLINICAL.md D)."""
    reviews = tuple(review_trial(trial, rules) for trial in trials)
    failed = sum(review.counts for review in reviews)
    return TrdAssessment(
        reviews=reviews,
        failed_adequate_trials=failed,
        trd=failed >= rules.trd_minimum_failed_trials,
    )
