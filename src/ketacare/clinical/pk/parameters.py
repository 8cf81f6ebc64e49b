"""Every number of the ketamine model, each cited where it is set, and what they give.

`PkParameters` holds the disposition, the routes' bioavailabilities and absorption, and
the between-patient spreads, from published population pharmacokinetics (tabled in
docs/pharmacokinetics.md). From them: a typical patient's disposition at a weight
(scaled allometrically, CLINICAL.md B), and each route's absorption rates and
bioavailability.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from ketacare.clinical.pk.compartments import Disposition, _reference_disposition
from ketacare.clinical.pk.figures import (
    _MIN_PER_H,
    INTRANASAL_F_2022,
    INTRANASAL_F_YANAGIHARA_2003,
    InvalidPkInput,
)
from ketacare.clinical.pk.inputs import (
    _check_formulation,
    _check_formulation_name,
    _check_route,
    _check_weight,
    _is_real,
)
from ketacare.clinical.pk.routes import _ROUTE_FORMULATIONS, _route_model

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
