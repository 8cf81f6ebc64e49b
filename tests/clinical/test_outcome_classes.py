"""Trajectory classes, and the report on a synthetic Hull 2022 cohort (CLINICAL.md F, G9)."""

from __future__ import annotations

import math

import pytest

from ketacare.clinical.outcomes import CohortReport, cohort_report
from ketacare.clinical.outcomes.classes import name_class, trajectory_classes
from tests.clinical import hull2022

# CLINICAL.md F: Hull 2022, PHQ-9 after session 4, and its trajectory classes.
HULL_RESPONSE = 0.628
HULL_REMISSION = 0.326
HULL_CLASSES = {"improving": 0.793, "chronic": 0.114, "delayed": 0.093}
Z = 1.96


@pytest.mark.parametrize(
    ("path", "mcid", "label"),
    [
        ((20, 10, 8), 5, "improving"),  # 12 points, 10 of them by session 2
        ((20, 14, 8), 5, "improving"),  # exactly half by session 2
        ((20, 18, 10), 5, "delayed"),  # 10 points, 2 by session 2
        ((20, 18, 16), 5, "chronic"),  # 4 points: less than the MCID
        ((20, 18, 15), 5, "delayed"),  # exactly the MCID
        ((20, 10, 8), None, "class"),  # no MCID: not named
    ],
)
def test_a_class_is_named_from_its_mean_path(
    path: tuple[int, ...], mcid: int | None, label: str
) -> None:
    assert name_class(path, mcid) == label


def test_fewer_than_two_paths_make_no_classes() -> None:
    assert trajectory_classes("phq9", [], mcid=5, max_classes=4) is None
    assert trajectory_classes("phq9", [(20, 10, 8)], mcid=5, max_classes=4) is None


def test_identical_paths_make_one_class() -> None:
    found = trajectory_classes("phq9", [(20, 10, 8)] * 3, mcid=5, max_classes=4)
    assert found is not None
    assert (found.k, len(found.fits), found.n) == (1, 1, 3)
    (only,) = found.classes
    assert (only.label, only.n, only.proportion) == ("improving", 3, 1.0)
    assert only.mean_path == pytest.approx((20, 10, 8))


def test_repeated_names_are_numbered() -> None:
    paths = [(20 + i % 3, 4 + i % 2, 2) for i in range(30)]
    paths += [(10 + i % 3, 3 + i % 2, 1) for i in range(30)]
    found = trajectory_classes("phq9", paths, mcid=None, max_classes=2)
    assert found is not None
    assert found.k == 2
    assert sorted(c.label for c in found.classes) == ["class 1", "class 2"]
    assert [c.n for c in found.classes] == [30, 30]


@pytest.fixture(scope="module")
def hull() -> CohortReport:
    return cohort_report(hull2022.cohort(), instruments=("phq9",))


def test_the_hull_cohort_is_as_planned(hull: CohortReport) -> None:
    assert (hull.treated, hull.completers, hull.dropouts) == (1247, 1247, 0)
    assert hull2022.group_sizes(1247) == [989, 142, 116]


def test_hull_response_and_remission_after_session_4(hull: CohortReport) -> None:
    (o,) = (
        o
        for o in hull.outcomes
        if (o.instrument, o.endpoint, o.analysis) == ("phq9", "session_4", "completer")
    )
    assert o.response is not None
    assert o.remission is not None
    n = o.response.n
    for found, published in ((o.response, HULL_RESPONSE), (o.remission, HULL_REMISSION)):
        assert found.rate is not None
        standard_error = math.sqrt(published * (1 - published) / n)
        assert abs(found.rate - published) < Z * standard_error


def test_hull_bic_chooses_three_classes_in_hulls_proportions(hull: CohortReport) -> None:
    classes = hull.trajectory_classes
    assert classes is not None
    assert classes.k == 3
    assert min(classes.fits, key=lambda f: f.bic).k == 3
    assert [f.k for f in classes.fits] == [1, 2, 3, 4]
    found = {c.label: c.proportion for c in classes.classes}
    assert found.keys() == HULL_CLASSES.keys()
    for label, share in HULL_CLASSES.items():
        assert abs(found[label] - share) < 0.03
