"""The published cohort a clinic's report is held against (CLINICAL.md F, Hull 2022).

Hull 2022 (J Affect Disord 314:59): at-home sublingual ketamine, n = 1,247, 4 sessions
over 4 weeks, assessed after session 4 (week 4; CLINICAL.md G9). Its rates are drawn as
reference marks beside the clinic's at the same endpoint; it reported no PCL-5.
"""

from __future__ import annotations

REFERENCE_NAME = "Hull 2022"
REFERENCE_SESSION = 4  # its week-4 assessment, after session 4 (CLINICAL.md G9)
# CLINICAL.md F: PHQ-9 response 62.8%, remission 32.6%; GAD-7 response 62.9%, remission
# 31.3%; worsening 0.9% / 0.6%.
RATES: dict[str, dict[str, float]] = {
    "phq9": {"response": 0.628, "remission": 0.326, "worsening": 0.009},
    "gad7": {"response": 0.629, "remission": 0.313, "worsening": 0.006},
}
# CLINICAL.md F: trajectories 79.3% improving, 11.4% chronic, 9.3% delayed.
CLASSES: dict[str, float] = {"improving": 0.793, "chronic": 0.114, "delayed": 0.093}


def reference_rate(instrument: str, measure: str) -> float | None:
    """Hull 2022's rate of `measure` on `instrument`; None where it reported none."""
    return RATES.get(instrument, {}).get(measure)
