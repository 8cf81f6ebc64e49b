"""Change from baseline, response, remission, meaningful change and worsening.

CLINICAL.md A11: response is a >= 50% reduction from baseline; remission and the
minimal clinically important difference (MCID) depend on the instrument; the
baseline is the last score before the first dose.

    from ketacare.clinical import outcomes
    c = outcomes.change("phq9", baseline=20, current=8)     # one comparison
    t = outcomes.trajectory("phq9", observations, first_dose_at=first_dose_at)
    s = outcomes.summarise_cohort("phq9", trajectories)      # for a cohort report
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import Literal

from ketacare.clinical import instruments

# How a remission threshold reads: "below" means total < value, "at_most" total <= value.
Comparison = Literal["below", "at_most"]
_COMPARISONS: tuple[Comparison, ...] = ("below", "at_most")

# Wilson 1927 (J Am Stat Assoc 22:209), "Probable inference, the law of succession, and
# statistical inference": z for a two-sided 95% interval, the 0.975 quantile of the
# standard normal distribution. A statistical constant, not a clinical number.
Z_95 = 1.959963984540054

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
    # meaningful (secondary source).
    mcid: MappingProxyType[str, int] = field(
        default_factory=lambda: MappingProxyType({"phq9": 5, "pcl5": 10})
    )
    # CLINICAL.md A11 names response (>= 50% reduction) for PHQ-9, MADRS and QIDS;
    # CLINICAL.md F reports GAD-7 response by the same rule (Hull 2022), and the cohort
    # report compares with it, so GAD-7 is counted too. PCL-5 change is judged by its
    # points (A4: MCID), not by a percentage; screens (PHQ-2, AUDIT-C, ...) have no response.
    response_instruments: frozenset[str] = frozenset({"phq9", "madrs", "qids_sr16", "gad7"})

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
        for code, points in self.mcid.items():
            if type(points) is not int or points < 1:
                raise ValueError(
                    f"mcid[{code!r}] must be a whole number of points >= 1, not {points!r}."
                )


DEFAULT_RULES = OutcomeRules()


@dataclass(frozen=True)
class Change:
    """A current score compared with the baseline on one instrument (CLINICAL.md A11)."""

    instrument: str
    baseline: int
    current: int
    delta: int  # current - baseline: negative is improvement on every instrument here
    # delta as a percentage of baseline, rounded to 0.1 for reports (decisions use the
    # exact integers); None when baseline is 0
    percent: float | None
    response: bool | None  # None where no response definition applies
    remission: bool | None  # None where no remission definition exists
    clinically_meaningful: bool | None  # improvement >= MCID; None where no MCID is defined
    worsening: bool  # increase >= MCID from baseline (False where no MCID is defined)


def _max_total(code: str) -> int:
    try:
        return instruments.get(code).max_total
    except KeyError:
        raise ValueError(
            f"instrument must be one of {', '.join(instruments.CODES)}, not {code!r}."
        ) from None


def _check_total(code: str, name: str, value: int) -> None:
    maximum = _max_total(code)
    if type(value) is not int or not 0 <= value <= maximum:
        raise ValueError(f"{code}: {name} must be a whole number 0-{maximum}, not {value!r}.")


def remitted(code: str, total: int, rules: OutcomeRules = DEFAULT_RULES) -> bool | None:
    """Whether `total` is in remission on `code`; None where no definition exists."""
    _check_total(code, "total", total)
    definition = rules.remission.get(code)
    if definition is None:
        return None
    comparison, threshold = definition
    return total < threshold if comparison == "below" else total <= threshold


def _responded(baseline: int, current: int, rules: OutcomeRules) -> bool:
    # Exact integer arithmetic, not the rounded percent: 49.96% must not round up to a
    # response. A baseline of 0 cannot fall by any percentage, so it never responds.
    reduction = baseline - current
    return baseline > 0 and reduction * 100 >= rules.response_reduction_percent * baseline


def change(
    code: str, *, baseline: int, current: int, rules: OutcomeRules = DEFAULT_RULES
) -> Change:
    """Compare a current score with the baseline on instrument `code`."""
    _check_total(code, "baseline", baseline)
    _check_total(code, "current", current)
    delta = current - baseline
    percent = round(100.0 * delta / baseline, 1) if baseline else None
    response = _responded(baseline, current, rules) if code in rules.response_instruments else None
    mcid = rules.mcid.get(code)
    return Change(
        instrument=code,
        baseline=baseline,
        current=current,
        delta=delta,
        percent=percent,
        response=response,
        remission=remitted(code, current, rules),
        clinically_meaningful=None if mcid is None else -delta >= mcid,
        worsening=mcid is not None and delta >= mcid,
    )


def _check_aware(name: str, value: datetime) -> None:
    # A naive time cannot be placed against the dose time (whose clock? which side of
    # a DST change?); an aware one has a single instant (see _instant).
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime (with a time zone), not {value!r}.")


def _instant(at: datetime) -> datetime:
    # Python compares and subtracts two datetimes that share a tzinfo by their wall
    # clocks: across a DST change 09:00 to 09:00 two days later reads as 48 h when 47 h
    # passed, and the repeated 01:30 of the autumn change looks like one instant. In
    # UTC every comparison and difference is of real, elapsed time.
    return at.astimezone(UTC)


@dataclass(frozen=True)
class Observation:
    """One patient's total on one instrument, and when it was recorded (aware)."""

    at: datetime
    total: int

    def __post_init__(self) -> None:
        # What an observation can check alone; the instrument's maximum is checked
        # where the instrument is known (trajectory()).
        _check_aware("at", self.at)
        if type(self.total) is not int or self.total < 0:
            raise ValueError(f"total must be a whole number of at least 0, not {self.total!r}.")


def _in_time_order(observations: Iterable[Observation]) -> tuple[Observation, ...]:
    ordered = tuple(sorted(observations, key=lambda o: _instant(o.at)))
    for earlier, later in itertools.pairwise(ordered):
        if _instant(earlier.at) == _instant(later.at):
            # Two totals at one instant leave "the last score" undefined; the caller
            # keeps one rather than this module guessing.
            raise ValueError(
                f"observations: two scores at the same time {later.at.isoformat()}; keep one."
            )
    return ordered


def find_baseline(
    observations: Iterable[Observation], *, first_dose_at: datetime | None
) -> Observation | None:
    """The baseline score: the last one before the first dose (CLINICAL.md A11), or None.

    "Before" is strict: a score recorded at the very instant of the first dose is not
    the baseline, since it cannot be shown to precede the dose; it counts as the first
    score on treatment. With no dose yet (`first_dose_at` None) every score so far is
    before the first dose, so the latest one is the baseline for now; a later score
    taken before the first dose replaces it.
    """
    if first_dose_at is not None:
        _check_aware("first_dose_at", first_dose_at)
    before = [
        o
        for o in _in_time_order(observations)
        if first_dose_at is None or _instant(o.at) < _instant(first_dose_at)
    ]
    return before[-1] if before else None


@dataclass(frozen=True)
class Trajectory:
    """One patient's course on one instrument, from the baseline through treatment.

    `follow_ups` are the scores from the first dose on, in time order, and `changes`
    compare each with the baseline (empty without a baseline). A response is
    *sustained* when the patient responds at the first responding score and at every
    later score; None where the instrument has no response definition or there is
    nothing to judge (no baseline or no score on treatment).
    """

    instrument: str
    first_dose_at: datetime | None
    baseline: Observation | None
    follow_ups: tuple[Observation, ...]
    changes: tuple[Change, ...]
    first_response_at: datetime | None
    time_to_response: timedelta | None  # from the first dose: elapsed time, not wall clock
    sustained_response: bool | None
    first_remission_at: datetime | None
    ever_worsened: bool  # worsening (increase >= MCID) at any score on treatment

    @property
    def latest(self) -> Change | None:
        """The change at the latest score on treatment; None if there is none to judge."""
        return self.changes[-1] if self.changes else None


def trajectory(
    code: str,
    observations: Iterable[Observation],
    *,
    first_dose_at: datetime | None,
    rules: OutcomeRules = DEFAULT_RULES,
) -> Trajectory:
    """One patient's outcomes on instrument `code` from all their scores and the first dose."""
    ordered = _in_time_order(observations)
    for o in ordered:
        _check_total(code, f"total (at {o.at.isoformat()})", o.total)
    start = find_baseline(ordered, first_dose_at=first_dose_at)
    follow_ups: tuple[Observation, ...] = ()
    changes: tuple[Change, ...] = ()
    if first_dose_at is not None:
        follow_ups = tuple(o for o in ordered if _instant(o.at) >= _instant(first_dose_at))
        if start is not None:
            changes = tuple(
                change(code, baseline=start.total, current=o.total, rules=rules) for o in follow_ups
            )
    responding = [c.response is True for c in changes]
    first_response = responding.index(True) if True in responding else None
    sustained: bool | None = None
    if changes and changes[0].response is not None:
        sustained = first_response is not None and all(responding[first_response:])
    first_response_at = None if first_response is None else follow_ups[first_response].at
    first_remission_at = next(
        (o.at for o, c in zip(follow_ups, changes, strict=False) if c.remission), None
    )
    return Trajectory(
        instrument=code,
        first_dose_at=first_dose_at,
        baseline=start,
        follow_ups=follow_ups,
        changes=changes,
        first_response_at=first_response_at,
        time_to_response=(
            None
            if first_response_at is None or first_dose_at is None
            else _instant(first_response_at) - _instant(first_dose_at)
        ),
        sustained_response=sustained,
        first_remission_at=first_remission_at,
        ever_worsened=any(c.worsening for c in changes),
    )


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
    return CohortSummary(
        instrument=code,
        n=n,
        not_evaluable=not_evaluable,
        response=(
            proportion(sum(c.response is True for c in latest), n)
            if code in rules.response_instruments
            else None
        ),
        remission=(
            proportion(sum(c.remission is True for c in latest), n)
            if code in rules.remission
            else None
        ),
        worsening=(proportion(sum(c.worsening for c in latest), n) if code in rules.mcid else None),
    )
