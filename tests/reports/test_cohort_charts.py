"""The cohort report's charts and rows, from a report written by hand."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from ketacare.clinical.outcomes import proportion
from ketacare.clinical.outcomes.classes import ClassFit, TrajectoryClass, TrajectoryClasses
from ketacare.clinical.outcomes.report import (
    AdverseEventCount,
    BaselineSummary,
    CohortReport,
    Count,
    EndpointOutcome,
)
from ketacare.reports.cohort.present import cohort_view

SVG = "{http://www.w3.org/2000/svg}"
ENDPOINTS = ("session_2", "session_4", "end_of_induction")


def outcome(instrument: str, endpoint: str, analysis: str, responders: int) -> EndpointOutcome:
    return EndpointOutcome(
        instrument=instrument,
        endpoint=endpoint,
        analysis=analysis,
        n=10,
        scored=9,
        response=proportion(responders, 10),
        remission=proportion(responders // 2, 10),
        worsening=proportion(0, 10) if instrument != "pcl5" else None,
        mean_change=-6.5,
        cohens_d=1.2,
    )


def report() -> CohortReport:
    classes = TrajectoryClasses(
        instrument="phq9",
        n=10,
        k=3,
        fits=(ClassFit(1, 210.0), ClassFit(2, 190.5), ClassFit(3, 180.25)),
        classes=(
            TrajectoryClass("improving", 7, 0.7, (20.0, 12.0, 6.0)),
            TrajectoryClass("chronic", 2, 0.2, (19.0, 19.0, 18.0)),
            TrajectoryClass("delayed", 1, 0.1, (21.0, 20.0, 10.0)),
        ),
    )
    return CohortReport(
        patients=10, treated=10, completers=9, dropouts=1, discharged_early=1,
        indications=(Count("trd", 10),), routes=(Count("sublingual", 10),),
        products=(Count("troche", 10),), endpoints=ENDPOINTS,
        baselines=(
            BaselineSummary("phq9", 10, 19.5, 2.5, (Count("moderately severe", 6),), 10, 0),
        ),
        outcomes=tuple(
            outcome(code, endpoint, analysis, 6)
            for code in ("phq9", "gad7")
            for endpoint in ENDPOINTS
            for analysis in ("itt", "completer")
        ),
        adverse_events=(AdverseEventCount("mild", 3, 2),),
        trajectory_classes=classes,
    )  # fmt: skip


def test_a_rates_chart_per_instrument_with_every_rate_in_its_table() -> None:
    view = cohort_view(report())
    assert [c.key for c in view.rate_charts] == ["rates-phq9", "rates-gad7"]
    chart = view.rate_charts[0]
    assert len(chart.rows) == 3 * 3 * 2  # measures x endpoints x analyses
    root = ET.fromstring(chart.svg)  # noqa: S314 - our own markup
    assert root.find(f"{SVG}title") is not None
    assert "Response After session 2 All treated (ITT): 6 of 10" in root.findtext(f"{SVG}desc", "")
    words = " ".join(t.text or "" for t in root.iter(f"{SVG}text"))
    assert "Hull 2022 62.8%" in words  # CLINICAL.md F, response
    assert "Hull 2022 32.6%" in words  # remission
    # ITT and completers differ by marker shape (circle, square path), not by colour only.
    assert root.findall(f".//{SVG}g[@class='rate itt']/{SVG}circle")
    assert root.findall(f".//{SVG}g[@class='rate completer']/{SVG}path")


def test_the_trajectory_chart_labels_each_class_with_its_own_line_style() -> None:
    view = cohort_view(report())
    chart = view.class_chart
    assert chart is not None
    root = ET.fromstring(chart.svg)  # noqa: S314 - our own markup
    dashes = [p.get("stroke-dasharray") for p in root.iter(f"{SVG}polyline")]
    assert len(set(dashes)) == 3
    words = " ".join(t.text or "" for t in root.iter(f"{SVG}text"))
    assert "improving (70.0%, n=7)" in words
    assert chart.headers == ("Class", "Patients", "Share", "Baseline", "After session 2",
                             "After session 4")  # fmt: skip
    assert view.fits == ((1, 210.0), (2, 190.5), (3, 180.25))


def test_endpoints_and_rates_read_in_words() -> None:
    view = cohort_view(report())
    first = view.rates[0]
    assert first.labels == ("PHQ-9", "After session 2", "All treated (ITT)", "Response")
    assert first.shown == "60.0%"
    assert first.interval == "31.3% to 83.2%"
    assert view.effects[-1].labels[1] == "End of induction"
