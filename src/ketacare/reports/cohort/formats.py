"""The cohort report written out: JSON (the API's and the command's), CSV, text and HTML.

The HTML is one self-contained file: its CSS and SVG inline, nothing to fetch, no link.
"""

from __future__ import annotations

import csv
import dataclasses
import io
from typing import Any

from django.template.loader import render_to_string

from ketacare.reports.cohort.present import CohortView
from ketacare.reports.cohort.queries import CohortResult
from ketacare.reports.cohort.rows import ANALYSIS_WORDS, MEASURE_WORDS, endpoint_words, percent


def as_dict(result: CohortResult) -> dict[str, Any]:
    """The report as JSON-ready values (every field of clinical.outcomes' CohortReport)."""
    spec = result.spec
    return {
        "clinic": {"id": result.clinic.pk, "name": result.clinic.name},
        "first_dose_from": spec.first_dose_from.isoformat(),
        "first_dose_to": spec.first_dose_to.isoformat(),
        "filters": spec.filters(),
        "report": dataclasses.asdict(result.report),
        "definitions": list(result.definitions),
    }


CSV_HEADERS = (
    "instrument", "endpoint", "analysis", "measure", "count", "n", "rate", "low", "high",
)  # fmt: skip


def as_csv(view: CohortView) -> str:
    """One row per rate (instrument, endpoint, analysis, measure) with its interval."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADERS)
    for r in view.rates:
        writer.writerow(
            (r.instrument, r.endpoint, r.analysis, r.measure, r.count, r.n,
             _fraction(r.rate), _fraction(r.low), _fraction(r.high))
        )  # fmt: skip
    return out.getvalue()


def _fraction(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"


def _number(value: float | None, places: int = 1) -> str:
    return "n/a" if value is None else f"{value:.{places}f}"


def as_text(result: CohortResult, view: CohortView) -> str:
    """The tables as plain text lines, for a terminal."""
    spec = result.spec
    lines = [
        f"Cohort report: {result.clinic.name}, first dose {spec.first_dose_from} to "
        f"{spec.first_dose_to}" + "".join(f", {k} {v}" for k, v in spec.filters().items()),
        "",
        *(f"{words}: {count}" for words, count in view.counts),
        "",
        "Baseline",
        *(
            f"  {b.instrument}: n={b.n}, mean {_number(b.mean)}, SD {_number(b.sd)}, "
            f"significant {b.significant}, stale {b.stale}"
            for _, b in view.baselines
        ),
        "",
        "Rates (95% interval)",
        *(
            f"  {r.instrument} {endpoint_words(r.endpoint)}, {ANALYSIS_WORDS[r.analysis]}: "
            f"{MEASURE_WORDS[r.measure]} {r.count}/{r.n} {percent(r.rate)} ({r.interval})"
            for r in view.rates
        ),
        "",
        "Change from baseline",
        *(
            f"  {e.instrument} {endpoint_words(e.endpoint)}, {ANALYSIS_WORDS[e.analysis]}: "
            f"n={e.n}, scored {e.scored}, mean change {_number(e.mean_change)}, "
            f"Cohen's d {_number(e.cohens_d, 2)}"
            for e in view.effects
        ),
        "",
        "Adverse events",
        *(
            f"  {a.severity}: {a.events} events in {a.patients} patients"
            for a in view.report.adverse_events
        ),
        "",
        "Trajectory classes" + (f" ({view.class_instrument})" if view.class_instrument else ""),
        *(
            f"  {c.label}: n={c.n} ({percent(c.share)}), mean "
            + ", ".join(f"{label} {value:.1f}" for label, value in c.points)
            for c in view.classes
        ),
        *(f"  BIC with {k} classes: {bic:.1f}" for k, bic in view.fits),
    ]
    return "\n".join([*lines, "", *result.definitions, ""])


def as_html(result: CohortResult, view: CohortView) -> str:
    """One self-contained HTML file: inline CSS and SVG, no external reference."""
    return render_to_string(
        "reports/cohort/file.html",
        {"result": result, "view": view, "definitions": result.definitions},
    )
