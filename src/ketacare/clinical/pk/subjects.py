"""The simulated patients: each one's disposition, bioavailability and absorption.

Between patients, log-normal spreads of clearance, volumes, bioavailability and
absorption around the typical values (each spread's median), from the published
population analyses cited in `PkParameters`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ketacare.clinical.pk.figures import _MIN_PER_H, _NG_PER_ML_PER_MG_PER_L, Array
from ketacare.clinical.pk.inputs import _Dose
from ketacare.clinical.pk.parameters import PkParameters, disposition
from ketacare.clinical.pk.routes import _route_model


@dataclass(frozen=True, eq=False)
class Pathway:
    """One way a dose reaches the blood: how much arrives (mg per subject) and how fast.

    With an absorption rate the amount is absorbed first-order from a depot (the gut, the
    mucosa, the muscle) into the blood; without one it enters the blood directly. Either
    way it arrives (into the depot, or the blood) evenly over input_h (0: all at once).
    """

    amount_mg: Array  # the bioavailable part of the dose that takes this way
    absorption_rate_per_h: Array | None
    input_h: float = 0.0


@dataclass(frozen=True, eq=False)
class Subjects:
    """The model of each simulated patient: one value per patient in every array."""

    clearance_l_per_h: Array
    central_volume_l: Array
    shallow_clearance_l_per_h: Array
    shallow_volume_l: Array
    deep_clearance_l_per_h: Array
    deep_volume_l: Array
    pathways: tuple[Pathway, ...]

    @property
    def count(self) -> int:
        return int(self.clearance_l_per_h.size)

    @property
    def constants(self) -> tuple[Array, Array, Array, Array, Array, Array]:
        """CL, V1, Q2, V2, Q3, V3: one array each, one value per subject."""
        return (
            self.clearance_l_per_h,
            self.central_volume_l,
            self.shallow_clearance_l_per_h,
            self.shallow_volume_l,
            self.deep_clearance_l_per_h,
            self.deep_volume_l,
        )


def _log_sd_from_cv(cv: float) -> float:
    return math.sqrt(math.log1p(cv * cv))


# Rows of the between-patient draws: clearance, central volume, shallow volume, F, the
# mucosal (or IM) absorption rate and the swallowed absorption rate.
_DRAWS = 6


def _subjects(dose: _Dose, params: PkParameters, eta: Array) -> Subjects:
    """Each subject's model; eta holds standard normal draws (_DRAWS x n)."""
    typical = disposition(dose.weight_kg, formulation=dose.formulation, params=params)
    model = _route_model(dose.route, dose.formulation, params)
    n = eta.shape[1]

    def spread(value: float, cv: float, row: int) -> Array:
        drawn: Array = value * np.exp(_log_sd_from_cv(cv) * eta[row])
        return drawn

    f_scale = spread(1.0, model.f_cv, 3)
    pathways = tuple(
        Pathway(
            # F is a fraction of the dose: a subject's F is capped at 1.
            amount_mg=dose.dose_mg * way.share * np.minimum(way.f * f_scale, 1.0),
            absorption_rate_per_h=None
            if way.rate_per_h is None
            else spread(way.rate_per_h, model.rate_cvs[way.spread], 4 + way.spread),
            input_h=dose.infusion_min / _MIN_PER_H if way.rate_per_h is None else way.input_h,
        )
        for way in model.ways
    )
    return Subjects(
        clearance_l_per_h=spread(typical.clearance_l_per_h, params.clearance_cv, 0),
        central_volume_l=spread(typical.central_volume_l, params.central_volume_cv, 1),
        shallow_clearance_l_per_h=np.full(n, typical.shallow_clearance_l_per_h),
        shallow_volume_l=spread(typical.shallow_volume_l, params.shallow_volume_cv, 2),
        deep_clearance_l_per_h=np.full(n, typical.deep_clearance_l_per_h),
        deep_volume_l=np.full(n, typical.deep_volume_l),
        pathways=pathways,
    )


def _auc(subjects: Subjects) -> Array:
    # AUC(0-inf) = F x dose / CL, for any linear model: everything absorbed is cleared.
    absorbed_mg: Array = np.sum([way.amount_mg for way in subjects.pathways], axis=0)
    return absorbed_mg / subjects.clearance_l_per_h * _NG_PER_ML_PER_MG_PER_L
