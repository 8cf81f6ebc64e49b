"""The routes: the pathways by which a dose by each route reaches the blood.

First-order absorption, and first-pass metabolism as the part of a swallowed dose that
never reaches the blood. Sublingual and intranasal doses are partly absorbed through the
mucosa and partly swallowed (Perez-Ruixo 2021, Simons 2022); an IM dose is absorbed at
the rate fitted to its published time to peak (Hirlinger & Dick 1984). The figures are
in `PkParameters`; this module derives each route's pathways at the typical values.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np
from scipy.optimize import brentq

from ketacare.clinical.pk.compartments import _macro, _reference_disposition
from ketacare.clinical.pk.figures import (
    _MIN_PER_H,
    IV_BIOAVAILABILITY,
    ROUTES,
    Array,
    Formulation,
    InvalidPkInput,
    Route,
)

if TYPE_CHECKING:
    from ketacare.clinical.pk.parameters import PkParameters

# An absorption rate within this fraction of a disposition rate is moved to that distance:
# the partial fractions divide by the difference. It moves no concentration by more than
# 1e-7 x rate x 12 h (1e-5 of itself) and keeps the rounding of the division below 1e-9.
_RATE_GAP = 1e-7
# Absorption rates searched when fitting a time to peak, per hour (a search bracket).
_KA_SEARCH_PER_H = (1e-3, 1e3)
# A bioavailability derived from others may exceed 1 by rounding alone; up to this much
# above 1 it is 1.
_F_ROUNDING = 1e-9


@dataclass(frozen=True)
class _Way:
    """One pathway of a route at the typical values."""

    share: float  # of the dose
    f: float  # of that share, reaching the blood
    rate_per_h: float | None  # first-order absorption; None: straight into the blood
    input_h: float  # the time over which it arrives (0: at once)
    spread: int  # which absorption draw moves its rate: 0 mucosal/IM, 1 swallowed


@dataclass(frozen=True)
class _RouteModel:
    ways: tuple[_Way, ...]
    f_cv: float
    rate_cvs: tuple[float, float]  # (mucosal or IM, swallowed)


def _swallowed(params: PkParameters, share: float, f: float) -> _Way:
    return _Way(
        share, f, params.swallowed_absorption_rate_per_h, params.swallowed_input_h, spread=1
    )


def _mucosal_and_swallowed(  # noqa: PLR0913 - a route's two ways and the figures that split them
    name: str,
    total_f: float,
    *,
    share: float,
    swallowed_f: float,
    rate: float,
    params: PkParameters,
) -> tuple[_Way, ...]:
    """A share of the dose through the mucosa, the rest swallowed: together total_f."""
    mucosal_f = (total_f - (1 - share) * swallowed_f) / share
    if 1 < mucosal_f <= 1 + _F_ROUNDING:  # all of the share, but for the last digits
        mucosal_f = 1.0
    if not 0 < mucosal_f <= 1:
        raise InvalidPkInput(
            f"{name} {total_f:g} needs {mucosal_f:.3f} of the {share:g} absorbed through the "
            f"mucosa (with {swallowed_f:g} of the swallowed rest); it must be above 0 and "
            "at most 1."
        )
    return (
        _Way(share, mucosal_f, rate, 0.0, spread=0),
        _swallowed(params, 1 - share, swallowed_f),
    )


@lru_cache(maxsize=256)
def _route_model(route: Route, formulation: Formulation, params: PkParameters) -> _RouteModel:
    """Each route's pathways at the typical values."""
    swallowed_cv = params.swallowed_rate_cv
    if route == "iv":
        return _RouteModel((_Way(1.0, IV_BIOAVAILABILITY, None, 0.0, 0),), 0.0, (0.0, 0.0))
    if route == "im":
        ka = _fit_ka(_typical_rates(params, formulation), params.im_tmax_h, "im_tmax_h")
        return _RouteModel((_Way(1.0, params.im_f, ka, 0.0, 0),), params.im_f_cv, (0.0, 0.0))
    if route == "oral":
        ways: tuple[_Way, ...] = (_swallowed(params, 1.0, params.oral_f),)
        return _RouteModel(ways, params.oral_f_cv, (0.0, swallowed_cv))
    mucosal_cv = params.mucosal_rate_cv
    if route == "sublingual":
        # No source gives the swallowed share of a sublingual dose: the mucosa absorbs all
        # it takes (as Perez-Ruixo 2021 finds for the nose), so the share is what makes
        # the whole sublingual_f with oral_f for the swallowed rest.
        share = (params.sublingual_f - params.oral_f) / (1 - params.oral_f)
        if share <= 0:
            raise InvalidPkInput(
                f"sublingual_f ({params.sublingual_f:g}) must be more than oral_f "
                f"({params.oral_f:g}): a sublingual dose is the swallowed dose plus what the "
                "mouth absorbs."
            )
        rate = _MIN_PER_H / params.mucosal_absorption_min
        ways = (
            _Way(share, 1.0, rate, 0.0, spread=0),
            _swallowed(params, 1 - share, params.oral_f),
        )
        return _RouteModel(ways, params.sublingual_f_cv, (mucosal_cv, swallowed_cv))
    if formulation == "esketamine":
        ways = _mucosal_and_swallowed(
            "esketamine_intranasal_f",
            params.esketamine_intranasal_f,
            share=params.nasal_share,
            swallowed_f=params.esketamine_swallowed_f,
            rate=params.nasal_absorption_rate_per_h,
            params=params,
        )
        return _RouteModel(ways, params.esketamine_intranasal_f_cv, (mucosal_cv, swallowed_cv))
    ways = _mucosal_and_swallowed(
        "intranasal_f",
        params.intranasal_f,
        share=params.nasal_share,
        swallowed_f=params.oral_f,
        rate=params.nasal_absorption_rate_per_h,
        params=params,
    )
    return _RouteModel(ways, params.intranasal_f_cv, (mucosal_cv, swallowed_cv))


_ROUTE_FORMULATIONS: tuple[tuple[Route, Formulation], ...] = (
    *((route, "racemic") for route in ROUTES),
    ("intranasal", "esketamine"),
)


def _typical_rates(params: PkParameters, formulation: Formulation) -> tuple[Array, Array]:
    """(rates, concentration per mg) of the typical reference patient, as 1-element arrays."""
    ref = _reference_disposition(params, formulation)
    rates, per_mg = _macro(tuple(np.array([v]) for v in ref._values()))
    return np.array([r[0] for r in rates]), np.array([c[0] for c in per_mg])


def _apart(ka: Array, rates: list[Array]) -> Array:
    """The absorption rates, each moved to at least _RATE_GAP (relative) from every rate."""
    for rate in rates:
        close = np.abs(ka - rate) < _RATE_GAP * rate
        ka = np.where(close, rate * (1 + 2 * _RATE_GAP), ka)
    return ka


def _absorbed_slope(macro: tuple[Array, Array], ka: float, t: float) -> float:
    """d/dt of the concentration per mg absorbed first-order at rate ka, at time t."""
    rates, per_mg = macro
    ka_array = _apart(np.array([ka]), [np.array([r]) for r in rates])[0]
    weights = per_mg * ka_array / (ka_array - rates)
    rising = np.sum(weights) * ka_array * math.exp(-ka_array * t)
    return float(rising - np.sum(weights * rates * np.exp(-rates * t)))


def _fit_ka(macro: tuple[Array, Array], tmax_h: float, name: str) -> float:
    """The absorption rate whose curve peaks at tmax_h."""
    low, high = _KA_SEARCH_PER_H
    if not _absorbed_slope(macro, low, tmax_h) > 0 > _absorbed_slope(macro, high, tmax_h):
        raise InvalidPkInput(f"{name} {tmax_h:g} h is a time to peak the model cannot reach.")
    return float(
        brentq(lambda ka: _absorbed_slope(macro, ka, tmax_h), low, high, xtol=1e-14, rtol=1e-14)
    )
