"""The pieces of a cohort report: the score at an endpoint, and the statistics of a group.

An endpoint is "after session n" (CLINICAL.md G9: Hull 2022 assessed after sessions 2
and 4): the latest score taken after the n-th dose, before the next dose and no later
than the window after the n-th dose. Times are compared as instants (UTC).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from ketacare.clinical.outcomes.cohorts import Proportion, proportion
from ketacare.clinical.outcomes.comparison import change
from ketacare.clinical.outcomes.rules import OutcomeRules
from ketacare.clinical.outcomes.trajectories import Observation, _instant


def score_after_session(
    doses: Sequence[datetime],
    observations: Sequence[Observation],
    session: int,
    window: timedelta,
) -> Observation | None:
    """The score for "after session `session`" (1-based), or None if there is none.

    Strictly after the dose (a score at the very instant cannot be shown to follow it)
    and strictly before the next dose (one at that instant cannot be shown to precede
    it); at most `window` after the dose. `observations` in time order.
    """
    if len(doses) < session:
        return None
    start = _instant(doses[session - 1])
    end = start + window
    next_dose = _instant(doses[session]) if len(doses) > session else None
    inside = [
        o
        for o in observations
        if start < _instant(o.at) <= end and (next_dose is None or _instant(o.at) < next_dose)
    ]
    return inside[-1] if inside else None


@dataclass(frozen=True)
class Pair:
    """One treated patient's baseline total and total at an endpoint (None: no score)."""

    baseline: int
    endpoint: int | None


def mean(values: Sequence[float]) -> float | None:
    """The mean; None for no values."""
    return statistics.fmean(values) if values else None


def sd(values: Sequence[float]) -> float | None:
    """The sample standard deviation (n - 1); None for fewer than two values."""
    return statistics.stdev(values) if len(values) > 1 else None


def cohens_d_av(baselines: Sequence[int], endpoints: Sequence[int]) -> float | None:
    """Cohen's d_av of the fall from baseline to endpoint; None if n < 2 or no spread.

    Cumming 2012 (Understanding the New Statistics, ch. 11) and Lakens 2013 (Front
    Psychol 4:863, eq. 10): for a pre-post design, the mean difference over the average
    of the two standard deviations, d_av = mean(pre - post) / sqrt((sd_pre^2 +
    sd_post^2) / 2). A statistical formula, not a clinical number. Positive: scores fell.
    """
    sd_before, sd_after = sd(baselines), sd(endpoints)
    if sd_before is None or sd_after is None:
        return None
    spread = math.sqrt((sd_before**2 + sd_after**2) / 2)
    if spread == 0:
        return None
    return statistics.fmean(b - e for b, e in zip(baselines, endpoints, strict=True)) / spread


@dataclass(frozen=True)
class GroupOutcome:
    """The statistics of one analysis set at one endpoint on one instrument."""

    n: int
    scored: int
    response: Proportion | None
    remission: Proportion | None
    worsening: Proportion | None
    mean_change: float | None
    cohens_d: float | None


def group_outcome(code: str, pairs: Sequence[Pair], rules: OutcomeRules) -> GroupOutcome:
    """Response, remission, worsening, mean change and d_av of an analysis set.

    Every pair is in the denominators; a pair with no endpoint score counts as not
    responding, not remitting and not worsened (for the intention-to-treat set: the
    conservative reading for response and remission; its worsening rate is therefore a
    lower bound). Response and remission count only significant baselines (CLINICAL.md
    G9); worsening is None where the instrument has no MCID (G9: unknown, not "no").
    The mean change (endpoint - baseline: negative is improvement) and d_av are of the
    patients with a score, never of imputed ones.
    """
    scored = [(p.baseline, p.endpoint) for p in pairs if p.endpoint is not None]
    changes = [change(code, baseline=b, current=e, rules=rules) for b, e in scored]
    judged = sum(rules.significant(code, p.baseline) for p in pairs)
    return GroupOutcome(
        n=len(pairs),
        scored=len(scored),
        response=(
            proportion(sum(c.response is True for c in changes), judged)
            if code in rules.response_instruments
            else None
        ),
        remission=(
            proportion(sum(c.remission is True for c in changes), judged)
            if code in rules.remission
            else None
        ),
        worsening=(
            proportion(sum(c.worsening is True for c in changes), len(pairs))
            if code in rules.mcid
            else None
        ),
        mean_change=mean([c.delta for c in changes]),
        cohens_d=cohens_d_av([b for b, _ in scored], [e for _, e in scored]),
    )
