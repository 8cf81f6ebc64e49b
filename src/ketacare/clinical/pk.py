"""Ketamine blood levels by route: a three-compartment model solved in closed form.

One dose by one route in, the plasma concentration curve out (ng/mL, CLINICAL.md B).
Every number is published population pharmacokinetics, cited where it is set in
`PkParameters` and tabled in docs/pharmacokinetics.md with the published observations the
model is tested against (`ketacare.clinical.pk_evidence`):

- disposition: three compartments. Racemic clearance is Kamp 2020's meta-analysis and the
  central volume CLINICAL.md B's; the two peripheral compartments are Perez-Ruixo 2021's
  (esketamine, 820 subjects), because S- and R-ketamine share their distribution kinetics
  (Henthorn 2018). Esketamine keeps Perez-Ruixo's own clearance and central volume.
- extravascular routes: first-order absorption, and first-pass metabolism as the part of
  a swallowed dose that never reaches the blood. Sublingual and intranasal doses are
  partly absorbed through the mucosa and partly swallowed (Perez-Ruixo 2021, Simons 2022).
- between patients: log-normal spreads of clearance, volumes, bioavailability and
  absorption from published population analyses (`population`, the 5-95% band).
- conversions between routes never err high (`equivalent_dose`, CLINICAL.md G11).

    from ketacare.clinical import pk
    p = pk.simulate("sublingual", dose_mg=100, weight_kg=70)
    p.t_h, p.conc_ng_ml, p.cmax_ng_ml, p.tmax_h, p.auc_ng_h_ml
    pk.equivalent_dose("iv", 35, "sublingual", weight_kg=70, from_infusion_min=40).dose_mg
    pop = pk.population("sublingual", 100, n=10_000, weight_kg=70, seed=1)
    pop.percentiles[50], pop.cmax_ng_ml

The solution is a sum of exponentials: the three disposition rates and one rate per
absorption. A dose that enters over a time (an IV infusion, or a swallowed dose emptied
from the stomach at a constant rate) adds each term as
exp(-r * max(t - T, 0)) * (1 - exp(-r * min(t, T))) / (r * T), computed with expm1.

Norketamine is left out: a metabolite model needs its own clearance and volumes, which
the sources give only for esketamine's metabolite (docs/pharmacokinetics.md, "Limits").
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, fields
from functools import lru_cache
from numbers import Real
from statistics import NormalDist
from types import MappingProxyType
from typing import Literal, TypeGuard, get_args

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import brentq, minimize_scalar

from ketacare.clinical import dosing
from ketacare.clinical.bands import RunningPercentiles

Array = NDArray[np.float64]

Route = Literal["iv", "im", "intranasal", "sublingual", "oral"]
Formulation = Literal["racemic", "esketamine"]
Match = Literal["auc", "cmax"]
ROUTES: tuple[Route, ...] = get_args(Route)
FORMULATIONS: tuple[Formulation, ...] = get_args(Formulation)
MATCHES: tuple[Match, ...] = get_args(Match)
PERCENTILES = (5, 50, 95)

# The accepted weights (dosing's, one range for the whole core); outside them the
# allometric scaling would be an extrapolation.
WEIGHT_RANGE_KG = (float(dosing.WEIGHT_RANGE_KG[0]), float(dosing.WEIGHT_RANGE_KG[1]))
# The longest IV infusion the model takes: a day (a software bound that keeps every
# exponential of the closed form finite; no at-home or depression regimen comes near it).
MAX_INFUSION_MIN = 24 * 60.0

# CLINICAL.md B: IV is the reference, F = 1.
IV_BIOAVAILABILITY = 1.0
# CLINICAL.md B: intranasal racemic F "0.45 in Yanagihara 2003, but 0.11-0.17 (falling
# with dose) in a 2022 study" (Pharmacotherapy 42:298, Table 6: 17, 13 and 11% at 10, 30
# and 50 mg). The model's default is the higher value: it never shows a planned
# intranasal dose as less exposure than it may be. Conversions take whichever value gives
# the smaller target dose (CLINICAL.md G11; `PUBLISHED_F_RANGES`).
INTRANASAL_F_YANAGIHARA_2003 = 0.45
INTRANASAL_F_RANGE_2022 = (0.11, 0.17)
INTRANASAL_F_2022 = sum(INTRANASAL_F_RANGE_2022) / 2

# The published bioavailabilities per route, lowest and highest (docs/pharmacokinetics.md,
# "Conversions"): `equivalent_dose` reads the from-route at its lowest and the to-route at
# its highest, so that the dose it proposes is never more than the sources support.
PUBLISHED_F_RANGES: Mapping[tuple[Route, Formulation], tuple[float, float]] = MappingProxyType(
    {
        ("iv", "racemic"): (IV_BIOAVAILABILITY, IV_BIOAVAILABILITY),
        ("im", "racemic"): (0.93, 0.93),  # CLINICAL.md B: Clements 1982, a single figure
        # CLINICAL.md B: 0.24-0.32 (Chong 2009 median 24%; Chong 2006 mean 32%)
        ("sublingual", "racemic"): (0.24, 0.32),
        ("oral", "racemic"): (0.17, 0.25),  # CLINICAL.md B: Chong 2009, Yanagihara 2003
        ("intranasal", "racemic"): (INTRANASAL_F_RANGE_2022[0], INTRANASAL_F_YANAGIHARA_2003),
        ("intranasal", "esketamine"): (0.48, 0.54),  # CLINICAL.md B: label; Perez-Ruixo 2021
    }
)

# Concentrations in ng/mL (CLINICAL.md B): 1 mg/L = 1000 ng/mL (a unit conversion).
_NG_PER_ML_PER_MG_PER_L = 1000.0
_MIN_PER_H = 60.0
# Statistical constant: the 95th percentile of the standard normal.
_Z_95 = NormalDist().inv_cdf(0.95)
# An absorption rate within this fraction of a disposition rate is moved to that distance:
# the partial fractions divide by the difference. It moves no concentration by more than
# 1e-7 x rate x 12 h (1e-5 of itself) and keeps the rounding of the division below 1e-9.
_RATE_GAP = 1e-7
# Absorption rates searched when fitting a time to peak, per hour (a search bracket).
_KA_SEARCH_PER_H = (1e-3, 1e3)
# A bioavailability derived from others may exceed 1 by rounding alone; up to this much
# above 1 it is 1.
_F_ROUNDING = 1e-9
# An infusion shorter than this (minutes) is given as a bolus (see _check_infusion).
_SHORTEST_INFUSION_MIN = 1e-6
# From this many patients the population's rows are made in a second thread (`_ahead`),
# up to _AHEAD_ROWS time points ahead of their percentiles.
_AHEAD_PATIENTS = 20_000
_AHEAD_ROWS = 4
# Below n / _FEW_RISING rising curves, the running peaks are updated by index, not by mask.
_FEW_RISING = 16
# Simulated patients behind the between-patient range of an equivalent dose.
_EQUIVALENCE_PATIENTS = 2000


class InvalidPkInput(ValueError):
    """A dose, patient, route or model setting the model cannot use; the message says why."""


def _log_sd_from_cv(cv: float) -> float:
    return math.sqrt(math.log1p(cv * cv))


# Perez-Ruixo 2021 (Clin Pharmacokinet 60:501), Table 3: the fraction of a nasal dose
# absorbed through the nose varies between patients with an SD of 70.8% on the logit
# scale; at the typical fraction p = 0.54 that is a CV of 0.708 x (1 - p) (delta method).
_NASAL_SHARE = 0.54
_NASAL_F_CV = 0.708 * (1 - _NASAL_SHARE)


@dataclass(frozen=True)
class PkParameters:
    """Every number of the ketamine model: disposition, routes and between-patient spreads."""

    # --- Racemic ketamine disposition at the reference weight ------------------------------
    # Kamp 2020 (Anesthesiology 133:1192; CLINICAL.md B): clearance 79 L/h at 70 kg.
    clearance_l_per_h: float = 79.0
    # CLINICAL.md B: central volume "roughly 0.4-0.5 L/kg"; the midpoint (31.5 L at 70 kg).
    central_volume_l_per_kg: float = 0.45
    # Perez-Ruixo 2021 Table 3: the two peripheral compartments of esketamine (Q1 84.3 L/h,
    # Vp1 143 L; Q2 37.6 L/h, Vp2 417 L). Henthorn 2018 (Anesthesiology 129:260) found the
    # distribution kinetics of S- and R-ketamine shared, so racemic ketamine takes them.
    shallow_clearance_l_per_h: float = 84.3
    shallow_volume_l: float = 143.0
    deep_clearance_l_per_h: float = 37.6
    deep_volume_l: float = 417.0
    # --- Esketamine: Perez-Ruixo 2021, clearance 114 L/h (abstract) and Vc 192 L (Table 3)
    esketamine_clearance_l_per_h: float = 114.0
    esketamine_central_volume_l: float = 192.0
    # --- Allometric scaling by weight (CLINICAL.md B: "scale allometrically") -----------
    # The standard exponents, 3/4 for clearances and 1 for volumes, around 70 kg (Kamp
    # 2020's and Herd 2007's reference adult).
    reference_weight_kg: float = 70.0
    clearance_exponent: float = 0.75
    volume_exponent: float = 1.0
    # --- Bioavailability F per route (CLINICAL.md B) -------------------------------------
    im_f: float = 0.93  # Clements 1982 (secondary)
    sublingual_f: float = 0.29  # 0.24-0.32, median 0.29 (Rolan 2014)
    oral_f: float = 0.21  # 0.17-0.25, the midpoint
    intranasal_f: float = INTRANASAL_F_YANAGIHARA_2003  # conflicting: see above
    # Perez-Ruixo 2021 abstract: "absolute bioavailability of 56 and 84 mg ... 54 and 51%".
    esketamine_intranasal_f: float = 0.54
    # --- Absorption -----------------------------------------------------------------------
    # IM: Hirlinger & Dick 1984 (Anaesthesist 33:272): peak at 15 min after 1 mg/kg. The
    # absorption rate is fitted to this time to peak.
    im_tmax_h: float = 15 / _MIN_PER_H
    # Through the mouth's mucosa: Simons 2022 (Front Pain Res 3:946486), S-ketamine oral thin
    # film, "the process of local absorption took on average 13 min": a first-order
    # absorption with that mean time (rate 1/13 per min).
    mucosal_absorption_min: float = 13.0
    # Through the nose: Perez-Ruixo 2021 Table 3, ka 2.93/h; 54% of a dose (the first
    # 28 mg device) is absorbed through the nose, the rest is swallowed.
    nasal_absorption_rate_per_h: float = 2.93
    nasal_share: float = _NASAL_SHARE
    # What is swallowed (an oral dose, and the swallowed part of a sublingual or nasal
    # dose): Perez-Ruixo 2021 Table 3, emptied into the gut over 0.53 h, then absorbed at
    # 1.45/h; only F of it reaches the blood (first-pass metabolism): oral_f for racemic
    # ketamine, 18.6% for esketamine (Perez-Ruixo 2021 abstract).
    swallowed_input_h: float = 0.53
    swallowed_absorption_rate_per_h: float = 1.45
    esketamine_swallowed_f: float = 0.186
    # --- Between-patient variability: coefficients of variation of log-normal spreads ---
    # Perez-Ruixo 2021 Table 3: hepatic blood flow 23.2% (clearance follows it), central
    # volume 27.5%, first peripheral volume 49.3%, nasal absorption rate 61.5%, swallowed
    # absorption rate 132%; the second peripheral volume has none.
    clearance_cv: float = 0.232
    central_volume_cv: float = 0.275
    shallow_volume_cv: float = 0.493
    mucosal_rate_cv: float = 0.615  # nasal, and (borrowed) sublingual mucosa
    swallowed_rate_cv: float = 1.32
    im_rate_cv: float = 0.0  # no published spread found
    # F: Chong 2006 (Pain Med 7:469), mean +/- SD between patients: sublingual 32 +/- 17%,
    # oral 23 +/- 9%. Nasal: the logit spread of Perez-Ruixo's nasal fraction (above).
    im_f_cv: float = 0.0  # no published spread found
    sublingual_f_cv: float = 17 / 32
    oral_f_cv: float = 9 / 23
    intranasal_f_cv: float = _NASAL_F_CV
    esketamine_intranasal_f_cv: float = _NASAL_F_CV

    def __post_init__(self) -> None:
        for item in fields(self):
            value = getattr(self, item.name)
            if not _is_real(value):
                raise InvalidPkInput(f"{item.name} must be a finite number, not {value!r}.")
            _check_range(item.name, value)
        # Derive everything now, so that an impossible setting fails where it is made.
        for route, formulation in _ROUTE_FORMULATIONS:
            _route_model(route, formulation, self)


def _check_range(name: str, value: float) -> None:
    if name.endswith(("_f", "_share")) and not 0 < value <= 1:
        raise InvalidPkInput(f"{name} must be a fraction above 0 and at most 1, not {value}.")
    if name.endswith(("_cv", "_exponent")) and value < 0:
        raise InvalidPkInput(f"{name} must be 0 or more, not {value}.")
    if name.endswith(("_h", "_l", "_kg", "_min")) and value <= 0:
        raise InvalidPkInput(f"{name} must be more than 0, not {value}.")


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


# --- Checking what callers pass ---------------------------------------------------------


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


# --- The disposition ----------------------------------------------------------------------


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


# --- The routes ---------------------------------------------------------------------------


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


DEFAULT_PARAMETERS = PkParameters()
# CLINICAL.md B's other intranasal racemic figure (a 2022 study: 0.11-0.17, falling with
# dose): its midpoint.
LOW_INTRANASAL_F_PARAMETERS = PkParameters(intranasal_f=INTRANASAL_F_2022)


def disposition(
    weight_kg: float, *, formulation: str = "racemic", params: PkParameters = DEFAULT_PARAMETERS
) -> Disposition:
    """The typical three-compartment constants for a patient of this weight."""
    weight = _check_weight(weight_kg)
    ref = _reference_disposition(params, _check_formulation_name(formulation))
    ratio = weight / params.reference_weight_kg
    cl = ratio**params.clearance_exponent
    v = ratio**params.volume_exponent
    return Disposition(
        ref.clearance_l_per_h * cl,
        ref.central_volume_l * v,
        ref.shallow_clearance_l_per_h * cl,
        ref.shallow_volume_l * v,
        ref.deep_clearance_l_per_h * cl,
        ref.deep_volume_l * v,
    )


def absorption_rates_per_h(
    route: str, *, formulation: str = "racemic", params: PkParameters = DEFAULT_PARAMETERS
) -> tuple[float | None, ...]:
    """The typical absorption rate of each pathway of a route (None: straight into blood)."""
    checked = _check_route(route)
    model = _route_model(checked, _check_formulation(formulation, checked), params)
    return tuple(way.rate_per_h for way in model.ways)


def route_bioavailability(
    route: str, *, formulation: str = "racemic", params: PkParameters = DEFAULT_PARAMETERS
) -> float:
    """The typical fraction of a dose by this route that reaches the blood."""
    checked = _check_route(route)
    model = _route_model(checked, _check_formulation(formulation, checked), params)
    return sum(way.share * way.f for way in model.ways)


# --- The closed-form solution ---------------------------------------------------------------


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


# --- The population -----------------------------------------------------------------------


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


@dataclass
class _Phase:
    """The curve over the rows where the same pathways are still arriving.

    Each term is scale * exp(-rate * t) times a factor that depends only on whether the
    row is before or after the term's input time: before, -expm1 gives a constant minus
    the exponential; after, (exp(rate * T) - 1) times it.
    """

    constant: Array
    weights: dict[int, Array]


def _phase(terms: list[_Term], t: float, n: int) -> _Phase:
    constant = np.zeros(n)
    weights: dict[int, Array] = {}
    for term in terms:
        if not term.input_h:
            weight = term.scale
        elif t <= term.input_h:
            constant += term.scale
            weight = -term.scale
        else:
            weight = term.scale * np.expm1(term.rate * term.input_h)
        weights[term.key] = weights.get(term.key, 0) + weight
    return _Phase(constant, weights)


def _sweep(terms: list[_Term], t_h: Array, n: int) -> tuple[Array, Array, NDArray[np.intp]]:
    """Every subject, one time point at a time: (percentile bands, cmax, peak index).

    The rows are made by `_RowMaker`; for a large population a second thread makes the
    next rows while this one takes the percentiles of the last (numpy and BLAS release
    the interpreter's lock while they work), so the two halves run on two cores.
    """
    maker = _RowMaker(terms, t_h, n)
    bands = np.empty((len(PERCENTILES), t_h.size))
    cmax = np.full(n, -np.inf)
    peak_index = np.zeros(n, dtype=np.intp)
    running = RunningPercentiles(n, tuple(float(p) for p in PERCENTILES))
    higher = np.empty(n, dtype=bool)
    rows = _ahead(maker) if n >= _AHEAD_PATIENTS else maker.rows(np.empty((1, n)))
    for k, row in enumerate(rows):
        bands[:, k] = running.add(row)
        np.greater(row, cmax, out=higher)  # strictly: the first time of a repeated peak
        rising = np.count_nonzero(higher)
        if rising > n // _FEW_RISING:  # early on most curves rise: a masked copy
            np.copyto(cmax, row, where=higher)
            np.copyto(peak_index, k, where=higher)
        elif rising:  # later only the slow absorbers: copy just them
            who = np.flatnonzero(higher)
            cmax[who] = row[who]
            peak_index[who] = k
    return bands, cmax, peak_index


class _RowMaker:
    """Each time point's concentrations, every subject: running products, no exp per row.

    The times are evenly spaced, so each exponential is the one before it times a constant
    per subject: one multiplication per term and time instead of an exp. The products are
    restarted by exp wherever a pathway stops arriving.
    """

    def __init__(self, terms: list[_Term], t_h: Array, n: int) -> None:
        self.terms, self.t_h, self.n = terms, t_h, n
        self.keys = sorted({term.key for term in terms})
        self.rates = np.stack(
            [next(term.rate for term in terms if term.key == key) for key in self.keys]
        )
        step_h = t_h[1] - t_h[0] if t_h.size > 1 else 0.0
        self.steps = np.exp(-self.rates * step_h)
        self.switches = sorted({term.input_h for term in terms if term.input_h})

    def rows(self, ring: Array) -> Iterator[Array]:
        """Yield row k written into ring[k % len(ring)]."""
        phase_end = -1.0
        products = np.empty_like(self.rates)  # each term's weight times its exponential
        constant: Array | None = None
        for k, t in enumerate(self.t_h):
            if k == 0 or t > phase_end:
                phase = _phase(self.terms, float(t), self.n)
                constant = phase.constant if np.any(phase.constant) else None
                weights = np.stack([phase.weights[key] for key in self.keys])
                products = weights * np.exp(-self.rates * t)
                phase_end = next((s for s in self.switches if s >= t), math.inf)
            row = ring[k % len(ring)]
            # The sum of the terms. Not np.dot: BLAS would spin up threads for it.
            np.add(products[0], constant if constant is not None else products[1], out=row)
            for product in products[1 if constant is not None else 2 :]:
                row += product
            products *= self.steps
            yield row


def _ahead(maker: _RowMaker) -> Iterator[Array]:
    """The maker's rows, made in a second thread up to _AHEAD_ROWS before they are used."""
    ring = np.empty((_AHEAD_ROWS, maker.n))
    free = threading.Semaphore(_AHEAD_ROWS)
    made = threading.Semaphore(0)
    stop = threading.Event()
    failed: list[BaseException] = []

    def make() -> None:
        try:
            rows = maker.rows(ring)
            while True:
                free.acquire()
                if stop.is_set() or next(rows, None) is None:
                    break
                made.release()
        except BaseException as error:  # noqa: BLE001 - handed to the reading thread
            failed.append(error)
        finally:
            stop.set()
            made.release()

    worker = threading.Thread(target=make, name="pk-rows", daemon=True)
    worker.start()
    try:
        for k in range(maker.t_h.size):
            made.acquire()
            if failed:
                raise failed[0]
            yield ring[k % _AHEAD_ROWS]
            free.release()
    finally:
        stop.set()
        free.release()
        worker.join()


# --- Equivalent doses -----------------------------------------------------------------------


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
