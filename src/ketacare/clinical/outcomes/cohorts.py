"""A cohort's outcomes: response, remission and worsening rates with 95% intervals.

Like the published cohorts of CLINICAL.md F, each patient counts once, by their latest
score on treatment; every rate comes with its Wilson 1927 score interval.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from ketacare.clinical.outcomes.comparison import Change, _max_total
from ketacare.clinical.outcomes.rules import DEFAULT_RULES, OutcomeRules
from ketacare.clinical.outcomes.trajectories import Trajectory

# Wilson 1927 (J Am Stat Assoc 22:209), "Probable inference, the law of succession, and
# statistical inference": z for a two-sided 95% interval, the 0.975 quantile of the
# standard normal distribution. A statistical constant, not a clinical number.
Z_95 = 1.959963984540054


def _check_count(count: int, n: int) -> None:
    if type(n) is not int or n < 0:
        raise ValueError(f"n must be a whole number of at least 0, not {n!r}.")
    if type(count) is not int or not 0 <= count <= n:
        raise ValueError(f"count must be a whole number 0-{n}, not {count!r}.")


def wilson_interval(count: int, n: int) -> tuple[float, float] | None:
    """The 95% Wilson score interval (low, high) for `count` out of `n`; None when n is 0."""
    _check_count(count, n)
    if n == 0:
        return None
    # Wilson 1927: the p whose normal-approximation test just accepts the observed
    # proportion, i.e. the roots of (p_hat - p)^2 = z^2 p (1 - p) / n, written as
    # centre +/- half-width. Unlike p_hat +/- z*se it stays inside [0, 1] and is
    # not of zero width at 0/n or n/n.
    p_hat = count / n
    z2_over_n = Z_95 * Z_95 / n
    centre = (p_hat + z2_over_n / 2) / (1 + z2_over_n)
    half_width = Z_95 / (1 + z2_over_n) * math.sqrt(p_hat * (1 - p_hat) / n + z2_over_n / (4 * n))
    # At 0/n and n/n one bound is exactly 0 or 1; floating point would leave a crumb
    # (say 1e-18) that puts the bound on the wrong side of the estimate.
    low = 0.0 if count == 0 else centre - half_width
    high = 1.0 if count == n else centre + half_width
    return low, high


@dataclass(frozen=True)
class Proportion:
    """A count out of n with its rate and 95% Wilson interval; rate and bounds None if n is 0."""

    count: int
    n: int
    rate: float | None
    low: float | None
    high: float | None


def proportion(count: int, n: int) -> Proportion:
    """`count` out of `n` as a rate with its 95% Wilson score interval."""
    interval = wilson_interval(count, n)
    if interval is None:
        return Proportion(count=count, n=n, rate=None, low=None, high=None)
    return Proportion(count=count, n=n, rate=count / n, low=interval[0], high=interval[1])


@dataclass(frozen=True)
class CohortSummary:
    """A cohort's outcomes on one instrument at each patient's latest score, for a report.

    Like the published cohorts of CLINICAL.md F, each patient counts once, by their
    latest score on treatment against their baseline. `n` counts evaluable patients
    (a baseline and at least one score on treatment); the others are `not_evaluable`.
    A rate is None where the instrument has no such definition (e.g. no MCID, so no
    worsening); with n = 0 its rate and bounds are None.
    """

    instrument: str
    n: int
    not_evaluable: int
    response: Proportion | None
    remission: Proportion | None
    worsening: Proportion | None

    @property
    def responders(self) -> int | None:
        return None if self.response is None else self.response.count

    @property
    def remitters(self) -> int | None:
        return None if self.remission is None else self.remission.count

    @property
    def worsened(self) -> int | None:
        return None if self.worsening is None else self.worsening.count


def summarise_cohort(
    code: str, trajectories: Iterable[Trajectory], rules: OutcomeRules = DEFAULT_RULES
) -> CohortSummary:
    """Response, remission and worsening rates of many patients on instrument `code`.

    `rules` should be the ones the trajectories were computed with: they say which
    of the three rates the instrument has.
    """
    _max_total(code)
    latest: list[Change] = []
    not_evaluable = 0
    for t in trajectories:
        if t.instrument != code:
            raise ValueError(
                f"trajectories must all be on instrument {code!r}; one is on {t.instrument!r}."
            )
        if t.latest is None:
            not_evaluable += 1
        else:
            latest.append(t.latest)
    n = len(latest)
    # CLINICAL.md G9 (Hull 2022): response and remission among significant baselines only.
    judged = sum(c.baseline_significant for c in latest)
    return CohortSummary(
        instrument=code,
        n=n,
        not_evaluable=not_evaluable,
        response=(
            proportion(sum(c.response is True for c in latest), judged)
            if code in rules.response_instruments
            else None
        ),
        remission=(
            proportion(sum(c.remission is True for c in latest), judged)
            if code in rules.remission
            else None
        ),
        worsening=(
            proportion(sum(c.worsening is True for c in latest), n) if code in rules.mcid else None
        ),
    )
