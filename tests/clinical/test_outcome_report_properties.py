"""Properties of the cohort report over random small cohorts (hypothesis)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from ketacare.clinical.outcomes import (
    CohortReport,
    Observation,
    PatientCourse,
    ReportRules,
    cohort_report,
)

START = datetime(2026, 3, 2, 9, tzinfo=UTC)


@st.composite
def courses(draw: st.DrawFn, key: str) -> PatientCourse:
    doses = draw(st.integers(0, 5))
    days = draw(st.lists(st.integers(-20, 45), unique=True, max_size=6))
    return PatientCourse(
        key=key,
        indication="depression",
        route="sublingual",
        product="ketamine-sl",
        doses=tuple(START + timedelta(days=7 * i) for i in range(doses)),
        induction_sessions=draw(st.integers(1, 5)),
        discharged_early=draw(st.booleans()),
        scores={
            "phq9": tuple(
                Observation(START + timedelta(days=d, hours=1), draw(st.integers(0, 27)))
                for d in days
            )
        },
        adverse_events=tuple(draw(st.lists(st.sampled_from(["mild", "severe"]), max_size=2))),
    )


cohorts = st.integers(0, 8).flatmap(lambda n: st.tuples(*(courses(f"p{i}") for i in range(n))))


def _check(report: CohortReport) -> None:
    assert report.treated == report.completers + report.dropouts
    assert report.discharged_early <= report.dropouts
    by_key = {(o.endpoint, o.analysis): o for o in report.outcomes}
    for endpoint in report.endpoints:
        itt, completer = by_key[endpoint, "itt"], by_key[endpoint, "completer"]
        assert itt.scored == completer.scored == completer.n <= itt.n
        assert itt.response is not None
        assert completer.response is not None
        # The same responders over at least as many: ITT never reads better.
        assert itt.response.count == completer.response.count
        assert itt.response.n >= completer.response.n
        if completer.response.rate is not None and itt.response.rate is not None:
            assert itt.response.rate <= completer.response.rate
            assert itt.response.low is not None
            assert itt.response.high is not None
            assert itt.response.low <= itt.response.rate <= itt.response.high
        if itt.cohens_d is not None:
            assert itt.mean_change is not None
            assert (itt.cohens_d > 0) == (itt.mean_change < 0)


@settings(deadline=None, max_examples=60)
@given(cohorts, st.integers(1, 10))
def test_itt_never_reads_better_than_completers(
    given_courses: tuple[PatientCourse, ...], window_days: int
) -> None:
    rules = ReportRules(window_days=window_days, max_classes=2)
    _check(cohort_report(given_courses, endpoints=rules, instruments=("phq9",)))
