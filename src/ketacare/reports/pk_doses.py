"""The dose preview's numbers and words: a planned dose in a population against a comparison.

Django-free. The medicine (the model, the population) is `ketacare.clinical.pk`; this
module runs it for a preview and says the result in words (the chart's title, its
description for screen readers, the model's caveats). `ketacare.reports.pk_chart` draws it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from ketacare.clinical import pk
from ketacare.clinical.pk import IV_REFERENCE_INFUSION_MIN, IV_REFERENCE_MG_PER_KG
from ketacare.reports import svg

AUC_UNIT = "ng\u00b7h/mL"
ROUTE_NAMES = {
    "iv": "IV",
    "im": "IM",
    "intranasal": "Intranasal",
    "sublingual": "Sublingual",
    "oral": "Oral (swallowed)",
}

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
        f"total area under the curve {ref.auc_ng_h_ml:.0f} {AUC_UNIT}. "
        + " ".join(footnotes(preview))
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


def footnotes(preview: PkPreview) -> list[str]:
    """The footnotes: what the picture is, and the model's weak points for these routes."""
    return [
        (
            "Model simulation from published population pharmacokinetics; not a measured "
            "level. Shaded: 90% of simulated patients, from published between-patient "
            "variability."
        ),
        *model_notes((preview.planned.route, preview.compare.route)),
    ]


def peak_words(exposure: Exposure) -> str:
    return (
        f"peak {exposure.cmax_ng_ml:.0f} ng/mL at {exposure.tmax_h:.1f} h, "
        f"AUC(0-\u221e) {exposure.auc_ng_h_ml:.0f} {AUC_UNIT}"
    )


def concentration_axes(
    plot: svg.Plot, hours: Sequence[float], levels: Sequence[float], *, size: int, y_title_x: float
) -> str:
    """The grid, ticks and titles of a plasma-concentration chart (hours along, ng/mL up)."""
    return "".join(
        [
            svg.grid(plot, xs=hours, ys=levels),
            svg.axis_lines(plot.area),
            svg.tick_marks(plot, hours),
            svg.x_labels(plot, hours, size=size),
            svg.y_labels(plot, levels, size=size),
            svg.x_title(plot, "Hours after the dose", size=size),
            svg.y_title(plot, "Plasma ketamine (ng/mL)", size=size, x=y_title_x),
        ]
    )
