"""The closed-form solution: each subject's concentrations as a sum of exponentials.

The three disposition rates and one rate per absorption. A dose that enters over a time
(an IV infusion, or a swallowed dose emptied from the stomach at a constant rate) adds
each term as exp(-r * max(t - T, 0)) * (1 - exp(-r * min(t, T))) / (r * T), computed
with expm1.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ketacare.clinical.pk.compartments import _macro
from ketacare.clinical.pk.figures import _NG_PER_ML_PER_MG_PER_L, Array, InvalidPkInput
from ketacare.clinical.pk.routes import _apart
from ketacare.clinical.pk.subjects import Subjects


@dataclass(frozen=True, eq=False)
class _Term:
    """One exponential of the curve, per subject.

    scale * exp(-rate * max(t - input_h, 0)) * (-expm1(-rate * min(t, input_h))), or with
    no input time scale * exp(-rate * t). `key` names the rate (shared by the terms of one
    disposition rate), for the population's running products.
    """

    scale: Array
    rate: Array
    input_h: float
    key: int


def _terms(subjects: Subjects) -> list[_Term]:
    rates, per_mg = _macro(subjects.constants)
    terms = []
    for index, way in enumerate(subjects.pathways):
        amount = way.amount_mg * _NG_PER_ML_PER_MG_PER_L
        parts: list[tuple[Array, Array, int]]
        if way.absorption_rate_per_h is None:
            parts = [
                (amount * c, rate, key)
                for key, (rate, c) in enumerate(zip(rates, per_mg, strict=True))
            ]
        else:
            # c ka / (ka - rate) (exp(-rate t) - exp(-ka t)), summed over the rates.
            ka = _apart(way.absorption_rate_per_h, rates)
            weights = [amount * c * ka / (ka - rate) for rate, c in zip(rates, per_mg, strict=True)]
            parts = [
                (w, rate, key) for key, (w, rate) in enumerate(zip(weights, rates, strict=True))
            ]
            parts.append((-sum(weights, np.zeros_like(ka)), ka, 3 + index))
        for scale, rate, key in parts:
            spread = rate * way.input_h if way.input_h else 1.0
            terms.append(_Term(scale / spread, rate, way.input_h, key))
    return terms


def _concentrations(terms: list[_Term], t_h: Array, n: int) -> Array:
    """The concentration (times x subjects, ng/mL) at any times, each term by exp."""
    out = np.zeros((t_h.size, n))
    for term in terms:
        if term.input_h:
            late = np.maximum(t_h - term.input_h, 0)
            value = np.exp(-np.multiply.outer(late, term.rate))
            value *= -np.expm1(-np.multiply.outer(np.minimum(t_h, term.input_h), term.rate))
        else:
            value = np.exp(-np.multiply.outer(t_h, term.rate))
        out += value * term.scale
    return out


def concentrations_ng_ml(subjects: Subjects, t_h: Array) -> Array:
    """The closed-form concentration of each subject at each time (times x subjects)."""
    times = np.asarray(t_h, dtype=np.float64)
    if times.ndim != 1 or not np.all(np.isfinite(times)) or np.any(times < 0):
        raise InvalidPkInput("t_h must be a one-dimensional array of hours, each 0 or more.")
    return _concentrations(_terms(subjects), times, subjects.count)
