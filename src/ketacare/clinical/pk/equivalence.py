"""Equivalent doses between routes, that never err high (CLINICAL.md G11).

The dose by one route that gives the same AUC (or Cmax) as a dose by another: for the
typical patient, between simulated patients (the 5th-95th percentile), and the dose to
propose, read with each route's published bioavailability at the end that makes it
smaller (`PUBLISHED_F_RANGES`, docs/pharmacokinetics.md "Conversions").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ketacare.clinical.pk.closed_form import _terms
from ketacare.clinical.pk.figures import PUBLISHED_F_RANGES, Match, Route
from ketacare.clinical.pk.inputs import _check_dose, _check_match, _Dose, _time_grid
from ketacare.clinical.pk.parameters import (
    DEFAULT_PARAMETERS,
    PkParameters,
    route_bioavailability,
)
from ketacare.clinical.pk.subjects import _DRAWS, _auc, _subjects
from ketacare.clinical.pk.sweep import _sweep
from ketacare.clinical.pk.typical import simulate

# Simulated patients behind the between-patient range of an equivalent dose.
_EQUIVALENCE_PATIENTS = 2000


@dataclass(frozen=True)
class Equivalence:
    """A dose by one route that matches a dose by another, and how sure that is.

    `dose_mg` is the dose to propose: computed with the from-route's lowest and the
    to-route's highest published bioavailability, so that it is never more than the
    sources support (CLINICAL.md G11). `typical_mg` is the model's typical patient;
    `low_mg`-`high_mg` the 5th-95th percentile of the matching dose between simulated
    patients. `notes` say in words which figures were used and why.
    """

    from_route: Route
    from_dose_mg: float
    to_route: Route
    match: Match
    dose_mg: float
    typical_mg: float
    low_mg: float
    high_mg: float
    from_f: float
    to_f: float
    notes: tuple[str, ...]


def equivalent_dose(  # noqa: PLR0913 - the issue's call, with an infusion time per side
    from_route: str,
    dose_mg: float,
    to_route: str,
    *,
    weight_kg: float,
    match: str = "auc",
    from_infusion_min: float = 0.0,
    to_infusion_min: float = 0.0,
    params: PkParameters = DEFAULT_PARAMETERS,
) -> Equivalence:
    """The dose by to_route that gives the same AUC (or Cmax) as dose_mg by from_route.

    Racemic ketamine only: matching esketamine to racemic concentrations would ignore the
    enantiomers' potencies, which CLINICAL.md does not give.
    """
    checked = _check_match(match)
    given = _check_dose(from_route, dose_mg, weight_kg, from_infusion_min, "racemic")
    target = _check_dose(to_route, 1.0, weight_kg, to_infusion_min, "racemic")
    from_typical = route_bioavailability(given.route, params=params)
    to_typical = route_bioavailability(target.route, params=params)
    from_f, to_f = from_typical, to_typical
    if given.route != target.route:
        # Each side read at the bioavailability that makes the target dose smaller: the
        # from-route at its lowest, the to-route at its highest (CLINICAL.md G11). A
        # different F scales that route's whole curve.
        from_f = min(PUBLISHED_F_RANGES[given.route, "racemic"][0], from_typical)
        to_f = max(PUBLISHED_F_RANGES[target.route, "racemic"][1], to_typical)
    typical_mg = _matching_dose(given, target, checked, params)
    low_mg, high_mg = _matching_range(given, target, checked, params)
    return Equivalence(
        from_route=given.route,
        from_dose_mg=given.dose_mg,
        to_route=target.route,
        match=checked,
        dose_mg=typical_mg * (from_f / from_typical) * (to_typical / to_f),
        typical_mg=typical_mg,
        low_mg=low_mg,
        high_mg=high_mg,
        from_f=from_f,
        to_f=to_f,
        notes=_equivalence_notes(given.route, target.route, from_f, to_f, params),
    )


def _matching_dose(given: _Dose, target: _Dose, match: Match, params: PkParameters) -> float:
    # The model is linear in dose: the answer is the given exposure over that of 1 mg.
    exposures = []
    for dose in (given, target):
        profile = simulate(
            dose.route,
            dose.dose_mg,
            weight_kg=dose.weight_kg,
            infusion_min=dose.infusion_min,
            params=params,
        )
        exposures.append(profile.auc_ng_h_ml if match == "auc" else profile.cmax_ng_ml)
    return exposures[0] / exposures[1]


def _matching_range(
    given: _Dose, target: _Dose, match: Match, params: PkParameters
) -> tuple[float, float]:
    """The 5th-95th percentile of the matching dose between simulated patients.

    Each patient keeps one disposition and gets their own F and absorption per route.
    """
    rng = np.random.default_rng(0)
    eta = rng.standard_normal((_DRAWS, _EQUIVALENCE_PATIENTS))
    other = eta.copy()
    other[3:] = rng.standard_normal((_DRAWS - 3, _EQUIVALENCE_PATIENTS))
    t_h = _time_grid(12.0, 1.0)
    exposures = []
    for dose, draws in ((given, eta), (target, other)):
        subjects = _subjects(dose, params, draws)
        if match == "auc":
            exposures.append(_auc(subjects))
        else:
            exposures.append(_sweep(_terms(subjects), t_h, _EQUIVALENCE_PATIENTS)[1])
    low, high = np.percentile(exposures[0] / exposures[1] * target.dose_mg, [5, 95])
    return float(low), float(high)


def _equivalence_notes(
    from_route: Route, to_route: Route, from_f: float, to_f: float, params: PkParameters
) -> tuple[str, ...]:
    if from_route == to_route:
        return ()
    notes = []
    for route, f, side in ((from_route, from_f, "from"), (to_route, to_f, "to")):
        low, high = PUBLISHED_F_RANGES[route, "racemic"]
        if low == high:
            continue
        typical = route_bioavailability(route, params=params)
        which = "lowest" if side == "from" else "highest"
        notes.append(
            f"{route} bioavailability taken as {f:.2f}, the {which} published "
            f"({low:.2f}-{high:.2f}; typical {typical:.2f}), so the dose is not overestimated."
        )
    return tuple(notes)
