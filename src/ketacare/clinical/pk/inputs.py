"""Checking what callers pass: routes, formulations, doses, weights, times and counts.

Every refusal is an `InvalidPkInput` naming the argument and what it may be; nothing is
coerced (a bool is not a number, NaN and infinities are refused).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Real
from typing import TypeGuard

import numpy as np

from ketacare.clinical.pk.figures import (
    _MIN_PER_H,
    FORMULATIONS,
    MATCHES,
    MAX_INFUSION_MIN,
    ROUTES,
    WEIGHT_RANGE_KG,
    Array,
    Formulation,
    InvalidPkInput,
    Match,
    Route,
)

# An infusion shorter than this (minutes) is given as a bolus (see _check_infusion).
_SHORTEST_INFUSION_MIN = 1e-6


def _is_real(value: object) -> TypeGuard[float]:
    # numbers.Real takes numpy's numbers too; a bool is not a number here.
    return isinstance(value, Real) and not isinstance(value, bool) and math.isfinite(value)


def _positive(name: str, value: object, unit: str) -> float:
    if not _is_real(value) or value <= 0:
        raise InvalidPkInput(f"{name} must be a number of {unit} above 0, not {value!r}.")
    return float(value)


def _is_route(value: object) -> TypeGuard[Route]:
    return value in ROUTES


def _is_formulation(value: object) -> TypeGuard[Formulation]:
    return value in FORMULATIONS


def _check_route(route: object) -> Route:
    if not _is_route(route):
        raise InvalidPkInput(f"route must be one of {', '.join(ROUTES)}, not {route!r}.")
    return route


def _check_formulation_name(formulation: object) -> Formulation:
    if not _is_formulation(formulation):
        raise InvalidPkInput(
            f"formulation must be one of {', '.join(FORMULATIONS)}, not {formulation!r}."
        )
    return formulation


def _check_formulation(formulation: object, route: Route) -> Formulation:
    checked = _check_formulation_name(formulation)
    if checked == "esketamine" and route != "intranasal":
        raise InvalidPkInput(
            f"formulation 'esketamine' is given intranasally only (CLINICAL.md B), "
            f"not by route {route!r}."
        )
    return checked


def _check_weight(weight_kg: object) -> float:
    low, high = WEIGHT_RANGE_KG
    if not _is_real(weight_kg) or not low <= weight_kg <= high:
        raise InvalidPkInput(
            f"weight_kg must be a number of kg from {low:g} to {high:g}, not {weight_kg!r}."
        )
    return float(weight_kg)


def _check_infusion(infusion_min: object, route: Route) -> float:
    if not _is_real(infusion_min) or not 0 <= infusion_min <= MAX_INFUSION_MIN:
        raise InvalidPkInput(
            f"infusion_min must be a number of minutes from 0 (a bolus) to "
            f"{MAX_INFUSION_MIN:g}, not {infusion_min!r}."
        )
    if infusion_min and route != "iv":
        raise InvalidPkInput(
            f"infusion_min applies to route 'iv' only; route {route!r} takes 0, "
            f"not {infusion_min!r}."
        )
    # An infusion shorter than a microminute is a bolus: the closed form divides by its
    # length, which must not underflow.
    return float(infusion_min) if infusion_min >= _SHORTEST_INFUSION_MIN else 0.0


def _time_grid(hours: object, step_min: object) -> Array:
    hours_h = _positive("hours", hours, "hours")
    step_h = _positive("step_min", step_min, "minutes") / _MIN_PER_H
    if step_h > hours_h:
        raise InvalidPkInput(
            f"step_min must be at most the whole window (hours x 60 = "
            f"{hours_h * _MIN_PER_H:g} min), not {step_min!r}."
        )
    # Samples every step from 0 up to the end of the window (the end included when a whole
    # number of steps fits; 1e-9 absorbs the rounding of e.g. 12 h / (1/60 h)).
    steps = math.floor(hours_h / step_h + 1e-9)
    return np.arange(steps + 1, dtype=np.float64) * step_h


@dataclass(frozen=True)
class _Dose:
    route: Route
    formulation: Formulation
    dose_mg: float
    weight_kg: float
    infusion_min: float


def _check_dose(
    route: object, dose_mg: object, weight_kg: object, infusion_min: object, formulation: object
) -> _Dose:
    checked = _check_route(route)
    return _Dose(
        route=checked,
        formulation=_check_formulation(formulation, checked),
        dose_mg=_positive("dose_mg", dose_mg, "mg"),
        weight_kg=_check_weight(weight_kg),
        infusion_min=_check_infusion(infusion_min, checked),
    )


def _is_match(value: object) -> TypeGuard[Match]:
    return value in MATCHES


def _check_match(match: object) -> Match:
    if not _is_match(match):
        raise InvalidPkInput(f"match must be one of {', '.join(MATCHES)}, not {match!r}.")
    return match


def _check_count(n: object) -> int:
    if type(n) is not int or n < 1:
        raise InvalidPkInput(f"n must be a whole number of patients, 1 or more, not {n!r}.")
    return n


def _check_seed(seed: object) -> int | None:
    if seed is not None and (type(seed) is not int or seed < 0):
        raise InvalidPkInput(f"seed must be None or a whole number 0 or more, not {seed!r}.")
    return seed
