"""One typical patient: the plasma ketamine curve after one dose by one route.

The typical patient has every between-patient spread at its median; its curve, peak and
AUC (0 to infinity: F x dose / CL) are what the dose preview shows (CLINICAL.md B).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize_scalar

from ketacare.clinical.pk.closed_form import _concentrations, _Term, _terms
from ketacare.clinical.pk.compartments import Disposition
from ketacare.clinical.pk.figures import Array, Formulation, Route
from ketacare.clinical.pk.inputs import _check_dose, _time_grid
from ketacare.clinical.pk.parameters import DEFAULT_PARAMETERS, PkParameters, disposition
from ketacare.clinical.pk.subjects import _DRAWS, Subjects, _auc, _subjects


@dataclass(frozen=True, eq=False)
class Profile:
    """One typical patient's predicted plasma ketamine after one dose."""

    route: Route
    formulation: Formulation
    dose_mg: float
    weight_kg: float
    infusion_min: float
    t_h: Array  # hours after the start of the dose
    conc_ng_ml: Array
    cmax_ng_ml: float  # the highest concentration in the window, found between the samples
    tmax_h: float
    auc_ng_h_ml: float  # 0 to infinity: F x dose / CL
    bioavailability: float
    disposition: Disposition
    subjects: Subjects  # the same model as one subject, e.g. for a numerical check


def _peak(terms: list[_Term], t_h: Array, conc: Array) -> tuple[float, float]:
    """(tmax, cmax) in the window: the highest sample, refined between its neighbours."""
    i = int(np.argmax(conc))
    low, high = t_h[max(i - 1, 0)], t_h[min(i + 1, t_h.size - 1)]

    def at(t: float) -> float:
        return float(_concentrations(terms, np.array([t]), 1)[0, 0])

    best = minimize_scalar(
        lambda t: -at(t), bounds=(low, high), method="bounded", options={"xatol": 1e-10}
    )
    # The sample itself stays a candidate: the bounded search never tries the window's
    # ends, where a bolus (at 0) or a still-rising curve (at the end) peaks.
    times = np.array([t_h[i], float(best.x)])
    values = np.array([conc[i], at(float(best.x))])
    j = int(np.argmax(values))
    return float(times[j]), float(values[j])


def simulate(  # noqa: PLR0913 - the issue's call: route and dose, then keyword options
    route: str,
    dose_mg: float,
    *,
    weight_kg: float,
    infusion_min: float = 0.0,
    hours: float = 12.0,
    step_min: float = 1.0,
    formulation: str = "racemic",
    params: PkParameters = DEFAULT_PARAMETERS,
) -> Profile:
    """The typical patient's plasma ketamine after one dose by one route."""
    dose = _check_dose(route, dose_mg, weight_kg, infusion_min, formulation)
    t_h = _time_grid(hours, step_min)
    subjects = _subjects(dose, params, np.zeros((_DRAWS, 1)))  # every spread at its median
    terms = _terms(subjects)
    conc = _concentrations(terms, t_h, 1)[:, 0]
    tmax, cmax = _peak(terms, t_h, conc)
    absorbed_mg = sum(float(way.amount_mg[0]) for way in subjects.pathways)
    return Profile(
        route=dose.route,
        formulation=dose.formulation,
        dose_mg=dose.dose_mg,
        weight_kg=dose.weight_kg,
        infusion_min=dose.infusion_min,
        t_h=_frozen(t_h),
        conc_ng_ml=_frozen(conc),
        cmax_ng_ml=cmax,
        tmax_h=tmax,
        auc_ng_h_ml=float(_auc(subjects)[0]),
        bioavailability=absorbed_mg / dose.dose_mg,
        disposition=disposition(dose.weight_kg, formulation=dose.formulation, params=params),
        subjects=subjects,
    )


def _frozen(values: Array) -> Array:
    values.flags.writeable = False
    return values
