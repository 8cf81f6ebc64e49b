"""Ketamine pharmacokinetics: the three-compartment model checked against itself.

The closed form against an ODE solver, its published inputs, its population and its route
conversions. The published observations the model is compared with are in test_pk_evidence.py; this
file checks that the model computes what it says it computes.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import re
import threading
from typing import Any

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from scipy.integrate import solve_ivp

from ketacare.clinical import pk
from ketacare.clinical.pk import DEFAULT_PARAMETERS, InvalidPkInput, PkParameters

Z_95 = 1.6448536269514722  # the 95th percentile of the standard normal
LN2 = math.log(2)
NG_PER_MG_PER_L = 1000.0  # 1 mg/L = 1000 ng/mL

# Every way the model can give a dose: (route, dose mg, keyword arguments).
REGIMENS: list[tuple[str, float, dict[str, Any]]] = [
    ("iv", 35, {}),
    ("iv", 35, {"infusion_min": 40}),
    ("im", 50, {}),
    ("intranasal", 50, {}),
    ("intranasal", 56, {"formulation": "esketamine"}),
    ("sublingual", 100, {}),
    ("oral", 150, {}),
]
REGIMEN_IDS = [
    "iv-bolus",
    "iv-infusion",
    "im",
    "intranasal",
    "esketamine",
    "sublingual",
    "oral",
]

# CLINICAL.md B, as cited in pk.py: the typical F per route and the published ranges.
TYPICAL_F = {
    ("iv", "racemic"): 1.0,
    ("im", "racemic"): 0.93,
    ("sublingual", "racemic"): 0.29,
    ("oral", "racemic"): 0.21,
    ("intranasal", "racemic"): 0.45,
    ("intranasal", "esketamine"): 0.54,
}
PUBLISHED_F = {
    "iv": (1.0, 1.0),
    "im": (0.93, 0.93),
    "sublingual": (0.24, 0.32),
    "oral": (0.17, 0.25),
    "intranasal": (0.11, 0.45),
}
F_FIELD = {
    "im": "im_f",
    "sublingual": "sublingual_f",
    "oral": "oral_f",
    "intranasal": "intranasal_f",
}

NO_SPREAD = dataclasses.replace(
    DEFAULT_PARAMETERS,
    **{f.name: 0.0 for f in dataclasses.fields(DEFAULT_PARAMETERS) if f.name.endswith("_cv")},
)


def log_sd(cv: float) -> float:
    """The SD of log X for a log-normal X with this coefficient of variation."""
    return math.sqrt(math.log(1 + cv * cv))


def mucosal_share(route: str, formulation: str, params: PkParameters) -> float:
    """The share of a dose absorbed through the mucosa, by the rules pk.py states."""
    if route == "sublingual":
        return (params.sublingual_f - params.oral_f) / (1 - params.oral_f)
    if route == "intranasal":
        return params.nasal_share
    return 1.0  # iv, im and oral have one pathway (oral's is the swallowed one)


def ode_curve(subjects: pk.Subjects, t_h: np.ndarray, index: int = 0) -> np.ndarray:
    """One subject's concentration (ng/mL) by solving the compartment equations numerically.

    Central, shallow and deep compartments, and one depot per absorbed pathway. A pathway
    with an input time arrives at a constant rate over it (into the blood, or into its
    depot); the ODE is solved piecewise between the times where an input stops.
    """

    def one(values: np.ndarray) -> float:
        return float(values[index])

    cl, v1, q2, v2, q3, v3 = (
        one(values)
        for values in (
            subjects.clearance_l_per_h,
            subjects.central_volume_l,
            subjects.shallow_clearance_l_per_h,
            subjects.shallow_volume_l,
            subjects.deep_clearance_l_per_h,
            subjects.deep_volume_l,
        )
    )
    ways = subjects.pathways
    slots, ka = [], []
    for way in ways:
        if way.absorption_rate_per_h is None:
            slots.append(0)
        else:
            slots.append(3 + len(ka))
            ka.append(one(way.absorption_rate_per_h))
    rates = np.array(ka)
    y = np.zeros(3 + len(ka))
    for way, slot in zip(ways, slots, strict=True):
        if not way.input_h:
            y[slot] += one(way.amount_mg)

    end = float(t_h[-1])
    breaks = sorted({0.0, end, *(way.input_h for way in ways if 0 < way.input_h < end)})
    central = np.empty(t_h.size)
    for start, stop in itertools.pairwise(breaks):
        feed = np.zeros_like(y)
        for way, slot in zip(ways, slots, strict=True):
            if way.input_h > start:  # arriving over this whole piece
                feed[slot] += one(way.amount_mg) / way.input_h

        def rhs(_t: float, state: np.ndarray, feed: np.ndarray = feed) -> np.ndarray:
            a1, a2, a3 = state[:3]
            depots = state[3:]
            absorbed = float(rates @ depots)
            return np.array(
                [
                    feed[0] + absorbed - (cl + q2 + q3) / v1 * a1 + q2 / v2 * a2 + q3 / v3 * a3,
                    q2 / v1 * a1 - q2 / v2 * a2,
                    q3 / v1 * a1 - q3 / v3 * a3,
                    *(feed[3:] - rates * depots),
                ]
            )

        inside = (t_h >= start) & (t_h <= stop)
        times = np.union1d(t_h[inside], [start, stop])
        solution = solve_ivp(
            rhs, (start, stop), y, method="DOP853", t_eval=times, rtol=1e-12, atol=1e-12
        )
        assert solution.success
        central[inside] = solution.y[0][np.searchsorted(times, t_h[inside])]
        y = solution.y[:, -1]
    return central / v1 * NG_PER_MG_PER_L


# --- The disposition --------------------------------------------------------------------


def test_the_typical_adult_has_the_published_racemic_disposition() -> None:
    # Kamp 2020 clearance; CLINICAL.md B central volume 0.45 L/kg; Perez-Ruixo 2021 Table 3
    # peripheral compartments (Q1 84.3 L/h, Vp1 143 L; Q2 37.6 L/h, Vp2 417 L).
    d = pk.disposition(70)
    assert d.clearance_l_per_h == 79
    assert d.central_volume_l == pytest.approx(0.45 * 70)
    assert (d.shallow_clearance_l_per_h, d.shallow_volume_l) == (84.3, 143)
    assert (d.deep_clearance_l_per_h, d.deep_volume_l) == (37.6, 417)
    assert d.volume_l == pytest.approx(0.45 * 70 + 143 + 417)


def test_esketamine_has_its_own_clearance_and_central_volume_and_shares_the_rest() -> None:
    # Perez-Ruixo 2021: clearance 114 L/h, Vc 192 L; distribution shared (Henthorn 2018).
    esketamine = pk.disposition(70, formulation="esketamine")
    racemic = pk.disposition(70)
    assert esketamine.clearance_l_per_h == 114
    assert esketamine.central_volume_l == 192
    for name in ("shallow_clearance_l_per_h", "shallow_volume_l", "deep_clearance_l_per_h"):
        assert getattr(esketamine, name) == getattr(racemic, name)
    assert esketamine.deep_volume_l == racemic.deep_volume_l


@pytest.mark.parametrize("weight_kg", [30, 70, 250])
@pytest.mark.parametrize("formulation", pk.FORMULATIONS)
def test_the_rates_are_the_eigenvalues_of_the_compartment_equations(
    weight_kg: float, formulation: str
) -> None:
    d = pk.disposition(weight_kg, formulation=formulation)
    cl, v1, q2, v2, q3, v3 = (
        d.clearance_l_per_h,
        d.central_volume_l,
        d.shallow_clearance_l_per_h,
        d.shallow_volume_l,
        d.deep_clearance_l_per_h,
        d.deep_volume_l,
    )
    matrix = np.array(
        [
            [-(cl + q2 + q3) / v1, q2 / v2, q3 / v3],
            [q2 / v1, -q2 / v2, 0],
            [q3 / v1, 0, -q3 / v3],
        ]
    )
    expected = np.sort(-np.linalg.eigvals(matrix).real)[::-1]
    np.testing.assert_allclose(d.rates_per_h, expected, rtol=1e-10)
    assert d.rates_per_h[0] > d.rates_per_h[1] > d.rates_per_h[2] > 0
    np.testing.assert_allclose(d.half_lives_h, LN2 / expected, rtol=1e-10)


@pytest.mark.parametrize("formulation", pk.FORMULATIONS)
def test_clearances_scale_by_weight_to_the_three_quarters_and_volumes_in_proportion(
    formulation: str,
) -> None:
    light = pk.disposition(70, formulation=formulation)
    heavy = pk.disposition(140, formulation=formulation)
    for name in ("clearance_l_per_h", "shallow_clearance_l_per_h", "deep_clearance_l_per_h"):
        assert getattr(heavy, name) == pytest.approx(getattr(light, name) * 2**0.75)
    for name in ("central_volume_l", "shallow_volume_l", "deep_volume_l"):
        assert getattr(heavy, name) == pytest.approx(getattr(light, name) * 2)


def test_a_clinic_can_change_the_allometric_exponents() -> None:
    params = dataclasses.replace(DEFAULT_PARAMETERS, clearance_exponent=1.0, volume_exponent=0.0)
    d = pk.disposition(140, params=params)
    assert d.clearance_l_per_h == pytest.approx(79 * 2)
    assert d.central_volume_l == pytest.approx(0.45 * 70)


def test_a_heavier_patient_has_a_lower_peak_and_exposure_from_the_same_dose() -> None:
    light = pk.simulate("iv", 35, weight_kg=50)
    heavy = pk.simulate("iv", 35, weight_kg=100)
    assert heavy.auc_ng_h_ml == pytest.approx(light.auc_ng_h_ml / 2**0.75)
    assert heavy.conc_ng_ml[0] == pytest.approx(light.conc_ng_ml[0] / 2)


@pytest.mark.parametrize("formulation", pk.FORMULATIONS)
def test_every_intercompartmental_clearance_is_below_cardiac_output(formulation: str) -> None:
    # CLINICAL.md G11: no blood flow between compartments can exceed cardiac output,
    # about 300 L/h (5 L/min) in a 70 kg adult.
    d = pk.disposition(70, formulation=formulation)
    assert d.shallow_clearance_l_per_h < 300
    assert d.deep_clearance_l_per_h < 300


def test_the_iv_distribution_half_life_is_the_ketalar_labels_10_to_15_minutes() -> None:
    # The apparent half-life of the IV curve from 5 to 45 minutes after a bolus.
    profile = pk.simulate("iv", 35, weight_kg=70)
    c5, c45 = np.interp([5 / 60, 45 / 60], profile.t_h, profile.conc_ng_ml)
    half_life_min = 40 * LN2 / math.log(c5 / c45)
    assert 10 <= half_life_min <= 15


# --- Bioavailability and the pathways of each route --------------------------------------


@pytest.mark.parametrize(("route", "formulation"), list(TYPICAL_F))
def test_each_route_has_its_published_bioavailability(route: str, formulation: str) -> None:
    f = TYPICAL_F[route, formulation]
    assert pk.route_bioavailability(route, formulation=formulation) == pytest.approx(f)
    profile = pk.simulate(route, 80, weight_kg=70, formulation=formulation)
    assert profile.bioavailability == pytest.approx(f)
    absorbed = sum(float(way.amount_mg[0]) for way in profile.subjects.pathways)
    assert absorbed == pytest.approx(f * 80)


def test_the_published_ranges_are_those_of_clinical_b() -> None:
    assert {route: pk.PUBLISHED_F_RANGES[route, "racemic"] for route in pk.ROUTES} == PUBLISHED_F
    assert pk.PUBLISHED_F_RANGES["intranasal", "esketamine"] == (0.48, 0.54)
    assert DEFAULT_PARAMETERS.intranasal_f == pk.INTRANASAL_F_YANAGIHARA_2003 == 0.45
    assert pk.route_bioavailability(
        "intranasal", params=pk.LOW_INTRANASAL_F_PARAMETERS
    ) == pytest.approx((0.11 + 0.17) / 2)


@pytest.mark.parametrize(
    ("changes", "route", "formulation", "f"),
    [
        ({"im_f": 0.8}, "im", "racemic", 0.8),
        ({"oral_f": 0.17}, "oral", "racemic", 0.17),
        ({"sublingual_f": 0.32}, "sublingual", "racemic", 0.32),
        ({"sublingual_f": 0.6, "oral_f": 0.1}, "sublingual", "racemic", 0.6),
        ({"intranasal_f": 0.2}, "intranasal", "racemic", 0.2),
        ({"intranasal_f": 0.45, "nasal_share": 1.0}, "intranasal", "racemic", 0.45),
        ({"esketamine_intranasal_f": 0.48}, "intranasal", "esketamine", 0.48),
    ],
)
def test_a_clinics_bioavailability_is_the_routes_total_however_it_is_split(
    changes: dict[str, float], route: str, formulation: str, f: float
) -> None:
    params = dataclasses.replace(DEFAULT_PARAMETERS, **changes)
    assert pk.route_bioavailability(route, formulation=formulation, params=params) == (
        pytest.approx(f, rel=1e-12)
    )
    profile = pk.simulate(route, 100, weight_kg=70, formulation=formulation, params=params)
    assert profile.bioavailability == pytest.approx(f, rel=1e-12)


@settings(deadline=None, max_examples=60)
@given(oral_f=st.floats(0.01, 0.9), gap=st.floats(1e-6, 1.0))
def test_any_sublingual_f_above_oral_f_keeps_its_total(oral_f: float, gap: float) -> None:
    sublingual_f = oral_f + gap * (1 - oral_f)
    params = PkParameters(sublingual_f=sublingual_f, oral_f=oral_f)
    assert pk.route_bioavailability("sublingual", params=params) == pytest.approx(
        sublingual_f, rel=1e-12
    )
    mucosal, swallowed = pk.simulate(
        "sublingual", 1.0, weight_kg=70, params=params
    ).subjects.pathways
    share = (sublingual_f - oral_f) / (1 - oral_f)
    assert float(mucosal.amount_mg[0]) == pytest.approx(share, rel=1e-12)  # all of it absorbed
    assert float(swallowed.amount_mg[0]) == pytest.approx((1 - share) * oral_f, rel=1e-12)


@settings(deadline=None, max_examples=60)
@given(share=st.floats(0.05, 1.0), swallowed_f=st.floats(0.05, 0.5), mucosal_f=st.floats(0.01, 1))
@example(share=0.1, swallowed_f=0.21, mucosal_f=1.0)  # derived as 1 + 2e-16: that is 1
def test_an_intranasal_f_is_split_into_a_mucosal_and_a_swallowed_part(
    share: float, swallowed_f: float, mucosal_f: float
) -> None:
    total = share * mucosal_f + (1 - share) * swallowed_f
    params = PkParameters(
        nasal_share=share,
        oral_f=swallowed_f,
        sublingual_f=0.99,
        intranasal_f=total,
        # The esketamine split shares nasal_share: keep it feasible too.
        esketamine_intranasal_f=share * 0.5 + (1 - share) * 0.186,
    )
    pathways = pk.simulate("intranasal", 1.0, weight_kg=70, params=params).subjects.pathways
    mucosal, swallowed = (float(way.amount_mg[0]) for way in pathways)
    assert mucosal + swallowed == pytest.approx(total, rel=1e-12)
    assert swallowed == pytest.approx((1 - share) * swallowed_f, rel=1e-12)
    assert mucosal == pytest.approx(share * mucosal_f, rel=1e-9)


@pytest.mark.parametrize("dose_mg", [10, 100])
def test_each_route_takes_its_pathways(dose_mg: float) -> None:
    p = DEFAULT_PARAMETERS
    swallowed_rate = p.swallowed_absorption_rate_per_h
    assert pk.absorption_rates_per_h("iv") == (None,)
    assert pk.absorption_rates_per_h("oral") == (1.45,)
    assert pk.absorption_rates_per_h("sublingual") == (pytest.approx(60 / 13), 1.45)
    assert pk.absorption_rates_per_h("intranasal") == (2.93, swallowed_rate)
    assert pk.absorption_rates_per_h("intranasal", formulation="esketamine") == (2.93, 1.45)

    (bolus,) = pk.simulate("iv", dose_mg, weight_kg=70).subjects.pathways
    assert (float(bolus.amount_mg[0]), bolus.absorption_rate_per_h, bolus.input_h) == (
        dose_mg,
        None,
        0.0,
    )
    (drip,) = pk.simulate("iv", dose_mg, weight_kg=70, infusion_min=40).subjects.pathways
    assert drip.input_h == pytest.approx(40 / 60)
    (oral,) = pk.simulate("oral", dose_mg, weight_kg=70).subjects.pathways
    assert float(oral.amount_mg[0]) == pytest.approx(0.21 * dose_mg)
    assert oral.input_h == 0.53  # Perez-Ruixo 2021: emptied into the gut over 0.53 h

    share = (0.29 - 0.21) / (1 - 0.21)
    mucosa, swallowed = pk.simulate("sublingual", dose_mg, weight_kg=70).subjects.pathways
    assert float(mucosa.amount_mg[0]) == pytest.approx(share * dose_mg)
    assert float(swallowed.amount_mg[0]) == pytest.approx((1 - share) * 0.21 * dose_mg)
    assert (mucosa.input_h, swallowed.input_h) == (0.0, 0.53)

    nose, swallowed = pk.simulate("intranasal", dose_mg, weight_kg=70).subjects.pathways
    assert float(swallowed.amount_mg[0]) == pytest.approx(0.46 * 0.21 * dose_mg)
    assert float(nose.amount_mg[0]) == pytest.approx((0.45 - 0.46 * 0.21) * dose_mg)
    nose, swallowed = pk.simulate(
        "intranasal", dose_mg, weight_kg=70, formulation="esketamine"
    ).subjects.pathways
    # Perez-Ruixo 2021: the swallowed esketamine has F 18.6%.
    assert float(swallowed.amount_mg[0]) == pytest.approx(0.46 * 0.186 * dose_mg)
    assert float(nose.amount_mg[0]) == pytest.approx((0.54 - 0.46 * 0.186) * dose_mg)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"sublingual_f": 0.21}, r"sublingual_f \(0.21\) must be more than oral_f \(0.21\)"),
        ({"sublingual_f": 0.2}, r"sublingual_f \(0.2\) must be more than oral_f \(0.21\)"),
        ({"oral_f": 0.3}, r"sublingual_f \(0.29\) must be more than oral_f \(0.3\)"),
        (
            {"intranasal_f": 0.95},
            (
                rf"intranasal_f 0.95 needs {(0.95 - 0.46 * 0.21) / 0.54:.3f} of the 0.54 "
                r"absorbed through the mucosa \(with 0.21 of the swallowed rest\)"
            ),
        ),
        (
            {"intranasal_f": 0.09},
            rf"intranasal_f 0.09 needs {(0.09 - 0.46 * 0.21) / 0.54:.3f} of the 0.54",
        ),
        (
            {"esketamine_intranasal_f": 0.05},
            rf"esketamine_intranasal_f 0.05 needs {(0.05 - 0.46 * 0.186) / 0.54:.3f} of the",
        ),
        ({"nasal_share": 0.3}, r"intranasal_f 0.45 needs 1.010 of the 0.3"),
    ],
)
def test_an_impossible_split_is_refused_where_the_setting_is_made(
    changes: dict[str, float], message: str
) -> None:
    with pytest.raises(InvalidPkInput, match=message):
        dataclasses.replace(DEFAULT_PARAMETERS, **changes)


# --- Time to peak ---------------------------------------------------------------------------


@pytest.mark.parametrize("tmax_h", [0.1, 0.25, 0.5, 1.5])
def test_the_im_absorption_rate_is_fitted_to_the_time_to_peak(tmax_h: float) -> None:
    # Hirlinger & Dick 1984: IM peaks at 15 min (the default); a clinic may set another.
    params = dataclasses.replace(DEFAULT_PARAMETERS, im_tmax_h=tmax_h)
    profile = pk.simulate("im", 50, weight_kg=70, params=params)
    assert profile.tmax_h == pytest.approx(tmax_h, abs=1e-6)
    # An independent check that it is the peak: the ODE curve is lower a minute either side.
    around = np.array([tmax_h - 1 / 60, tmax_h, tmax_h + 1 / 60])
    numerical = ode_curve(profile.subjects, np.concatenate([[0.0], around]))[1:]
    assert numerical[1] > numerical[0]
    assert numerical[1] > numerical[2]
    assert profile.cmax_ng_ml == pytest.approx(numerical[1], rel=1e-8)
    assert DEFAULT_PARAMETERS.im_tmax_h == 0.25


@pytest.mark.parametrize("tmax_h", [1e-4, 200.0])
def test_an_im_time_to_peak_no_absorption_rate_reaches_is_refused(tmax_h: float) -> None:
    message = f"im_tmax_h {tmax_h:g} h is a time to peak the model cannot reach"
    with pytest.raises(InvalidPkInput, match=re.escape(message)):
        dataclasses.replace(DEFAULT_PARAMETERS, im_tmax_h=tmax_h)


def test_an_iv_bolus_peaks_at_once_at_dose_over_central_volume() -> None:
    profile = pk.simulate("iv", 35, weight_kg=70)
    assert profile.tmax_h == 0
    assert profile.conc_ng_ml[0] == pytest.approx(35 / (0.45 * 70) * NG_PER_MG_PER_L)
    assert profile.cmax_ng_ml == profile.conc_ng_ml[0]


@pytest.mark.parametrize("infusion_min", [5e-324, 1e-300, 9.9e-7])
def test_an_infusion_shorter_than_a_microminute_is_a_bolus(infusion_min: float) -> None:
    short = pk.simulate("iv", 35, weight_kg=70, infusion_min=infusion_min)
    bolus = pk.simulate("iv", 35, weight_kg=70)
    assert short.infusion_min == 0
    np.testing.assert_array_equal(short.conc_ng_ml, bolus.conc_ng_ml)


def test_an_infusion_of_a_microminute_is_an_infusion_and_nearly_a_bolus() -> None:
    short = pk.simulate("iv", 35, weight_kg=70, infusion_min=1e-6)
    bolus = pk.simulate("iv", 35, weight_kg=70)
    assert short.infusion_min == 1e-6
    np.testing.assert_allclose(short.conc_ng_ml[1:], bolus.conc_ng_ml[1:], rtol=1e-6)


@pytest.mark.parametrize("infusion_min", [40, 37.5, pk.MAX_INFUSION_MIN])
def test_an_iv_infusion_peaks_at_its_end(infusion_min: float) -> None:
    hours = infusion_min / 60 + 2
    profile = pk.simulate("iv", 35, weight_kg=70, infusion_min=infusion_min, hours=hours)
    assert profile.tmax_h == pytest.approx(infusion_min / 60, abs=1e-6)
    assert profile.cmax_ng_ml >= profile.conc_ng_ml.max()
    assert np.all(np.isfinite(profile.conc_ng_ml))


def test_a_peak_after_the_window_is_reported_at_the_windows_end() -> None:
    profile = pk.simulate("oral", 100, weight_kg=70, hours=0.5)
    assert profile.tmax_h == 0.5
    assert profile.cmax_ng_ml == profile.conc_ng_ml[-1]


@pytest.mark.parametrize(("route", "dose_mg", "options"), REGIMENS, ids=REGIMEN_IDS)
def test_the_peak_is_found_between_the_samples(
    route: str, dose_mg: float, options: dict[str, Any]
) -> None:
    coarse = pk.simulate(route, dose_mg, weight_kg=70, step_min=7, **options)
    fine = pk.simulate(route, dose_mg, weight_kg=70, step_min=0.01, **options)
    assert coarse.cmax_ng_ml >= coarse.conc_ng_ml.max()
    assert coarse.cmax_ng_ml == pytest.approx(fine.cmax_ng_ml, rel=1e-9)
    assert coarse.tmax_h == pytest.approx(fine.tmax_h, abs=1e-4)
    at_peak = pk.concentrations_ng_ml(coarse.subjects, np.array([coarse.tmax_h]))
    assert coarse.cmax_ng_ml == pytest.approx(float(at_peak[0, 0]), rel=1e-12)


@pytest.mark.parametrize("tmax_h", [0.1, 0.3, 0.75, 1.5, 3.0])
def test_a_fitted_im_dose_rises_to_one_peak_and_then_falls(tmax_h: float) -> None:
    # The fit solves for a zero slope at tmax: that is the peak only if there is one turn.
    params = dataclasses.replace(DEFAULT_PARAMETERS, im_tmax_h=tmax_h)
    profile = pk.simulate("im", 50, weight_kg=70, params=params, step_min=0.1)
    turns = np.flatnonzero(np.diff(np.sign(np.diff(profile.conc_ng_ml))))
    assert turns.size == 1
    assert profile.t_h[turns[0] + 1] == pytest.approx(tmax_h, abs=0.1 / 60)
    assert profile.conc_ng_ml[0] == pytest.approx(0, abs=1e-9)


# --- The closed form: the ODE, mass balance, linearity ---------------------------------------


@pytest.mark.parametrize("weight_kg", [30, 70, 250])
@pytest.mark.parametrize(("route", "dose_mg", "options"), REGIMENS, ids=REGIMEN_IDS)
def test_the_closed_form_matches_a_numerical_ode_solution_within_1e_6_of_cmax(
    route: str, dose_mg: float, options: dict[str, Any], weight_kg: float
) -> None:
    profile = pk.simulate(route, dose_mg, weight_kg=weight_kg, step_min=2, **options)
    numerical = ode_curve(profile.subjects, profile.t_h)
    assert np.max(np.abs(profile.conc_ng_ml - numerical)) < 1e-6 * profile.cmax_ng_ml


@pytest.mark.parametrize("input_h", [0.0, 0.53])
@pytest.mark.parametrize("which", [0, 1, 2])
def test_an_absorption_rate_equal_to_a_disposition_rate_is_still_exact(
    which: int, input_h: float
) -> None:
    # The textbook sum of exponentials divides by (ka - rate) here; the model does not.
    d = pk.disposition(70)
    rate = d.rates_per_h[which]
    subjects = pk.Subjects(
        *(np.array([value]) for value in dataclasses.astuple(d)),
        pathways=(pk.Pathway(np.array([29.0]), np.array([rate]), input_h),),
    )
    t_h = np.linspace(0, 12, 361)
    closed = pk.concentrations_ng_ml(subjects, t_h)[:, 0]
    numerical = ode_curve(subjects, t_h)
    assert np.all(np.isfinite(closed))
    assert np.max(np.abs(closed - numerical)) < 1e-6 * closed.max()


@pytest.mark.parametrize("which", [0, 1, 2])
def test_a_clinic_absorption_rate_equal_to_a_disposition_rate_is_still_exact(which: int) -> None:
    rate = pk.disposition(70).rates_per_h[which]
    params = dataclasses.replace(
        NO_SPREAD, nasal_absorption_rate_per_h=rate, swallowed_absorption_rate_per_h=rate
    )
    profile = pk.simulate("intranasal", 50, weight_kg=70, params=params, step_min=2)
    numerical = ode_curve(profile.subjects, profile.t_h)
    assert np.max(np.abs(profile.conc_ng_ml - numerical)) < 1e-6 * profile.cmax_ng_ml
    # The population's running products too.
    pop = pk.population("intranasal", 50, n=1, weight_kg=70, seed=0, params=params, step_min=2)
    assert np.max(np.abs(pop.percentiles[50] - numerical)) < 1e-6 * profile.cmax_ng_ml


@pytest.mark.parametrize(("route", "dose_mg", "options"), REGIMENS, ids=REGIMEN_IDS)
def test_everything_absorbed_is_cleared_auc_times_clearance_is_f_times_dose(
    route: str, dose_mg: float, options: dict[str, Any]
) -> None:
    profile = pk.simulate(route, dose_mg, weight_kg=70, **options)
    cleared_mg = profile.auc_ng_h_ml / NG_PER_MG_PER_L * profile.disposition.clearance_l_per_h
    f = TYPICAL_F[route, options.get("formulation", "racemic")]
    assert cleared_mg == pytest.approx(f * dose_mg, rel=1e-12)


@pytest.mark.parametrize(("route", "dose_mg", "options"), REGIMENS, ids=REGIMEN_IDS)
def test_the_area_under_the_sampled_curve_matches_the_analytic_auc_within_0_1_percent(
    route: str, dose_mg: float, options: dict[str, Any]
) -> None:
    # 48 h at 6-second steps by the trapezoid rule, the tail extrapolated at the slowest rate.
    profile = pk.simulate(route, dose_mg, weight_kg=70, hours=48, step_min=0.1, **options)
    slowest = profile.disposition.rates_per_h[2]
    area = np.trapezoid(profile.conc_ng_ml, profile.t_h) + profile.conc_ng_ml[-1] / slowest
    assert area == pytest.approx(profile.auc_ng_h_ml, rel=1e-3)


@settings(deadline=None, max_examples=40)
@given(
    route=st.sampled_from(pk.ROUTES),
    dose_mg=st.floats(1, 500),
    factor=st.floats(0.1, 10),
    weight_kg=st.floats(30, 250),
)
def test_concentrations_are_proportional_to_the_dose(
    route: str, dose_mg: float, factor: float, weight_kg: float
) -> None:
    one = pk.simulate(route, dose_mg, weight_kg=weight_kg)
    scaled = pk.simulate(route, dose_mg * factor, weight_kg=weight_kg)
    np.testing.assert_allclose(scaled.conc_ng_ml, one.conc_ng_ml * factor, rtol=1e-12, atol=1e-12)
    assert scaled.cmax_ng_ml == pytest.approx(one.cmax_ng_ml * factor, rel=1e-9)
    assert scaled.auc_ng_h_ml == pytest.approx(one.auc_ng_h_ml * factor, rel=1e-12)


def test_a_numpy_number_is_a_number() -> None:
    plain = pk.simulate("oral", 100, weight_kg=70)
    numpy = pk.simulate("oral", np.int64(100), weight_kg=np.float64(70))
    assert numpy.cmax_ng_ml == plain.cmax_ng_ml


@pytest.mark.parametrize(
    ("hours", "step_min", "expected_min"),
    [
        (12, 1, np.arange(721)),
        (1, 7, np.arange(0, 57, 7)),
        (0.1, 6, np.array([0, 6])),
        (12, 1 / 60, np.arange(43201) / 60),
    ],
)
def test_the_samples_run_every_step_from_0_to_the_end_of_the_window(
    hours: float, step_min: float, expected_min: np.ndarray
) -> None:
    profile = pk.simulate("oral", 100, weight_kg=70, hours=hours, step_min=step_min)
    np.testing.assert_allclose(profile.t_h * 60, expected_min, rtol=1e-12, atol=1e-9)
    assert profile.conc_ng_ml.shape == profile.t_h.shape


def test_the_profile_says_what_was_simulated() -> None:
    profile = pk.simulate("intranasal", 56, weight_kg=80, formulation="esketamine")
    assert (profile.route, profile.formulation, profile.dose_mg, profile.weight_kg) == (
        "intranasal",
        "esketamine",
        56.0,
        80.0,
    )
    assert profile.disposition == pk.disposition(80, formulation="esketamine")
    assert profile.infusion_min == 0


# --- The population ----------------------------------------------------------------------


def assert_population_is_its_curves(pop: pk.Population) -> None:
    """The sweep's bands, peaks and times equal those of the exp-based curves."""
    curves = pk.concentrations_ng_ml(pop.subjects, pop.t_h)
    scale = curves.max()
    for level in pk.PERCENTILES:
        expected = np.percentile(curves, level, axis=1)
        np.testing.assert_allclose(pop.percentiles[level], expected, rtol=1e-9, atol=1e-9 * scale)
    np.testing.assert_allclose(pop.cmax_ng_ml, curves.max(axis=0), rtol=1e-9, atol=1e-9 * scale)
    # The sampled time of each peak: the curve there is its maximum (ties are rounding).
    index = np.searchsorted(pop.t_h, pop.tmax_h)
    np.testing.assert_array_equal(pop.t_h[index], pop.tmax_h)
    at_peak = curves[index, np.arange(pop.n)]
    np.testing.assert_allclose(at_peak, curves.max(axis=0), rtol=1e-9, atol=1e-9 * scale)


@pytest.mark.parametrize(("route", "dose_mg", "options"), REGIMENS, ids=REGIMEN_IDS)
def test_the_percentiles_and_peaks_are_those_of_the_individual_curves(
    route: str, dose_mg: float, options: dict[str, Any]
) -> None:
    pop = pk.population(route, dose_mg, n=1001, weight_kg=70, seed=3, **options)
    assert_population_is_its_curves(pop)


def test_a_large_population_is_its_curves_too() -> None:
    # Past RunningPercentiles' tracking threshold (4096 patients), with a pathway that stops
    # arriving (0.53 h) and one that does not.
    pop = pk.population("sublingual", 100, n=5000, weight_kg=90, seed=11, hours=3)
    assert_population_is_its_curves(pop)


@pytest.mark.parametrize(("route", "dose_mg", "options"), REGIMENS, ids=REGIMEN_IDS)
def test_rows_made_in_a_second_thread_give_the_same_population(
    route: str, dose_mg: float, options: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    alone = pk.population(route, dose_mg, n=3000, weight_kg=70, seed=5, **options)
    monkeypatch.setattr(pk, "_AHEAD_PATIENTS", 1)
    ahead = pk.population(route, dose_mg, n=3000, weight_kg=70, seed=5, **options)
    for level in pk.PERCENTILES:
        np.testing.assert_array_equal(ahead.percentiles[level], alone.percentiles[level])
    np.testing.assert_array_equal(ahead.cmax_ng_ml, alone.cmax_ng_ml)
    np.testing.assert_array_equal(ahead.tmax_h, alone.tmax_h)
    assert_population_is_its_curves(ahead)


def test_a_failure_while_making_rows_ahead_reaches_the_caller(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    made = pk._RowMaker.rows

    def failing(self: Any, ring: np.ndarray) -> Any:
        for k, row in enumerate(made(self, ring)):
            if k == 7:
                raise FloatingPointError("row 7")
            yield row

    monkeypatch.setattr(pk, "_AHEAD_PATIENTS", 1)
    monkeypatch.setattr(pk._RowMaker, "rows", failing)
    before = threading.active_count()
    with pytest.raises(FloatingPointError, match="row 7"):
        pk.population("sublingual", 100, n=500, weight_kg=70, seed=1)
    assert threading.active_count() == before  # the row thread has ended


def test_a_failure_while_reading_rows_stops_the_thread_making_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    added = pk.RunningPercentiles.add
    calls = itertools.count()

    def failing(self: Any, row: np.ndarray) -> Any:
        if next(calls) == 9:
            raise ArithmeticError("percentiles")
        return added(self, row)

    monkeypatch.setattr(pk, "_AHEAD_PATIENTS", 1)
    monkeypatch.setattr(pk.RunningPercentiles, "add", failing)
    before = threading.active_count()
    with pytest.raises(ArithmeticError, match="percentiles"):
        pk.population("oral", 100, n=500, weight_kg=70, seed=1)
    assert threading.active_count() == before


def test_percentiles_are_ordered_at_every_time() -> None:
    pop = pk.population("intranasal", 50, n=2000, weight_kg=70, seed=1)
    assert set(pop.percentiles) == {5, 50, 95}
    assert np.all(pop.percentiles[5] <= pop.percentiles[50])
    assert np.all(pop.percentiles[50] <= pop.percentiles[95])
    assert np.all(pop.percentiles[5][1:] < pop.percentiles[95][1:])


def test_a_seed_makes_the_population_reproducible() -> None:
    first = pk.population("oral", 100, n=500, weight_kg=80, seed=7)
    again = pk.population("oral", 100, n=500, weight_kg=80, seed=7)
    other = pk.population("oral", 100, n=500, weight_kg=80, seed=8)
    for level in pk.PERCENTILES:
        np.testing.assert_array_equal(first.percentiles[level], again.percentiles[level])
    np.testing.assert_array_equal(first.cmax_ng_ml, again.cmax_ng_ml)
    np.testing.assert_array_equal(first.auc_ng_h_ml, again.auc_ng_h_ml)
    assert not np.array_equal(first.cmax_ng_ml, other.cmax_ng_ml)


def test_without_a_seed_each_population_is_drawn_afresh() -> None:
    first = pk.population("oral", 100, n=50, weight_kg=80)
    second = pk.population("oral", 100, n=50, weight_kg=80)
    assert not np.array_equal(first.auc_ng_h_ml, second.auc_ng_h_ml)


def test_each_patients_auc_is_their_absorbed_dose_over_their_clearance() -> None:
    pop = pk.population("sublingual", 100, n=500, weight_kg=70, seed=2, hours=1)
    subjects = pop.subjects
    absorbed = sum(way.amount_mg for way in subjects.pathways)
    expected = absorbed / subjects.clearance_l_per_h * NG_PER_MG_PER_L
    np.testing.assert_allclose(pop.auc_ng_h_ml, expected, rtol=1e-14)


@pytest.mark.parametrize(
    ("route", "formulation", "changes"),
    [
        ("im", "racemic", {"im_f_cv": 1.0}),
        ("oral", "racemic", {"oral_f": 0.6, "oral_f_cv": 1.0, "sublingual_f": 0.9}),
        ("sublingual", "racemic", {"sublingual_f_cv": 1.0}),
        ("intranasal", "racemic", {"intranasal_f_cv": 1.0}),
        ("intranasal", "esketamine", {"esketamine_intranasal_f_cv": 1.0}),
    ],
)
def test_no_patients_bioavailability_exceeds_one_on_any_pathway(
    route: str, formulation: str, changes: dict[str, float]
) -> None:
    params = dataclasses.replace(DEFAULT_PARAMETERS, **changes)
    pop = pk.population(
        route, 100, n=5000, weight_kg=70, seed=2, formulation=formulation, params=params, hours=0.1
    )
    share = mucosal_share(route, formulation, params)
    first, *rest = pop.subjects.pathways
    limits = [100 * share] + [100 * (1 - share)] * len(rest)
    capped = False
    for way, limit in zip(pop.subjects.pathways, limits, strict=True):
        assert way.amount_mg.max() <= limit * (1 + 1e-12)
        capped = capped or bool(np.any(way.amount_mg >= limit * (1 - 1e-12)))
    assert capped  # the spread is wide enough that the cap is reached
    total = sum(way.amount_mg for way in pop.subjects.pathways)
    assert total.max() <= 100 * (1 + 1e-12)
    assert first.amount_mg.min() > 0


@pytest.fixture(scope="module")
def sublingual_population() -> pk.Population:
    return pk.population("sublingual", 100, n=20_000, weight_kg=70, seed=1)


def assert_log_spread(values: np.ndarray, cv: float) -> None:
    """The SD of the logs matches the CV's log-normal SD within 5 standard errors."""
    expected = log_sd(cv)
    assert np.std(np.log(values)) == pytest.approx(expected, rel=5 / math.sqrt(2 * values.size))


def lower_log_spread(values: np.ndarray) -> float:
    """The log-normal SD read from the 5th-50th percentiles (below any cap)."""
    low, median = np.percentile(np.log(values), [5, 50])
    return float((median - low) / Z_95)


def test_each_drawn_spread_of_a_sublingual_population_is_its_cv(
    sublingual_population: pk.Population,
) -> None:
    s = sublingual_population.subjects
    p = DEFAULT_PARAMETERS
    assert_log_spread(s.clearance_l_per_h, p.clearance_cv)
    assert_log_spread(s.central_volume_l, p.central_volume_cv)
    assert_log_spread(s.shallow_volume_l, p.shallow_volume_cv)
    for fixed in (s.shallow_clearance_l_per_h, s.deep_clearance_l_per_h, s.deep_volume_l):
        assert np.ptp(fixed) == 0
    mucosa, swallowed = s.pathways
    assert_log_spread(mucosa.absorption_rate_per_h, p.mucosal_rate_cv)
    assert_log_spread(swallowed.absorption_rate_per_h, p.swallowed_rate_cv)
    assert lower_log_spread(swallowed.amount_mg) == pytest.approx(
        log_sd(17 / 32), rel=0.05
    )  # Chong 2006: sublingual F 32 +/- 17%
    # The six draws are independent of one another.
    logs = np.log(
        [
            s.clearance_l_per_h,
            s.central_volume_l,
            s.shallow_volume_l,
            swallowed.amount_mg,
            mucosa.absorption_rate_per_h,
            swallowed.absorption_rate_per_h,
        ]
    )
    off_diagonal = np.corrcoef(logs)[~np.eye(6, dtype=bool)]
    assert np.max(np.abs(off_diagonal)) < 4 / math.sqrt(s.count)


@pytest.mark.parametrize(
    ("route", "formulation", "f_cv", "rate_cvs"),
    [
        ("oral", "racemic", 9 / 23, (1.32,)),  # Chong 2006: oral F 23 +/- 9%
        ("intranasal", "racemic", 0.708 * 0.46, (0.615, 1.32)),  # Perez-Ruixo 2021 Table 3
        ("intranasal", "esketamine", 0.708 * 0.46, (0.615, 1.32)),
        ("im", "racemic", 0.0, (0.0,)),  # no published spread
        ("iv", "racemic", 0.0, (None,)),
    ],
)
def test_each_routes_bioavailability_and_absorption_spread_is_its_cv(
    route: str, formulation: str, f_cv: float, rate_cvs: tuple[float | None, ...]
) -> None:
    pop = pk.population(
        route, 100, n=20_000, weight_kg=70, seed=5, formulation=formulation, hours=0.1, step_min=6
    )
    ways = pop.subjects.pathways
    swallowed = ways[-1]
    if f_cv:
        assert lower_log_spread(swallowed.amount_mg) == pytest.approx(log_sd(f_cv), rel=0.05)
    else:
        assert np.ptp(swallowed.amount_mg) == 0
    for way, cv in zip(ways, rate_cvs, strict=True):
        if cv is None:
            assert way.absorption_rate_per_h is None
        elif cv:
            assert_log_spread(way.absorption_rate_per_h, cv)
        else:
            assert np.ptp(way.absorption_rate_per_h) == 0
    if len(ways) == 2:
        # One F draw per patient for the whole route: below its cap, the mucosal part moves
        # with the swallowed part.
        typical = pk.simulate(route, 100, weight_kg=70, formulation=formulation)
        mucosal_typical, swallowed_typical = (w.amount_mg[0] for w in typical.subjects.pathways)
        mucosal = ways[0].amount_mg / mucosal_typical
        moved = swallowed.amount_mg / swallowed_typical
        below = moved < 1
        assert np.count_nonzero(below) > pop.n / 3
        np.testing.assert_allclose(mucosal[below], moved[below], rtol=1e-9)


def test_the_median_patient_is_the_typical_patient() -> None:
    pop = pk.population("oral", 100, n=20_000, weight_kg=70, seed=4, hours=0.1, step_min=6)
    typical = pk.simulate("oral", 100, weight_kg=70)
    s, (way,) = pop.subjects, pop.subjects.pathways
    n = pop.n

    def assert_median(values: np.ndarray, expected: float, cv: float) -> None:
        # The standard error of a sample median of a normal is 1.2533 SD / sqrt(n).
        tolerance = 5 * 1.2533 * log_sd(cv) / math.sqrt(n)
        assert abs(math.log(float(np.median(values)) / expected)) < tolerance

    p = DEFAULT_PARAMETERS
    assert_median(s.clearance_l_per_h, typical.disposition.clearance_l_per_h, p.clearance_cv)
    assert_median(s.central_volume_l, typical.disposition.central_volume_l, p.central_volume_cv)
    assert_median(s.shallow_volume_l, typical.disposition.shallow_volume_l, p.shallow_volume_cv)
    assert_median(way.amount_mg, 21.0, p.oral_f_cv)
    assert_median(way.absorption_rate_per_h, 1.45, p.swallowed_rate_cv)
    combined = math.sqrt(log_sd(p.oral_f_cv) ** 2 + log_sd(p.clearance_cv) ** 2)
    assert abs(math.log(np.median(pop.auc_ng_h_ml) / typical.auc_ng_h_ml)) < (
        5 * 1.2533 * combined / math.sqrt(n)
    )


def test_sublingual_peaks_vary_several_fold_between_patients(
    sublingual_population: pk.Population,
) -> None:
    # CLINICAL.md G11: oral and sublingual exposure varies several-fold between patients.
    cmax = sublingual_population.cmax_ng_ml
    assert np.std(cmax) / np.mean(cmax) >= 0.40
    low, high = np.percentile(cmax, [5, 95])
    assert high / low >= 3


@pytest.mark.parametrize(("route", "dose_mg", "options"), REGIMENS, ids=REGIMEN_IDS)
def test_a_population_without_spread_is_the_typical_patient(
    route: str, dose_mg: float, options: dict[str, Any]
) -> None:
    pop = pk.population(route, dose_mg, n=3, weight_kg=70, seed=1, params=NO_SPREAD, **options)
    typical = pk.simulate(route, dose_mg, weight_kg=70, **options)
    scale = typical.cmax_ng_ml
    for level in pk.PERCENTILES:
        np.testing.assert_allclose(
            pop.percentiles[level], typical.conc_ng_ml, rtol=1e-9, atol=1e-9 * scale
        )
    np.testing.assert_allclose(pop.auc_ng_h_ml, typical.auc_ng_h_ml, rtol=1e-12)
    np.testing.assert_allclose(pop.cmax_ng_ml, typical.conc_ng_ml.max(), rtol=1e-9)
    # The refined peak is at least the sampled one (an infusion peaks on a sample).
    assert typical.cmax_ng_ml >= pop.cmax_ng_ml.max() * (1 - 1e-12)


def test_a_single_patient_population_works() -> None:
    pop = pk.population("sublingual", 100, n=1, weight_kg=70, seed=1)
    assert pop.cmax_ng_ml.shape == pop.tmax_h.shape == pop.auc_ng_h_ml.shape == (1,)
    np.testing.assert_array_equal(pop.percentiles[5], pop.percentiles[95])
    assert_population_is_its_curves(pop)


def test_the_population_says_what_was_simulated() -> None:
    pop = pk.population("iv", 35, n=10, weight_kg=60, seed=1, infusion_min=40)
    assert (pop.route, pop.formulation, pop.dose_mg, pop.weight_kg, pop.infusion_min, pop.n) == (
        "iv",
        "racemic",
        35.0,
        60.0,
        40.0,
        10,
    )
    assert pop.subjects.count == 10


# --- Equivalent doses ------------------------------------------------------------------------


PAIRS = [(a, b) for a in pk.ROUTES for b in pk.ROUTES if a != b]


@pytest.mark.parametrize(("from_route", "to_route"), PAIRS)
def test_matching_auc_scales_the_dose_by_the_cautious_bioavailabilities(
    from_route: str, to_route: str
) -> None:
    # CLINICAL.md G11: the from-route at its lowest published F, the to-route at its highest.
    result = pk.equivalent_dose(from_route, 40, to_route, weight_kg=70, match="auc")
    low_from, high_to = PUBLISHED_F[from_route][0], PUBLISHED_F[to_route][1]
    assert result.dose_mg == pytest.approx(low_from * 40 / high_to, rel=1e-12)
    typical = TYPICAL_F[from_route, "racemic"] * 40 / TYPICAL_F[to_route, "racemic"]
    assert result.typical_mg == pytest.approx(typical, rel=1e-12)
    assert (result.from_f, result.to_f) == (pytest.approx(low_from), pytest.approx(high_to))
    assert result.dose_mg <= result.typical_mg * (1 + 1e-12)
    assert (result.from_route, result.to_route, result.from_dose_mg, result.match) == (
        from_route,
        to_route,
        40.0,
        "auc",
    )


def cautious_cmax_dose(from_route: str, dose_mg: float, to_route: str, **sides: float) -> float:
    """The Cmax-matching dose with each side's curve scaled to its cautious published F.

    A different F scales a route's whole curve: the peak by F / typical F.
    """
    exposures = []
    for route, mg, which, infusion in (
        (from_route, dose_mg, 0, sides.get("from_infusion_min", 0.0)),
        (to_route, 1.0, 1, sides.get("to_infusion_min", 0.0)),
    ):
        profile = pk.simulate(route, mg, weight_kg=70, infusion_min=infusion)
        scale = 1.0
        if route != "iv" and from_route != to_route:
            scale = PUBLISHED_F[route][which] / profile.bioavailability
        exposures.append(profile.cmax_ng_ml * scale)
    return exposures[0] / exposures[1]


@pytest.mark.parametrize(("from_route", "to_route"), PAIRS)
def test_matching_cmax_uses_the_same_cautious_bioavailabilities(
    from_route: str, to_route: str
) -> None:
    sides = {"from_infusion_min": 40.0} if from_route == "iv" else {}
    result = pk.equivalent_dose(from_route, 40, to_route, weight_kg=70, match="cmax", **sides)
    expected = cautious_cmax_dose(from_route, 40, to_route, **sides)
    assert result.dose_mg == pytest.approx(min(expected, result.typical_mg), rel=1e-9)
    assert result.dose_mg <= result.typical_mg
    # The typical patient's dose lies inside the 5-95% range between patients.
    assert result.low_mg * (1 - 1e-12) <= result.typical_mg <= result.high_mg * (1 + 1e-12)


@pytest.mark.parametrize("match", pk.MATCHES)
@pytest.mark.parametrize(
    ("from_route", "to_route", "sides"),
    [
        ("iv", "sublingual", {"from_infusion_min": 40}),
        ("sublingual", "iv", {"to_infusion_min": 40}),
        ("intranasal", "oral", {}),
        ("oral", "im", {}),
    ],
)
def test_the_typical_equivalent_dose_gives_the_typical_patient_the_same_exposure(
    match: str, from_route: str, to_route: str, sides: dict[str, float]
) -> None:
    result = pk.equivalent_dose(from_route, 35, to_route, weight_kg=70, match=match, **sides)
    given = pk.simulate(
        from_route, 35, weight_kg=70, infusion_min=sides.get("from_infusion_min", 0)
    )
    target = pk.simulate(
        to_route, result.typical_mg, weight_kg=70, infusion_min=sides.get("to_infusion_min", 0)
    )
    field = "auc_ng_h_ml" if match == "auc" else "cmax_ng_ml"
    assert getattr(target, field) == pytest.approx(getattr(given, field), rel=1e-9)


ROUTE_PAIRS = st.tuples(st.sampled_from(pk.ROUTES), st.sampled_from(pk.ROUTES))


@settings(deadline=None, max_examples=25)
@given(
    routes=ROUTE_PAIRS,
    dose_mg=st.floats(1, 500),
    weight_kg=st.floats(30, 250),
    match=st.sampled_from(pk.MATCHES),
    infusion_min=st.floats(0, 120),
)
def test_the_proposed_dose_is_never_more_than_the_typical_one(
    routes: tuple[str, str], dose_mg: float, weight_kg: float, match: str, infusion_min: float
) -> None:
    from_route, to_route = routes
    sides = {
        "from_infusion_min": infusion_min if from_route == "iv" else 0.0,
        "to_infusion_min": infusion_min if to_route == "iv" else 0.0,
    }
    result = pk.equivalent_dose(
        from_route, dose_mg, to_route, weight_kg=weight_kg, match=match, **sides
    )
    assert 0 < result.dose_mg <= result.typical_mg
    assert result.low_mg <= result.high_mg
    # Converted back, the typical dose returns the dose.
    back = pk.equivalent_dose(
        to_route,
        result.typical_mg,
        from_route,
        weight_kg=weight_kg,
        match=match,
        from_infusion_min=sides["to_infusion_min"],
        to_infusion_min=sides["from_infusion_min"],
    )
    assert back.typical_mg == pytest.approx(dose_mg, rel=1e-8)


@pytest.mark.parametrize("match", pk.MATCHES)
@pytest.mark.parametrize("route", pk.ROUTES)
def test_the_same_route_returns_the_dose_itself(route: str, match: str) -> None:
    result = pk.equivalent_dose(route, 75, route, weight_kg=70, match=match)
    assert result.dose_mg == result.typical_mg == pytest.approx(75, rel=1e-12)
    assert result.notes == ()
    assert result.from_f == result.to_f == pytest.approx(TYPICAL_F[route, "racemic"])
    # Patients differ from dose to dose in F and absorption: even one route has a range.
    assert result.low_mg * (1 - 1e-12) <= 75 <= result.high_mg * (1 + 1e-12)


def test_converting_from_intranasal_reads_its_lowest_f_and_says_so() -> None:
    result = pk.equivalent_dose("intranasal", 50, "iv", weight_kg=70)
    assert result.from_f == pytest.approx(0.11)
    assert result.to_f == 1.0
    assert result.dose_mg == pytest.approx(0.11 * 50)
    (note,) = result.notes
    assert "intranasal bioavailability taken as 0.11, the lowest published" in note
    assert "0.11-0.45" in note
    assert "typical 0.45" in note


def test_converting_to_intranasal_reads_its_highest_f_and_says_so() -> None:
    result = pk.equivalent_dose("iv", 35, "intranasal", weight_kg=70)
    assert result.to_f == pytest.approx(0.45)
    assert result.dose_mg == pytest.approx(35 / 0.45)
    (note,) = result.notes
    assert "intranasal bioavailability taken as 0.45, the highest published" in note


def test_both_sides_with_a_published_range_get_a_note_each() -> None:
    result = pk.equivalent_dose("oral", 100, "sublingual", weight_kg=70)
    assert result.dose_mg == pytest.approx(0.17 * 100 / 0.32)
    assert len(result.notes) == 2
    assert "oral bioavailability taken as 0.17, the lowest published (0.17-0.25" in result.notes[0]
    assert "sublingual bioavailability taken as 0.32, the highest" in result.notes[1]


def test_a_route_with_a_single_published_f_needs_no_note() -> None:
    assert pk.equivalent_dose("im", 50, "iv", weight_kg=70).notes == ()


def test_a_clinics_own_f_outside_the_published_range_is_used_when_more_cautious() -> None:
    params = dataclasses.replace(DEFAULT_PARAMETERS, oral_f=0.15, sublingual_f=0.4)
    from_oral = pk.equivalent_dose("oral", 100, "iv", weight_kg=70, params=params)
    assert from_oral.from_f == pytest.approx(0.15)
    assert from_oral.dose_mg == pytest.approx(15)
    to_sublingual = pk.equivalent_dose("iv", 40, "sublingual", weight_kg=70, params=params)
    assert to_sublingual.to_f == pytest.approx(0.4)
    assert to_sublingual.dose_mg == pytest.approx(40 / 0.4)


def test_an_infusion_time_applies_to_the_iv_side_it_is_given_for() -> None:
    bolus = pk.equivalent_dose("sublingual", 100, "iv", weight_kg=70, match="cmax")
    slow = pk.equivalent_dose(
        "sublingual", 100, "iv", weight_kg=70, match="cmax", to_infusion_min=40
    )
    assert slow.typical_mg > bolus.typical_mg
    assert slow.dose_mg > bolus.dose_mg
    # AUC does not depend on how fast the dose goes in.
    auc_bolus = pk.equivalent_dose("iv", 35, "oral", weight_kg=70)
    auc_slow = pk.equivalent_dose("iv", 35, "oral", weight_kg=70, from_infusion_min=40)
    assert auc_slow.dose_mg == pytest.approx(auc_bolus.dose_mg, rel=1e-12)


@pytest.mark.parametrize(
    ("changes", "from_route", "to_route"),
    [
        # Valid clinic settings next to a conversion that reads other routes at their
        # published ends: the conversion scales only its own routes' curves.
        ({"intranasal_f": 0.11}, "iv", "oral"),
        ({"sublingual_f": 0.2475}, "iv", "oral"),
        ({"oral_f": 0.25}, "intranasal", "iv"),
        ({"intranasal_f": 0.63}, "oral", "iv"),
    ],
)
def test_a_valid_clinic_setting_does_not_break_a_conversion_between_other_routes(
    changes: dict[str, float], from_route: str, to_route: str
) -> None:
    params = dataclasses.replace(DEFAULT_PARAMETERS, **changes)
    result = pk.equivalent_dose(from_route, 35, to_route, weight_kg=70, params=params)
    assert result.dose_mg <= result.typical_mg
    low, _ = pk.PUBLISHED_F_RANGES[result.from_route, "racemic"]
    _, high = pk.PUBLISHED_F_RANGES[result.to_route, "racemic"]
    assert result.from_f <= low or result.from_route == "iv"
    assert result.to_f >= high


# --- Bad input -------------------------------------------------------------------------------


GOOD: dict[str, Any] = {"route": "sublingual", "dose_mg": 100, "weight_kg": 70}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"route": "rectal"}, "route must be one of iv, im, intranasal, sublingual, oral"),
        ({"route": None}, "route must be one of"),
        ({"dose_mg": 0}, "dose_mg must be a number of mg above 0"),
        ({"dose_mg": -5}, "dose_mg must be"),
        ({"dose_mg": math.nan}, "dose_mg must be"),
        ({"dose_mg": math.inf}, "dose_mg must be"),
        ({"dose_mg": True}, "dose_mg must be"),
        ({"dose_mg": "100"}, "dose_mg must be"),
        ({"weight_kg": 29.9}, "weight_kg must be a number of kg from 30 to 250"),
        ({"weight_kg": 250.1}, "weight_kg must be"),
        ({"weight_kg": math.nan}, "weight_kg must be"),
        ({"weight_kg": math.inf}, "weight_kg must be"),
        ({"weight_kg": True}, "weight_kg must be"),
        ({"infusion_min": -1}, r"infusion_min must be a number of minutes from 0 \(a bolus\)"),
        ({"infusion_min": math.nan}, "infusion_min must be"),
        ({"infusion_min": True}, "infusion_min must be"),
        ({"route": "iv", "infusion_min": pk.MAX_INFUSION_MIN + 1}, "to 1440, not 1441"),
        ({"infusion_min": 40}, "infusion_min applies to route 'iv' only"),
        ({"hours": 0}, "hours must be a number of hours above 0"),
        ({"hours": -1}, "hours must be"),
        ({"hours": math.inf}, "hours must be"),
        ({"hours": False}, "hours must be"),
        ({"step_min": 0}, "step_min must be a number of minutes above 0"),
        ({"step_min": math.nan}, "step_min must be"),
        ({"hours": 1, "step_min": 61}, "step_min must be at most the whole window"),
        ({"formulation": "arketamine"}, "formulation must be one of racemic, esketamine"),
        ({"formulation": "esketamine"}, "formulation 'esketamine' is given intranasally only"),
        ({"route": "iv", "formulation": "esketamine"}, "not by route 'iv'"),
    ],
)
def test_bad_input_is_refused_with_a_message_naming_it(
    changes: dict[str, Any], message: str
) -> None:
    arguments = GOOD | changes
    with pytest.raises(InvalidPkInput, match=message):
        pk.simulate(**arguments)
    with pytest.raises(InvalidPkInput, match=message):
        pk.population(**arguments, n=10, seed=1)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"n": 0}, "n must be a whole number of patients, 1 or more"),
        ({"n": 10.0}, "n must be"),
        ({"n": True}, "n must be"),
        ({"n": "10"}, "n must be"),
        ({"seed": -1}, "seed must be None or a whole number 0 or more"),
        ({"seed": 1.5}, "seed must be"),
        ({"seed": True}, "seed must be"),
        ({"seed": "1"}, "seed must be"),
    ],
)
def test_a_bad_population_size_or_seed_is_refused(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidPkInput, match=message):
        pk.population(**(GOOD | {"n": 10, "seed": 1} | changes))


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"match": "tmax"}, "match must be one of auc, cmax, not 'tmax'"),
        ({"from_route": "rectal"}, "route must be one of"),
        ({"to_route": "nasal"}, "route must be one of"),
        ({"dose_mg": 0}, "dose_mg must be"),
        ({"dose_mg": math.nan}, "dose_mg must be"),
        ({"weight_kg": 20}, "weight_kg must be"),
        ({"from_infusion_min": 40}, "infusion_min applies to route 'iv' only"),
        ({"to_infusion_min": 40}, "infusion_min applies to route 'iv' only"),
        ({"from_route": "iv", "from_infusion_min": -1}, "infusion_min must be"),
    ],
)
def test_a_bad_conversion_is_refused(arguments: dict[str, Any], message: str) -> None:
    call = {"from_route": "oral", "dose_mg": 100, "to_route": "sublingual", "weight_kg": 70}
    with pytest.raises(InvalidPkInput, match=message):
        pk.equivalent_dose(**(call | arguments))


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: pk.disposition(20), "weight_kg must be"),
        (lambda: pk.disposition(70, formulation="x"), "formulation must be one of"),
        (lambda: pk.absorption_rates_per_h("nasal"), "route must be one of"),
        (lambda: pk.absorption_rates_per_h("oral", formulation="esketamine"), "intranasally"),
        (lambda: pk.route_bioavailability("buccal"), "route must be one of"),
        (lambda: pk.route_bioavailability("im", formulation="esketamine"), "intranasally"),
    ],
)
def test_the_helpers_refuse_bad_input_too(call: Any, message: str) -> None:
    with pytest.raises(InvalidPkInput, match=message):
        call()


@pytest.mark.parametrize(
    "t_h",
    [
        np.array([-1.0, 0.0]),
        np.array([0.0, np.nan]),
        np.zeros((2, 2)),
        np.array([np.inf]),
        np.array(0.5),
    ],
)
def test_concentrations_are_only_for_times_after_the_dose(t_h: np.ndarray) -> None:
    subjects = pk.simulate("oral", 100, weight_kg=70).subjects
    with pytest.raises(InvalidPkInput, match="t_h must be a one-dimensional array of hours"):
        pk.concentrations_ng_ml(subjects, t_h)


FIELDS = [f.name for f in dataclasses.fields(PkParameters)]


def test_every_parameter_has_a_range_check() -> None:
    suffixes = ("_f", "_share", "_cv", "_exponent", "_h", "_l", "_kg", "_min")
    assert [name for name in FIELDS if not name.endswith(suffixes)] == []


@pytest.mark.parametrize("name", FIELDS)
@pytest.mark.parametrize("value", [math.nan, math.inf, True, "1", None])
def test_a_parameter_that_is_not_a_finite_number_is_refused(name: str, value: object) -> None:
    with pytest.raises(InvalidPkInput, match=f"{name} must be a finite number, not"):
        dataclasses.replace(DEFAULT_PARAMETERS, **{name: value})


@pytest.mark.parametrize("name", FIELDS)
def test_a_parameter_outside_its_range_is_refused(name: str) -> None:
    if name.endswith(("_f", "_share")):
        bad, message = [0.0, -0.1, 1.01], "must be a fraction above 0 and at most 1"
    elif name.endswith(("_cv", "_exponent")):
        bad, message = [-0.1], "must be 0 or more"
    else:
        bad, message = [0.0, -1.0], "must be more than 0"
    for value in bad:
        with pytest.raises(InvalidPkInput, match=f"{name} {message}, not {value}"):
            dataclasses.replace(DEFAULT_PARAMETERS, **{name: value})


def test_a_spread_or_exponent_of_zero_is_allowed() -> None:
    params = dataclasses.replace(NO_SPREAD, clearance_exponent=0.0, volume_exponent=0.0)
    assert pk.disposition(140, params=params) == pk.disposition(70, params=params)


# --- What the caller gets back cannot be changed ----------------------------------------------


def test_the_curves_cannot_be_changed_by_the_caller() -> None:
    profile = pk.simulate("oral", 100, weight_kg=70)
    pop = pk.population("oral", 100, n=20, weight_kg=70, seed=1, hours=1)
    arrays = [
        profile.t_h,
        profile.conc_ng_ml,
        pop.t_h,
        pop.cmax_ng_ml,
        pop.tmax_h,
        pop.auc_ng_h_ml,
        *pop.percentiles.values(),
    ]
    for values in arrays:
        with pytest.raises(ValueError, match="read-only"):
            values[0] = 1.0
    with pytest.raises(TypeError):
        pop.percentiles[50] = profile.conc_ng_ml  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        profile.cmax_ng_ml = 0.0  # type: ignore[misc]
