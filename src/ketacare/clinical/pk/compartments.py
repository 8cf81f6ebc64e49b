"""The disposition: how a body spreads and clears ketamine, three compartments.

Racemic clearance is Kamp 2020's meta-analysis and the central volume CLINICAL.md B's;
the two peripheral compartments are Perez-Ruixo 2021's (esketamine), because S- and
R-ketamine share their distribution kinetics (Henthorn 2018). The numbers themselves are
in `PkParameters`; this module turns them into the three exponential rates of the
decline after a bolus and the concentration per mg of each (the closed form's terms).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ketacare.clinical.pk.figures import Array, Formulation

if TYPE_CHECKING:
    from ketacare.clinical.pk.parameters import PkParameters


@dataclass(frozen=True)
class Disposition:
    """How one patient's body spreads and clears ketamine: the three-compartment constants."""

    clearance_l_per_h: float
    central_volume_l: float
    shallow_clearance_l_per_h: float
    shallow_volume_l: float
    deep_clearance_l_per_h: float
    deep_volume_l: float

    @property
    def volume_l(self) -> float:
        """The volume at steady state: the three compartments together."""
        return self.central_volume_l + self.shallow_volume_l + self.deep_volume_l

    @property
    def rates_per_h(self) -> tuple[float, float, float]:
        """The three exponential rates of the decline after a bolus, fastest first."""
        rates, _ = _macro(tuple(np.array([v]) for v in self._values()))
        fast, middle, slow = (float(r[0]) for r in rates)
        return fast, middle, slow

    @property
    def half_lives_h(self) -> tuple[float, float, float]:
        """The half-life of each rate (ln 2 / rate): distribution, redistribution, terminal."""
        fast, middle, slow = (math.log(2) / rate for rate in self.rates_per_h)
        return fast, middle, slow

    def _values(self) -> tuple[float, float, float, float, float, float]:
        return (
            self.clearance_l_per_h,
            self.central_volume_l,
            self.shallow_clearance_l_per_h,
            self.shallow_volume_l,
            self.deep_clearance_l_per_h,
            self.deep_volume_l,
        )


def _reference_disposition(params: PkParameters, formulation: Formulation) -> Disposition:
    """The disposition at the reference weight."""
    if formulation == "esketamine":
        clearance = params.esketamine_clearance_l_per_h
        central = params.esketamine_central_volume_l
    else:
        clearance = params.clearance_l_per_h
        central = params.central_volume_l_per_kg * params.reference_weight_kg
    return Disposition(
        clearance,
        central,
        params.shallow_clearance_l_per_h,
        params.shallow_volume_l,
        params.deep_clearance_l_per_h,
        params.deep_volume_l,
    )


def _macro(constants: tuple[Array, ...]) -> tuple[list[Array], list[Array]]:
    """The three rates (fastest first) and the concentration per mg of each (1/L).

    The rates are the roots of the characteristic cubic of the mammillary model,
    s^3 - a s^2 + b s - c, taken in trigonometric form (all three roots are real) and
    polished by a Newton step; the slowest is c over the product of the other two, which
    does not lose the digits the cubic formula loses on a root 100 times smaller.
    constants: CL, V1, Q2, V2, Q3, V3 (one array each, one value per subject).
    """
    clearance, central, shallow_clearance, shallow, deep_clearance, deep = constants
    k10 = clearance / central
    k12, k21 = shallow_clearance / central, shallow_clearance / shallow
    k13, k31 = deep_clearance / central, deep_clearance / deep
    a = k10 + k12 + k13 + k21 + k31
    b = k10 * k21 + k10 * k31 + k12 * k31 + k13 * k21 + k21 * k31
    c = k10 * k21 * k31
    p = b - a * a / 3
    q = a * b / 3 - 2 * a**3 / 27 - c
    radius = np.sqrt(-p / 3)
    angle = np.arccos(np.clip(-q / (2 * radius**3), -1.0, 1.0)) / 3
    roots = [a / 3 + 2 * radius * np.cos(angle - 2 * np.pi * j / 3) for j in range(3)]
    fast = np.maximum(np.maximum(roots[0], roots[1]), roots[2])
    middle = a - fast - np.minimum(np.minimum(roots[0], roots[1]), roots[2])
    fast, middle = (_polish(r, a, b, c) for r in (fast, middle))
    slow = c / (fast * middle)
    rates = [fast, middle, slow]
    per_mg = []
    for i, rate in enumerate(rates):
        others = [rates[j] for j in range(3) if j != i]
        numerator = (k21 - rate) * (k31 - rate)
        per_mg.append(numerator / ((others[0] - rate) * (others[1] - rate)) / central)
    return rates, per_mg


def _polish(root: Array, a: Array, b: Array, c: Array) -> Array:
    """One Newton step on s^3 - a s^2 + b s - c = 0."""
    value = ((root - a) * root + b) * root - c
    slope = (3 * root - 2 * a) * root + b
    return root - value / slope
