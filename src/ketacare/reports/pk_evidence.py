"""The model against published ketamine levels: the docs' table and figure.

`ketacare pk evidence` writes both; docs/pharmacokinetics.md holds the table and
docs/pharmacokinetics-evidence.svg the figure, and a test keeps the docs' table equal to
what this module makes from `ketacare.clinical.pk_evidence`.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import replace
from itertools import groupby

import matplotlib as mpl
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine

from ketacare.clinical import pk
from ketacare.clinical import pk_evidence as evidence
from ketacare.reports.pk_chart import route_name

TABLE_START = "<!-- evidence table: written by `ketacare pk evidence --markdown` -->"
TABLE_END = "<!-- end of evidence table -->"
_MIN_PER_H = 60.0
MODEL_COLOUR = "#1f5a99"
PUBLISHED_COLOUR = "#b34700"
# The panels of the figure: (route, formulation, title, hours shown).
PANELS: tuple[tuple[pk.Route, pk.Formulation, str, float], ...] = (
    ("iv", "racemic", "IV (bolus, and 0.5 mg/kg over 40 min)", 3.0),
    ("im", "racemic", "Intramuscular", 3.0),
    ("oral", "racemic", "Oral (swallowed)", 4.0),
    ("sublingual", "racemic", "Sublingual", 4.0),
    ("intranasal", "racemic", "Intranasal, racemic", 3.0),
    ("intranasal", "esketamine", "Intranasal, esketamine", 3.0),
)
_CURVE_QUANTITIES = {"cmax", "tmax", "concentration"}


def _shown(row: evidence.Observation) -> str:
    value = evidence.predict(row)
    if row.unit == "h":
        return f"{value * _MIN_PER_H:.0f} min" if value < 1 else f"{value:.2f} h"
    return f"{value:.0f} {row.unit}" if value >= 10 else f"{value:.1f} {row.unit}"  # noqa: PLR2004


def _verdict(row: evidence.Observation, notes: dict[str, int]) -> str:
    ratio = evidence.ratio(row)
    if row.miss:
        return f"**miss** ({notes[row.miss]})"
    text = "within 2x" if evidence.within(ratio) else "**outside 2x**"
    return text if row.independent else f"{text}; an input"


def table_markdown() -> str:
    """The observation table, one row per published figure, with the model's figure."""
    notes: dict[str, int] = {}
    for row in evidence.OBSERVATIONS:
        if row.miss and row.miss not in notes:
            notes[row.miss] = len(notes) + 1
    lines = [
        TABLE_START,
        "",
        "| # | route | dose | who | measured | published | model | model / published | verdict |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for number, row in enumerate(evidence.OBSERVATIONS, start=1):
        route = route_name(row.route) + (" esketamine" if row.formulation == "esketamine" else "")
        dose = f"{row.dose_mg:g} mg" + (
            f" over {row.infusion_min:g} min" if row.infusion_min else ""
        )
        measured = row.quantity + (f" at {row.at_h * _MIN_PER_H:g} min" if row.at_h else "")
        lines.append(
            f"| {number} | {route} | {dose} | {row.subjects} | {measured} | "
            f"{row.published} ({row.source}) | {_shown(row)} | {evidence.ratio(row):.2f} | "
            f"{_verdict(row, notes)} |"
        )
    lines += ["", "Misses:", ""]
    lines += [f"{number}. {text}" for text, number in notes.items()]
    lines += ["", TABLE_END]
    return "\n".join(lines)


def summary_lines() -> list[str]:
    """In a few lines: how many published figures the model meets, and each miss."""
    rows = evidence.OBSERVATIONS
    met = [row for row in rows if not row.miss]
    independent = [row for row in met if row.independent]
    lines = [
        (
            f"{len(met)} of {len(rows)} published figures within 2x "
            f"({len(independent)} of them independent of the model's inputs)."
        ),
        "Misses:",
    ]
    lines += [
        f"  {row.source}, {route_name(row.route)} {row.dose_mg:g} mg, {row.quantity}: "
        f"model/published {evidence.ratio(row):.2f}"
        for row in rows
        if row.miss
    ]
    return [*lines, "The table and the reasons: docs/pharmacokinetics.md."]


# --- the figure ------------------------------------------------------------------------------


def _doses(route: pk.Route, formulation: pk.Formulation) -> Iterator[tuple[float, float]]:
    """The (dose, infusion minutes) of the observations drawn on one panel."""
    rows = [
        row
        for row in evidence.OBSERVATIONS
        if (row.route, row.formulation) == (route, formulation)
        and row.quantity in _CURVE_QUANTITIES
    ]
    yield from sorted({(row.dose_mg, row.infusion_min) for row in rows})


def _points(
    route: pk.Route, formulation: pk.Formulation, dose: tuple[float, float]
) -> list[tuple[str, float, float]]:
    """(label, hours, ng/mL) of each published point for one dose on one panel."""
    rows = [
        row
        for row in evidence.OBSERVATIONS
        if (row.route, row.formulation, row.dose_mg, row.infusion_min)
        == (route, formulation, *dose)
    ]
    points = []
    for source, group in groupby(sorted(rows, key=lambda r: r.source), key=lambda r: r.source):
        found = {row.quantity: row for row in group}
        if "concentration" in found:
            row = found["concentration"]
            points.append((source, row.at_h or 0.0, row.value))
        if "cmax" in found:
            peak = found["cmax"]
            tmax = found.get("tmax")
            at = tmax.value if tmax is not None else _model_tmax(peak)
            points.append((source, at, peak.value))
            if peak.high is not None:  # a published range: its two ends
                points.append((source, at, peak.high))
    return points


def _model_tmax(row: evidence.Observation) -> float:
    """The model's time to peak for the same dose as a row."""
    return evidence.predict(replace(row, quantity="tmax"))


def _panel(
    ax: Axes, route: pk.Route, formulation: pk.Formulation, title: str, hours: float
) -> None:
    markers = iter("osD^vP*Xh")
    for dose, infusion_min in _doses(route, formulation):
        profile = pk.simulate(
            route,
            dose,
            weight_kg=evidence.ASSUMED_WEIGHT_KG,
            infusion_min=infusion_min,
            formulation=formulation,
            hours=hours,
        )
        label = f"model {dose:g} mg" + (f" over {infusion_min:g} min" if infusion_min else "")
        line = ax.plot(profile.t_h, profile.conc_ng_ml, linewidth=1.6, label=label)[0]
        marker = next(markers)
        for source, at_h, value in _points(route, formulation, (dose, infusion_min)):
            ax.plot(
                at_h,
                value,
                marker=marker,
                linestyle="none",
                markersize=7,
                markerfacecolor="white",
                markeredgecolor=line.get_color(),
                markeredgewidth=1.6,
                label=f"{source}, {dose:g} mg",
            )
    ax.set_title(title, fontsize=10, loc="left")
    ax.set_xlim(0, hours)
    ax.set_ylim(bottom=0)
    ax.set_xlabel("Hours after the dose", fontsize=9)
    ax.set_ylabel("Plasma ketamine (ng/mL)", fontsize=9)
    ax.grid(visible=True, color="#d9d9d9", linewidth=0.6)
    ax.legend(fontsize=6.5, loc="upper right", frameon=True, framealpha=0.9)


def figure() -> Figure:
    """Each route's model curves (lines) with the published points (open markers)."""
    fig = Figure(figsize=(12, 11), layout=ConstrainedLayoutEngine())
    axes = fig.subplots(3, 2)
    for ax, (route, formulation, title, hours) in zip(axes.flat, PANELS, strict=True):
        _panel(ax, route, formulation, title, hours)
    fig.suptitle(
        "Ketamine model (lines: the typical 70 kg adult) against published concentrations "
        "(markers)\nA published peak without a published time is drawn at the model's time "
        "to peak; a published range as its two ends.",
        fontsize=11,
    )
    return fig


def figure_svg() -> str:
    """The figure as a self-contained SVG: text stays text, no fonts or links to fetch."""
    buffer = io.StringIO()
    with mpl.rc_context({"svg.fonttype": "none", "svg.hashsalt": "pk-evidence"}):
        figure().savefig(
            buffer,
            format="svg",
            metadata={"Date": None, "Creator": None, "Format": None, "Type": None},
        )
    return buffer.getvalue()
