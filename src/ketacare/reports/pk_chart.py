"""The dose preview: plasma ketamine over time, drawn as an SVG the plan editor can inline.

Django-free: the `ketacare pk plot` command and the plan editor both call `pk_preview_svg`.
The medicine (the model, the population) is `ketacare.clinical.pk`; this module only draws
it and says it in words (an SVG <title> and <desc> for screen readers).
"""

from __future__ import annotations

import hashlib
import io
import re
import textwrap
from dataclasses import dataclass
from typing import NamedTuple
from xml.sax.saxutils import escape

import matplotlib as mpl
import numpy as np
import numpy.typing as npt
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.ticker import MaxNLocator

from ketacare.clinical import pk

# CLINICAL.md C: the IV reference dose for depression is 0.5 mg/kg over 40 minutes.
IV_REFERENCE_MG_PER_KG = 0.5
IV_REFERENCE_INFUSION_MIN = 40.0

AUC_UNIT = "ng\u00b7h/mL"
ROUTE_NAMES = {
    "iv": "IV",
    "im": "IM",
    "intranasal": "Intranasal",
    "sublingual": "Sublingual",
    "oral": "Oral (swallowed)",
}

# Drawing: the model's 1-minute curves are thinned to one point every 5 minutes (plus the
# peak itself) so the SVG stays small; the eye cannot tell the difference at this size.
DRAW_STEP_H = 5 / 60
MODEL_STEP_H = 1 / 60  # pk.simulate's and pk.population's default sampling step
LEGEND_HEADROOM = 1.3
FOOTNOTE_LINE = 0.035  # of the figure's height, per line of footnote
FOOTNOTE_WIDTH = 110  # characters: what fits across the figure at 8.5 points, with a margin
PLANNED_COLOUR = "#1f5a99"  # dark blue: 7:1 contrast on white
COMPARE_COLOUR = "#b34700"  # dark orange: 5.5:1 on white, and dashed, so not colour alone

Curve = npt.NDArray[np.float64]


class Regimen(NamedTuple):
    """One dose by one route; for IV the minutes of the infusion (None or 0: a bolus)."""

    route: str
    dose_mg: float
    infusion_min: float | None = None

    def describe(self, weight_kg: float) -> str:
        """The dose as a prescriber reads it: "IV 35 mg (0.50 mg/kg) over 40 min"."""
        mg_per_kg = self.dose_mg / weight_kg
        text = f"{route_name(self.route)} {self.dose_mg:g} mg ({mg_per_kg:.2f} mg/kg)"
        if self.infusion_min:  # None or 0: not an infusion
            text += f" over {self.infusion_min:g} min"
        return text


def route_name(route: str) -> str:
    return ROUTE_NAMES.get(route, route)


def iv_reference(weight_kg: float) -> Regimen:
    """The IV reference dose for depression at this weight: 0.5 mg/kg over 40 min."""
    # CLINICAL.md C
    return Regimen("iv", IV_REFERENCE_MG_PER_KG * weight_kg, IV_REFERENCE_INFUSION_MIN)


@dataclass(frozen=True)
class Exposure:
    """Peak plasma ketamine, the time it is reached and the area under the curve."""

    cmax_ng_ml: float
    tmax_h: float
    auc_ng_h_ml: float


@dataclass(frozen=True)
class PkPreview:
    """What the preview shows: a planned dose in a simulated population against a comparison."""

    planned: Regimen
    compare: Regimen
    weight_kg: float
    n: int
    hours: float  # the time axis: the first hours after the dose
    planned_typical: Exposure  # the model's typical patient of this weight
    compare_typical: Exposure
    planned_cmax_5_95: tuple[float, float]  # 90% of simulated patients peak in this range
    planned_auc_5_95: tuple[float, float]
    population_t_h: Curve
    median_ng_ml: Curve
    p5_ng_ml: Curve
    p95_ng_ml: Curve
    compare_t_h: Curve
    compare_ng_ml: Curve


def simulate(regimen: Regimen, weight_kg: float, *, hours: float = 12.0) -> pk.Profile:
    """The typical patient's profile for a regimen, over the first `hours` after the dose."""
    return pk.simulate(
        regimen.route,
        regimen.dose_mg,
        weight_kg=weight_kg,
        infusion_min=regimen.infusion_min or 0.0,
        hours=hours,
    )


def _exposure(profile: pk.Profile) -> Exposure:
    return Exposure(
        cmax_ng_ml=float(profile.cmax_ng_ml),
        tmax_h=float(profile.tmax_h),
        auc_ng_h_ml=float(profile.auc_ng_h_ml),
    )


def _range_5_95(values: npt.ArrayLike) -> tuple[float, float]:
    low, high = np.percentile(np.asarray(values, dtype=float), [5, 95])
    return float(low), float(high)


def pk_preview(  # noqa: PLR0913 - the preview's inputs, all keyword-only after the dose
    route: str,
    dose_mg: float,
    weight_kg: float,
    *,
    compare: tuple[str, float, float | None] | None = None,
    n: int = 2000,
    seed: int = 1,
    hours: float = 12.0,
) -> PkPreview:
    """Simulate a planned dose in a population and a comparison dose (default: IV reference)."""
    planned = Regimen(route, dose_mg)
    reference = iv_reference(weight_kg) if compare is None else Regimen(*compare)
    typical = simulate(planned, weight_kg, hours=hours)
    other = simulate(reference, weight_kg, hours=hours)
    pop = pk.population(route, dose_mg, n=n, weight_kg=weight_kg, seed=seed, hours=hours)
    return PkPreview(
        planned=planned,
        compare=reference,
        weight_kg=weight_kg,
        n=n,
        hours=hours,
        planned_typical=_exposure(typical),
        compare_typical=_exposure(other),
        planned_cmax_5_95=_range_5_95(pop.cmax_ng_ml),
        planned_auc_5_95=_range_5_95(pop.auc_ng_h_ml),
        population_t_h=np.asarray(pop.t_h, dtype=float),
        median_ng_ml=np.asarray(pop.percentiles[50], dtype=float),
        p5_ng_ml=np.asarray(pop.percentiles[5], dtype=float),
        p95_ng_ml=np.asarray(pop.percentiles[95], dtype=float),
        compare_t_h=np.asarray(other.t_h, dtype=float),
        compare_ng_ml=np.asarray(other.conc_ng_ml, dtype=float),
    )


def pk_preview_svg(  # noqa: PLR0913 - the preview's inputs, all keyword-only after the dose
    route: str,
    dose_mg: float,
    weight_kg: float,
    *,
    compare: tuple[str, float, float | None] | None = None,
    n: int = 2000,
    seed: int = 1,
    hours: float = 12.0,
) -> str:
    """An SVG of plasma ketamine over time: the planned dose against a comparison dose.

    The planned dose is drawn as the median and 5-95% band of a simulated population; the
    comparison (default: the IV reference, 0.5 mg/kg over 40 min) as a dashed line.
    """
    preview = pk_preview(route, dose_mg, weight_kg, compare=compare, n=n, seed=seed, hours=hours)
    return render_svg(preview)


# --- words -----------------------------------------------------------------------------------


def chart_title(preview: PkPreview) -> str:
    planned = preview.planned
    return (
        f"{route_name(planned.route)} ketamine {planned.dose_mg:g} mg for "
        f"{preview.weight_kg:g} kg ({planned.dose_mg / preview.weight_kg:.2f} mg/kg)"
    )


def chart_description(preview: PkPreview) -> str:
    """The chart in words, for screen readers and for anyone who cannot see the colours."""
    mine, ref = preview.planned_typical, preview.compare_typical
    (cmax_low, cmax_high), (auc_low, auc_high) = preview.planned_cmax_5_95, preview.planned_auc_5_95
    return (
        f"Simulated plasma ketamine over time for a patient of {preview.weight_kg:g} kg. "
        f"Planned dose: {preview.planned.describe(preview.weight_kg)}. "
        f"Typical patient: peak {mine.cmax_ng_ml:.0f} ng/mL at {mine.tmax_h:.2f} hours, "
        f"total area under the curve {mine.auc_ng_h_ml:.0f} {AUC_UNIT}. "
        f"In 90% of {preview.n:,} simulated patients the peak is between "
        f"{cmax_low:.0f} and {cmax_high:.0f} ng/mL and the total area between "
        f"{auc_low:.0f} and {auc_high:.0f} {AUC_UNIT}. "
        f"Comparison, {preview.compare.describe(preview.weight_kg)}, dashed line: "
        f"peak {ref.cmax_ng_ml:.0f} ng/mL at {ref.tmax_h:.2f} hours, "
        f"total area under the curve {ref.auc_ng_h_ml:.0f} {AUC_UNIT}. " + " ".join(_notes(preview))
    )


def model_notes(routes: tuple[str, ...]) -> list[str]:
    """What a prescriber must know to read these routes: the model's weakest assumptions."""
    notes = []
    if "intranasal" in routes:
        # The model's intranasal figure is the higher published one (pk.PkParameters).
        low_f, high_f = pk.PUBLISHED_F_RANGES["intranasal", "racemic"]
        notes.append(
            f"Intranasal: published bioavailabilities of racemic ketamine conflict ({low_f:g} "
            f"to {high_f:g}). The model uses the higher figure, "
            f"{pk.DEFAULT_PARAMETERS.intranasal_f:g}, so it never shows less exposure than "
            "may occur; dose conversions use whichever figure gives the smaller dose."
        )
    return notes


def _notes(preview: PkPreview) -> list[str]:
    """The footnotes: what the picture is, and the model's weak points for these routes."""
    return [
        (
            "Model simulation from published population pharmacokinetics; not a measured "
            "level. Shaded: 90% of simulated patients, from published between-patient "
            "variability."
        ),
        *model_notes((preview.planned.route, preview.compare.route)),
    ]


# --- drawing ---------------------------------------------------------------------------------


def _drawn_points(conc: Curve) -> npt.NDArray[np.intp]:
    """Indices to draw: one sample every 5 minutes, plus the sampled peak and the last one."""
    stride = max(1, round(DRAW_STEP_H / MODEL_STEP_H))
    last = conc.size - 1
    return np.union1d(np.arange(0, last + 1, stride), [int(np.argmax(conc)), last]).astype(np.intp)


def _salt(preview: PkPreview) -> str:
    """A short stable id for this picture, so two charts inlined on one page do not share ids."""
    key = repr((preview.planned, preview.compare, preview.weight_kg, preview.n, preview.hours))
    return hashlib.sha256(key.encode()).hexdigest()[:10]


def _peak_words(exposure: Exposure) -> str:
    return (
        f"peak {exposure.cmax_ng_ml:.0f} ng/mL at {exposure.tmax_h:.1f} h, "
        f"AUC(0-\u221e) {exposure.auc_ng_h_ml:.0f} {AUC_UNIT}"
    )


def _figure(preview: PkPreview) -> Figure:
    footnotes = [
        line
        for note in _notes(preview)
        for line in textwrap.wrap(note, FOOTNOTE_WIDTH, break_on_hyphens=False)
    ]
    # A strip at the bottom of the figure is kept for the footnotes under the axis label.
    strip = FOOTNOTE_LINE * len(footnotes)
    fig = Figure(figsize=(8, 5), layout=ConstrainedLayoutEngine(rect=(0, strip, 1, 1 - strip)))
    ax = fig.add_subplot()
    t = preview.population_t_h
    drawn = _drawn_points(preview.median_ng_ml)
    weight_kg = preview.weight_kg
    median = ax.plot(
        t[drawn],
        preview.median_ng_ml[drawn],
        color=PLANNED_COLOUR,
        linewidth=2.2,
        label=f"{preview.planned.describe(weight_kg)}, median\n"
        f"typical patient: {_peak_words(preview.planned_typical)}",
    )
    band = ax.fill_between(
        t[drawn],
        preview.p5_ng_ml[drawn],
        preview.p95_ng_ml[drawn],
        color=PLANNED_COLOUR,
        alpha=0.18,
        linewidth=0,
        label=f"{route_name(preview.planned.route)}: 90% of {preview.n:,} simulated "
        "patients (5th-95th percentile)",
    )
    ref_drawn = _drawn_points(preview.compare_ng_ml)
    reference = ax.plot(
        preview.compare_t_h[ref_drawn],
        preview.compare_ng_ml[ref_drawn],
        color=COMPARE_COLOUR,
        linewidth=2.2,
        linestyle=(0, (6, 3)),
        label=f"{preview.compare.describe(weight_kg)}, dashed\n"
        f"typical patient: {_peak_words(preview.compare_typical)}",
    )
    ax.set_xlim(0, preview.hours)
    # Headroom above the highest curve keeps the legend (upper right) off the early peaks.
    highest = max(
        float(preview.p95_ng_ml[drawn].max()), float(preview.compare_ng_ml[ref_drawn].max())
    )
    ax.set_ylim(0, highest * LEGEND_HEADROOM)
    ax.xaxis.set_major_locator(MaxNLocator(nbins=12, integer=True))
    ax.grid(visible=True, color="#d9d9d9", linewidth=0.6)
    ax.set_axisbelow(True)
    ax.set_xlabel("Hours after the dose", fontsize=11)
    ax.set_ylabel("Plasma ketamine (ng/mL)", fontsize=11)
    ax.set_title(
        f"{chart_title(preview)}\ncompared with {preview.compare.describe(weight_kg)}",
        fontsize=12,
        loc="left",
    )
    ax.legend(
        handles=[median[0], band, reference[0]],
        loc="upper right",
        fontsize=9,
        frameon=True,
        framealpha=0.95,
    )
    fig.text(
        0.01,
        0.005,
        "\n".join(footnotes),
        fontsize=8.5,
        color="#404040",
        ha="left",
        va="bottom",
    )
    return fig


def render_svg(preview: PkPreview) -> str:
    """The preview as a self-contained SVG document: no fonts, scripts or links to fetch."""
    salt = _salt(preview)
    fig = _figure(preview)
    buffer = io.StringIO()
    # Text stays text (svg.fonttype none): readable by screen readers, small, no embedded
    # font; the fixed hash salt makes the output the same for the same inputs.
    with mpl.rc_context({"svg.fonttype": "none", "svg.hashsalt": salt}):
        fig.savefig(
            buffer,
            format="svg",
            metadata={"Date": None, "Creator": None, "Format": None, "Type": None},
        )
    return _accessible(buffer.getvalue(), salt, chart_title(preview), chart_description(preview))


_OWN_ID = re.compile(r'\bid="([^"]+)"')
_OWN_REFERENCE = re.compile(r'(url\(|xlink:href=")#([^)"]+)')


def _accessible(svg: str, salt: str, title: str, description: str) -> str:
    """Make matplotlib's SVG fit to inline: no prologue, named, its own ids and style.

    The XML prologue goes (its DTD is a URL); <title> and <desc> name the picture; every id
    gets the chart's prefix and the one stylesheet rule is scoped to the chart, so several
    charts can be inlined in one page.
    """
    chart_id = f"pk-chart-{salt}"
    svg = svg[svg.index("<svg ") :]
    svg = _OWN_ID.sub(rf'id="{chart_id}-\1"', svg)
    svg = _OWN_REFERENCE.sub(rf"\1#{chart_id}-\2", svg)
    opening_end = svg.index(">") + 1
    opening = svg[:opening_end].replace(
        "<svg ",
        f'<svg id="{chart_id}" role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" ',
        1,
    )
    words = (
        f'\n <title id="{chart_id}-title">{escape(title)}</title>'
        f'\n <desc id="{chart_id}-desc">{escape(description)}</desc>'
    )
    # matplotlib's one stylesheet rule is `*{...}`: inlined in a page it would restyle every
    # element there, so it is scoped to this picture.
    body = svg[opening_end:].replace("*{stroke-linejoin", f"#{chart_id} *{{stroke-linejoin", 1)
    return opening + words + body
