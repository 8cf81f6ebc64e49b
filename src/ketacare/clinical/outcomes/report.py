"""A cohort's outcome report: baselines, endpoint outcomes, adverse events, classes.

CLINICAL.md A11 (baseline, response, remission, MCID), F (the published cohorts to
compare with) and G9 (significant and stale baselines, the Hull 2022 assessments after
sessions 2 and 4, trajectory classes). Pure statistics: plain data in, plain data out
(every result is a frozen dataclass of numbers, strings, None and tuples, so
`dataclasses.asdict` serialises it).

    report = cohort_report(courses)                  # PatientCourse per patient
    report.outcomes  # per instrument x endpoint x analysis ("itt", "completer")
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from ketacare.clinical import instruments as instrument_definitions
from ketacare.clinical.outcomes.classes import TrajectoryClasses, trajectory_classes
from ketacare.clinical.outcomes.cohorts import Proportion
from ketacare.clinical.outcomes.comparison import _check_total, _max_total
from ketacare.clinical.outcomes.endpoints import (
    Pair,
    group_outcome,
    mean,
    score_after_session,
    sd,
)
from ketacare.clinical.outcomes.rules import DEFAULT_RULES, OutcomeRules
from ketacare.clinical.outcomes.trajectories import (
    Observation,
    _check_aware,
    _in_time_order,
    _instant,
    _stale,
    find_baseline,
)

ITT = "itt"
COMPLETER = "completer"
ANALYSES = (ITT, COMPLETER)
END_OF_INDUCTION = "end_of_induction"
# The grades of clinical.safety.AdverseEventSeverity, mildest first (the safety package
# reads outcomes, so it is not imported here; a test keeps the two lists equal).
ADVERSE_EVENT_SEVERITIES = ("mild", "moderate", "severe", "life_threatening")


def _check_whole(name: str, value: object, least: int) -> None:
    if type(value) is not int or value < least:
        raise ValueError(f"{name} must be a whole number of at least {least}, not {value!r}.")


@dataclass(frozen=True)
class ReportRules:
    """The report's clinic-overridable choices (CLINICAL.md G9)."""

    # Clinic's choice (CLINICAL.md G9): Hull 2022 assessed after session 2 (week 2) and
    # after session 4 (week 4); a score counts for "after session n" when taken up to
    # this many days after the n-th dose (and before the next dose).
    window_days: int = 7
    # CLINICAL.md G9: the sessions after which Hull 2022 assessed; the report adds the
    # end of induction (after each patient's last planned induction session). The
    # trajectory classes use the path baseline, then these endpoints in order.
    endpoint_sessions: tuple[int, ...] = (2, 4)
    # The most trajectory classes tried (1..max_classes; CLINICAL.md G9: Hull found 3).
    max_classes: int = 4
    # The instrument whose paths are classed (CLINICAL.md F: Hull classed PHQ-9).
    class_instrument: str = "phq9"

    def __post_init__(self) -> None:
        # A clinic's override must not fail silently (as OutcomeRules).
        _check_whole("window_days", self.window_days, 1)
        _check_whole("max_classes", self.max_classes, 1)
        sessions = self.endpoint_sessions
        if (
            not isinstance(sessions, tuple)
            or not sessions
            or any(type(n) is not int or n < 1 for n in sessions)
            or list(sessions) != sorted(set(sessions))
        ):
            raise ValueError(
                f"endpoint_sessions must be session numbers of at least 1, in increasing "
                f"order without repeats, e.g. (2, 4); not {sessions!r}."
            )
        _max_total(self.class_instrument)

    @property
    def endpoint_names(self) -> tuple[str, ...]:
        """The endpoints' names in the report: session_2, session_4, end_of_induction."""
        return (*(f"session_{n}" for n in self.endpoint_sessions), END_OF_INDUCTION)


DEFAULT_REPORT_RULES = ReportRules()


@dataclass(frozen=True)
class PatientCourse:
    """One patient's course for the report: doses, scores and adverse events.

    `doses` are the at-home doses taken, aware, in time order (session n is the n-th
    dose). `scores` maps an instrument code to that patient's totals. A patient with
    fewer doses than `induction_sessions` did not complete the induction.
    """

    key: str
    indication: str
    route: str
    product: str
    doses: tuple[datetime, ...]
    induction_sessions: int
    discharged_early: bool
    scores: Mapping[str, tuple[Observation, ...]]
    adverse_events: tuple[str, ...]

    def __post_init__(self) -> None:
        for name in ("key", "indication", "route", "product"):
            if not isinstance(getattr(self, name), str) or not getattr(self, name):
                raise ValueError(f"{name} must be a non-empty string, not {getattr(self, name)!r}.")
        _check_whole(f"{self.key}: induction_sessions", self.induction_sessions, 1)
        if type(self.discharged_early) is not bool:
            raise ValueError(
                f"{self.key}: discharged_early must be True or False, "
                f"not {self.discharged_early!r}."
            )
        self._check_doses()
        for code, observations in self.scores.items():
            _max_total(code)
            for o in _in_time_order(observations):
                _check_total(code, f"total of {self.key} (at {o.at.isoformat()})", o.total)
        for severity in self.adverse_events:
            if severity not in ADVERSE_EVENT_SEVERITIES:
                raise ValueError(
                    f"{self.key}: an adverse event's severity must be one of "
                    f"{', '.join(ADVERSE_EVENT_SEVERITIES)}, not {severity!r}."
                )

    def _check_doses(self) -> None:
        for at in self.doses:
            _check_aware(f"{self.key}: a dose time", at)
        instants = [_instant(at) for at in self.doses]
        if any(later <= earlier for earlier, later in itertools.pairwise(instants)):
            raise ValueError(
                f"{self.key}: doses must be in time order, one per instant (session n is "
                "the n-th dose)."
            )

    @property
    def completed_induction(self) -> bool:
        return len(self.doses) >= self.induction_sessions


@dataclass(frozen=True)
class Count:
    """How many patients (or events) have one value, e.g. an indication or a band."""

    name: str
    count: int


@dataclass(frozen=True)
class BaselineSummary:
    """The treated patients' baselines on one instrument (CLINICAL.md A11, G9).

    `n` patients with a baseline (the last score before the first dose); `mean` and
    `sd` (sample, n - 1) of their totals, None below 1 and 2 patients; `bands` their
    count in each severity band of the instrument; `significant` those from which
    response and remission are judged, `stale` those older than the rules allow (G9).
    """

    instrument: str
    n: int
    mean: float | None
    sd: float | None
    bands: tuple[Count, ...]
    significant: int
    stale: int


@dataclass(frozen=True)
class EndpointOutcome:
    """Outcomes on one instrument at one endpoint in one analysis (CLINICAL.md A11, G9).

    `analysis` "itt": every treated patient with a baseline for whom the endpoint is
    due (they took that session's dose, or stopped early; a patient still in induction
    who has not reached it yet is left out, not counted as a failure); no score at the
    endpoint counts as not responding, not remitting and not worsened (conservative for
    response and remission; worsening is then a lower bound). "completer": only the
    patients with a score at the endpoint. `n` patients in the set, `scored` of them
    with a score; response and remission among significant baselines (their `n`);
    worsening None where the instrument has no MCID (G9). `mean_change` (endpoint -
    baseline, negative is improvement) and `cohens_d` (d_av, positive is a fall) are of
    the scored patients in both analyses.
    """

    instrument: str
    endpoint: str
    analysis: str
    n: int
    scored: int
    response: Proportion | None
    remission: Proportion | None
    worsening: Proportion | None
    mean_change: float | None
    cohens_d: float | None


@dataclass(frozen=True)
class AdverseEventCount:
    """Adverse events of one severity: how many, and how many patients had at least one."""

    severity: str
    events: int
    patients: int


@dataclass(frozen=True)
class CohortReport:
    """A cohort's outcome report (CLINICAL.md A11, F, G9).

    `patients` courses given; `treated` with at least one dose; `completers` with at
    least their planned induction sessions; `dropouts` treated but not completers, of
    whom `discharged_early` were discharged before completing (the others may still be
    in induction). `indications`, `routes` and `products` count the treated patients.
    """

    patients: int
    treated: int
    completers: int
    dropouts: int
    discharged_early: int
    indications: tuple[Count, ...]
    routes: tuple[Count, ...]
    products: tuple[Count, ...]
    endpoints: tuple[str, ...]
    baselines: tuple[BaselineSummary, ...]
    outcomes: tuple[EndpointOutcome, ...]
    adverse_events: tuple[AdverseEventCount, ...]
    trajectory_classes: TrajectoryClasses | None


@dataclass(frozen=True)
class _Course:
    """One treated patient on one instrument: the baseline and the endpoint scores."""

    baseline: Observation
    stale: bool
    endpoints: tuple[int | None, ...]  # in the order of ReportRules.endpoint_names
    # whether each endpoint is due: its session's dose was taken, or the patient stopped
    # early (a dropout is a failure in ITT); a patient still in induction short of it is not
    due: tuple[bool, ...]


def _course(
    course: PatientCourse, code: str, rules: OutcomeRules, endpoints: ReportRules
) -> _Course | None:
    observations = _in_time_order(course.scores.get(code, ()))
    baseline = find_baseline(observations, first_dose_at=course.doses[0])
    if baseline is None:
        return None
    window = timedelta(days=endpoints.window_days)
    sessions = (*endpoints.endpoint_sessions, course.induction_sessions)
    scores = (score_after_session(course.doses, observations, n, window) for n in sessions)
    return _Course(
        baseline=baseline,
        stale=_stale(baseline, course.doses[0], rules) is True,
        endpoints=tuple(None if o is None else o.total for o in scores),
        due=tuple(len(course.doses) >= n or course.discharged_early for n in sessions),
    )


def _baseline_summary(
    code: str, courses: Sequence[_Course], rules: OutcomeRules
) -> BaselineSummary:
    totals = [c.baseline.total for c in courses]
    bands = instrument_definitions.get(code).bands
    return BaselineSummary(
        instrument=code,
        n=len(totals),
        mean=mean(totals),
        sd=sd(totals),
        bands=tuple(
            Count(band.label, sum(band.low <= t <= band.high for t in totals)) for band in bands
        ),
        significant=sum(rules.significant(code, t) for t in totals),
        stale=sum(c.stale for c in courses),
    )


def _outcomes(
    code: str, courses: Sequence[_Course], rules: OutcomeRules, names: tuple[str, ...]
) -> list[EndpointOutcome]:
    outcomes = []
    for i, endpoint in enumerate(names):
        everyone = [Pair(c.baseline.total, c.endpoints[i]) for c in courses if c.due[i]]
        for analysis in ANALYSES:
            pairs = everyone if analysis == ITT else [p for p in everyone if p.endpoint is not None]
            group = group_outcome(code, pairs, rules)
            outcomes.append(
                EndpointOutcome(
                    instrument=code, endpoint=endpoint, analysis=analysis, **vars(group)
                )
            )
    return outcomes


def _counts(values: Iterable[str]) -> tuple[Count, ...]:
    return tuple(Count(name, n) for name, n in sorted(Counter(values).items()))


def _adverse_events(courses: Sequence[PatientCourse]) -> tuple[AdverseEventCount, ...]:
    return tuple(
        AdverseEventCount(
            severity=severity,
            events=sum(c.adverse_events.count(severity) for c in courses),
            patients=sum(severity in c.adverse_events for c in courses),
        )
        for severity in ADVERSE_EVENT_SEVERITIES
    )


def _classes(
    treated: Sequence[PatientCourse], rules: OutcomeRules, endpoints: ReportRules
) -> TrajectoryClasses | None:
    code = endpoints.class_instrument
    points = len(endpoints.endpoint_sessions)
    paths: list[tuple[int, ...]] = []
    for course in treated:
        c = _course(course, code, rules, endpoints)
        scores = [] if c is None else [e for e in c.endpoints[:points] if e is not None]
        if c is not None and len(scores) == points:
            paths.append((c.baseline.total, *scores))
    return trajectory_classes(
        code, paths, mcid=rules.mcid.get(code), max_classes=endpoints.max_classes
    )


def _checked(
    courses: Iterable[PatientCourse], instruments: tuple[str, ...]
) -> tuple[PatientCourse, ...]:
    for code in instruments:
        _max_total(code)
    if len(set(instruments)) != len(instruments):
        raise ValueError(f"instruments must not repeat a code: {instruments!r}.")
    given = tuple(courses)
    for course in given:
        if type(course) is not PatientCourse:
            raise ValueError(f"courses must be PatientCourse values, not {course!r}.")
    keys = Counter(c.key for c in given)
    repeated = sorted(k for k, n in keys.items() if n > 1)
    if repeated:
        raise ValueError(f"each patient must appear once; repeated keys: {', '.join(repeated)}.")
    return given


def cohort_report(
    courses: Iterable[PatientCourse],
    *,
    rules: OutcomeRules = DEFAULT_RULES,
    endpoints: ReportRules = DEFAULT_REPORT_RULES,
    instruments: tuple[str, ...] = ("phq9", "gad7", "pcl5"),
) -> CohortReport:
    """The cohort's outcome report (CLINICAL.md A11, F, G9); see `CohortReport`."""
    given = _checked(courses, instruments)
    treated = [c for c in given if c.doses]
    dropouts = [c for c in treated if not c.completed_induction]
    baselines, outcomes = [], []
    for code in instruments:
        found = [_course(c, code, rules, endpoints) for c in treated]
        with_baseline = [c for c in found if c is not None]
        baselines.append(_baseline_summary(code, with_baseline, rules))
        outcomes += _outcomes(code, with_baseline, rules, endpoints.endpoint_names)
    return CohortReport(
        patients=len(given),
        treated=len(treated),
        completers=len(treated) - len(dropouts),
        dropouts=len(dropouts),
        discharged_early=sum(c.discharged_early for c in dropouts),
        indications=_counts(c.indication for c in treated),
        routes=_counts(c.route for c in treated),
        products=_counts(c.product for c in treated),
        endpoints=endpoints.endpoint_names,
        baselines=tuple(baselines),
        outcomes=tuple(outcomes),
        adverse_events=_adverse_events(given),
        trajectory_classes=_classes(treated, rules, endpoints),
    )
