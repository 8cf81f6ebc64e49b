"""Eligibility for the at-home ketamine program: TRD, Maudsley stage, exclusions, cautions.

Intake facts in, an assessment out: the number of failed adequate antidepressant
trials, whether that makes the depression treatment-resistant (TRD), the Maudsley
stage when the clinician has scored its domains, and a decision with its findings.

- An absolute exclusion (CLINICAL.md D) makes the patient `ineligible`.
- A relative contraindication or an unmet home requirement is a caution: the patient
  `needs_review`, and a clinician must write a justification before approval. This
  package only reports; recording the justification is the intake workflow's job.
- Info findings (TRD status, the Maudsley stage, a low screen) never change the decision.

By topic: `facts` (what intake established, and its checks), `rules` (the clinic's
thresholds), `trd` (failed adequate trials and the Maudsley stage), `findings` (what
each fact weighs, with its source) and `decision` (`assess_eligibility`).
"""

from __future__ import annotations

from ketacare.clinical.eligibility.decision import (
    Decision,
    EligibilityAssessment,
    assess_eligibility,
)
from ketacare.clinical.eligibility.facts import (
    MAUDSLEY_RANGES,
    AntidepressantTrial,
    CssrsRisk,
    Dast10Band,
    DisorderStatus,
    HomeSituation,
    Hypertension,
    IntakeFacts,
    InvalidIntake,
    MaudsleyDomains,
    MedicationClass,
    TrialOutcome,
    age_in_years,
)
from ketacare.clinical.eligibility.findings import Finding, FindingCode, Severity
from ketacare.clinical.eligibility.rules import DEFAULT_RULES, EligibilityRules
from ketacare.clinical.eligibility.trd import (
    MaudsleyBand,
    MaudsleyStage,
    TrdAssessment,
    TrialReview,
    TrialShortfall,
    assess_trd,
    review_trial,
    stage_maudsley,
)

__all__ = [
    "DEFAULT_RULES",
    "MAUDSLEY_RANGES",
    "AntidepressantTrial",
    "CssrsRisk",
    "Dast10Band",
    "Decision",
    "DisorderStatus",
    "EligibilityAssessment",
    "EligibilityRules",
    "Finding",
    "FindingCode",
    "HomeSituation",
    "Hypertension",
    "IntakeFacts",
    "InvalidIntake",
    "MaudsleyBand",
    "MaudsleyDomains",
    "MaudsleyStage",
    "MedicationClass",
    "Severity",
    "TrdAssessment",
    "TrialOutcome",
    "TrialReview",
    "TrialShortfall",
    "age_in_years",
    "assess_eligibility",
    "assess_trd",
    "review_trial",
    "stage_maudsley",
]
