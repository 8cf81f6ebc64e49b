"""The clinic-overridable eligibility thresholds (defaults from CLINICAL.md D).

A clinic overrides any of them with `dataclasses.replace(DEFAULT_RULES, ...)`; where
CLINICAL.md gives no number the setting is a ketacare clinic default, marked so.
"""

from __future__ import annotations

from dataclasses import dataclass

from ketacare.clinical.eligibility.facts import (
    Dast10Band,
    InvalidIntake,
    _check_member,
    _check_weeks,
    _check_whole_number,
    _check_yes_no,
)
from ketacare.clinical.vitals import BP_DELAY_GATE_MMHG, BP_HARD_STOP_MMHG


@dataclass(frozen=True)
class EligibilityRules:
    """Clinic-overridable eligibility thresholds (defaults from CLINICAL.md D)."""

    # CLINICAL.md D: age < 18 is an absolute exclusion.
    minimum_age_years: int = 18
    # CLINICAL.md D: an adequate trial is commonly >= 6 weeks at an adequate dose.
    minimum_trial_weeks: float = 6.0
    # CLINICAL.md D: TRD is failure of >= 2 adequate trials in the current episode.
    trd_minimum_failed_trials: int = 2
    # CLINICAL.md D: consider delaying if > 140/90 (default gate; configurable). At intake
    # a reading above it asks the clinician to rule out uncontrolled hypertension.
    bp_gate_systolic_mmhg: int = BP_DELAY_GATE_MMHG[0]
    bp_gate_diastolic_mmhg: int = BP_DELAY_GATE_MMHG[1]
    # CLINICAL.md D: hard stop >= 160/100 is "our clinic default, not a published number";
    # at intake a reading at or above it is treated as uncontrolled hypertension.
    bp_hard_stop_systolic_mmhg: int = BP_HARD_STOP_MMHG[0]
    bp_hard_stop_diastolic_mmhg: int = BP_HARD_STOP_MMHG[1]
    # A positive AUDIT-C (CLINICAL.md A9) asks the clinician to rule out an active alcohol
    # use disorder (an exclusion, D) before approval. Making it a caution rather than
    # information is a ketacare clinic default (a policy, not a published cut-off).
    positive_audit_c_is_caution: bool = True
    # CLINICAL.md A10 gives DAST-10 bands but no cut-off for eligibility. Fail closed: from
    # the moderate band (a score of 3 or more) drug use is a caution a clinician must
    # justify; below it, information. Clinic's choice (None: information only).
    dast10_caution_from: Dast10Band | None = Dast10Band.MODERATE

    def __post_init__(self) -> None:
        for name in (
            "minimum_age_years",
            "trd_minimum_failed_trials",
            "bp_gate_systolic_mmhg",
            "bp_gate_diastolic_mmhg",
            "bp_hard_stop_systolic_mmhg",
            "bp_hard_stop_diastolic_mmhg",
        ):
            _check_whole_number(f"rules.{name}", getattr(self, name), minimum=1)
        _check_weeks("rules.minimum_trial_weeks", self.minimum_trial_weeks)
        if not (
            self.bp_gate_systolic_mmhg < self.bp_hard_stop_systolic_mmhg
            and self.bp_gate_diastolic_mmhg < self.bp_hard_stop_diastolic_mmhg
        ):
            raise InvalidIntake(
                "rules: the blood-pressure gate must be below the hard stop on both numbers, "
                f"not {self.bp_gate_systolic_mmhg}/{self.bp_gate_diastolic_mmhg} against "
                f"{self.bp_hard_stop_systolic_mmhg}/{self.bp_hard_stop_diastolic_mmhg} mmHg."
            )
        _check_yes_no("rules.positive_audit_c_is_caution", self.positive_audit_c_is_caution)
        if self.dast10_caution_from is not None:
            _check_member("rules.dast10_caution_from", self.dast10_caution_from, Dast10Band)


DEFAULT_RULES = EligibilityRules()
