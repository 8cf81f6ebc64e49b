"""The cohort outcome report on small cohorts worked out by hand (CLINICAL.md A11, G9)."""

from __future__ import annotations

import dataclasses
import json
import math
from datetime import UTC, datetime, timedelta

import pytest

from ketacare.clinical.outcomes import (
    CohortReport,
    EndpointOutcome,
    Observation,
    PatientCourse,
    ReportRules,
    cohort_report,
    proportion,
)
from ketacare.clinical.outcomes.published import CLASSES, reference_rate
from ketacare.clinical.outcomes.report import ADVERSE_EVENT_SEVERITIES
from ketacare.clinical.safety import AdverseEventSeverity

START = datetime(2026, 3, 2, 9, tzinfo=UTC)


def day(n: float) -> datetime:
    return START + timedelta(days=n)


def course(  # noqa: PLR0913 - a test builder: one keyword per field worth varying
    key: str,
    *,
    dose_days: tuple[float, ...] = (0, 7, 14, 21),
    scores: dict[str, tuple[tuple[float, int], ...]] | None = None,
    induction_sessions: int = 4,
    discharged_early: bool = False,
    adverse_events: tuple[str, ...] = (),
    indication: str = "depression",
) -> PatientCourse:
    return PatientCourse(
        key=key,
        indication=indication,
        route="sublingual",
        product="ketamine-sl",
        doses=tuple(day(d) for d in dose_days),
        induction_sessions=induction_sessions,
        discharged_early=discharged_early,
        scores={
            code: tuple(Observation(day(d), total) for d, total in found)
            for code, found in (scores or {}).items()
        },
        adverse_events=adverse_events,
    )


# Six patients, weekly doses on days 0, 7, 14, 21 (induction 4):
COHORT = (
    # responds after session 2 (20 -> 8: -60%), remits after session 4 (4 < 5)
    course(
        "p1",
        scores={
            "phq9": ((-1, 20), (9, 8), (23, 4)),
            "pcl5": ((-1, 50), (9, 38)),
            "madrs": ((-1, 30), (9, 10)),
        },
        adverse_events=("mild", "mild"),
    ),
    # stale baseline (40 days before); the day-15 score follows the 3rd dose, so it is
    # not "after session 2"; the day-30 score is 9 days after the 4th dose: too late
    course("p2", scores={"phq9": ((-40, 15), (15, 7), (30, 5))}),
    # dropout after 2 doses: the latest score in the window (day 12: 18) counts, a
    # worsening of 6 points
    course(
        "p3",
        dose_days=(0, 7),
        discharged_early=True,
        scores={"phq9": ((-2, 12), (8, 14), (12, 18))},
        adverse_events=("severe",),
    ),
    # baseline 8 is not clinically significant (G9): no response or remission judged
    course("p4", scores={"phq9": ((-1, 8), (9, 3), (22, 2))}),
    # never dosed: not treated
    course("p5", dose_days=(), scores={"phq9": ((-1, 22),)}, adverse_events=("mild",)),
    # treated, but no score before the first dose: no baseline
    course("p6", scores={"phq9": ((1, 20),)}, indication="trd"),
)


def outcome(
    report_: CohortReport, instrument: str, endpoint: str, analysis: str
) -> EndpointOutcome:
    (found,) = (
        o
        for o in report_.outcomes
        if (o.instrument, o.endpoint, o.analysis) == (instrument, endpoint, analysis)
    )
    return found


@pytest.fixture(scope="module")
def report() -> CohortReport:
    return cohort_report(COHORT, instruments=("phq9", "gad7", "pcl5", "madrs"))


def test_counts_patients_treated_completers_and_dropouts(report: CohortReport) -> None:
    assert (report.patients, report.treated, report.completers, report.dropouts) == (6, 5, 4, 1)
    assert report.discharged_early == 1
    assert [(c.name, c.count) for c in report.indications] == [("depression", 4), ("trd", 1)]
    assert report.endpoints == ("session_2", "session_4", "end_of_induction")


def test_baseline_is_the_last_score_before_the_first_dose(report: CohortReport) -> None:
    phq9 = report.baselines[0]
    # 20, 15, 12, 8: mean 13.75; squared deviations 39.0625 + 1.5625 + 3.0625 + 33.0625
    assert (phq9.n, phq9.mean) == (4, 13.75)
    assert phq9.sd == pytest.approx(math.sqrt(76.75 / 3))
    assert [(b.name, b.count) for b in phq9.bands] == [
        ("minimal", 0),
        ("mild", 1),
        ("moderate", 1),
        ("moderately_severe", 1),
        ("severe", 1),
    ]
    assert (phq9.significant, phq9.stale) == (3, 1)


def test_an_instrument_without_scores_has_empty_summaries(report: CohortReport) -> None:
    gad7 = report.baselines[1]
    assert (gad7.n, gad7.mean, gad7.sd, gad7.significant, gad7.stale) == (0, None, None, 0, 0)
    empty = outcome(report, "gad7", "session_2", "itt")
    assert (empty.n, empty.scored, empty.mean_change, empty.cohens_d) == (0, 0, None, None)
    assert empty.response == proportion(0, 0)


def test_session_2_intention_to_treat(report: CohortReport) -> None:
    o = outcome(report, "phq9", "session_2", "itt")
    # p1 20 -> 8, p2 no score in the window, p3 12 -> 18, p4 8 -> 3
    assert (o.n, o.scored) == (4, 3)
    # significant baselines p1, p2, p3: p1 responds; p2 counts as not responding
    assert o.response == proportion(1, 3)
    assert o.remission == proportion(0, 3)
    assert o.worsening == proportion(1, 4)
    assert o.mean_change == pytest.approx((-12 + 6 - 5) / 3)
    # d_av: mean(b - e) = 11/3; sd^2 of 20, 12, 8 = 112/3; of 8, 18, 3 = 175/3
    assert o.cohens_d == pytest.approx((11 / 3) / math.sqrt((112 / 3 + 175 / 3) / 2))
    assert o.cohens_d == pytest.approx(0.53016, abs=1e-5)


def test_session_2_completers_only_count_patients_with_a_score(report: CohortReport) -> None:
    o = outcome(report, "phq9", "session_2", "completer")
    assert (o.n, o.scored) == (3, 3)
    assert o.response == proportion(1, 2)
    assert o.remission == proportion(0, 2)
    assert o.worsening == proportion(1, 3)
    assert o.cohens_d == outcome(report, "phq9", "session_2", "itt").cohens_d


def test_session_4_and_end_of_induction(report: CohortReport) -> None:
    for endpoint in ("session_4", "end_of_induction"):
        itt = outcome(report, "phq9", endpoint, "itt")
        # p1 20 -> 4, p2 too late, p3 had no 4th dose, p4 8 -> 2
        assert (itt.n, itt.scored) == (4, 2)
        assert itt.response == proportion(1, 3)
        assert itt.remission == proportion(1, 3)
        assert itt.worsening == proportion(0, 4)
        assert itt.mean_change == -11
        # sd^2 of 20, 8 = 72; of 4, 2 = 2
        assert itt.cohens_d == pytest.approx(11 / math.sqrt(37))
        completer = outcome(report, "phq9", endpoint, "completer")
        assert completer.response == proportion(1, 1)
        assert completer.remission == proportion(1, 1)


def test_wilson_interval_of_one_in_three(report: CohortReport) -> None:
    response = outcome(report, "phq9", "session_2", "itt").response
    assert response is not None
    assert (response.low, response.high) == pytest.approx((0.0615, 0.7923), abs=1e-4)


def test_pcl5_has_worsening_but_no_response_or_remission(report: CohortReport) -> None:
    o = outcome(report, "pcl5", "session_2", "completer")
    assert (o.response, o.remission) == (None, None)
    assert o.worsening == proportion(0, 1)  # -12 points; its MCID is 10 (A4)
    assert o.mean_change == -12
    assert o.cohens_d is None  # one patient


def test_worsening_is_unknown_without_an_mcid(report: CohortReport) -> None:
    o = outcome(report, "madrs", "session_2", "itt")
    assert o.worsening is None
    assert o.response == proportion(1, 1)
    assert o.remission == proportion(1, 1)  # 10 <= 10


def test_adverse_events_by_severity(report: CohortReport) -> None:
    counts = [(a.severity, a.events, a.patients) for a in report.adverse_events]
    assert counts == [
        ("mild", 3, 2),
        ("moderate", 0, 0),
        ("severe", 1, 1),
        ("life_threatening", 0, 0),
    ]


def test_the_report_serialises_to_plain_data(report: CohortReport) -> None:
    data = dataclasses.asdict(report)
    assert json.loads(json.dumps(data))["treated"] == 5


def test_the_window_days_are_the_clinics_choice() -> None:
    wide = cohort_report(COHORT, endpoints=ReportRules(window_days=10), instruments=("phq9",))
    # p2's day-30 score is 9 days after the 4th dose: inside a 10-day window
    assert outcome(wide, "phq9", "session_4", "itt").scored == 3


def test_end_of_induction_follows_each_patients_planned_length() -> None:
    three = course("p", scores={"phq9": ((-1, 20), (16, 5), (23, 4))}, induction_sessions=3)
    report = cohort_report([three], instruments=("phq9",))
    assert outcome(report, "phq9", "end_of_induction", "itt").mean_change == -15
    assert outcome(report, "phq9", "session_4", "itt").mean_change == -16


def test_equal_scores_have_no_effect_size() -> None:
    flat = [course(f"p{i}", scores={"phq9": ((-1, 15), (9, 15))}) for i in range(3)]
    o = outcome(cohort_report(flat, instruments=("phq9",)), "phq9", "session_2", "itt")
    assert (o.mean_change, o.cohens_d) == (0, None)


def test_the_severities_are_the_safety_packages() -> None:
    assert tuple(s.value for s in AdverseEventSeverity) == ADVERSE_EVENT_SEVERITIES


def test_a_patient_still_in_induction_is_not_yet_due_at_later_endpoints() -> None:
    # One dose so far and still in induction: due at no endpoint beyond session 1, so not
    # a failure in ITT at session 2, 4 or the end of induction; one who stopped after a
    # single dose is (a dropout, counted as not responding).
    ongoing = course("on", dose_days=(0,), scores={"phq9": ((-1, 20), (3, 15))})
    stopped = course(
        "off", dose_days=(0,), discharged_early=True, scores={"phq9": ((-1, 20), (3, 15))}
    )
    report_ = cohort_report((ongoing, stopped))
    for endpoint in ("session_2", "session_4", "end_of_induction"):
        itt = outcome(report_, "phq9", endpoint, "itt")
        assert (itt.n, itt.scored) == (1, 0)
        assert itt.response == proportion(0, 1)


def test_hull_2022_is_the_published_reference() -> None:
    assert reference_rate("phq9", "response") == 0.628
    assert reference_rate("gad7", "remission") == 0.313
    assert reference_rate("pcl5", "response") is None
    assert sum(CLASSES.values()) == pytest.approx(1.0)
