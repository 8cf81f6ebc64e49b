"""The cohort report's inputs: refusals that name the field, and the endpoint windows."""

from __future__ import annotations

import re
import zoneinfo
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ketacare.clinical.outcomes import Observation, PatientCourse, ReportRules, cohort_report
from ketacare.clinical.outcomes.endpoints import score_after_session

START = datetime(2026, 3, 2, 9, tzinfo=UTC)
WEEK = timedelta(days=7)
DOSES = (START, START + WEEK, START + 2 * WEEK)


def fields(**changes: Any) -> dict[str, Any]:
    return {
        "key": "p1",
        "indication": "depression",
        "route": "sublingual",
        "product": "ketamine-sl",
        "doses": DOSES,
        "induction_sessions": 4,
        "discharged_early": False,
        "scores": {"phq9": (Observation(START - timedelta(days=1), 20),)},
        "adverse_events": (),
    } | changes


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"key": ""}, "key must be a non-empty string"),
        ({"route": None}, "route must be a non-empty string"),
        ({"induction_sessions": 0}, "induction_sessions must be a whole number of at least 1"),
        ({"discharged_early": "no"}, "discharged_early must be True or False"),
        ({"doses": (datetime(2026, 3, 2, 9),)}, "a dose time must be an aware datetime"),  # noqa: DTZ001 - the naive time under test
        ({"doses": (DOSES[1], DOSES[0])}, "doses must be in time order"),
        ({"doses": (START, START.astimezone(UTC))}, "one per instant"),
        ({"scores": {"phq10": ()}}, "instrument must be one of"),
        (
            {"scores": {"phq9": (Observation(START, 28),)}},
            "phq9: total of p1 (at 2026-03-02T09:00:00+00:00)",
        ),
        (
            {"scores": {"phq9": (Observation(START, 2), Observation(START, 3))}},
            "two scores at the same time",
        ),
        ({"adverse_events": ("grave",)}, "severity must be one of mild, moderate"),
    ],
)
def test_a_course_that_cannot_be_read_is_refused(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        PatientCourse(**fields(**changes))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"window_days": 0}, "window_days must be a whole number of at least 1"),
        ({"window_days": 7.5}, "window_days must be a whole number"),
        ({"max_classes": 0}, "max_classes must be a whole number of at least 1"),
        ({"endpoint_sessions": ()}, "endpoint_sessions must be session numbers"),
        ({"endpoint_sessions": [2, 4]}, "endpoint_sessions must be session numbers"),
        ({"endpoint_sessions": (0, 4)}, "endpoint_sessions must be session numbers"),
        ({"endpoint_sessions": (4, 2)}, "in increasing order"),
        ({"endpoint_sessions": (2, 2)}, "without repeats"),
        ({"class_instrument": "phq"}, "instrument must be one of"),
    ],
)
def test_report_rules_that_cannot_be_read_are_refused(
    changes: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        ReportRules(**changes)


def test_unknown_or_repeated_instruments_are_refused() -> None:
    with pytest.raises(ValueError, match="instrument must be one of"):
        cohort_report([], instruments=("phq9", "hamd"))
    with pytest.raises(ValueError, match="must not repeat"):
        cohort_report([], instruments=("phq9", "phq9"))


def test_a_patient_given_twice_or_not_a_course_is_refused() -> None:
    one = PatientCourse(**fields())
    with pytest.raises(ValueError, match="repeated keys: p1"):
        cohort_report([one, one])
    with pytest.raises(ValueError, match="courses must be PatientCourse values"):
        cohort_report([fields()])  # type: ignore[list-item]


def test_an_empty_cohort_has_an_empty_report() -> None:
    report = cohort_report([])
    assert (report.patients, report.treated, report.trajectory_classes) == (0, 0, None)
    assert all(o.n == 0 for o in report.outcomes)


def score(days: float, total: int = 10) -> Observation:
    return Observation(START + timedelta(days=days), total)


@pytest.mark.parametrize(
    ("session", "observations", "expected"),
    [
        (2, (score(7),), None),  # at the instant of the 2nd dose: not shown to follow it
        (2, (score(7.5), score(9, 5)), 5),  # the latest in the window
        (2, (score(14),), None),  # at the instant of the 3rd dose
        (2, (score(13.9, 6),), 6),  # just before the 3rd dose
        (3, (score(21, 4),), 4),  # exactly 7 days after the last dose
        (3, (score(21.01),), None),  # later than the window
        (4, (score(22),), None),  # no 4th dose
        (1, (score(-1),), None),  # before the dose: a baseline, not an endpoint
    ],
)
def test_the_score_after_a_session(
    session: int, observations: tuple[Observation, ...], expected: int | None
) -> None:
    found = score_after_session(DOSES, observations, session, timedelta(days=7))
    assert (None if found is None else found.total) == expected


def test_a_dose_in_another_zone_is_compared_as_an_instant() -> None:
    new_york = DOSES[0].astimezone(zoneinfo.ZoneInfo("America/New_York"))
    found = score_after_session((new_york,), (score(0.5, 9),), 1, timedelta(days=7))
    assert found is not None
    assert found.total == 9
