"""One patient's course on one instrument: baseline, scores on treatment, response.

CLINICAL.md A11: the baseline is the last score before the first dose; from it, each
score on treatment is compared, and the first response (sustained or not) and the first
remission found. Times are aware and compared as instants (UTC), never by their wall
clocks.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from ketacare.clinical.outcomes.comparison import Change, _check_total, change
from ketacare.clinical.outcomes.rules import DEFAULT_RULES, OutcomeRules


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
    # worsening (increase >= MCID) at any score on treatment; None (unknown) where the
    # instrument has no MCID (CLINICAL.md G9) and there was a score to judge
    ever_worsened: bool | None
    # CLINICAL.md G9: the baseline was taken more than the rules' days before the first
    # dose (None: no baseline or no dose yet)
    baseline_stale: bool | None = None
    # CLINICAL.md G9: the first score after a response at which it was lost (back above
    # the response threshold): a relapse (None: none)
    relapsed_at: datetime | None = None

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
    worsened = [c.worsening for c in changes]
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
        ever_worsened=None if None in worsened else any(worsened),
        baseline_stale=_stale(start, first_dose_at, rules),
        relapsed_at=_relapse(follow_ups, responding, first_response),
    )


def _relapse(
    follow_ups: tuple[Observation, ...], responding: list[bool], first: int | None
) -> datetime | None:
    """The first score after the first response that is no longer one (G9), or None."""
    if first is None:
        return None
    lost = next((i for i in range(first, len(responding)) if not responding[i]), None)
    return None if lost is None else follow_ups[lost].at


def _stale(
    baseline: Observation | None, first_dose_at: datetime | None, rules: OutcomeRules
) -> bool | None:
    """Whether the baseline is older than the rules allow before the first dose (G9)."""
    if baseline is None or first_dose_at is None:
        return None
    age = _instant(first_dose_at) - _instant(baseline.at)
    return age > timedelta(days=rules.stale_baseline_days)
