"""A population: many patients of one weight given the same dose.

Each patient has their own disposition, bioavailability and absorption (`subjects`); the
population gives the 5th, 50th and 95th percentile curves and each patient's peak and AUC
(the between-patient band of the dose preview).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np

from ketacare.clinical.pk.closed_form import _terms
from ketacare.clinical.pk.figures import PERCENTILES, Array, Formulation, Route
from ketacare.clinical.pk.inputs import _check_count, _check_dose, _check_seed, _time_grid
from ketacare.clinical.pk.parameters import DEFAULT_PARAMETERS, PkParameters
from ketacare.clinical.pk.subjects import _DRAWS, Subjects, _auc, _subjects
from ketacare.clinical.pk.sweep import _sweep
from ketacare.clinical.pk.typical import _frozen


@dataclass(frozen=True, eq=False)
class Population:
    """Many simulated patients given the same dose: percentile curves and exposures."""

    route: Route
    formulation: Formulation
    dose_mg: float
    weight_kg: float
    infusion_min: float
    n: int
    t_h: Array
    percentiles: Mapping[int, Array]  # {5: curve, 50: curve, 95: curve} in ng/mL
    cmax_ng_ml: Array  # each patient's highest sampled concentration
    tmax_h: Array  # when it was sampled (the first time, if it repeats)
    auc_ng_h_ml: Array  # each patient's AUC 0 to infinity
    subjects: Subjects  # each patient's model: concentrations_ng_ml(subjects, t_h) redraws them


def population(  # noqa: PLR0913 - the issue's call: route and dose, then keyword options
    route: str,
    dose_mg: float,
    *,
    n: int,
    weight_kg: float,
    seed: int | None = None,
    infusion_min: float = 0.0,
    hours: float = 12.0,
    step_min: float = 1.0,
    formulation: str = "racemic",
    params: PkParameters = DEFAULT_PARAMETERS,
) -> Population:
    """Many patients of one weight, each with their own disposition, F and absorption.

    Log-normal between-patient variability around the typical values (the typical value
    is each spread's median). The curves are computed one time point at a time for every
    patient (`_sweep`), so memory stays at a few rows of patients.
    """
    dose = _check_dose(route, dose_mg, weight_kg, infusion_min, formulation)
    count = _check_count(n)
    rng = np.random.default_rng(_check_seed(seed))
    t_h = _time_grid(hours, step_min)
    subjects = _subjects(dose, params, rng.standard_normal((_DRAWS, count)))
    bands, cmax, peak_index = _sweep(_terms(subjects), t_h, count)
    return Population(
        route=dose.route,
        formulation=dose.formulation,
        dose_mg=dose.dose_mg,
        weight_kg=dose.weight_kg,
        infusion_min=dose.infusion_min,
        n=count,
        t_h=_frozen(t_h),
        percentiles=MappingProxyType(
            {level: _frozen(bands[k]) for k, level in enumerate(PERCENTILES)}
        ),
        cmax_ng_ml=_frozen(cmax),
        tmax_h=_frozen(t_h[peak_index]),
        auc_ng_h_ml=_frozen(_auc(subjects)),
        subjects=subjects,
    )
