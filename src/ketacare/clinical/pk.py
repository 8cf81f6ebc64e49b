"""Ketamine blood levels by route: a two-compartment model solved in closed form.

One dose by one route in, the plasma concentration curve out (ng/mL, CLINICAL.md B).
The disposition is Kamp 2020's (CLINICAL.md B), the bioavailability and time to peak
per route are CLINICAL.md B's, and every model constant CLINICAL.md B does not give
(the inter-compartmental clearance, the absorption rates, the spreads of the
population) is derived from the figures it does give; docs/pharmacokinetics.md shows
each derivation. All the numbers live in `PkParameters`; a clinic overrides any of them
with `dataclasses.replace(DEFAULT_PARAMETERS, field=value)`.

    from ketacare.clinical import pk
    p = pk.simulate("sublingual", dose_mg=100, weight_kg=70)
    p.t_h, p.conc_ng_ml, p.cmax_ng_ml, p.tmax_h, p.auc_ng_h_ml
    pk.equivalent_dose("iv", 35, "sublingual", weight_kg=70, match="auc")
    pop = pk.population("sublingual", 100, n=10_000, weight_kg=70, seed=1)
    pop.percentiles[50], pop.cmax_ng_ml

The solution is the sum of exponentials of a linear two-compartment model (central
volume V1, peripheral volume V2, clearance CL, inter-compartmental clearance Q) for a
bolus, a zero-order infusion and first-order absorption. Each term is written as
exp(-p*t) * (1 - exp(-q*t)) / q with p, q >= 0, which never subtracts two nearly equal
numbers: the answer stays exact to rounding even when an absorption rate equals a
disposition rate, where the textbook form divides by zero.

Norketamine is left out: CLINICAL.md B says only that its exposure is higher after oral
and sublingual doses than after IV, with no number to build a metabolite model on.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, fields
from functools import lru_cache
from numbers import Real
from statistics import NormalDist
from types import MappingProxyType
from typing import Literal, TypeGuard, get_args

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import brentq, minimize_scalar

Array = NDArray[np.float64]

Route = Literal["iv", "im", "intranasal", "sublingual", "oral"]
Formulation = Literal["racemic", "esketamine"]
Match = Literal["auc", "cmax"]
ROUTES: tuple[Route, ...] = get_args(Route)
FORMULATIONS: tuple[Formulation, ...] = get_args(Formulation)
MATCHES: tuple[Match, ...] = get_args(Match)
PERCENTILES = (5, 50, 95)

# The accepted weight range; outside it the allometric scaling is an extrapolation.
WEIGHT_RANGE_KG = (30.0, 250.0)

# CLINICAL.md B: IV is the reference, F = 1.
IV_BIOAVAILABILITY = 1.0
# CLINICAL.md B: intranasal racemic F "0.45 in Yanagihara 2003, but 0.11-0.17 (falling
# with dose) in a 2022 study": conflicting, so configurable. The default is the higher
# value: it predicts more exposure per mg, so caps and equivalent doses built on it err
# on the side of a smaller intranasal dose. The alternative is the 2022 range's midpoint.
INTRANASAL_F_YANAGIHARA_2003 = 0.45
INTRANASAL_F_2022 = (0.11 + 0.17) / 2
INTRANASAL_F_RANGE_2022 = (0.11, 0.17)

# Concentrations in ng/mL (CLINICAL.md B): a dose in mg over a volume in L is mg/L, and
# 1 mg/L = 1000 ng/mL (a unit conversion).
_NG_PER_ML_PER_MG_PER_L = 1000.0
_MIN_PER_H = 60.0
# Statistical constant, not a clinical number: the 95th percentile of the standard normal,
# for reading a reported range as the 5th-95th percentile of a log-normal spread.
_Z_95 = NormalDist().inv_cdf(0.95)
# Where an absorption rate equals a disposition rate the term's q is 0; q is floored at
# this (1/h), which changes no concentration by more than q*t/2 = 6e-9 relative over 12 h.
_SMALLEST_RATE_GAP_PER_H = 1e-9
# Absorption rates searched when fitting a time to peak, per hour (a search bracket).
_KA_SEARCH_PER_H = (1e-4, 1e4)
# How many subject-times one block of the population holds (1 MB of float64, so that a
# block stays in a core's cache): the population is computed a block of time points at a
# time, so memory does not grow with the length of the curve.
_BLOCK_VALUES = 1 << 17


class InvalidPkInput(ValueError):
    """A dose, patient, route or model setting the model cannot use; the message says why."""


def _log_sd_from_cv(cv: float) -> float:
    return math.sqrt(math.log1p(cv * cv))


def _cv_from_log_sd(log_sd: float) -> float:
    return math.sqrt(math.expm1(log_sd * log_sd))


def _log_sd_from_range(low: float, high: float) -> float:
    """The log-normal spread whose 5th-95th percentile interval is low-high."""
    return math.log(high / low) / (2 * _Z_95)


def _cv_from_range(low: float, high: float) -> float:
    return _cv_from_log_sd(_log_sd_from_range(low, high))


# Inter-individual spreads (docs/pharmacokinetics.md, "Population"). CLINICAL.md B gives
# the terminal half-life as 2.3 +/- 0.5 h and the central volume as 0.4-0.5 L/kg. The
# half-life goes as volume / clearance, so its log-spread is shared by the two:
# sd(log t1/2)^2 = sd(log CL)^2 + sd(log V)^2. The volume takes the spread of its range;
# the clearance the rest.
_VOLUME_LOG_SD = _log_sd_from_range(0.4, 0.5)  # CLINICAL.md B: 0.4-0.5 L/kg
_HALF_LIFE_LOG_SD = _log_sd_from_cv(0.5 / 2.3)  # CLINICAL.md B: 2.3 +/- 0.5 h
_CLEARANCE_LOG_SD = math.sqrt(_HALF_LIFE_LOG_SD**2 - _VOLUME_LOG_SD**2)


@dataclass(frozen=True)
class PkParameters:
    """Every number of the ketamine model: disposition, routes and population spreads."""

    # --- Racemic ketamine disposition at the reference weight (CLINICAL.md B) ----------
    # Kamp 2020: clearance 79 L/h and volume 252 L for a 70 kg adult. The volume is read
    # as the volume at steady state, V1 + V2 (the central volume is given separately).
    clearance_l_per_h: float = 79.0
    volume_l: float = 252.0
    # CLINICAL.md B: central volume "roughly 0.4-0.5 L/kg"; the midpoint.
    central_volume_l_per_kg: float = 0.45
    # CLINICAL.md B: terminal half-life 2.3 +/- 0.5 h (textbook). It fixes the
    # inter-compartmental clearance Q (see `disposition`); it must exceed
    # ln 2 x volume / clearance (2.21 h with Kamp's numbers) or no Q exists.
    terminal_half_life_h: float = 2.3
    # --- Esketamine (nasal) disposition (CLINICAL.md B: Spravato label) ----------------
    # Vss ~709-752 L, CL ~89-114 L/h, t1/2 7-12 h: the midpoints, taken as 70 kg values.
    esketamine_clearance_l_per_h: float = (89.0 + 114.0) / 2
    esketamine_volume_l: float = (709.0 + 752.0) / 2
    esketamine_terminal_half_life_h: float = (7.0 + 12.0) / 2
    # CLINICAL.md B gives no central volume for esketamine: racemic ketamine's is used.
    esketamine_central_volume_l_per_kg: float = 0.45
    # --- Allometric scaling by weight (CLINICAL.md B: "scale allometrically") ----------
    # CLINICAL.md B gives no exponents: the standard allometric exponents, 3/4 for
    # clearances and 1 for volumes, around B's 70 kg adult.
    reference_weight_kg: float = 70.0
    clearance_exponent: float = 0.75
    volume_exponent: float = 1.0
    # --- Bioavailability F per route (CLINICAL.md B table) -----------------------------
    im_f: float = 0.93  # Clements 1982 (secondary)
    sublingual_f: float = 0.29  # 0.24-0.32, median 0.29
    oral_f: float = (0.17 + 0.25) / 2  # 0.17-0.25: the midpoint, 0.21
    intranasal_f: float = INTRANASAL_F_YANAGIHARA_2003  # conflicting: see above
    esketamine_intranasal_f: float = (0.48 + 0.54) / 2  # ~0.48-0.54: the midpoint, 0.51
    # --- Time to peak per route (CLINICAL.md B); the absorption rate is fitted to it ---
    # B has no time to peak for IM: None gives IM as an immediate entry of F x dose into
    # the blood (no absorption delay), the highest peak any absorption could give.
    im_tmax_h: float | None = None
    sublingual_tmax_h: float = 0.75  # ~0.75 h (0.25-1.0)
    oral_tmax_h: float = 1.0  # ~1 h
    intranasal_tmax_h: float = (15.0 + 40.0) / 2 / _MIN_PER_H  # 15-40 min: 27.5 min
    # B's times to peak are racemic ketamine's (B is "racemic unless stated"); it has none
    # for esketamine, which borrows the racemic intranasal midpoint.
    esketamine_intranasal_tmax_h: float = (15.0 + 40.0) / 2 / _MIN_PER_H
    # CLINICAL.md B: sublingual doses are partly swallowed, but B gives no fraction.
    # 0 models sublingual as one absorption (F 0.29, peak 0.75 h). A clinic that sets a
    # fraction s gets s of the dose absorbed as oral (F and absorption rate of oral) and
    # the rest through the mucosa, with the mucosal F and absorption rate re-derived so
    # that the whole still has B's F 0.29 and peak 0.75 h.
    sublingual_swallowed_fraction: float = 0.0
    # --- Inter-individual variability: coefficients of variation of log-normal spreads -
    # Derived from the spreads CLINICAL.md B reports, a range read as the 5th-95th
    # percentile interval; 0 where B reports no spread (docs/pharmacokinetics.md).
    clearance_cv: float = _cv_from_log_sd(_CLEARANCE_LOG_SD)
    volume_cv: float = _cv_from_log_sd(_VOLUME_LOG_SD)  # central and peripheral together
    esketamine_clearance_cv: float = _cv_from_range(89.0, 114.0)
    esketamine_volume_cv: float = _cv_from_range(709.0, 752.0)
    im_f_cv: float = 0.0  # B gives no range
    sublingual_f_cv: float = _cv_from_range(0.24, 0.32)
    oral_f_cv: float = _cv_from_range(0.17, 0.25)
    intranasal_f_cv: float = 0.0  # B gives no range for 0.45
    esketamine_intranasal_f_cv: float = _cv_from_range(0.48, 0.54)
    # Spread of the time to peak; the absorption rate's spread is derived from it.
    im_tmax_cv: float = 0.0  # B gives no time to peak
    sublingual_tmax_cv: float = _cv_from_range(0.25, 1.0)
    oral_tmax_cv: float = 0.0  # B gives no range
    intranasal_tmax_cv: float = _cv_from_range(15.0, 40.0)
    # B gives esketamine no time to peak, so no spread either. Borrowing racemic's 15-40
    # min would take a wide ka spread (esketamine's peak is set more by distribution than
    # by absorption) and spread Cmax nine-fold; docs/pharmacokinetics.md, "Population".
    esketamine_intranasal_tmax_cv: float = 0.0

    def __post_init__(self) -> None:
        for item in fields(self):
            value = getattr(self, item.name)
            if item.name == "im_tmax_h" and value is None:
                continue
            if not _is_real(value):
                raise InvalidPkInput(f"{item.name} must be a finite number, not {value!r}.")
            _check_range(item.name, value)
        s = self.sublingual_swallowed_fraction
        mucosal_f = (self.sublingual_f - s * self.oral_f) / (1 - s)
        if not 0 < mucosal_f <= 1:
            raise InvalidPkInput(
                f"sublingual_swallowed_fraction {s:g} needs a mucosal bioavailability of "
                f"{mucosal_f:.3f} to keep sublingual_f {self.sublingual_f:g} with oral_f "
                f"{self.oral_f:g}; it must be above 0 and at most 1."
            )
        # Derive everything now, so that an impossible setting fails where it is made.
        for formulation in FORMULATIONS:
            _reference_disposition(self, formulation)
        for route, formulation in _ROUTE_FORMULATIONS:
            _route_model(route, formulation, self)


def _check_range(name: str, value: float) -> None:
    if name.endswith("_f") and not 0 < value <= 1:
        raise InvalidPkInput(
            f"{name} must be a bioavailability above 0 and at most 1, not {value}."
        )
    if name.endswith(("_cv", "_exponent")) and value < 0:
        raise InvalidPkInput(f"{name} must be 0 or more, not {value}.")
    if name == "sublingual_swallowed_fraction" and not 0 <= value < 1:
        raise InvalidPkInput(f"{name} must be at least 0 and below 1, not {value}.")
    if name.endswith(("_h", "_l", "_kg")) and value <= 0:
        raise InvalidPkInput(f"{name} must be more than 0, not {value}.")


@dataclass(frozen=True)
class Disposition:
    """How one patient's body spreads and clears ketamine: the two-compartment constants."""

    clearance_l_per_h: float
    central_volume_l: float
    intercompartmental_clearance_l_per_h: float
    peripheral_volume_l: float

    @property
    def rates_per_h(self) -> tuple[float, float]:
        """The distribution (alpha) and terminal (beta) rate constants."""
        alpha, beta, _, _ = _macro(*(np.array([v]) for v in self._values()))
        return float(alpha[0]), float(beta[0])

    @property
    def terminal_half_life_h(self) -> float:
        """The half-life of the slow, terminal decline: ln 2 / beta."""
        return math.log(2) / self.rates_per_h[1]

    def _values(self) -> tuple[float, float, float, float]:
        return (
            self.clearance_l_per_h,
            self.central_volume_l,
            self.intercompartmental_clearance_l_per_h,
            self.peripheral_volume_l,
        )


@dataclass(frozen=True, eq=False)
class Pathway:
    """One way a dose reaches the blood: how much arrives (mg per subject) and how fast."""

    amount_mg: Array  # the bioavailable part of the dose that takes this way
    absorption_rate_per_h: Array | None  # first-order absorption; None: straight into blood
    infusion_h: float = 0.0  # with no absorption: given over this long (0 = a bolus)


@dataclass(frozen=True, eq=False)
class Subjects:
    """The model of each simulated patient: one value per patient in every array."""

    clearance_l_per_h: Array
    central_volume_l: Array
    intercompartmental_clearance_l_per_h: Array
    peripheral_volume_l: Array
    pathways: tuple[Pathway, ...]


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
    if not _is_real(infusion_min) or infusion_min < 0:
        raise InvalidPkInput(
            f"infusion_min must be a number of minutes, 0 (a bolus) or more, not {infusion_min!r}."
        )
    if infusion_min and route != "iv":
        raise InvalidPkInput(
            f"infusion_min applies to route 'iv' only; route {route!r} takes 0, "
            f"not {infusion_min!r}."
        )
    return float(infusion_min)


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
    """The disposition at the reference weight, with Q derived from the half-life."""
    prefix = "esketamine_" if formulation == "esketamine" else ""
    clearance = getattr(params, f"{prefix}clearance_l_per_h")
    volume = getattr(params, f"{prefix}volume_l")
    central = getattr(params, f"{prefix}central_volume_l_per_kg") * params.reference_weight_kg
    half_life = getattr(params, f"{prefix}terminal_half_life_h")
    peripheral = volume - central
    if peripheral <= 0:
        raise InvalidPkInput(
            f"{prefix}volume_l ({volume:g} L) must exceed the central volume "
            f"({prefix}central_volume_l_per_kg x reference_weight_kg = {central:g} L)."
        )
    # The terminal rate beta is the smaller root of
    #   beta^2 - (k10 + k12 + k21) beta + k10 k21 = 0, k10 = CL/V1, k12 = Q/V1, k21 = Q/V2.
    # Solved for Q: Q = beta V2 (CL - beta V1) / (CL - beta (V1 + V2)). It exists only
    # when CL > beta x volume, i.e. a half-life longer than ln 2 x volume / clearance
    # (the one-compartment half-life, reached as Q grows without bound).
    beta = math.log(2) / half_life
    if clearance <= beta * volume:
        floor_h = math.log(2) * volume / clearance
        raise InvalidPkInput(
            f"{prefix}terminal_half_life_h must be longer than {floor_h:.3f} h "
            f"(ln 2 x {prefix}volume_l / {prefix}clearance_l_per_h), not {half_life:g}."
        )
    q = beta * peripheral * (clearance - beta * central) / (clearance - beta * volume)
    return Disposition(clearance, central, q, peripheral)


def _macro(
    clearance: Array, central: Array, intercompartmental: Array, peripheral: Array
) -> tuple[Array, Array, Array, Array]:
    """alpha, beta and the concentration per mg in the blood, c_alpha and c_beta (1/L)."""
    k10 = clearance / central
    k12 = intercompartmental / central
    k21 = intercompartmental / peripheral
    # (k10 + k12 + k21)^2 - 4 k10 k21 rewritten as a sum of squares: no cancellation.
    root = np.sqrt((k10 + k12 - k21) ** 2 + 4 * k12 * k21)
    alpha = (k10 + k12 + k21 + root) / 2
    beta = k10 * k21 / alpha  # the product of the roots, without subtracting
    c_alpha = (alpha - k21) / (alpha - beta) / central
    c_beta = (k21 - beta) / (alpha - beta) / central
    return alpha, beta, c_alpha, c_beta


# --- Absorption: fitting the rate to the time to peak -----------------------------------


@dataclass(frozen=True)
class _RouteModel:
    # (share of the dose, bioavailability, absorption rate per h or None) per pathway
    pathways: tuple[tuple[float, float, float | None], ...]
    f_log_sd: float
    ka_log_sd: float


def _typical_macro(params: PkParameters, formulation: Formulation) -> tuple[float, ...]:
    ref = _reference_disposition(params, formulation)
    return tuple(float(v[0]) for v in _macro(*(np.array([v]) for v in ref._values())))


def _absorbed_slope(macro: tuple[float, ...], ka: float, t: float) -> float:
    """d/dt of the concentration per bioavailable mg absorbed first-order at rate ka."""
    alpha, beta, c_alpha, c_beta = macro
    slope = 0.0
    for rate, c in ((alpha, c_alpha), (beta, c_beta)):
        # c ka exp(-p t) (1 - exp(-q t)) / q, p = min(rate, ka), q = |ka - rate|; its slope:
        p = min(rate, ka)
        q = max(abs(ka - rate), _SMALLEST_RATE_GAP_PER_H)
        rise = -math.expm1(-q * t) / q
        slope += c * ka * math.exp(-p * t) * (math.exp(-q * t) - p * rise)
    return slope


def _fit_ka(
    macro: tuple[float, ...],
    tmax_h: float,
    name: str,
    own_f: float = 1.0,
    others: tuple[tuple[float, float], ...] = (),
) -> float:
    """The absorption rate whose curve (with `others`, (F, ka) pairs) peaks at tmax_h."""

    def slope_at_peak(ka: float) -> float:
        own = own_f * _absorbed_slope(macro, ka, tmax_h)
        return own + sum(f * _absorbed_slope(macro, k, tmax_h) for f, k in others)

    low, high = _KA_SEARCH_PER_H
    if not slope_at_peak(low) > 0 > slope_at_peak(high):
        raise InvalidPkInput(f"{name} {tmax_h:g} h is a time to peak the model cannot reach.")
    return float(brentq(slope_at_peak, low, high, xtol=1e-14, rtol=1e-14))


def _tmax_of_ka(macro: tuple[float, ...], ka: float) -> float:
    end = 1.0
    while _absorbed_slope(macro, ka, end) > 0:
        end *= 2
    return float(brentq(lambda t: _absorbed_slope(macro, ka, t), 0.0, end, xtol=1e-14))


def _ka_log_sd(macro: tuple[float, ...], ka: float, tmax_cv: float, name: str) -> float:
    """The log-spread of ka that gives the time to peak its spread (5th-95th percentiles).

    The time to peak falls as ka rises, so the 5th percentile of the time to peak is the
    peak time of the 95th percentile ka: solve log tmax(ka e^-x) - log tmax(ka e^x) =
    2 z sd(log tmax) for x = z sd(log ka).
    """
    if not tmax_cv:
        return 0.0
    width = 2 * _Z_95 * _log_sd_from_cv(tmax_cv)

    def gap(x: float) -> float:
        slow, fast = _tmax_of_ka(macro, ka * math.exp(-x)), _tmax_of_ka(macro, ka * math.exp(x))
        return math.log(slow / fast) - width

    widest = 5.0  # ka spread over e^-5 to e^5 of the typical value (a search bracket)
    if gap(widest) < 0:
        raise InvalidPkInput(f"{name} {tmax_cv:g} is a wider spread than the model can give.")
    return float(brentq(gap, 0.0, widest, xtol=1e-12)) / _Z_95


@lru_cache(maxsize=256)
def _route_model(route: Route, formulation: Formulation, params: PkParameters) -> _RouteModel:
    """Each route's pathways at the reference weight, with fitted absorption rates."""
    if route == "iv":
        return _RouteModel(((1.0, IV_BIOAVAILABILITY, None),), 0.0, 0.0)
    key = "esketamine_intranasal" if formulation == "esketamine" else route
    f = getattr(params, f"{key}_f")
    tmax = getattr(params, f"{key}_tmax_h")
    f_log_sd = _log_sd_from_cv(getattr(params, f"{key}_f_cv"))
    if tmax is None:  # IM with no time to peak: straight into the blood
        return _RouteModel(((1.0, f, None),), f_log_sd, 0.0)
    macro = _typical_macro(params, formulation)
    ka = _fit_ka(macro, tmax, f"{key}_tmax_h")
    # The spread of ka is derived on the route's single-absorption model.
    tmax_cv = getattr(params, f"{key}_tmax_cv")
    ka_log_sd = _ka_log_sd(macro, ka, tmax_cv, f"{key}_tmax_cv")
    s = params.sublingual_swallowed_fraction
    if route != "sublingual" or not s:
        return _RouteModel(((1.0, f, ka),), f_log_sd, ka_log_sd)
    # The split sublingual dose: s swallowed (oral F and ka), 1 - s through the mucosa with
    # the F and ka that keep the whole at sublingual_f and sublingual_tmax_h.
    oral_f = params.oral_f
    oral_ka = _fit_ka(macro, params.oral_tmax_h, "oral_tmax_h")
    mucosal_f = (f - s * oral_f) / (1 - s)
    mucosal_ka = _fit_ka(
        macro,
        tmax,
        f"sublingual_tmax_h (with sublingual_swallowed_fraction {s:g})",
        own_f=(1 - s) * mucosal_f,
        others=((s * oral_f, oral_ka),),
    )
    return _RouteModel(((1 - s, mucosal_f, mucosal_ka), (s, oral_f, oral_ka)), f_log_sd, ka_log_sd)


_ROUTE_FORMULATIONS: tuple[tuple[Route, Formulation], ...] = (
    *((route, "racemic") for route in ROUTES),
    ("intranasal", "esketamine"),
)


DEFAULT_PARAMETERS = PkParameters()
# CLINICAL.md B's other intranasal racemic figure (a 2022 study: 0.11-0.17, falling with
# dose): its midpoint, with the spread of its range.
LOW_INTRANASAL_F_PARAMETERS = PkParameters(
    intranasal_f=INTRANASAL_F_2022, intranasal_f_cv=_cv_from_range(*INTRANASAL_F_RANGE_2022)
)


def disposition(
    weight_kg: float, *, formulation: str = "racemic", params: PkParameters = DEFAULT_PARAMETERS
) -> Disposition:
    """The typical two-compartment constants for a patient of this weight."""
    weight = _check_weight(weight_kg)
    ref = _reference_disposition(params, _check_formulation_name(formulation))
    ratio = weight / params.reference_weight_kg
    clearance_scale = ratio**params.clearance_exponent
    volume_scale = ratio**params.volume_exponent
    return Disposition(
        ref.clearance_l_per_h * clearance_scale,
        ref.central_volume_l * volume_scale,
        ref.intercompartmental_clearance_l_per_h * clearance_scale,
        ref.peripheral_volume_l * volume_scale,
    )


def absorption_rates_per_h(
    route: str, *, formulation: str = "racemic", params: PkParameters = DEFAULT_PARAMETERS
) -> tuple[float | None, ...]:
    """The fitted absorption rate of each pathway of a route (None: straight into blood)."""
    checked = _check_route(route)
    model = _route_model(checked, _check_formulation(formulation, checked), params)
    return tuple(ka for _, _, ka in model.pathways)


# --- The closed-form solution ---------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class _Term:
    """scale * exp(-decay * max(t - delay, 0)) * expm1(-growth * min(t, until)), per subject.

    With no growth the last factor is left out (a bolus); scale carries the 1/growth and the
    sign. The rates are stored negated, ready to multiply the times.
    """

    scale: Array
    minus_decay: Array
    delay_h: float
    minus_growth: Array | None
    until_h: float


def _terms(subjects: Subjects) -> list[_Term]:
    alpha, beta, c_alpha, c_beta = _macro(
        subjects.clearance_l_per_h,
        subjects.central_volume_l,
        subjects.intercompartmental_clearance_l_per_h,
        subjects.peripheral_volume_l,
    )
    terms = []
    for way in subjects.pathways:
        for rate, c in ((alpha, c_alpha), (beta, c_beta)):
            per_mg = c * way.amount_mg * _NG_PER_ML_PER_MG_PER_L
            ka = way.absorption_rate_per_h
            if ka is not None:
                # c D ka (exp(-rate t) - exp(-ka t)) / (ka - rate)
                #   = c D ka exp(-p t) (1 - exp(-q t)) / q, p = min, q = |ka - rate|
                gap = np.maximum(np.abs(ka - rate), _SMALLEST_RATE_GAP_PER_H)
                terms.append(_Term(-per_mg * ka / gap, -np.minimum(rate, ka), 0, -gap, np.inf))
            elif way.infusion_h:
                # (D/T) c exp(-rate max(t - T, 0)) (1 - exp(-rate min(t, T))) / rate
                length = way.infusion_h
                terms.append(_Term(-per_mg / length / rate, -rate, length, -rate, length))
            else:
                terms.append(_Term(per_mg, -rate, 0, None, np.inf))
    return terms


def _add_concentrations(terms: list[_Term], t_h: Array, out: Array, work: Array) -> Array:
    """Fill out (times x subjects) with the concentration in ng/mL; work is scratch."""
    out.fill(0.0)
    scratch = work[: 2 * t_h.size].reshape(2, t_h.size, -1)
    first, second = scratch[0], scratch[1]
    for term in terms:
        np.multiply.outer(np.maximum(t_h - term.delay_h, 0), term.minus_decay, out=first)
        np.exp(first, out=first)
        if term.minus_growth is None:
            first *= term.scale
        else:
            np.multiply.outer(np.minimum(t_h, term.until_h), term.minus_growth, out=second)
            np.expm1(second, out=second)
            second *= term.scale
            first *= second
        out += first
    return out


def _concentrations(terms: list[_Term], t_h: Array, n: int) -> Array:
    out = np.empty((t_h.size, n))
    return _add_concentrations(terms, t_h, out, np.empty((2 * t_h.size, n)))


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


def concentrations_ng_ml(subjects: Subjects, t_h: Array) -> Array:
    """The closed-form concentration of each subject at each time (times x subjects)."""
    times = np.asarray(t_h, dtype=np.float64)
    if times.ndim != 1 or not np.all(np.isfinite(times)) or np.any(times < 0):
        raise InvalidPkInput("t_h must be a one-dimensional array of hours, each 0 or more.")
    return _concentrations(_terms(subjects), times, subjects.clearance_l_per_h.size)


def _subjects(dose: _Dose, params: PkParameters, eta: Array) -> Subjects:
    """Each subject's model; eta holds standard normal draws for CL, V, F and ka (4 x n)."""
    formulation = dose.formulation
    typical = disposition(dose.weight_kg, formulation=formulation, params=params)
    model = _route_model(dose.route, formulation, params)
    esketamine = formulation == "esketamine"
    cl_sd = _log_sd_from_cv(params.esketamine_clearance_cv if esketamine else params.clearance_cv)
    v_sd = _log_sd_from_cv(params.esketamine_volume_cv if esketamine else params.volume_cv)
    volume_scale = np.exp(v_sd * eta[1])
    f_scale = np.exp(model.f_log_sd * eta[2])
    ka_scale = np.exp(model.ka_log_sd * eta[3])
    pathways = tuple(
        Pathway(
            # CLINICAL.md B: F is a fraction of the dose; a subject's F is capped at 1.
            amount_mg=dose.dose_mg * share * np.minimum(f * f_scale, 1.0),
            absorption_rate_per_h=None if ka is None else ka * ka_scale,
            infusion_h=dose.infusion_min / _MIN_PER_H,
        )
        for share, f, ka in model.pathways
    )
    n = eta.shape[1]
    return Subjects(
        clearance_l_per_h=typical.clearance_l_per_h * np.exp(cl_sd * eta[0]),
        central_volume_l=typical.central_volume_l * volume_scale,
        intercompartmental_clearance_l_per_h=np.full(
            n, typical.intercompartmental_clearance_l_per_h
        ),
        peripheral_volume_l=typical.peripheral_volume_l * volume_scale,
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
    subjects = _subjects(dose, params, np.zeros((4, 1)))  # every spread at its median
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
) -> float:
    """The dose (mg) by to_route that gives the same AUC (or Cmax) as dose_mg by from_route.

    Racemic ketamine only: matching esketamine to racemic concentrations would ignore the
    enantiomers' potencies, which CLINICAL.md does not give.
    """
    if match not in MATCHES:
        raise InvalidPkInput(f"match must be one of {', '.join(MATCHES)}, not {match!r}.")
    given = simulate(
        from_route, dose_mg, weight_kg=weight_kg, infusion_min=from_infusion_min, params=params
    )
    # The model is linear in dose: the answer is the given exposure over that of 1 mg.
    one_mg = simulate(
        to_route, 1.0, weight_kg=weight_kg, infusion_min=to_infusion_min, params=params
    )
    if match == "auc":
        return given.auc_ng_h_ml / one_mg.auc_ng_h_ml
    return given.cmax_ng_ml / one_mg.cmax_ng_ml


# --- The population -----------------------------------------------------------------------


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
    """Many patients of one weight, each with their own CL, V, F and ka, given one dose.

    Log-normal inter-individual variability around the typical values (the typical value
    is each spread's median). Computed a block of time points at a time: all patients at
    those times, their percentiles, then the next block; memory stays at a few blocks.
    """
    dose = _check_dose(route, dose_mg, weight_kg, infusion_min, formulation)
    count = _check_count(n)
    rng = np.random.default_rng(_check_seed(seed))
    t_h = _time_grid(hours, step_min)
    subjects = _subjects(dose, params, rng.standard_normal((4, count)))
    bands, cmax, peak_index = _run(_terms(subjects), t_h, count)
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


def _run(terms: list[_Term], t_h: Array, n: int) -> tuple[Array, Array, NDArray[np.intp]]:
    """All subjects a block of times at a time: (percentile bands, cmax, peak index)."""
    rows = max(1, _BLOCK_VALUES // n)
    conc_block = np.empty((rows, n))
    work = np.empty((2 * rows, n))
    bands = np.empty((len(PERCENTILES), t_h.size))
    cmax = np.full(n, -np.inf)
    peak_index = np.zeros(n, dtype=np.intp)
    # numpy's "linear" percentile: between order statistics floor(h) and floor(h) + 1,
    # h = (n - 1) p / 100.
    position = np.array(PERCENTILES) / 100 * (n - 1)
    below = np.floor(position).astype(np.intp)
    above = np.minimum(below + 1, n - 1)
    fraction = position - below
    higher = np.empty(n, dtype=bool)
    for start in range(0, t_h.size, rows):
        times = t_h[start : start + rows]
        conc = _add_concentrations(terms, times, conc_block[: times.size], work)
        # Sorted as float32: half the time of float64, for percentiles that move by less
        # than 1e-7 of themselves. The concentrations themselves are float64.
        ordered = np.sort(conc.astype(np.float32), axis=1)
        low, high = ordered[:, below].astype(np.float64), ordered[:, above]
        bands[:, start : start + times.size] = (low + fraction * (high - low)).T
        for offset, row in enumerate(conc):
            np.greater(row, cmax, out=higher)  # strictly: the first time of a repeated peak
            np.copyto(cmax, row, where=higher)
            np.copyto(peak_index, start + offset, where=higher)
    return bands, cmax, peak_index
