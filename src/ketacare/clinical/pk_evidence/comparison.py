"""The model against a published row: its figure for the same dose, and within 2x or not.

`predict` gives the model's figure for an observation's dose (`pk.simulate`); `ratio` is
model over published (over the nearer end of a published range); `within` holds it to
the issue's tolerance of 2x either way.
"""

from __future__ import annotations

import math

import numpy as np

from ketacare.clinical import pk
from ketacare.clinical.pk_evidence.observation import _MIN_PER_H, Observation

# Within 2x: the tolerance for a model against published observations.
TOLERANCE = 2.0
_EDGE = 1e-6
# The windows over which the label's two phases are read off an IV bolus curve: the
# distribution phase "lasting about 45 minutes" (Ketalar label), from 5 min (after mixing);
# the elimination phase from 2 h to 8 h (the sampling of the single-dose studies).
_ALPHA_WINDOW_H = (5 / _MIN_PER_H, 45 / _MIN_PER_H)
_BETA_WINDOW_H = (2.0, 8.0)


def predict(observation: Observation, params: pk.PkParameters = pk.DEFAULT_PARAMETERS) -> float:
    """The model's figure for an observation's dose, in the observation's unit."""
    profile = pk.simulate(
        observation.route,
        observation.dose_mg,
        weight_kg=observation.weight_kg,
        infusion_min=observation.infusion_min,
        formulation=observation.formulation,
        params=params,
        hours=12.0,
    )
    quantity = observation.quantity
    if quantity == "cmax":
        return profile.cmax_ng_ml
    if quantity == "tmax":
        return profile.tmax_h
    if quantity == "auc":
        return profile.auc_ng_h_ml
    if quantity == "steady state":
        clearance = profile.disposition.clearance_l_per_h
        return observation.rate_mg_per_h / clearance * 1000  # mg/L to ng/mL
    if quantity == "concentration":
        return _at(profile, observation.at_h or 0.0)
    window = _ALPHA_WINDOW_H if quantity == "distribution half-life" else _BETA_WINDOW_H
    early, late = (_at(profile, t) for t in window)
    return math.log(2) * (window[1] - window[0]) / math.log(early / late)


def _at(profile: pk.Profile, t_h: float) -> float:
    return float(pk.concentrations_ng_ml(profile.subjects, np.array([t_h]))[0, 0])


def ratio(observation: Observation, params: pk.PkParameters = pk.DEFAULT_PARAMETERS) -> float:
    """Model over published; for a published range, over its nearer end (1 inside it)."""
    model = predict(observation, params)
    high = observation.value if observation.high is None else observation.high
    if model < observation.value:
        return model / observation.value
    return model / high if model > high else 1.0


def within(value: float) -> bool:
    """Whether a ratio is within the tolerance either way (its edge included).

    The edge is widened by 1e-6 for rounding: a time to peak of exactly half the published
    one (Hirlinger 1984's 15 against 30 min) is within 2x, not a rounding error outside it.
    """
    return 1 / TOLERANCE - _EDGE <= value <= TOLERANCE + _EDGE
