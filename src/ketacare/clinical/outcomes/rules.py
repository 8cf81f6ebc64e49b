"""The clinic-overridable outcome definitions (defaults from CLINICAL.md A11, A4, A6).

Response is a reduction of at least 50% from baseline; remission and the minimal
clinically important difference (MCID) are per instrument. A clinic's override is
checked where it is made, so that a misspelt definition cannot fail silently.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

# How a remission threshold reads: "below" means total < value, "at_most" total <= value.
Comparison = Literal["below", "at_most"]
_COMPARISONS: tuple[Comparison, ...] = ("below", "at_most")

_MAX_PERCENT = 100


@dataclass(frozen=True)
class OutcomeRules:
    """Clinic-overridable outcome definitions (defaults from CLINICAL.md A11, A4, A6)."""

    # CLINICAL.md A11: response = a reduction of at least 50% from baseline.
    response_reduction_percent: float = 50.0
    # CLINICAL.md A11 (A5, A6): remission per instrument. MADRS <= 10 (some trials use
    # <= 12: override here).
    remission: MappingProxyType[str, tuple[Comparison, int]] = field(
        default_factory=lambda: MappingProxyType(
            {
                "phq9": ("below", 5),
                "madrs": ("at_most", 10),
                "qids_sr16": ("at_most", 5),
                "gad7": ("below", 5),
            }
        )
    )
    # CLINICAL.md A11: PHQ-9 MCID 5 points (Lowe 2004); A4: PCL-5 10 points clinically
    # meaningful (secondary source); G9: GAD-7 about 4 points (Toussaint 2020). Where an
    # instrument has none, worsening is unknown (G9), never "no".
    mcid: MappingProxyType[str, int] = field(
        default_factory=lambda: MappingProxyType({"phq9": 5, "pcl5": 10, "gad7": 4})
    )
    # CLINICAL.md G9: Hull 2022 counted response and remission only from a clinically
    # significant baseline, PHQ-9 or GAD-7 >= 10. An instrument not named here needs a
    # baseline that is not already in remission (its own remission threshold): clinic's
    # choice. Below it, response and remission are "not applicable".
    significant_baseline: MappingProxyType[str, int] = field(
        default_factory=lambda: MappingProxyType({"phq9": 10, "gad7": 10})
    )
    # CLINICAL.md G9: a baseline older than 30 days before the first dose is stale
    # (clinic's choice); it is still the baseline, flagged so that a clinician re-scores.
    stale_baseline_days: int = 30
    # CLINICAL.md A11 names response (>= 50% reduction) for PHQ-9, MADRS and QIDS;
    # CLINICAL.md F reports GAD-7 response by the same rule (Hull 2022), and the cohort
    # report compares with it, so GAD-7 is counted too. PCL-5 change is judged by its
    # points (A4: MCID), not by a percentage; screens (PHQ-2, AUDIT-C, ...) have no response.
    response_instruments: frozenset[str] = frozenset({"phq9", "madrs", "qids_sr16", "gad7"})

    def least_significant(self, code: str) -> int:
        """The lowest baseline on `code` from which response and remission apply (G9)."""
        least = self.significant_baseline.get(code)
        if least is not None:
            return least
        definition = self.remission.get(code)
        if definition is None:
            return 1  # nothing to fall from below it
        # Not already in remission: "below" remits under the threshold, "at_most" at it.
        comparison, threshold = definition
        return threshold if comparison == "below" else threshold + 1

    def significant(self, code: str, baseline: int) -> bool:
        """Whether `baseline` is clinically significant enough to judge response on (G9)."""
        return baseline >= self.least_significant(code)

    def __post_init__(self) -> None:
        # A clinic's override must not fail silently: a misspelt comparison would
        # otherwise read as "at_most" and move every remission boundary.
        percent = self.response_reduction_percent
        is_number = isinstance(percent, int | float) and not isinstance(percent, bool)
        if not is_number or not 0 < percent <= _MAX_PERCENT:  # also rejects NaN
            raise ValueError(
                f"response_reduction_percent must be a number above 0 and at most 100, "
                f"not {percent!r}."
            )
        for code, definition in self.remission.items():
            if (
                not isinstance(definition, tuple)
                or len(definition) != 2  # noqa: PLR2004 - a (comparison, threshold) pair
                or definition[0] not in _COMPARISONS
                or type(definition[1]) is not int
                or definition[1] < 0
            ):
                raise ValueError(
                    f"remission[{code!r}] must be ('below' or 'at_most', a whole-number "
                    f"total of at least 0), not {definition!r}."
                )
        if type(self.stale_baseline_days) is not int or self.stale_baseline_days < 1:
            raise ValueError(
                f"stale_baseline_days must be a whole number of days >= 1, "
                f"not {self.stale_baseline_days!r}."
            )
        for code, least in self.significant_baseline.items():
            if type(least) is not int or least < 1:
                raise ValueError(
                    f"significant_baseline[{code!r}] must be a whole-number total >= 1, "
                    f"not {least!r}."
                )
        for code, points in self.mcid.items():
            if type(points) is not int or points < 1:
                raise ValueError(
                    f"mcid[{code!r}] must be a whole number of points >= 1, not {points!r}."
                )


DEFAULT_RULES = OutcomeRules()
