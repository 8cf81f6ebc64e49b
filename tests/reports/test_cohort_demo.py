"""`ketacare demo` gives the cohort report something in every table."""

from __future__ import annotations

import datetime as dt

import pytest

from ketacare.accounts.models import User
from ketacare.reports.cohort.present import CohortView, cohort_view
from ketacare.reports.cohort.queries import cohort_report_for
from ketacare.reports.cohort.specs import CohortSpec
from tests.demo_helpers import demo_once

# The demo's clock stays here: its first doses fall in the months before.
LOAD_AT = dt.datetime(2026, 12, 1, 15, 0, tzinfo=dt.UTC)
_demo = demo_once("--patients", "40", at=LOAD_AT)


@pytest.fixture
def view(_demo: str, db: None) -> CohortView:
    rivera = User.objects.get(username="dr.rivera")
    spec = CohortSpec(first_dose_from=dt.date(2025, 1, 1), first_dose_to=dt.date(2026, 12, 31))
    return cohort_view(cohort_report_for(rivera, spec, via="test").report)


def test_the_demo_counts_treated_completers_and_a_dropout(view: CohortView) -> None:
    report = view.report
    assert report.treated >= 10
    assert report.completers >= 1
    assert report.dropouts >= 1


def test_the_demo_has_a_baseline_on_every_instrument(view: CohortView) -> None:
    assert {b.instrument for _, b in view.baselines if b.n > 0} >= {"phq9", "gad7", "pcl5"}


@pytest.mark.parametrize("instrument", ["phq9", "gad7"])
def test_the_demo_has_rates_at_every_endpoint_in_both_analyses(
    view: CohortView, instrument: str
) -> None:
    judged = {(r.endpoint, r.analysis) for r in view.rates if r.instrument == instrument and r.n}
    assert {analysis for _, analysis in judged} == {"itt", "completer"}
    assert len({endpoint for endpoint, _ in judged}) == len(view.report.endpoints)


def test_the_demo_has_effect_sizes_for_pcl5_too(view: CohortView) -> None:
    assert any(e.instrument == "pcl5" and e.scored for e in view.effects)
    assert any(e.cohens_d is not None for e in view.effects)


def test_the_demo_has_adverse_events_and_trajectory_classes(view: CohortView) -> None:
    assert view.report.adverse_events
    assert view.classes  # the demo's 40 patients: BIC keeps one class or more
    assert len(view.fits) >= 2  # every k tried has its BIC
    assert view.class_chart is not None
    assert len(view.rate_charts) >= 2
