"""Ketamine pharmacokinetics: the closed-form model against CLINICAL.md B and an ODE solver."""

from __future__ import annotations

import dataclasses
import itertools
import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import solve_ivp

from ketacare.clinical import pk
from ketacare.clinical.pk import DEFAULT_PARAMETERS, InvalidPkInput

Z_95 = 1.6448536269514722  # the 95th percentile of the standard normal
LN2 = math.log(2)

# Every way the model can give a dose: (route, dose mg, keyword arguments).
REGIMENS: list[tuple[str, float, dict[str, Any]]] = [
    ("iv", 35, {}),
    ("iv", 35, {"infusion_min": 40}),
    ("im", 50, {}),
    ("im", 50, {"params": dataclasses.replace(DEFAULT_PARAMETERS, im_tmax_h=0.25)}),
    ("intranasal", 50, {}),
    ("intranasal", 56, {"formulation": "esketamine"}),
    ("sublingual", 100, {}),
    (
        "sublingual",
        100,
        {"params": dataclasses.replace(DEFAULT_PARAMETERS, sublingual_swallowed_fraction=0.5)},
    ),
    ("oral", 150, {}),
]
REGIMEN_IDS = [
    "iv-bolus",
    "iv-infusion",
    "im",
    "im-absorbed",
    "intranasal",
    "esketamine",
    "sublingual",
    "sublingual-split",
    "oral",
]


def ode_curve(subjects: pk.Subjects, t_h: np.ndarray) -> np.ndarray:
    """One subject's concentration (ng/mL) by solving the compartment equations numerically."""
    cl, v1, q, v2 = (
        float(values[0])
        for values in (
            subjects.clearance_l_per_h,
            subjects.central_volume_l,
            subjects.intercompartmental_clearance_l_per_h,
            subjects.peripheral_volume_l,
        )
    )
    gut = [
        (float(way.amount_mg[0]), float(way.absorption_rate_per_h[0]))
        for way in subjects.pathways
        if way.absorption_rate_per_h is not None
    ]
    direct = [way for way in subjects.pathways if way.absorption_rate_per_h is None]
    bolus_mg = sum(float(way.amount_mg[0]) for way in direct if not way.infusion_h)
    infusions = [
        (float(way.amount_mg[0]) / way.infusion_h, way.infusion_h)
        for way in direct
        if way.infusion_h
    ]

    def rhs(t: float, y: np.ndarray, infusing: float) -> list[float]:
        central, peripheral, *gut_mg = y
        into_blood = infusing + sum(ka * mg for (_, ka), mg in zip(gut, gut_mg, strict=True))
        return [
            into_blood - (cl + q) / v1 * central + q / v2 * peripheral,
            q / v1 * central - q / v2 * peripheral,
            *(-ka * mg for (_, ka), mg in zip(gut, gut_mg, strict=True)),
        ]

    # Solved piecewise between the ends of infusions, where the input rate jumps.
    end = float(t_h[-1])
    breaks = sorted({0.0, end, *(stop for _, stop in infusions if stop < end)})
    y = np.array([bolus_mg, 0.0, *(mg for mg, _ in gut)])
    central = np.empty(t_h.size)
    for start, stop in itertools.pairwise(breaks):
        infusing = sum(rate for rate, until in infusions if start < until)
        inside = (t_h >= start) & (t_h <= stop)
        times = np.union1d(t_h[inside], [stop])
        solution = solve_ivp(
            rhs,
            (start, stop),
            y,
            method="DOP853",
            t_eval=times,
            args=(infusing,),
            rtol=1e-11,
            atol=1e-12,
        )
        central[inside] = solution.y[0][np.searchsorted(times, t_h[inside])]
        y = solution.y[:, -1]
    return central / v1 * 1000


# --- The disposition: CLINICAL.md B's numbers and the derived inter-compartmental clearance


def test_the_typical_adult_has_kamps_clearance_and_volume() -> None:
    d = pk.disposition(70)
    assert d.clearance_l_per_h == 79
    assert d.central_volume_l == pytest.approx(0.45 * 70)
    assert d.central_volume_l + d.peripheral_volume_l == pytest.approx(252)


@pytest.mark.parametrize("half_life_h", [2.3, 2.5, 3.0])
def test_the_intercompartmental_clearance_gives_the_chosen_terminal_half_life(
    half_life_h: float,
) -> None:
    params = dataclasses.replace(DEFAULT_PARAMETERS, terminal_half_life_h=half_life_h)
    assert pk.disposition(70, params=params).terminal_half_life_h == pytest.approx(half_life_h)


def test_the_derived_intercompartmental_clearance_is_about_1500_l_per_h() -> None:
    # Kamp's volume and clearance leave 2.3 h only just above the one-compartment 2.21 h,
    # so the peripheral compartment must fill fast: distribution half-life under a minute.
    d = pk.disposition(70)
    alpha, beta = d.rates_per_h
    assert d.intercompartmental_clearance_l_per_h == pytest.approx(1512, abs=1)
    assert LN2 / alpha * 60 == pytest.approx(0.73, abs=0.01)
    assert LN2 / beta == pytest.approx(2.3)


def test_a_half_life_shorter_than_volume_over_clearance_allows_is_refused() -> None:
    # ln 2 x 252 / 79 = 2.211 h: the lower end of B's "2-3 h" is impossible with Kamp's CL, V.
    with pytest.raises(InvalidPkInput, match=r"terminal_half_life_h must be longer than 2\.211"):
        dataclasses.replace(DEFAULT_PARAMETERS, terminal_half_life_h=2.2)


def test_esketamine_has_its_own_disposition_from_the_label() -> None:
    d = pk.disposition(70, formulation="esketamine")
    assert d.clearance_l_per_h == pytest.approx((89 + 114) / 2)
    assert d.central_volume_l + d.peripheral_volume_l == pytest.approx((709 + 752) / 2)
    assert d.terminal_half_life_h == pytest.approx(9.5)


@pytest.mark.parametrize("formulation", ["racemic", "esketamine"])
def test_clearances_scale_by_weight_to_the_three_quarters_and_volumes_in_proportion(
    formulation: str,
) -> None:
    light = pk.disposition(70, formulation=formulation)
    heavy = pk.disposition(140, formulation=formulation)
    assert heavy.clearance_l_per_h / light.clearance_l_per_h == pytest.approx(2**0.75)
    assert heavy.intercompartmental_clearance_l_per_h == pytest.approx(
        light.intercompartmental_clearance_l_per_h * 2**0.75
    )
    assert heavy.central_volume_l / light.central_volume_l == pytest.approx(2)
    assert heavy.peripheral_volume_l / light.peripheral_volume_l == pytest.approx(2)


def test_a_heavier_patient_has_a_lower_peak_and_exposure_from_the_same_dose() -> None:
    light = pk.simulate("iv", 35, weight_kg=50)
    heavy = pk.simulate("iv", 35, weight_kg=100)
    assert heavy.auc_ng_h_ml == pytest.approx(light.auc_ng_h_ml / 2**0.75)
    assert heavy.conc_ng_ml[0] == pytest.approx(light.conc_ng_ml[0] / 2)


# --- Bioavailability and time to peak per route (CLINICAL.md B) ----------------------------


@pytest.mark.parametrize(
    ("route", "f"),
    [("iv", 1.0), ("im", 0.93), ("sublingual", 0.29), ("oral", 0.21), ("intranasal", 0.45)],
)
def test_each_route_has_the_bioavailability_of_clinical_b(route: str, f: float) -> None:
    assert pk.simulate(route, 100, weight_kg=70).bioavailability == pytest.approx(f)


def test_esketamine_nasal_bioavailability_is_the_labels_midpoint() -> None:
    profile = pk.simulate("intranasal", 56, weight_kg=70, formulation="esketamine")
    assert profile.bioavailability == pytest.approx(0.51)


def test_intranasal_racemic_defaults_to_the_higher_published_bioavailability() -> None:
    assert DEFAULT_PARAMETERS.intranasal_f == pk.INTRANASAL_F_YANAGIHARA_2003 == 0.45
    low = pk.simulate("intranasal", 50, weight_kg=70, params=pk.LOW_INTRANASAL_F_PARAMETERS)
    high = pk.simulate("intranasal", 50, weight_kg=70)
    assert low.bioavailability == pytest.approx(0.14)
    assert high.auc_ng_h_ml / low.auc_ng_h_ml == pytest.approx(0.45 / 0.14)


@pytest.mark.parametrize("weight_kg", [30, 70, 250])
@pytest.mark.parametrize(
    ("route", "formulation", "low_h", "high_h"),
    [
        ("sublingual", "racemic", 0.25, 1.0),  # ~0.75 h (0.25-1.0)
        ("intranasal", "racemic", 15 / 60, 40 / 60),  # 15-40 min
        ("intranasal", "esketamine", 15 / 60, 40 / 60),
        ("oral", "racemic", 0.9, 1.1),  # ~1 h
    ],
)
def test_the_time_to_peak_is_within_clinical_b_for_every_weight(
    route: str, formulation: str, low_h: float, high_h: float, weight_kg: float
) -> None:
    profile = pk.simulate(route, 100, weight_kg=weight_kg, formulation=formulation)
    assert low_h <= profile.tmax_h <= high_h


@pytest.mark.parametrize(
    ("route", "formulation", "tmax_h"),
    [
        ("sublingual", "racemic", 0.75),
        ("oral", "racemic", 1.0),
        ("intranasal", "racemic", 27.5 / 60),
        ("intranasal", "esketamine", 27.5 / 60),
    ],
)
def test_the_absorption_rate_is_fitted_to_the_chosen_time_to_peak_at_70_kg(
    route: str, formulation: str, tmax_h: float
) -> None:
    assert pk.simulate(route, 100, weight_kg=70, formulation=formulation).tmax_h == (
        pytest.approx(tmax_h, abs=1e-6)
    )
    (ka,) = pk.absorption_rates_per_h(route, formulation=formulation)
    assert ka is not None
    assert ka > 0


def test_an_iv_bolus_peaks_at_the_end_of_the_injection() -> None:
    assert pk.simulate("iv", 35, weight_kg=70).tmax_h == 0


@pytest.mark.parametrize("infusion_min", [40, 37.5])
def test_an_iv_infusion_peaks_at_its_end(infusion_min: float) -> None:
    profile = pk.simulate("iv", 35, weight_kg=70, infusion_min=infusion_min)
    assert profile.tmax_h == pytest.approx(infusion_min / 60, abs=1e-6)


def test_im_has_no_published_time_to_peak_so_it_enters_the_blood_at_once() -> None:
    assert DEFAULT_PARAMETERS.im_tmax_h is None
    assert pk.absorption_rates_per_h("im") == (None,)
    im = pk.simulate("im", 50, weight_kg=70)
    assert im.tmax_h == 0
    assert im.cmax_ng_ml == pytest.approx(0.93 * 50 / 31.5 * 1000)


def test_a_clinic_can_give_im_a_time_to_peak() -> None:
    params = dataclasses.replace(DEFAULT_PARAMETERS, im_tmax_h=0.25)
    assert pk.simulate("im", 50, weight_kg=70, params=params).tmax_h == pytest.approx(0.25)


def test_a_peak_after_the_window_is_reported_at_the_windows_end() -> None:
    profile = pk.simulate("oral", 100, weight_kg=70, hours=0.5)
    assert profile.tmax_h == 0.5
    assert profile.cmax_ng_ml == profile.conc_ng_ml[-1]


def test_the_peak_is_found_between_the_samples() -> None:
    coarse = pk.simulate("sublingual", 100, weight_kg=70, step_min=10)
    fine = pk.simulate("sublingual", 100, weight_kg=70)
    assert coarse.tmax_h == pytest.approx(0.75, abs=1e-6)
    assert coarse.cmax_ng_ml == pytest.approx(fine.cmax_ng_ml, rel=1e-12)
    assert coarse.cmax_ng_ml >= coarse.conc_ng_ml.max()


@pytest.mark.parametrize("tmax_h", [0.1, 0.3, 0.75, 1.5, 3.0])
def test_an_absorbed_dose_rises_to_one_peak_and_then_falls(tmax_h: float) -> None:
    # The fit of absorption rates and the spread of the time to peak assume one peak.
    params = dataclasses.replace(DEFAULT_PARAMETERS, im_tmax_h=tmax_h)
    conc = pk.simulate("im", 50, weight_kg=70, params=params, step_min=0.1).conc_ng_ml
    turns = np.flatnonzero(np.diff(np.sign(np.diff(conc))))
    assert turns.size == 1


# --- The sublingual dose as a swallowed and a mucosal part ----------------------------------


@pytest.mark.parametrize("swallowed", [0.2, 0.5, 0.8])
def test_a_split_sublingual_dose_keeps_clinical_bs_bioavailability_and_peak(
    swallowed: float,
) -> None:
    params = dataclasses.replace(DEFAULT_PARAMETERS, sublingual_swallowed_fraction=swallowed)
    profile = pk.simulate("sublingual", 100, weight_kg=70, params=params)
    assert profile.bioavailability == pytest.approx(0.29)
    assert profile.tmax_h == pytest.approx(0.75, abs=1e-6)
    mucosal_ka, oral_ka = pk.absorption_rates_per_h("sublingual", params=params)
    assert oral_ka == pk.absorption_rates_per_h("oral")[0]
    assert mucosal_ka is not None
    assert oral_ka is not None
    assert mucosal_ka > oral_ka


def test_sublingual_is_one_absorption_unless_a_clinic_sets_a_swallowed_fraction() -> None:
    assert DEFAULT_PARAMETERS.sublingual_swallowed_fraction == 0
    assert len(pk.absorption_rates_per_h("sublingual")) == 1


# --- The closed form: mass balance, back-extrapolation, the ODE, linearity ------------------


@pytest.mark.parametrize(("route", "dose_mg", "options"), REGIMENS, ids=REGIMEN_IDS)
def test_everything_absorbed_is_cleared_auc_times_clearance_is_f_times_dose(
    route: str, dose_mg: float, options: dict[str, Any]
) -> None:
    profile = pk.simulate(route, dose_mg, weight_kg=70, **options)
    cleared_mg = profile.auc_ng_h_ml / 1000 * profile.disposition.clearance_l_per_h
    assert cleared_mg == pytest.approx(profile.bioavailability * dose_mg, rel=1e-12)


@pytest.mark.parametrize(("route", "dose_mg", "options"), REGIMENS, ids=REGIMEN_IDS)
def test_the_area_under_the_sampled_curve_matches_the_analytic_auc_within_0_1_percent(
    route: str, dose_mg: float, options: dict[str, Any]
) -> None:
    # 48 h at 6-second steps by the trapezoid rule, the tail after 48 h extrapolated with
    # the terminal rate (it matters only for esketamine's 9.5 h half-life).
    profile = pk.simulate(route, dose_mg, weight_kg=70, hours=48, step_min=0.1, **options)
    _, beta = profile.disposition.rates_per_h
    area = np.trapezoid(profile.conc_ng_ml, profile.t_h) + profile.conc_ng_ml[-1] / beta
    assert area == pytest.approx(profile.auc_ng_h_ml, rel=1e-3)


def test_an_iv_bolus_starts_at_dose_over_central_volume_and_falls_biexponentially() -> None:
    profile = pk.simulate("iv", 35, weight_kg=70)
    assert profile.conc_ng_ml[0] == pytest.approx(35 / 31.5 * 1000)
    # The terminal phase, 4-12 h, is a straight line in log scale with slope -beta.
    tail = profile.t_h >= 4
    slope, _ = np.polyfit(profile.t_h[tail], np.log(profile.conc_ng_ml[tail]), 1)
    assert LN2 / -slope == pytest.approx(2.3, rel=1e-6)


@pytest.mark.parametrize("weight_kg", [30, 70, 250])
@pytest.mark.parametrize(("route", "dose_mg", "options"), REGIMENS, ids=REGIMEN_IDS)
def test_the_closed_form_matches_a_numerical_ode_solution_within_0_1_percent_of_cmax(
    route: str, dose_mg: float, options: dict[str, Any], weight_kg: float
) -> None:
    profile = pk.simulate(route, dose_mg, weight_kg=weight_kg, **options)
    numerical = ode_curve(profile.subjects, profile.t_h)
    assert np.max(np.abs(profile.conc_ng_ml - numerical)) < 1e-3 * profile.cmax_ng_ml


def test_an_absorption_rate_equal_to_a_disposition_rate_is_still_exact() -> None:
    # The textbook sum of exponentials divides by (ka - rate) here; the model does not.
    d = pk.disposition(70)
    for rate in d.rates_per_h:
        subjects = pk.Subjects(
            *(np.array([v]) for v in dataclasses.astuple(d)),
            pathways=(pk.Pathway(np.array([29.0]), np.array([rate])),),
        )
        t_h = np.linspace(0, 12, 721)
        closed = pk.concentrations_ng_ml(subjects, t_h)[:, 0]
        numerical = ode_curve(subjects, t_h)
        assert np.all(np.isfinite(closed))
        assert np.max(np.abs(closed - numerical)) < 1e-6 * closed.max()


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
    np.testing.assert_allclose(scaled.conc_ng_ml, one.conc_ng_ml * factor, rtol=1e-12, atol=0)
    assert scaled.cmax_ng_ml == pytest.approx(one.cmax_ng_ml * factor, rel=1e-9)
    assert scaled.auc_ng_h_ml == pytest.approx(one.auc_ng_h_ml * factor, rel=1e-12)


def test_a_numpy_number_is_a_number() -> None:
    plain = pk.simulate("oral", 100, weight_kg=70)
    numpy = pk.simulate("oral", np.int64(100), weight_kg=np.float64(70))
    assert numpy.cmax_ng_ml == plain.cmax_ng_ml


def test_the_curve_and_its_times_cannot_be_changed_by_the_caller() -> None:
    profile = pk.simulate("oral", 100, weight_kg=70)
    with pytest.raises(ValueError, match="read-only"):
        profile.conc_ng_ml[0] = 1.0


def test_the_default_window_is_12_hours_in_minute_steps() -> None:
    profile = pk.simulate("oral", 100, weight_kg=70)
    assert profile.t_h.size == 721
    assert profile.t_h[-1] == pytest.approx(12)
    assert profile.t_h[1] == pytest.approx(1 / 60)


# --- Equivalent doses ------------------------------------------------------------------------


def test_matching_auc_scales_the_dose_by_the_bioavailabilities() -> None:
    mg = pk.equivalent_dose("iv", 35, "sublingual", weight_kg=70, match="auc")
    assert mg == pytest.approx(35 / 0.29)


def test_oral_to_match_the_iv_reference_exposure_is_within_andrades_2_to_2_5_mg_per_kg() -> None:
    # CLINICAL.md C: IV 0.5 mg/kg over 40 min; oral roughly 2-2.5 mg/kg (Andrade 2019).
    mg = pk.equivalent_dose("iv", 35, "oral", weight_kg=70, from_infusion_min=40)
    assert 2 <= mg / 70 <= 2.5


@settings(deadline=None, max_examples=30)
@given(
    route=st.sampled_from(pk.ROUTES),
    dose_mg=st.floats(1, 200),
    weight_kg=st.floats(30, 250),
    match=st.sampled_from(pk.MATCHES),
)
def test_an_equivalent_dose_converted_back_returns_the_dose(
    route: str, dose_mg: float, weight_kg: float, match: str
) -> None:
    there = pk.equivalent_dose("iv", dose_mg, route, weight_kg=weight_kg, match=match)
    back = pk.equivalent_dose(route, there, "iv", weight_kg=weight_kg, match=match)
    assert back == pytest.approx(dose_mg, rel=1e-9)


@pytest.mark.parametrize("match", pk.MATCHES)
def test_the_equivalent_dose_gives_the_same_exposure(match: str) -> None:
    mg = pk.equivalent_dose("iv", 35, "sublingual", weight_kg=70, match=match, from_infusion_min=40)
    iv = pk.simulate("iv", 35, weight_kg=70, infusion_min=40)
    sublingual = pk.simulate("sublingual", mg, weight_kg=70)
    field = "auc_ng_h_ml" if match == "auc" else "cmax_ng_ml"
    assert getattr(sublingual, field) == pytest.approx(getattr(iv, field), rel=1e-9)


def test_an_infusion_time_applies_to_the_iv_side_it_is_given_for() -> None:
    bolus = pk.equivalent_dose("sublingual", 100, "iv", weight_kg=70, match="cmax")
    slow = pk.equivalent_dose(
        "sublingual", 100, "iv", weight_kg=70, match="cmax", to_infusion_min=40
    )
    assert slow > bolus


# --- The population ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def sublingual_population() -> pk.Population:
    return pk.population("sublingual", 100, n=20_000, weight_kg=70, seed=1)


def test_percentiles_are_ordered_at_every_time(sublingual_population: pk.Population) -> None:
    bands = sublingual_population.percentiles
    assert set(bands) == {5, 50, 95}
    assert np.all(bands[5] <= bands[50])
    assert np.all(bands[50] <= bands[95])
    assert np.all(bands[5][1:] < bands[95][1:])


def test_a_seed_makes_the_population_reproducible() -> None:
    first = pk.population("oral", 100, n=500, weight_kg=80, seed=7)
    again = pk.population("oral", 100, n=500, weight_kg=80, seed=7)
    other = pk.population("oral", 100, n=500, weight_kg=80, seed=8)
    for level in pk.PERCENTILES:
        np.testing.assert_array_equal(first.percentiles[level], again.percentiles[level])
    np.testing.assert_array_equal(first.cmax_ng_ml, again.cmax_ng_ml)
    assert not np.array_equal(first.cmax_ng_ml, other.cmax_ng_ml)


def test_without_a_seed_each_population_is_drawn_afresh() -> None:
    first = pk.population("oral", 100, n=50, weight_kg=80)
    second = pk.population("oral", 100, n=50, weight_kg=80)
    assert not np.array_equal(first.auc_ng_h_ml, second.auc_ng_h_ml)


@pytest.mark.parametrize(("route", "dose_mg", "options"), REGIMENS, ids=REGIMEN_IDS)
def test_the_percentiles_are_those_of_the_individual_curves(
    route: str, dose_mg: float, options: dict[str, Any]
) -> None:
    pop = pk.population(route, dose_mg, n=3001, weight_kg=70, seed=3, **options)
    curves = pk.concentrations_ng_ml(pop.subjects, pop.t_h)
    for level in pk.PERCENTILES:
        expected = np.percentile(curves, level, axis=1)
        np.testing.assert_allclose(pop.percentiles[level], expected, rtol=1e-6, atol=1e-9)
    np.testing.assert_array_equal(pop.cmax_ng_ml, curves.max(axis=0))
    np.testing.assert_array_equal(pop.tmax_h, pop.t_h[curves.argmax(axis=0)])


def test_each_patients_auc_is_their_f_times_dose_over_their_clearance(
    sublingual_population: pk.Population,
) -> None:
    subjects = sublingual_population.subjects
    (way,) = subjects.pathways
    expected = way.amount_mg / subjects.clearance_l_per_h * 1000
    np.testing.assert_allclose(sublingual_population.auc_ng_h_ml, expected, rtol=1e-14)


@pytest.mark.parametrize(("route", "dose_mg", "options"), REGIMENS, ids=REGIMEN_IDS)
def test_a_population_without_spread_is_the_typical_patient(
    route: str, dose_mg: float, options: dict[str, Any]
) -> None:
    params = options.pop("params", DEFAULT_PARAMETERS)
    no_spread = dataclasses.replace(
        params, **{f.name: 0.0 for f in dataclasses.fields(params) if f.name.endswith("_cv")}
    )
    pop = pk.population(route, dose_mg, n=3, weight_kg=70, seed=1, params=no_spread, **options)
    typical = pk.simulate(route, dose_mg, weight_kg=70, params=no_spread, **options)
    for level in pk.PERCENTILES:
        np.testing.assert_allclose(pop.percentiles[level], typical.conc_ng_ml, rtol=1e-6)
    np.testing.assert_allclose(pop.auc_ng_h_ml, typical.auc_ng_h_ml, rtol=1e-12)


def test_no_patients_bioavailability_exceeds_one() -> None:
    params = dataclasses.replace(DEFAULT_PARAMETERS, sublingual_f=0.9, sublingual_f_cv=1.0)
    pop = pk.population("sublingual", 100, n=5000, weight_kg=70, seed=2, params=params)
    (way,) = pop.subjects.pathways
    assert way.amount_mg.max() == 100
    assert np.mean(way.amount_mg == 100) > 0.3


def test_the_median_patient_is_the_typical_patient(sublingual_population: pk.Population) -> None:
    typical = pk.simulate("sublingual", 100, weight_kg=70)
    assert np.median(sublingual_population.auc_ng_h_ml) == pytest.approx(
        typical.auc_ng_h_ml, rel=0.03
    )
    assert np.median(sublingual_population.tmax_h) == pytest.approx(0.75, abs=1 / 60)


def test_the_spread_of_the_time_to_peak_has_the_width_of_clinical_bs_range(
    sublingual_population: pk.Population,
) -> None:
    # CLINICAL.md B: sublingual peak 0.25-1.0 h, read as the 5th-95th percentiles. The
    # population matches the range's width (a factor of 4) around B's median of 0.75 h.
    low, high = np.percentile(sublingual_population.tmax_h, [5, 95])
    assert high / low == pytest.approx(4, rel=0.1)


def test_the_nasal_time_to_peak_spreads_over_clinical_bs_15_to_40_minutes() -> None:
    pop = pk.population("intranasal", 50, n=20_000, weight_kg=70, seed=1)
    low, high = np.percentile(pop.tmax_h * 60, [5, 95])
    assert low == pytest.approx(15, abs=3)
    assert high == pytest.approx(40, abs=3)


@pytest.mark.parametrize(
    ("field", "low", "high"),
    [
        ("sublingual_f_cv", 0.24, 0.32),
        ("oral_f_cv", 0.17, 0.25),
        ("esketamine_intranasal_f_cv", 0.48, 0.54),
        ("esketamine_clearance_cv", 89, 114),
        ("esketamine_volume_cv", 709, 752),
        ("sublingual_tmax_cv", 0.25, 1.0),
        ("intranasal_tmax_cv", 15, 40),
    ],
)
def test_a_reported_range_becomes_the_5th_to_95th_percentiles_of_a_log_normal(
    field: str, low: float, high: float
) -> None:
    log_sd = math.log(high / low) / (2 * Z_95)
    assert getattr(DEFAULT_PARAMETERS, field) == pytest.approx(math.sqrt(math.exp(log_sd**2) - 1))


def test_clearance_and_volume_share_the_spread_of_the_half_life() -> None:
    # CLINICAL.md B: 2.3 +/- 0.5 h. The half-life goes as V / CL, so the log-variances add.
    def log_var(cv: float) -> float:
        return math.log1p(cv**2)

    shared = log_var(DEFAULT_PARAMETERS.clearance_cv) + log_var(DEFAULT_PARAMETERS.volume_cv)
    assert shared == pytest.approx(log_var(0.5 / 2.3))
    assert DEFAULT_PARAMETERS.volume_cv == pytest.approx(
        math.sqrt(math.exp((math.log(0.5 / 0.4) / (2 * Z_95)) ** 2) - 1)
    )


def test_the_population_half_lives_spread_about_as_clinical_b_reports() -> None:
    pop = pk.population("iv", 35, n=20_000, weight_kg=70, seed=4)
    s = pop.subjects
    k10 = s.clearance_l_per_h / s.central_volume_l
    k12 = s.intercompartmental_clearance_l_per_h / s.central_volume_l
    k21 = s.intercompartmental_clearance_l_per_h / s.peripheral_volume_l
    total = k10 + k12 + k21
    beta = (total - np.sqrt(total**2 - 4 * k10 * k21)) / 2
    half_life = LN2 / beta
    assert np.mean(half_life) == pytest.approx(2.3, abs=0.1)
    assert np.std(half_life) == pytest.approx(0.5, abs=0.1)


@pytest.mark.parametrize(
    ("route", "formulation", "zero_spreads"),
    [
        ("iv", "racemic", ("f", "ka")),
        ("im", "racemic", ("f", "ka")),
        ("oral", "racemic", ("ka",)),
        ("intranasal", "racemic", ("f",)),
        ("intranasal", "esketamine", ("ka",)),
    ],
)
def test_where_clinical_b_reports_no_spread_there_is_none(
    route: str, formulation: str, zero_spreads: tuple[str, ...]
) -> None:
    pop = pk.population(route, 50, n=200, weight_kg=70, seed=5, formulation=formulation)
    (way,) = pop.subjects.pathways
    if "f" in zero_spreads:
        assert np.ptp(way.amount_mg) == 0
    if "ka" in zero_spreads and way.absorption_rate_per_h is not None:
        assert np.ptp(way.absorption_rate_per_h) == 0


def test_a_single_patient_population_works() -> None:
    pop = pk.population("sublingual", 100, n=1, weight_kg=70, seed=1)
    assert pop.cmax_ng_ml.shape == (1,)
    np.testing.assert_array_equal(pop.percentiles[5], pop.percentiles[95])


def test_an_esketamine_population_has_the_labels_spreads() -> None:
    pop = pk.population("intranasal", 56, n=2000, weight_kg=70, seed=1, formulation="esketamine")
    assert pop.formulation == "esketamine"
    cv = np.std(np.log(pop.subjects.clearance_l_per_h))
    assert cv == pytest.approx(math.log(114 / 89) / (2 * Z_95), rel=0.1)


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
        ({"infusion_min": -1}, "infusion_min must be a number of minutes, 0"),
        ({"infusion_min": math.nan}, "infusion_min must be"),
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
        ({"seed": -1}, "seed must be None or a whole number 0 or more"),
        ({"seed": 1.5}, "seed must be"),
        ({"seed": True}, "seed must be"),
    ],
)
def test_a_bad_population_size_or_seed_is_refused(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidPkInput, match=message):
        pk.population(**(GOOD | {"n": 10, "seed": 1} | changes))


def test_an_unknown_match_is_refused() -> None:
    with pytest.raises(InvalidPkInput, match="match must be one of auc, cmax, not 'tmax'"):
        pk.equivalent_dose("iv", 35, "oral", weight_kg=70, match="tmax")


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: pk.disposition(20), "weight_kg must be"),
        (lambda: pk.disposition(70, formulation="x"), "formulation must be one of"),
        (lambda: pk.absorption_rates_per_h("nasal"), "route must be one of"),
        (
            lambda: pk.absorption_rates_per_h("oral", formulation="esketamine"),
            "intranasally only",
        ),
        (lambda: pk.equivalent_dose("iv", 0, "oral", weight_kg=70), "dose_mg must be"),
    ],
)
def test_the_helpers_refuse_bad_input_too(call: Any, message: str) -> None:
    with pytest.raises(InvalidPkInput, match=message):
        call()


@pytest.mark.parametrize(
    "t_h", [np.array([-1.0, 0.0]), np.array([0.0, np.nan]), np.zeros((2, 2)), np.array([np.inf])]
)
def test_concentrations_are_only_for_times_after_the_dose(t_h: np.ndarray) -> None:
    subjects = pk.simulate("oral", 100, weight_kg=70).subjects
    with pytest.raises(InvalidPkInput, match="t_h must be a one-dimensional array of hours"):
        pk.concentrations_ng_ml(subjects, t_h)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"sublingual_f": 0}, "sublingual_f must be a bioavailability above 0 and at most 1"),
        ({"oral_f": 1.2}, "oral_f must be a bioavailability"),
        ({"intranasal_f": math.nan}, "intranasal_f must be a finite number"),
        ({"clearance_l_per_h": True}, "clearance_l_per_h must be a finite number"),
        ({"im_tmax_h": "soon"}, "im_tmax_h must be a finite number"),
        ({"clearance_cv": -0.1}, "clearance_cv must be 0 or more"),
        ({"volume_exponent": -1}, "volume_exponent must be 0 or more"),
        ({"volume_l": 0}, "volume_l must be more than 0"),
        ({"reference_weight_kg": -70}, "reference_weight_kg must be more than 0"),
        ({"sublingual_tmax_h": 0}, "sublingual_tmax_h must be more than 0"),
        ({"sublingual_swallowed_fraction": 1.0}, "must be at least 0 and below 1"),
        ({"sublingual_swallowed_fraction": -0.1}, "must be at least 0 and below 1"),
        ({"volume_l": 30}, r"volume_l \(30 L\) must exceed the central volume"),
        ({"esketamine_volume_l": 30}, "esketamine_volume_l"),
        ({"esketamine_terminal_half_life_h": 4}, "esketamine_terminal_half_life_h must be longer"),
        ({"sublingual_tmax_h": 1e-5}, "sublingual_tmax_h 1e-05 h is a time to peak the model"),
        ({"oral_tmax_h": 100}, "oral_tmax_h 100 h is a time to peak the model cannot reach"),
        ({"sublingual_tmax_cv": 100}, "sublingual_tmax_cv 100 is a wider spread"),
        ({"sublingual_swallowed_fraction": 0.95}, "needs a mucosal bioavailability of 1.810"),
        (
            {"sublingual_swallowed_fraction": 0.5, "sublingual_f": 0.1},
            "needs a mucosal bioavailability of -0.010",
        ),
        (
            {"sublingual_swallowed_fraction": 0.89},
            r"sublingual_tmax_h \(with sublingual_swallowed_fraction 0.89\)",
        ),
    ],
)
def test_an_impossible_clinic_setting_is_refused_where_it_is_made(
    changes: dict[str, Any], message: str
) -> None:
    with pytest.raises(InvalidPkInput, match=message):
        dataclasses.replace(DEFAULT_PARAMETERS, **changes)
