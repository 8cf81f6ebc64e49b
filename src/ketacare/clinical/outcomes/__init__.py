"""Change from baseline, response, remission, meaningful change and worsening.

CLINICAL.md A11: response is a >= 50% reduction from baseline; remission and the
minimal clinically important difference (MCID) depend on the instrument; the
baseline is the last score before the first dose.

    from ketacare.clinical import outcomes
    c = outcomes.change("phq9", baseline=20, current=8)     # one comparison
    t = outcomes.trajectory("phq9", observations, first_dose_at=first_dose_at)
    s = outcomes.summarise_cohort("phq9", trajectories)      # for a cohort report

By topic: `rules` (`OutcomeRules`), `comparison` (one score against the baseline),
`trajectories` (one patient's course) and `cohorts` (rates with Wilson intervals).
"""

from __future__ import annotations

from ketacare.clinical.outcomes.classes import ClassFit, TrajectoryClass, TrajectoryClasses
from ketacare.clinical.outcomes.cohorts import (
    Z_95,
    CohortSummary,
    Proportion,
    proportion,
    summarise_cohort,
    wilson_interval,
)
from ketacare.clinical.outcomes.comparison import Change, change, remitted
from ketacare.clinical.outcomes.report import (
    DEFAULT_REPORT_RULES,
    AdverseEventCount,
    BaselineSummary,
    CohortReport,
    Count,
    EndpointOutcome,
    PatientCourse,
    ReportRules,
    cohort_report,
)
from ketacare.clinical.outcomes.rules import DEFAULT_RULES, Comparison, OutcomeRules
from ketacare.clinical.outcomes.trajectories import (
    Observation,
    Trajectory,
    find_baseline,
    trajectory,
)

__all__ = [
    "DEFAULT_REPORT_RULES",
    "DEFAULT_RULES",
    "Z_95",
    "AdverseEventCount",
    "BaselineSummary",
    "Change",
    "ClassFit",
    "CohortReport",
    "CohortSummary",
    "Comparison",
    "Count",
    "EndpointOutcome",
    "Observation",
    "OutcomeRules",
    "PatientCourse",
    "Proportion",
    "ReportRules",
    "Trajectory",
    "TrajectoryClass",
    "TrajectoryClasses",
    "change",
    "cohort_report",
    "find_baseline",
    "proportion",
    "remitted",
    "summarise_cohort",
    "trajectory",
    "wilson_interval",
]
