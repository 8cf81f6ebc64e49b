"""The model's names and fixed figures: routes, formulations, published bioavailabilities.

The routes and formulations the model takes, the accepted weights and infusion times,
each route's published bioavailability (CLINICAL.md B; the ranges conversions read,
CLINICAL.md G11), the units, and the one error every refusal raises.
"""

from __future__ import annotations

from collections.abc import Mapping
from statistics import NormalDist
from types import MappingProxyType
from typing import Literal, get_args

import numpy as np
from numpy.typing import NDArray

from ketacare.clinical import dosing

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

# CLINICAL.md C: the IV reference dose for depression, 0.5 mg/kg over 40 min (range
# 0.1-0.75): what the preview compares an at-home dose against.
IV_REFERENCE_MG_PER_KG = 0.5
IV_REFERENCE_INFUSION_MIN = 40.0

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


class InvalidPkInput(ValueError):
    """A dose, patient, route or model setting the model cannot use; the message says why."""
