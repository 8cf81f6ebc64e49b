"""The model against published ketamine levels: the docs' table and figure.

`ketacare pk evidence` writes both; docs/pharmacokinetics.md holds the table and
docs/pharmacokinetics-evidence.svg the figure, and a test keeps the docs' table equal to
what this module makes from `ketacare.clinical.pk_evidence`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from itertools import groupby

from ketacare.clinical import pk
from ketacare.clinical import pk_evidence as evidence
from ketacare.reports import svg
from ketacare.reports.pk_doses import concentration_axes, route_name

TABLE_START = "<!-- evidence table: written by `ketacare pk evidence --markdown` -->"
TABLE_END = "<!-- end of evidence table -->"
_MIN_PER_H = 60.0
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


# Each dose of a panel: its own colour, dash and marker shape, so that none is told apart by
# colour alone. Dark enough for 4.5:1 on white; no panel has more doses than these.
DOSE_COLOURS = ("#1f5a99", "#b34700", "#2a7a3b", "#7b3f98")
DOSE_DASHES = (None, "8 4", "2 3", "10 3 2 3")
DOSE_MARKERS = ("circle", "square", "diamond", "triangle")
TITLE = "The ketamine model against published plasma concentrations"
HEADING = (
    "Ketamine model (lines: the typical 70 kg adult) against published concentrations (markers)",
    (
        "A published peak without a published time is drawn at the model's time to peak; a "
        "published range as its two ends."
    ),
)
# The figure: two columns of panels, 1000 units wide (the docs show it at its width).
WIDTH, MARGIN, GUTTER = 1000, 16, 36
COLUMN = (WIDTH - 2 * MARGIN - GUTTER) / 2
PLOT_LEFT, PLOT_RIGHT, PLOT_TOP, PLOT_HEIGHT = 48, 12, 46, 190
SIZE, LEADING, ENTRY_GAP = 12, 15, 5
LEGEND_TOP = 58  # below the plot: the first baseline of the legend
ROW_GAP = 22
Y_TICKS = 6


@dataclass(frozen=True)
class _Dose:
    """One dose on a panel: the model's curve and the published points for it."""

    dose_mg: float
    infusion_min: float
    profile: pk.Profile
    points: list[tuple[str, float, float]]  # (source, hours, ng/mL)

    @property
    def words(self) -> str:
        return f"{self.dose_mg:g} mg" + (
            f" over {self.infusion_min:g} min" if self.infusion_min else ""
        )

    @property
    def sources(self) -> list[str]:
        return list(dict.fromkeys(source for source, _, _ in self.points))


@dataclass(frozen=True)
class _Panel:
    title: str
    hours: float
    doses: list[_Dose]


def _panels() -> list[_Panel]:
    """Each route's doses: the model's typical curve and the published points."""
    panels = []
    for route, formulation, title, hours in PANELS:
        doses = [
            _Dose(
                dose,
                infusion_min,
                pk.simulate(
                    route,
                    dose,
                    weight_kg=evidence.ASSUMED_WEIGHT_KG,
                    infusion_min=infusion_min,
                    formulation=formulation,
                    hours=hours,
                ),
                _points(route, formulation, (dose, infusion_min)),
            )
            for dose, infusion_min in _doses(route, formulation)
        ]
        panels.append(_Panel(title, hours, doses))
    return panels


def _legend(panel: _Panel) -> list[svg.Entry]:
    """Per dose: a sample of its line and marker, the dose, and the sources of its points."""
    width = COLUMN - svg.SWATCH_WIDTH - 8
    entries = []
    for i, dose in enumerate(panel.doses):
        sources = [f"{source}," for source in dose.sources]
        if sources:
            sources[-1] = sources[-1].removesuffix(",")
            pieces = [f"Model, {dose.words}; published:", *sources]
        else:
            pieces = [f"Model, {dose.words}"]
        swatch = svg.Swatch(DOSE_COLOURS[i], dash=DOSE_DASHES[i], width=2, marker=DOSE_MARKERS[i])
        entries.append(svg.Entry(tuple(svg.pack(pieces, width, SIZE)), swatch))
    return entries


def _plot(panel: _Panel, x0: float, y0: float) -> svg.Plot:
    area = svg.Area(
        x0 + PLOT_LEFT, y0 + PLOT_TOP, x0 + COLUMN - PLOT_RIGHT, y0 + PLOT_TOP + PLOT_HEIGHT
    )
    values = [float(d.profile.conc_ng_ml.max()) for d in panel.doses] + [
        value for d in panel.doses for _, _, value in d.points
    ]
    top = svg.nice_top(max([1.0, *values]) * 1.05, Y_TICKS)
    return svg.Plot.of(area, x=(0, panel.hours), y=(0, top))


def _axes(panel: _Panel, plot: svg.Plot) -> str:
    hours = svg.nice_ticks(0, panel.hours, 6)
    levels = svg.nice_ticks(0, plot.y.high, Y_TICKS)
    return concentration_axes(plot, hours, levels, size=SIZE, y_title_x=plot.area.left - PLOT_LEFT)


def _data(panel: _Panel, plot: svg.Plot, ids: svg.Ids, clip: str) -> str:
    """The model's curves (clipped to the plot) and the published points, hollow, on top."""
    curves, markers = [], []
    for i, dose in enumerate(panel.doses):
        t_h, conc = dose.profile.t_h, dose.profile.conc_ng_ml
        pixels = [(plot.x(float(t)), plot.y(float(c))) for t, c in zip(t_h, conc, strict=True)]
        curves.append(svg.polyline(pixels, stroke=DOSE_COLOURS[i], width=2, dash=DOSE_DASHES[i]))
        markers += [
            svg.marker(
                DOSE_MARKERS[i],
                plot.x(at_h),
                plot.y(value),
                size=5,
                fill=svg.WHITE,
                stroke=DOSE_COLOURS[i],
                width=1.8,
                value=value,
            )
            for _, at_h, value in dose.points
        ]
    return (
        svg.clip_to(ids, clip, plot.area)
        + svg.group(curves, css="model", clip_path=ids.url(clip))
        + svg.group(markers, css="published")
    )


def _panel(panel: _Panel, x0: float, y0: float, ids: svg.Ids, index: int) -> str:
    plot = _plot(panel, x0, y0)
    heading = svg.text(x0, y0 + 16, panel.title, size=14, weight="600", halo=False)
    legend = svg.legend(
        _legend(panel),
        x=x0,
        y=plot.area.bottom + LEGEND_TOP,
        size=SIZE,
        leading=LEADING,
        gap=ENTRY_GAP,
    )
    body = heading + _axes(panel, plot) + _data(panel, plot, ids, f"plot-{index}") + legend
    return svg.group([body], css="panel")


def _panel_height(panel: _Panel) -> float:
    legend = svg.legend_height(_legend(panel), leading=LEADING, gap=ENTRY_GAP)
    return PLOT_TOP + PLOT_HEIGHT + LEGEND_TOP + legend


def figure_description(panels: Sequence[_Panel]) -> str:
    """The figure in words: per panel, the doses modelled and the sources drawn."""
    parts = [
        (
            "Plasma ketamine over the hours after one dose: the model's typical 70 kg adult "
            "(lines) against published concentrations (markers), one panel per route."
        )
    ]
    for panel in panels:
        doses = ", ".join(dose.words for dose in panel.doses)
        sources = list(dict.fromkeys(s for dose in panel.doses for s in dose.sources))
        parts.append(f"{panel.title}: model at {doses}; published: {', '.join(sources)}.")
    return " ".join(parts)


def figure_svg() -> str:
    """Each route's model curves (lines) with the published points (open markers).

    A self-contained SVG file: text stays text, no fonts or links to fetch.
    """
    panels = _panels()
    ids = svg.Ids("pk-evidence")
    heading = svg.group(
        [
            svg.text(
                WIDTH / 2, MARGIN + 14 + i * 19, words, anchor="middle", size=15 - i, halo=False
            )
            for i, words in enumerate(HEADING)
        ],
        css="heading",
    )
    parts, top = [heading], MARGIN + 56.0
    for row in range(0, len(panels), 2):
        pair = panels[row : row + 2]
        for column, panel in enumerate(pair):
            x0 = MARGIN + column * (COLUMN + GUTTER)
            parts.append(_panel(panel, x0, top, ids, row + column))
        top += max(_panel_height(panel) for panel in pair) + ROW_GAP
    height = top - ROW_GAP + MARGIN
    canvas = svg.Canvas(WIDTH, height, shown_width=svg.num(WIDTH), shown_height=svg.num(height))
    picture = svg.document(
        ids,
        canvas,
        TITLE,
        figure_description(panels),
        svg.backdrop(canvas) + "".join(parts),
        css=None,
    )
    return svg.XML_PROLOGUE + picture + "\n"
