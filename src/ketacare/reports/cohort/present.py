"""The report (clinical.outcomes.report.CohortReport) as the rows and charts every face shows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from ketacare.clinical.outcomes import Proportion
from ketacare.clinical.outcomes.classes import TrajectoryClasses
from ketacare.clinical.outcomes.report import (
    DEFAULT_REPORT_RULES,
    BaselineSummary,
    CohortReport,
    EndpointOutcome,
    ReportRules,
)
from ketacare.patients.models import Indication
from ketacare.reports.charts.common import Chart
from ketacare.reports.cohort.charts import rates_chart
from ketacare.reports.cohort.rows import (
    ANALYSIS_WORDS,
    INSTRUMENT_WORDS,
    MEASURE_WORDS,
    ClassPath,
    RateRow,
    endpoint_words,
)
from ketacare.reports.cohort.trajectory_chart import trajectory_chart
from ketacare.treatment.models import FormulationKind, Route

BASELINE_WORDS = "Baseline"


@dataclass(frozen=True)
class Effect:
    """Mean change from baseline and Cohen's d at one endpoint in one analysis."""

    instrument: str
    endpoint: str
    analysis: str
    n: int
    scored: int
    mean_change: float | None
    cohens_d: float | None

    @property
    def labels(self) -> tuple[str, str, str]:
        return (
            INSTRUMENT_WORDS.get(self.instrument, self.instrument),
            endpoint_words(self.endpoint),
            ANALYSIS_WORDS.get(self.analysis, self.analysis),
        )


@dataclass(frozen=True)
class CohortView:
    report: CohortReport
    counts: tuple[tuple[str, int], ...]
    mix: tuple[tuple[str, str, int], ...]  # (of what, which in words, treated patients)
    baselines: tuple[tuple[str, BaselineSummary], ...]  # (the instrument's name, summary)
    rates: tuple[RateRow, ...]
    effects: tuple[Effect, ...]
    classes: tuple[ClassPath, ...]
    class_instrument: str | None
    fits: tuple[tuple[int, float], ...]  # (k, BIC) per number of classes tried
    rate_charts: tuple[Chart, ...]
    class_chart: Chart | None


def _rate_rows(outcome: EndpointOutcome) -> list[RateRow]:
    found: list[tuple[str, Proportion | None]] = [
        ("response", outcome.response),
        ("remission", outcome.remission),
        ("worsening", outcome.worsening),
    ]
    return [
        RateRow(
            outcome.instrument,
            outcome.endpoint,
            outcome.analysis,
            measure,
            p.count,
            p.n,
            p.rate,
            p.low,
            p.high,
        )
        for measure, p in found
        if p is not None
    ]


def _by_measure(rows: Sequence[RateRow]) -> list[RateRow]:
    order = list(MEASURE_WORDS)
    return sorted(rows, key=lambda r: order.index(r.measure))


def assessment_labels(rules: ReportRules, length: int) -> tuple[str, ...]:
    """What each point of a class's mean path is: the baseline, then each endpoint's."""
    labels = [BASELINE_WORDS, *(f"After session {n}" for n in rules.endpoint_sessions)]
    labels += [f"Assessment {i + 1}" for i in range(len(labels), length)]
    return tuple(labels[:length])


def class_paths(found: TrajectoryClasses | None, rules: ReportRules) -> tuple[ClassPath, ...]:
    if found is None:
        return ()
    return tuple(
        ClassPath(
            instrument=found.instrument,
            label=cls.label,
            n=cls.n,
            share=cls.proportion,
            points=tuple(
                zip(assessment_labels(rules, len(cls.mean_path)), cls.mean_path, strict=True)
            ),
        )
        for cls in found.classes
    )


def _counts(report: CohortReport) -> tuple[tuple[str, int], ...]:
    return (
        ("Patients first dosed in the range", report.patients),
        ("Treated (at least one dose)", report.treated),
        ("Completers (every induction session taken)", report.completers),
        ("Dropouts", report.dropouts),
        ("Discharged before the end of induction", report.discharged_early),
    )


def _mix(report: CohortReport) -> tuple[tuple[str, str, int], ...]:
    """The treated patients by indication, route and product, each in words."""
    kinds = (
        ("Indication", report.indications, dict(Indication.choices)),
        ("Route", report.routes, dict(Route.choices)),
        ("Product", report.products, dict(FormulationKind.choices)),
    )
    return tuple(
        (what, str(words.get(c.name, c.name)), c.count)
        for what, counts, words in kinds
        for c in counts
    )


def _band_words(summary: BaselineSummary) -> BaselineSummary:
    """The summary with its bands named in words ("moderately severe", not the code)."""
    bands = tuple(replace(b, name=b.name.replace("_", " ")) for b in summary.bands)
    return replace(summary, bands=bands)


def cohort_view(report: CohortReport, rules: ReportRules = DEFAULT_REPORT_RULES) -> CohortView:
    """Every table of the report and its charts."""
    rates = tuple(row for o in report.outcomes for row in _rate_rows(o))
    instruments = list(dict.fromkeys(r.instrument for r in rates))
    classes = class_paths(report.trajectory_classes, rules)
    found = report.trajectory_classes
    return CohortView(
        report=report,
        counts=_counts(report),
        mix=_mix(report),
        baselines=tuple(
            (INSTRUMENT_WORDS.get(b.instrument, b.instrument), _band_words(b))
            for b in report.baselines
        ),
        rates=rates,
        effects=tuple(
            Effect(o.instrument, o.endpoint, o.analysis, o.n, o.scored, o.mean_change, o.cohens_d)
            for o in report.outcomes
        ),
        classes=classes,
        class_instrument=None if found is None else found.instrument,
        fits=() if found is None else tuple((f.k, f.bic) for f in found.fits),
        rate_charts=tuple(
            rates_chart(code, _by_measure([r for r in rates if r.instrument == code]))
            for code in instruments
        ),
        class_chart=None
        if found is None or not classes
        else trajectory_chart(found.instrument, classes),
    )
